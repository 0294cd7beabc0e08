"""The checks behind the lecture's stops: each reads the stop's run (``runs``, the numbers its figure and
its full page show) and says whether the lecture's sentence holds there, with what it measured.

``CLAIMS`` names them; a stop's ``claim`` is one of these names.
"""

from typing import NamedTuple

import numpy as np

from optimizers import OPTIMIZERS
from pages.lecture import runs as r
from ui import networks
from ui.controls import MAX_STEPS

TOLERANCE = 1e-3  # "reached the minimum": J − J* ≤ 0.001, as on the learning-rate and race pages
OVERFIT_RISE = 0.1  # the Overfitting page's: a validation rise above this is overfitting, not noise
REGIME_OF = {"stuck": "small", "diverges": "large", "reaches_minimum": "stable"}  # the learning-rate run


class Verdict(NamedTuple):
    """Whether the stop's claim holds at its settings, and a sentence saying what was measured."""

    holds: bool
    sentence: str


def at(p):
    """A point as (x, y) with two decimals (no "−0.00")."""
    return f"({round(float(p[0]), 2) + 0.0:.2f}, {round(float(p[1]), 2) + 0.0:.2f})"


def first_at_or_below(loss, target):
    """The first step whose loss is at or below ``target``, or None."""
    below = np.flatnonzero(np.asarray(loss) <= target)
    return int(below[0]) if below.size else None


def downhill(settings):
    """Every step of gradient descent lowers the loss."""
    run = r.gd_run(settings).shown
    loss, steps = run.loss, run.last
    rises = int(np.sum(np.diff(loss) > 0))
    if run.diverged_at is not None or rises or steps == 0:
        ending = f"; the run diverged at step {run.diverged_at}." if run.diverged_at is not None else "."
        return Verdict(False, f"{rises} of {steps} steps went uphill{ending}")
    return Verdict(True, f"Every one of the {steps} steps went downhill: J fell from {loss[0]:.3g} to "
                         f"{loss[-1]:.2g}, and no step raised it.")


def converges(settings):
    """Repeated steps end where the gradient vanishes, at a global minimum."""
    run = r.gd_run(settings)
    shown, landscape = run.shown, run.landscape
    gradient = float(np.hypot(*shown.grads[-1]))
    gap = None if landscape.min_value is None else float(shown.loss[-1] - landscape.min_value)
    if shown.diverged_at is not None or gradient >= TOLERANCE or gap is None or gap > TOLERANCE:
        return Verdict(False, f"After {shown.last} steps ‖∂J/∂W‖ = {gradient:.2g} and J = "
                              f"{shown.loss[-1]:.4g}: not converged to a global minimum.")
    end = shown.path[-1]
    nearest = min(landscape.minima, key=lambda m: np.hypot(end[0] - m[0], end[1] - m[1]))
    count = len(landscape.minima)
    which = f", one of {count}" if count > 1 else ""
    origin = "the random start" if settings.get("start") == "random" else "the start"
    return Verdict(True, f"After {shown.last} steps from {origin} {at(shown.path[0])}: ‖∂J/∂W‖ = "
                         f"{gradient:.1e}, J = {shown.loss[-1]:.2g}. Converged to the minimum at "
                         f"{at(nearest)}{which}.")


def chain_rule(settings):
    """The chain rule's products of local derivatives equal jax.grad's gradient."""
    _, d, c, autodiff = r.chain_values(settings)
    gap = float(np.max(np.abs(np.array([c["dJ_dw1"], c["dJ_dw2"]]) - autodiff)))
    holds = gap <= 1e-5 * float(np.max(np.abs(autodiff))) + 1e-7  # the Backpropagation page's float32 test
    # ∂J/∂w₁ written with the figure's four edges: ∂ŷ/∂z₁ is the product of ∂ŷ/∂h and ∂h/∂z₁.
    jax_grad = (f"jax.grad gives the same (largest difference {gap:.1e})" if holds else
                f"jax.grad gives {autodiff[1]:.6g} and {autodiff[0]:.6g}: they differ by {gap:.3g}")
    return Verdict(holds, f"∂J/∂w₂ = ({d['dJ_dyhat']:.4g}) × ({d['dyhat_dw2']:.4g}) = {c['dJ_dw2']:.6g} and "
                          f"∂J/∂w₁ = ({d['dJ_dyhat']:.4g}) × ({d['dyhat_dh']:.4g}) × ({d['dh_dz1']:.4g}) × "
                          f"({d['dz1_dw1']:.4g}) = {c['dJ_dw1']:.6g}; {jax_grad}.")


