"""Lesson: adaptive learning rates, as a race of the seven optimizers from the same start."""

import streamlit as st

from optimizers import OPTIMIZERS
from plotting import internals_figure, losses_figure, paths_animation, style
from ui import compute, controls, panels, race
from ui.errors import friendly_errors
from ui.start import CHART_KEY, start_controls
from ui.stepping import step_controls

st.title("Optimizer race")
st.markdown("Idea 2 of the lecture: *do something smarter*. Adaptive optimizers change their step "
            "size as they go, per weight, from the gradients they have seen. Here they all start from "
            "the same point on the same surface; watch who turns the corners, who overshoots, who stalls.")

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("rosenbrock")
    chosen = race.chosen_optimizers()
    steps = int(st.slider("Number of steps", 1, compute.MAX_STEPS, 300, key="steps", bind="query-params"))
    start = start_controls(landscape)
    settings = race.settings(chosen)

if not chosen:
    st.warning("Pick at least one optimizer in the sidebar.")
    st.stop()

context = (landscape_key, theta, tuple(start), steps)
st.button("⚖️ Fair comparison: tune each learning rate", on_click=race.tune, args=(context, chosen, settings))
race.tuned_note(context)

trajectories, runs = {}, {}
for key in chosen:
    trajectories[key] = compute.trajectory(landscape_key, theta, key, tuple(sorted(settings[key].items())),
                                           tuple(start))
    runs[key] = compute.cut(trajectories[key], steps)

k = step_controls(max(len(run[0]) for run in runs.values()) - 1)
xs, ys, z = compute.grid(landscape_key, theta)
with friendly_errors("drawing the race"):
    paths = [dict(name=OPTIMIZERS[key].name, colour=style.OPTIMIZER_COLOURS[key], path=run[0])
             for key, run in runs.items()]
    st.plotly_chart(paths_animation(xs, ys, z, paths, log_color=landscape.log_color, minima=landscape.minima,
                                    inspect_step=k, clickable=True, tail=12),
                    key=CHART_KEY, on_select="rerun", selection_mode="points",
                    config={"displayModeBar": False})

with friendly_errors("drawing the loss curves"):
    log_y = st.toggle("Logarithmic loss axis", value=True, key="log_loss", bind="query-params")
    series = [dict(name=OPTIMIZERS[key].name, colour=style.OPTIMIZER_COLOURS[key], loss=run[2],
                   diverged_at=run[3]) for key, run in runs.items()]
    st.plotly_chart(losses_figure(series, inspect_step=k, min_value=landscape.min_value, log_y=log_y),
                    key="losses")
    st.dataframe(race.results_table(runs, landscape, 1e-3), hide_index=True)

st.subheader(f"Inside the optimizers at step {k}")
st.caption("Left: the direction of −∇J (thin), of the velocity where there is one (dashed) and of the "
           "step actually taken (thick). Right: the step size each optimizer gives each coordinate.")
with friendly_errors("looking inside the optimizers"):
    st.plotly_chart(internals_figure(race.internals_entries(runs, trajectories, settings, k), step=k),
                    key="internals")

st.subheader("The rules")
for tab, key in zip(st.tabs([OPTIMIZERS[key].name for key in chosen]), chosen, strict=True):
    with tab:
        panels.rule_and_code(OPTIMIZERS[key])
