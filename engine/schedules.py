"""Learning-rate schedules: a factor per update that multiplies the optimizer's learning rate.

Each schedule is a pure function of the step k, the run length T and its parameters; the kind is
structure (static), the parameters are traced values, so moving a schedule slider never recompiles.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from hyperparams import HyperParam


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule: display name, formula, its parameters and ``factor(k, T, params)``."""

    key: str
    name: str
    latex: str
    params: tuple[HyperParam, ...]
    factor: Callable


def _constant(k, total, p):
    """No schedule: the factor is 1."""
    return jnp.ones_like(k)


def _step(k, total, p):
    """Multiply by gamma every `every` steps."""
    return p["gamma"] ** jnp.floor(k / p["every"])


def _exponential(k, total, p):
    """Multiply by gamma after every step."""
    return p["gamma"] ** k


def _cosine(k, total, p):
    """Half a cosine from 1 down to `floor`."""
    return p["floor"] + (1 - p["floor"]) * 0.5 * (1 + jnp.cos(jnp.pi * k / total))


def _warmup(k, total, p):
    """Ramp linearly from 1/warmup up to 1, then stay."""
    return jnp.minimum(1.0, (k + 1) / p["warmup"])


GAMMA_STEP = HyperParam("gamma", "drop factor γ", 0.5, 0.01, 1.0, help="Multiplies η at every drop.")
EVERY = HyperParam("every", "drop every (steps)", 100.0, 1.0, 1000.0, help="Steps between drops.")
GAMMA_EXP = HyperParam("gamma", "decay per step γ", 0.995, 0.9, 1.0, near_one=True,
                       help="η is multiplied by γ after every step.")
FLOOR = HyperParam("floor", "final fraction", 0.0, 0.0, 1.0, help="η at the end, as a fraction of η.")
WARMUP = HyperParam("warmup", "warm-up steps", 50.0, 1.0, 1000.0, help="Steps to ramp η up from 0.")

SCHEDULES: dict[str, ScheduleSpec] = {s.key: s for s in (
    ScheduleSpec("constant", "Constant", r"\eta_k = \eta", (), _constant),
    ScheduleSpec("step", "Step decay", r"\eta_k = \eta\, \gamma^{\lfloor k / s \rfloor}",
                 (GAMMA_STEP, EVERY), _step),
    ScheduleSpec("exponential", "Exponential decay", r"\eta_k = \eta\, \gamma^{k}", (GAMMA_EXP,),
                 _exponential),
    ScheduleSpec("cosine", "Cosine",
                 r"\eta_k = \eta \left(f + (1 - f)\, \tfrac12 (1 + \cos \pi k / T)\right)",
                 (FLOOR,), _cosine),
    ScheduleSpec("warmup", "Linear warm-up", r"\eta_k = \eta \min\left(1, \tfrac{k + 1}{w}\right)",
                 (WARMUP,), _warmup),
)}


@partial(jax.jit, static_argnames=("kind", "num_steps"))
def _factors(kind, num_steps, total, params):
    """The jitted factors: the kind and length are structure, the run length and parameters traced."""
    k = jnp.arange(num_steps, dtype=jnp.float32)
    return SCHEDULES[kind].factor(k, total, params)


def schedule_factors(kind, num_steps, total=None, **params):
    """The factor for each of ``num_steps`` updates (numpy float32), defaults for missing params.

    ``total`` is the run length T the schedule is shaped for (cosine ends at T); it defaults to
    ``num_steps``. Pages compute a fixed number of steps and show the first T.
    """
    spec = SCHEDULES[kind]
    values = {h.name: jnp.float32(params.get(h.name, h.default)) for h in spec.params}
    total = jnp.float32(num_steps if total is None else total)
    return np.asarray(_factors(kind, int(num_steps), total, values))