def slice_minimum(settings):
    """The trained network lies at the bottom of its filter-normalized slice."""
    cut = r.landscape_slice(settings)
    row, column = np.unravel_index(np.argmin(cut.z), cut.z.shape)
    centre = float(cut.z[r.SLICE_POINTS // 2, r.SLICE_POINTS // 2])
    off = float(np.hypot(cut.xs[row], cut.xs[column]))
    holds = off <= 0.1 * float(cut.xs[-1])  # within a few grid cells of the centre
    where = ("sit at the lowest of them" if off == 0 else
             f"lie {off:.2g} filter norms from the lowest, {float(cut.z.min()):.3g}")
    return Verdict(holds, f"{r.SLICE_POINTS ** 2:,} losses on a plane through the network's "
                          f"{cut.weights:,} weights. The trained weights ★ (J = {centre:.3g}) {where}; "
                          f"±{cut.xs[-1]:g} filter norm away the loss climbs to {float(cut.z.max()):.3g}.")


def stuck(settings):
    """A small rate settles where the gradient vanishes, above the global minimum."""
    run = r.regime_run(settings, REGIME_OF["stuck"])
    full, shown, landscape = run.full, run.shown, run.landscape
    gradient = float(np.hypot(*full.grads[-1]))
    settled = int(full.diverged_at) < 0 and gradient < TOLERANCE
    above = landscape.min_value is not None and float(full.loss[-1]) - landscape.min_value > TOLERANCE
    holds = settled and above
    verdict = (f"stuck in a false minimum. The global minimum is J* = {landscape.min_value:.3g} at "
               f"{at(landscape.minima[0])}." if holds else "not stuck.")
    return Verdict(holds, f"η = {run.rate:g}: J = {shown.loss[-1]:.4g} after {shown.last} steps. Carried on "
                          f"to {MAX_STEPS:,} steps it rests at {at(full.params[-1])}, J = "
                          f"{float(full.loss[-1]):.4g}, with ‖∂J/∂W‖ = {gradient:.1e}: {verdict}")


def diverges(settings):
    """A large rate overshoots further at every step until the run blows up."""
    run = r.regime_run(settings, REGIME_OF["diverges"])
    shown, landscape = run.shown, run.landscape
    if shown.diverged_at is None:
        return Verdict(False, f"η = {run.rate:g}: no divergence within {shown.last} steps "
                              f"(J = {shown.loss[-1]:.3g}).")
    curvature = r.largest_curvature(landscape.key, run.theta)
    limit = f", above 2/λmax = {2 / curvature:.3g}," if curvature and run.rate > 2 / curvature else ""
    centre = np.asarray(landscape.minima[0] if landscape.minima else shown.path[0])
    distance = np.hypot(*(shown.path - centre).T)
    return Verdict(True, f"η = {run.rate:g}{limit} diverged at step {shown.diverged_at}: overshooting "
                         f"further each time, the path went from {distance[0]:.3g} to {distance[-1]:.3g} "
                         f"away from the minimum by step {shown.last}, the last one drawn.")


def reaches_minimum(settings):
    """A stable rate reaches the global minimum within the steps shown."""
    run = r.regime_run(settings, REGIME_OF["reaches_minimum"])
    shown, landscape = run.shown, run.landscape
    target = None if landscape.min_value is None else landscape.min_value + TOLERANCE
    reached = None if target is None else first_at_or_below(shown.loss, target)
    if shown.diverged_at is not None or reached is None:
        return Verdict(False, f"η = {run.rate:g}: not within {TOLERANCE:g} of the global minimum in "
                              f"{shown.last} steps (J = {shown.loss[-1]:.4g}).")
    return Verdict(True, f"η = {run.rate:g}: within {TOLERANCE:g} of the global minimum J* = "
                         f"{landscape.min_value:.3g} by step {reached}; after {shown.last} steps it rests at "
                         f"{at(shown.path[-1])}, J = {shown.loss[-1]:.2g}.")


def adaptive_first(settings):
    """Every adaptive optimizer in the race reaches the minimum before gradient descent."""
    landscape, _, runs = r.race_runs(settings)
    target = landscape.min_value + TOLERANCE
    arrived = {key: None if run.diverged_at is not None else first_at_or_below(run.loss, target)
               for key, run in runs.items()}
    adaptive = [key for key in runs if key != "sgd"]
    plain = arrived.get("sgd")
    holds = "sgd" in runs and bool(adaptive) and all(
        arrived[key] is not None and (plain is None or arrived[key] < plain) for key in adaptive)
    order = sorted(adaptive, key=lambda key: (arrived[key] is None, arrived[key] or 0))
    names = [f"{OPTIMIZERS[key].name} at step {arrived[key]}" if arrived[key] is not None else
             f"{OPTIMIZERS[key].name} not at all" for key in order]
    if "sgd" not in runs:
        return Verdict(False, f"Gradient descent is not in this race. Within {TOLERANCE:g}: "
                              f"{', '.join(names)}.")
    sgd = runs["sgd"]
    gd = (f"not in {sgd.last} steps (J = {sgd.loss[-1]:.3g})" if plain is None else f"at step {plain}")
    return Verdict(holds, f"Within {TOLERANCE:g} of the minimum's loss: {', '.join(names)}; gradient "
                          f"descent {gd}.")


def wandering(path):
    """The length of a path walked, divided by the straight distance from its start to its end."""
    walked = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
    straight = float(np.hypot(*(path[-1] - path[0])))
    return walked / straight if straight > 0 else float("inf")


def sgd_noisier(settings):
    """One example per step makes a noisier path than the whole data set."""
    batches = r.mini_batches(settings)
    crooked = {key: wandering(run.path) for key, run in batches.runs.items()}
    return Verdict(crooked["sgd"] > crooked["gd"],
                   "How crooked each path is (length walked ÷ straight distance from start to end): "
                   f"gradient descent {crooked['gd']:.2f}, mini-batch (B = {batches.batch}) "
                   f"{crooked['mini']:.2f}, SGD (B = 1) {crooked['sgd']:.2f}.")


def overfits(settings):
    """The training loss falls while the validation loss rises."""
    history = networks.training(r.training_settings(settings)).history
    best = list(history.eval_steps).index(history.best_step)
    rise = float(history.val_loss[-1] - history.val_loss.min())
    train_best, train_end = float(history.train_loss[best]), float(history.train_loss[-1])
    holds = rise > OVERFIT_RISE and train_end < train_best
    return Verdict(holds, f"From step {history.best_step} on, the training loss fell from {train_best:.3g} "
                          f"to {train_end:.2g} while the validation loss rose from its best, "
                          f"{float(history.val_loss.min()):.3f}, to {float(history.val_loss[-1]):.3g}"
                          + (": overfitting." if holds else "."))


def regularizers(training):
    """The regularizers a training uses, in words."""
    names = [f"dropout p = {training['dropout']:g}"] if training["dropout"] else []
    names += [f"L2 λ = {training['l2']:g}"] if training["l2"] else []
    return names + (["early stopping"] if training["patience"] < networks.NO_STOP else [])


def regularized_lower(settings):
    """The regularized network's validation loss ends lower than the same run's without regularization."""
    training = r.training_settings(settings)
    kept = networks.training(training).history
    without = float(networks.training(r.without_regularizer(training)).history.val_loss[-1])
    if kept.stopped_at >= 0:
        value = float(kept.val_loss[list(kept.eval_steps).index(kept.best_step)])
        what = (f"Early stopping stopped at step {kept.stopped_at} and kept the step-{kept.best_step} "
                f"weights: validation loss {value:.3f}")
    else:
        value = float(kept.val_loss[-1])
        used = " and ".join(regularizers(training)) or "no regularizer"
        what = f"With {used} the validation loss ends at {value:.3f}"
    return Verdict(value < without, f"{what}. Without regularization the same network, data and seed end at "
                                    f"{without:.3g}.")


CLAIMS = {check.__name__: check for check in (
    downhill, converges, chain_rule, slice_minimum, stuck, diverges, reaches_minimum, adaptive_first,
    sgd_noisier, overfits, regularized_lower)}


def check(stop):
    """The verdict on one stop."""
    return CLAIMS[stop.claim](stop.settings)
