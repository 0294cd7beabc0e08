"""When a run has diverged, and how a diverged run is frozen at its last good point.

A run diverges when its loss, gradient or parameters stop being finite, or when the parameters
leave the box |p| <= box. From that step on every engine keeps the run where it was and records
the step in ``diverged_at`` (``NEVER`` while it has not diverged): a page can then say where it
happened, which is the lesson.
"""

import jax
import jax.numpy as jnp

NEVER = -1  # diverged_at (or reached_at, stopped_at) of an event that did not happen


def box_for(bounds):
    """The box |p| <= box a run on a plot with these bounds must stay in: a hundred plot widths out."""
    (xmin, xmax), (ymin, ymax) = bounds
    return 100.0 * max(xmax - xmin, ymax - ymin, abs(xmin), abs(xmax), abs(ymin), abs(ymax))


def is_bad(loss, grads, params, box):
    """True where the run has left the finite world or the box |p| <= box."""
    leaves = jax.tree.leaves(params) + jax.tree.leaves(grads)
    finite = jnp.isfinite(loss) & jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in leaves]))
    inside = jnp.all(jnp.array([jnp.all(jnp.abs(x) <= box) for x in jax.tree.leaves(params)]))
    return ~(finite & inside)


def guarded_step(alive, checked, new, old, diverged_at, k, box):
    """Take the step ``old`` -> ``new`` only where the run is alive and stays good.

    ``checked`` = (loss, grads, params) after the step. Returns the state kept, the updated
    ``diverged_at`` (k + 1 where this step went bad) and whether the step was taken.
    """
    bad = alive & is_bad(*checked, box)
    keep = alive & ~bad
    state = jax.tree.map(lambda a, b: jnp.where(keep, a, b), new, old)
    return state, jnp.where(bad, k + 1, diverged_at), keep
