"""The optimizer registry as the app reads it: discovered from the folder in lecture order, each spec with
its colour, race rate and source, ``make(learning_rate=...)`` alone enough, and ``apply_updates``."""

import ast
import inspect
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from optimizers import OPTIMIZERS, apply_updates
from optimizers.base import LEARNING_RATE
from ui.controls import log_options

FOLDER = Path(__file__).resolve().parents[2] / "optimizers"
LECTURE_ORDER = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]
KEYS = list(OPTIMIZERS)


def defines_spec(path):
    """True if a module assigns ``SPEC`` at top level (read with ast: nothing imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SPEC" for t in node.targets)
               for node in tree.body)


def test_every_module_with_a_spec_joins_the_registry():
    modules = {f"optimizers.{p.stem}" for p in sorted(FOLDER.glob("*.py")) if defines_spec(p)}
    assert modules == {spec.module for spec in OPTIMIZERS.values()}
    assert all(spec.key == key for key, spec in OPTIMIZERS.items())


def test_registry_is_in_lecture_order():
    assert KEYS[: len(LECTURE_ORDER)] == LECTURE_ORDER  # the contract's seven first; a new rule after them
    assert KEYS == sorted(KEYS, key=lambda k: (OPTIMIZERS[k].order, k)), "ordered by (order, key)"


HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@pytest.mark.parametrize("key", KEYS)
def test_spec_has_a_hex_colour_a_race_rate_on_the_race_slider_and_its_source(key):
    spec = OPTIMIZERS[key]
    assert HEX_COLOUR.fullmatch(spec.colour), spec.colour
    # The race's slider: 51 log-spaced stops over the learning rate's range (10 a decade). log_options adds
    # its default to the stops, so a rate off the grid would show up as a 52nd stop.
    natural = log_options(LEARNING_RATE.min, LEARNING_RATE.max, LEARNING_RATE.min)
    assert len(natural) == 51
    assert spec.race_rate in natural
    assert log_options(LEARNING_RATE.min, LEARNING_RATE.max, spec.race_rate) == natural
    assert "def make" in spec.source and inspect.getsource(spec.make) in spec.source, "the rule's own module"
    assert spec.step_size_rule and "η" in spec.step_size_rule


def test_colours_tell_the_optimizers_apart():
    colours = [OPTIMIZERS[k].colour.lower() for k in KEYS]
    assert len(set(colours)) == len(colours)


def random_tree(seed):
    """A pytree of a few arrays of different shapes, like an MLP's parameters."""
    rng = np.random.default_rng(seed)
    return {"w": jnp.asarray(rng.normal(size=(3, 2)), jnp.float32),
            "layers": [jnp.asarray(rng.normal(size=4), jnp.float32), jnp.float32(rng.normal())]}


def updates_over(opt, steps=5):
    """The updates of ``steps`` calls on fixed random gradients and pytree parameters."""
    params = random_tree(0)
    state, out = opt.init(params), []
    for k in range(steps):
        updates, state = opt.update(random_tree(k + 1), state, params)
        params = apply_updates(params, updates)
        out.append(updates)
    return out


@pytest.mark.parametrize("key", KEYS)
def test_make_with_only_a_learning_rate_uses_the_spec_defaults(key):
    spec = OPTIMIZERS[key]
    defaults = {**spec.defaults(), "learning_rate": 0.1}
    alone, explicit = updates_over(spec.make(learning_rate=0.1)), updates_over(spec.make(**defaults))
    for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(explicit), strict=True):
        # The same Python floats reach the same float32 operations: bit for bit.
        np.testing.assert_array_equal(a, b)
    assert all(np.all(np.isfinite(u)) for u in jax.tree.leaves(alone))
    assert any(np.any(u != 0) for u in jax.tree.leaves(alone)), "the rule moved nothing"
    signature = inspect.signature(spec.make).parameters
    assert {name: p.default for name, p in signature.items() if name != "learning_rate"} == \
        {name: v for name, v in spec.defaults().items() if name != "learning_rate"}


@pytest.mark.parametrize("key", [k for k in KEYS if OPTIMIZERS[k].internals is not None])
def test_internals_with_only_a_learning_rate_use_the_spec_defaults(key):
    spec = OPTIMIZERS[key]
    grads = jnp.array([0.3, -2.0])
    state = spec.make(learning_rate=0.1).init(jnp.zeros(2))
    alone = spec.internals(grads, state, learning_rate=0.1)
    explicit = spec.internals(grads, state, **{**spec.defaults(), "learning_rate": 0.1})
    for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(explicit), strict=True):
        np.testing.assert_array_equal(a, b)


def test_apply_updates_adds_leaf_by_leaf_and_keeps_the_structure():
    params, updates = random_tree(0), random_tree(1)
    out = apply_updates(params, updates)
    assert jax.tree.structure(out) == jax.tree.structure(params)
    leaves = zip(jax.tree.leaves(out), jax.tree.leaves(params), jax.tree.leaves(updates), strict=True)
    for got, p, u in leaves:
        assert got.shape == p.shape and got.dtype == p.dtype
        # One float32 addition per element: exactly numpy's float32 sum.
        np.testing.assert_array_equal(got, np.asarray(p) + np.asarray(u))
    with pytest.raises(ValueError):
        apply_updates(params, {"w": updates["w"]})  # a different tree is refused, not broadcast
