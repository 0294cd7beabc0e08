"""The overfitting lesson's controls, presets and read-outs."""

from typing import NamedTuple

import streamlit as st

from models.datasets import NAMES
from ui import controls, networks, state, warm
from ui.controls import clean_number

POINTS = (50, 100, 200, 500)
WIDTHS = (2, 4, 8, 16, 32)
STEPS = (500, 1000, 2000)
L2_STOPS = (0.0, 0.0001, 0.00025, 0.0005, 0.001, 0.0015, 0.0025, 0.005, 0.01)
VALIDATION_FRACTION, NO_STOP = networks.VALIDATION_FRACTION, networks.NO_STOP
FIRST = networks.FIRST
OVERFIT = dict(dataset=FIRST["dataset"], points=FIRST["points"], noise=FIRST["noise"], depth=FIRST["depth"],
               width=FIRST["width"], activation=FIRST["activation"], lr=FIRST["lr"], batch=FIRST["batch"],
               train_steps=FIRST["steps"], dropout=0.0, l2=0.0, early=False, compare=False)
training = networks.training  # the network's training, shared with the loss-landscape page
PRESETS = {
    "underfit": ("Underfitting: too small a model", dict(OVERFIT, dataset="spiral", points=200, noise=0.05,
                                                       depth=1, width=2, activation="tanh", batch=32)),
    "overfit": ("Overfitting: big model, few noisy points", OVERFIT),
    "dropout": ("Rescue by dropout", dict(OVERFIT, dropout=0.5, compare=True)),
    "l2": ("Rescue by L2", dict(OVERFIT, lr=0.01, l2=0.0025, compare=True)),
    "early": ("Rescue by early stopping", dict(OVERFIT, early=True, patience=10, compare=True)),
}


ACTIVATIONS = ("relu", "tanh", "sigmoid")
LEARNING_RATES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


def apply_preset(name):
    """Button callback: set every control the preset names."""
    for key, value in PRESETS[name][1].items():
        state.put(key, value)
    state.new_view()


def _select(label, options, key, default):
    """A select box over plain options, bound."""
    choice = st.selectbox(label, options, key=state.bind(state.choice(key, default, options)))
    return choice if choice in options else default


def _stops(label, options, key, default, format_func=str):
    """A select slider over fixed stops, bound."""
    value = st.select_slider(label, options, key=state.bind(state.stop(key, default, options)),
                             format_func=format_func)
    return value if value in options else default


def _slider(label, key, default, low, high, step):
    """A float slider, bound and checked."""
    value = st.slider(label, low, high, step=step, key=state.bind(state.number(key, default, low, high)))
    return clean_number(value, low, high, default)


def controls_model():
    """The data and the network, read from the sidebar and checked again here."""
    s = dict(dataset=_select("Data set", NAMES, "dataset", "circle"),
             points=_stops("Number of points", POINTS, "points", 100),
             noise=_slider("Noise", "noise", 0.25, 0.0, 0.5, 0.01),
             seed=controls.seed_input("Data seed", "data_seed"))
    s["depth"] = controls.integer_slider("Hidden layers", "depth", 3, 1, 6)
    s["width"] = _stops("Units per layer", WIDTHS, "width", 32)
    s["activation"] = _select("Activation", ACTIVATIONS, "activation", "relu")
    return s


def controls_optimizer(n_train):
    """How the network is trained (Adam): rate, batch size and steps, checked again here."""
    s = dict(lr=_stops("Learning rate η (Adam)", LEARNING_RATES, "lr", 0.02))
    batch_key = state.bind(state.number("batch", min(25, n_train), 1, n_train, integer=True))
    if int(st.session_state[batch_key]) > n_train:
        st.session_state[batch_key] = n_train
    s["batch"] = int(clean_number(st.slider("Batch size", 1, n_train, key=batch_key), 1, n_train,
                                  min(25, n_train)))
    s["steps"] = _stops("Training steps", STEPS, "train_steps", 2000)
    return s


def controls_regularization():
    """The regularizers, in a row above the pictures they change, and whether to compare; checked."""
    dropout, l2, early = st.columns(3, vertical_alignment="bottom")
    with dropout:
        s = dict(dropout=_slider("Dropout rate p", "dropout", 0.0, 0.0, 0.8, 0.05))
    with l2:
        s["l2"] = _stops("L2 strength λ", L2_STOPS, "l2", 0.0, format_func=lambda v: f"{v:g}")
    with early:
        stop = controls.toggle("Early stopping", "early")
        patience = controls.integer_slider("Patience (evaluations of 20 steps)", "patience", 10, 1, 50)
    s["patience"] = patience if stop else NO_STOP
    side_by_side = controls.toggle("Side by side: the same run without dropout, L2 or early stopping",
                                   "compare")
    return s, side_by_side


