"""The small networks two lessons share: trained once per settings (cached), the Overfitting page's
first network, and the last one trained there (the loss-landscape page looks at it)."""

from typing import NamedTuple

import streamlit as st

from engine.boundary import Boundaries, training_boundaries
from engine.training import train
from models import datasets

VALIDATION_FRACTION = 0.5
NO_STOP = 10**6  # the patience used when early stopping is off
# The Overfitting page's first view: a big network on few noisy points, nothing regularized.
FIRST = dict(dataset="circle", points=100, noise=0.25, seed=0, depth=3, width=32, activation="relu", lr=0.02,
             batch=25, steps=2000, validation_fraction=VALIDATION_FRACTION, dropout=0.0, l2=0.0,
             patience=NO_STOP)
_LAST = "_networks.last"


class Trained(NamedTuple):
    """A training run: its history, the decision boundary at each snapshot, and its data."""

    history: object
    boundary: Boundaries  # p(class 1) per snapshot, then for the model kept
    train_set: tuple
    val_set: tuple


@st.cache_data(max_entries=32, show_spinner=False)
def training(settings):
    """Train the MLP (Adam) that ``settings`` ({name: value}, as ``FIRST``) describes; history and
    boundaries. The data seed also seeds the initial weights and batches, unless an ``init_seed`` is given."""
    s = settings
    x, y = datasets.make(s["dataset"], s["seed"], s["points"], s["noise"])
    train_set, val_set = datasets.split(x, y, s["validation_fraction"], s["seed"])
    sizes = (2, *([s["width"]] * s["depth"]), 1)
    history = train(sizes, s["activation"], "adam", {"learning_rate": s["lr"]}, train_set, val_set,
                    steps=s["steps"], batch_size=s["batch"], seed=s.get("init_seed", s["seed"]),
                    dropout_rate=s["dropout"], l2=s["l2"], patience=s["patience"], eval_every=20,
                    snapshots=21)
    return Trained(history, training_boundaries(history, s["activation"]), train_set, val_set)


def remember(settings):
    """Keep the settings of the network the Overfitting page shows, for this session."""
    st.session_state[_LAST] = dict(settings)


def last():
    """The settings of the network the Overfitting page showed last in this session (its first view
    before any)."""
    return dict(st.session_state.get(_LAST) or FIRST)
