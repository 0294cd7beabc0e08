"""Read-outs several pages share: why a run stopped early, and an optimizer's rule and code."""

import streamlit as st


def divergence_message(diverged_at, has_minimum, stable_rate=None, where=st):
    """A plain sentence on why the run stopped early: a lesson, not an error."""
    if has_minimum:
        hint = (f" The largest rate on the slider that stays finite here is η = {stable_rate:.4g}."
                if stable_rate is not None else "")
        where.warning(f"**Diverged at step {diverged_at}**: the learning rate is too large for this "
                      "surface. Each step overshoots further than the last, until the numbers blow up. "
                      f"The path is shown up to step {diverged_at - 1}; try a smaller learning rate.{hint}")
    else:
        where.warning(f"**Ran off the map at step {diverged_at}**: this surface has no minimum, so the "
                      "loss keeps falling forever and the path leaves the plot. "
                      f"The path is shown up to step {diverged_at - 1}.")


def rule_and_code(spec):
    """The optimizer's update rule in LaTeX, its paper and the source code that really runs."""
    st.latex(spec.latex)
    st.caption(f"Paper: {spec.paper}")
    st.code(spec.source, language="python")