def train_neighbours(settings):
    """Train the runs one step of the dropout slider away, in the background once this one is shown:
    the next move of the slider (the lesson's main one) then finds its network trained."""
    for rate in (settings["dropout"] - 0.05, settings["dropout"] + 0.05):
        rate = round(rate, 2)
        if 0.0 <= rate <= 0.8:
            neighbour = dict(settings, dropout=rate)
            warm.ahead(("train", tuple(sorted(neighbour.items()))), training, neighbour, delay=0.3)


def curve(name, colour, history):
    """One run's training and validation losses, best and stopping steps, for the loss chart."""
    return dict(name=name, colour=colour, eval_steps=history.eval_steps, train_loss=history.train_loss,
                val_loss=history.val_loss, best_step=history.best_step,
                stopped_at=history.stopped_at if history.stopped_at >= 0 else None)


def regularizer_on(settings):
    """True when dropout, L2 or early stopping is on."""
    return settings["dropout"] > 0 or settings["l2"] > 0 or settings["patience"] < NO_STOP


def without_regularizer(settings):
    """The same run with dropout, L2 and early stopping all switched off."""
    return dict(settings, dropout=0.0, l2=0.0, patience=NO_STOP)


UNDERFIT_ACCURACY = 0.8  # below this on its own training data, a model is too small for them
OVERFIT_RISE = 0.1  # a validation-loss rise above its best larger than this (and than noise) is overfitting


def _at(history, step, values):
    """A curve's value at one evaluation step."""
    return float(values[list(history.eval_steps).index(step)])


class Rise(NamedTuple):
    """How far the validation loss ended above its best, and whether the training loss fell meanwhile."""

    amount: float
    training_fell: bool


def _rise(history):
    """The run's validation rise after its best evaluation."""
    fell = float(history.train_loss[-1]) < _at(history, history.best_step, history.train_loss)
    return Rise(float(history.val_loss[-1] - history.val_loss.min()), fell)


def _kept_model(history):
    """What early stopping keeps: the best-validation model's numbers, and what training on would do."""
    best, end = history.best_step, int(history.eval_steps[-1])
    kept_loss = _at(history, best, history.val_loss)
    text = (f"early stopping stopped at step {history.stopped_at} and kept the step-{best} model: "
            f"training accuracy {_at(history, best, history.train_accuracy):.0%}, validation accuracy "
            f"{_at(history, best, history.val_accuracy):.0%}, validation loss {kept_loss:.3f}")
    if _at(history, best, history.train_accuracy) < UNDERFIT_ACCURACY:
        return text + " — **underfitting**: too small a model, and stopping early cannot help that."
    later = f". Trained on to step {end:,}, it would have ended at {float(history.val_loss[-1]):.3f}"
    if float(history.val_loss[-1]) - kept_loss > OVERFIT_RISE:
        return text + later + ": **overfitting** that the kept model never sees."
    return text + later + "."


def verdict(history, unregularized=None):
    """What the run shows, in one sentence: underfitting, overfitting (beside the unregularized run's
    rise, when given), no overfitting, or the model early stopping kept."""
    if history.stopped_at >= 0:
        return _kept_model(history)
    rise, fell = _rise(history)
    text = (f"training accuracy {history.train_accuracy[-1]:.0%}, validation accuracy "
            f"{history.val_accuracy[-1]:.0%}; validation loss {history.val_loss[-1]:.3f} at the end, "
            f"{history.val_loss.min():.3f} at its best (step {history.best_step})")
    if float(history.train_accuracy[-1]) < UNDERFIT_ACCURACY:
        return text + ": even its own training data are fitted badly — **underfitting**, too small a model."
    if rise > OVERFIT_RISE and fell:
        text += f": it rose by {rise:.2f} while the training loss fell — **overfitting**"
        other = None if unregularized is None else _rise(unregularized).amount
        if other is not None and other > 2 * rise:
            text += f", {other / rise:.0f} times less than without regularization (a rise of {other:.2f})"
        return text + "."
    return text + f": it stays within {max(rise, 0.0):.2f} of its best — **no overfitting**."
