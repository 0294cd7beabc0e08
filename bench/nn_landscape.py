"""A network's own landscape after compilation: a 51 × 51 slice, a 101-point line, λ_max and the
edge-of-stability training run.

A 2-16-16-1 tanh network over 400 circle points; every call gets new numbers (directions, centre,
end point, key) of the same shapes, so the compile counter shows whether anything recompiles.
Run from the repository root::

    .venv/bin/python -m bench.nn_landscape [--quick] [--json PATH]
"""

import itertools

import jax
import numpy as np

from bench.harness import TIMED_HEADER, arg_parser, report, time_cases, verdict
from engine.nn_landscape import (
    filter_normalized_direction,
    hessian_trace,
    interpolate,
    loss_slice,
    mlp_loss,
    path_pca,
    top_eigenvalue,
)
from engine.training import train
from models import datasets, mlp

SIZES = (2, 16, 16, 1)
GRID = 51
ALPHAS = 101
ITERS = 100
SLICE_TARGET_MS = 250.0
LINE_TARGET_MS = 50.0
SHARPNESS_TARGET_MS = 20.0
EDGE_TARGET_MS = 1500.0
EDGE_STEPS = 3000
LOSS = mlp_loss("tanh")


def setup():
    """(params, x, y): the network at its seeded initialisation and the circle data."""
    x, y = datasets.make("circle", 0, 400, 0.05)
    return mlp.init_params(jax.random.PRNGKey(0), SIZES), x, y


def nearby(params, seed):
    """params moved a little at random (a new centre or end point with the same shapes)."""
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda a: np.asarray(a) + np.float32(0.05) * rng.standard_normal(a.shape, np.float32),
                        params)


def cycle_of(make, count=8):
    """A function returning make(0), make(1), ..., make(count − 1), make(0), ...: built ahead, untimed."""
    items = itertools.cycle([make(i) for i in range(count)])
    return lambda: next(items)


def slice_case():
    """A 51 × 51 filter-normalized slice; each call a new centre and new directions."""
    params, x, y = setup()
    axis = np.linspace(-1, 1, GRID, dtype=np.float32)

    def make(i):
        keys = jax.random.split(jax.random.PRNGKey(100 + i))
        return nearby(params, i), *(filter_normalized_direction(params, k) for k in keys)

    inputs = cycle_of(make)
    return lambda: loss_slice(LOSS, *inputs(), axis, axis, x, y)


def line_case():
    """The loss on 101 points of the line from the initial weights to a new end point each call."""
    params, x, y = setup()
    alphas = np.linspace(-0.5, 1.5, ALPHAS, dtype=np.float32)
    ends = cycle_of(lambda i: nearby(params, 50 + i))
    return lambda: interpolate(LOSS, params, ends(), alphas, x, y)


def sharpness_case():
    """λ_max by 100 power iterations from a new random start (key) and a new point each call."""
    params, x, y = setup()
    inputs = cycle_of(lambda i: (nearby(params, 200 + i), jax.random.PRNGKey(i)))

    def once():
        point, key = inputs()
        return top_eigenvalue(LOSS, point, key, ITERS, x, y)

    return once


def trace_case():
    """Hutchinson's estimate of tr H from 100 Rademacher vectors, a new key each call."""
    params, x, y = setup()
    keys = cycle_of(jax.random.PRNGKey)
    return lambda: hessian_trace(LOSS, params, keys(), 100, x, y)


def pca_case():
    """The PCA plane of a 21-snapshot path (a random walk from the initial weights)."""
    params, _, _ = setup()
    rng = np.random.default_rng(0)
    snapshots = jax.tree.map(
        lambda a: np.asarray(a) + np.cumsum(0.02 * rng.standard_normal((21, *a.shape), np.float32), axis=0),
        params)
    return lambda: path_pca(snapshots)


def edge_case():
    """The edge-of-stability run: full-batch gradient descent, squared error, λ_max every 10 steps by 20
    warm-started power iterations; each call a new learning rate."""
    x, y = datasets.make("circle", 0, 400, 0.05)
    rates = itertools.cycle([0.3, 0.31, 0.5, 0.51])
    return lambda: train(SIZES, "tanh", "sgd", {"learning_rate": next(rates)}, (x, y), (x, y),
                         steps=EDGE_STEPS, batch_size=400, init="lecun", loss="squared", eval_every=10,
                         sharpness_iters=20, snapshots=2)


# (row, factory, repeats, repeats with --quick, target median in ms or None for INFO).
CASES = (
    (f"`loss_slice`: {GRID} × {GRID}, 2-16-16-1 tanh, 400 points, new centre and directions",
     slice_case, 15, 5, SLICE_TARGET_MS),
    (f"`interpolate`: {ALPHAS} points, a new end point", line_case, 30, 10, LINE_TARGET_MS),
    (f"`top_eigenvalue`: λ_max by {ITERS} power iterations, a new point and key", sharpness_case, 30, 10,
     SHARPNESS_TARGET_MS),
    ("`hessian_trace`: Hutchinson, 100 Rademacher vectors", trace_case, 15, 5, None),
    ("`path_pca`: 21 snapshots", pca_case, 30, 10, None),
    (f"`train`: {EDGE_STEPS:,} full-batch steps, squared error, λ_max every 10 steps (20 iterations), new η",
     edge_case, 5, 2, EDGE_TARGET_MS),
)


def main(argv=None):
    """Time every case and print the table."""
    args = arg_parser(__doc__).parse_args(argv)
    rows, results, total = time_cases(CASES, args.quick, strict=False)
    rows.append(["JAX compilations / traces after warm-up, all rows (new numbers every call)", "—",
                 str(total), "0 / 0", verdict(not total)])
    notes = ["Each row is timed after one call that compiles; every call gets new numbers of the same "
             "shapes (built ahead, untimed); compilations and traces are counted with jax.monitoring."]
    report(TIMED_HEADER, rows, notes, results, args.json)


if __name__ == "__main__":
    main()
