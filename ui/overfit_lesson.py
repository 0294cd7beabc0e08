"""The overfitting lesson's controls, presets and read-outs."""

import streamlit as st

from models.datasets import NAMES
from ui.validate import clean_choice, clean_number

POINTS = (50, 100, 200, 500)
WIDTHS = (2, 4, 8, 16, 32)
STEPS = (500, 1000, 2000)
L2_STOPS = (0.0, 0.0001, 0.00025, 0.0005, 0.001, 0.0015, 0.0025, 0.005, 0.01)
VALIDATION_FRACTION = 0.5
NO_STOP = 10**6  # the patience used when early stopping is off
OVERFIT = dict(dataset="circle", points=100, noise=0.25, depth=3, width=32, activation="relu", lr=0.02,
               batch=25, train_steps=2000, dropout=0.0, l2=0.0, early=False, compare=False)
PRESETS = {
    "underfit": ("Underfitting: too small a model", dict(OVERFIT, dataset="spiral", points=200, noise=0.05,
                                                       depth=1, width=2, activation="tanh", batch=32)),
    "overfit": ("Overfitting: big model, few noisy points", OVERFIT),
    "dropout": ("Rescue by dropout", dict(OVERFIT, dropout=0.5, compare=True)),
    "l2": ("Rescue by L2", dict(OVERFIT, lr=0.01, l2=0.0025, compare=True)),
    "early": ("Rescue by early stopping", dict(OVERFIT, early=True, patience=10, compare=True)),
}


def apply_preset(name):
    """Button callback: set every control the preset names."""
    st.session_state.update(PRESETS[name][1])


def controls():
    """Every setting of the run, read from the sidebar and checked again here."""
    s = {}
    s["dataset"] = clean_choice(st.selectbox("Data set", NAMES, key="dataset", bind="query-params"),
                                NAMES, "circle")
    s["points"] = clean_choice(st.select_slider("Number of points", POINTS, value=100, key="points",
                                                bind="query-params"), POINTS, 100)
    s["noise"] = clean_number(st.slider("Noise", 0.0, 0.5, 0.25, step=0.01, key="noise",
                                        bind="query-params"), 0.0, 0.5, 0.25)
    s["seed"] = int(clean_number(st.number_input("Data seed", 0, 2**31 - 1, 0, key="data_seed"),
                                 0, 2**31 - 1, 0))
    s["depth"] = int(clean_number(st.slider("Hidden layers", 1, 6, 3, key="depth", bind="query-params"),
                                  1, 6, 3))
    s["width"] = clean_choice(st.select_slider("Units per layer", WIDTHS, value=32, key="width",
                                               bind="query-params"), WIDTHS, 32)
    s["activation"] = clean_choice(st.selectbox("Activation", ("relu", "tanh", "sigmoid"), key="activation",
                                                bind="query-params"), ("relu", "tanh", "sigmoid"), "relu")
    return s


def training_controls(n_train):
    """Optimizer and regularization settings (Adam), checked again here."""
    s = {}
    stops = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
    s["lr"] = clean_choice(st.select_slider("Learning rate η (Adam)", stops, value=0.02, key="lr",
                                            bind="query-params"), stops, 0.02)
    if int(st.session_state.get("batch", 25)) > n_train:
        st.session_state["batch"] = n_train
    s["batch"] = int(clean_number(st.slider("Batch size", 1, n_train, min(25, n_train), key="batch",
                                            bind="query-params"), 1, n_train, min(25, n_train)))
    s["steps"] = clean_choice(st.select_slider("Training steps", STEPS, value=2000, key="train_steps",
                                               bind="query-params"), STEPS, 2000)
    s["dropout"] = clean_number(st.slider("Dropout rate p", 0.0, 0.8, 0.0, step=0.05, key="dropout",
                                          bind="query-params"), 0.0, 0.8, 0.0)
    s["l2"] = clean_choice(st.select_slider("L2 strength λ", L2_STOPS, value=0.0, key="l2",
                                            bind="query-params"), L2_STOPS, 0.0)
    early = st.toggle("Early stopping", key="early", bind="query-params")
    patience = int(clean_number(st.slider("Patience (evaluations of 20 steps)", 1, 50, 10, key="patience",
                                          bind="query-params"), 1, 50, 10))
    s["patience"] = patience if early else NO_STOP
    return s


def without_regularizer(settings):
    """The same run with dropout, L2 and early stopping all switched off."""
    return dict(settings, dropout=0.0, l2=0.0, patience=NO_STOP)


def verdict(history):
    """Accuracies, the best validation loss and what happened at the end, in one sentence."""
    gap = float(history.val_loss[-1] - history.val_loss.min())
    text = (f"training accuracy {history.train_accuracy[-1]:.0%}, validation accuracy "
            f"{history.val_accuracy[-1]:.0%}; validation loss {history.val_loss[-1]:.3f} at the end, "
            f"{history.val_loss.min():.3f} at its best (step {history.best_step})")
    if history.stopped_at >= 0:
        kept = float(history.val_loss[list(history.eval_steps).index(history.best_step)])
        text += (f"; early stopping stops at step {history.stopped_at} and keeps the "
                 f"step-{history.best_step} model (validation loss {kept:.3f})")
    elif gap > 0.1:
        text += f": the validation loss rose by {gap:.2f} while the training loss fell — overfitting"
    return text + "."
