"""Every page's state maps to its URL completely: random settings, then a fresh session opened from the
resulting URL shows the same widgets with the same values, the same step and the same drawn paths.
And a page opens on its own defaults, whatever page came before, unless its URL says otherwise."""

import math
import random

import numpy as np
import pytest

from bench.harness import app_pages
from optimizers import OPTIMIZERS
from tests.apptest.helpers import WIDGET_KINDS, assert_healthy, component_args, fresh, player_runs
from ui.start import MODES

PAGES = [page.file for page in app_pages()]
ROUNDS = 3  # a new surface or optimizer brings new widgets: give those random values too
# A short training of the default network on 100 points keeps the test quick: every other network
# or data-set size is a new compiled shape (the overfitting AppTests walk those).
KEEP = {"overfitting": {"train_steps": 500, "depth": 3, "width": 32, "activation": "relu", "points": 100},
        "loss_landscape": {"net": "tanh"}}


def widgets(at):
    """Every keyed widget on the page by key."""
    return {w.key: w for kind in WIDGET_KINDS for w in getattr(at, kind) if w.key}


def values(at):
    """Every keyed widget's value by key (lists and tuples compared as lists)."""
    return {key: list(w.value) if isinstance(w.value, list | tuple) else w.value
            for key, w in widgets(at).items()}


def _slider_value(w, rng):
    """A random stop of a slider (a multiple of its step from its minimum)."""
    low, high, step = w.min, w.max, w.step
    if isinstance(low, int) and isinstance(step, int):
        return rng.randrange(low, high + 1, step)
    count = int(math.floor((high - low) / step + 1e-9))
    return min(high, low + rng.randint(0, count) * step)


def _label_value(label):
    """A select slider's option from its label (the app's labels print numbers exactly)."""
    for kind in (int, float):
        try:
            return kind(label)
        except ValueError:
            pass
    return label


RADIO_VALUES = {label: value for value, label in MODES.items()}  # the app's only radio: the start
OPTIMIZER_KEYS = {spec.name: key for key, spec in OPTIMIZERS.items()}  # the race's multiselect


def randomize(w, rng, keep):
    """Give one widget a random valid value (or the value in ``keep``); False where it cannot."""
    kind = type(w).__name__
    if w.key in keep:
        w.set_value(keep[w.key])
    elif kind == "Selectbox":
        w.select_index(rng.randrange(len(w.options)))
    elif kind == "SelectSlider":
        w.set_value(_label_value(rng.choice(list(w.options))))
    elif kind == "Radio":
        w.set_value(RADIO_VALUES[rng.choice(list(w.options))])
    elif kind == "Slider":
        w.set_value(_slider_value(w, rng))
    elif kind == "NumberInput":
        w.set_value(rng.randint(int(w.min), int(min(w.max, 10**6))) if isinstance(w.value, int)
                    else rng.uniform(w.min, w.max))
    elif kind == "Toggle":
        w.set_value(rng.random() < 0.5)
    elif kind == "Multiselect":
        w.set_value([OPTIMIZER_KEYS[o] for o in rng.sample(list(w.options), rng.randint(1, len(w.options)))])
    else:
        return False  # a segmented control: AppTest lists its labels, not its values; left as it is
    return True


def shuffle_settings(at, rng, keep):
    """Give every widget a random value, a few rounds, then a random step; returns the AppTest."""
    for _ in range(ROUNDS):
        for w in widgets(at).values():
            randomize(w, rng, keep)
        at.run()
    if _has_player(at):
        at.session_state["step"] = rng.randint(0, max(len(run) for run in player_runs(at)) - 1)
        at.run()
    return at


def _has_player(at):
    try:
        component_args(at, "player")
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.split("/")[1])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_link_reproduces_the_view(page, seed):
    rng = random.Random(f"{page}-{seed}")
    lesson = page.split("/")[1]
    at = shuffle_settings(fresh(page), rng, KEEP.get(lesson, {}))
    assert_healthy(at, f"{lesson}, seed {seed}, after random settings")
    link = at.query_params.to_dict() if hasattr(at.query_params, "to_dict") else dict(at.query_params)
    link = {k: v[-1] if isinstance(v, list) else v for k, v in link.items()}
    again = fresh(page, query=link)
    assert_healthy(again, f"{lesson} from {link}")
    assert values(again) == values(at), f"{lesson}: widgets differ when opened from {link}"
    if _has_player(at):
        assert again.session_state["step"] == at.session_state["step"]
        for before, after in zip(player_runs(at), player_runs(again), strict=True):
            np.testing.assert_array_equal(before, after)  # the same float32 numbers: the same run


@pytest.mark.parametrize("page", [p for p in PAGES if p != "pages/gradient_descent/page.py"],
                         ids=lambda p: p.split("/")[1])
def test_each_page_opens_on_its_own_defaults_after_another_page(page):
    """Going from one page to another never carries a setting along (a shared key such as the
    surface or the step count starts from the new page's own default)."""
    own = values(fresh(page))
    at = fresh("pages/gradient_descent/page.py")
    for key, value in {"landscape": "booth", "steps": 7, "start": "random"}.items():
        if key in widgets(at):
            widgets(at)[key].set_value(value)
    at.run()
    at.query_params.clear()  # what a click in the sidebar does: the new page's URL has no query
    at.switch_page(page)
    at.run()
    assert_healthy(at, page)
    assert values(at) == own
