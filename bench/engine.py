"""Engine speed after compilation: one run, two 1,000 × 1,000 rate sweeps and a full training run.

Run from the repository root::

    .venv/bin/python -m bench.engine [--quick] [--json PATH]
"""

import numpy as np

from bench.harness import TIMED_HEADER, arg_parser, report, time_cases, verdict
from engine import box_for, run_single, sweep
from engine.training import train
from landscapes import LANDSCAPES
from models import datasets
from optimizers import OPTIMIZERS

STEPS = 1000
RATES = 1000
SEED = 0
SWEEP_TARGET_MS = 50.0
TRAIN_TARGET_MS = 1000.0


def quadratic():
    """The quadratic bowl: (loss, loss arguments, start point, divergence box)."""
    landscape = LANDSCAPES["quadratic"]
    start = np.asarray(landscape.start, np.float32)
    return landscape.fn_with, (landscape.theta(),), start, box_for(landscape.bounds)


def single_run():
    """One 1,000-step SGD run (the engine returns numpy, so each call is synchronised)."""
    loss, loss_args, start, box = quadratic()
    hyperparams = OPTIMIZERS["sgd"].defaults()
    return lambda: run_single(loss, "sgd", hyperparams, start, STEPS, loss_args, box)


def rate_sweep(optimizer_key):
    """1,000 runs of 1,000 steps from one start, one learning rate each (log-spaced 1e-4..10)."""
    loss, loss_args, start, box = quadratic()
    rates = np.logspace(-4, 1, RATES, dtype=np.float32)
    hyperparams = {**OPTIMIZERS[optimizer_key].defaults(), "learning_rate": rates}
    starts = np.tile(start, (RATES, 1))
    return lambda: sweep(loss, optimizer_key, hyperparams, starts, STEPS, loss_args, box)


def training(dropout_rate):
    """The overfitting page's default training; every call with another seed (same shapes)."""
    x, y = datasets.make("circle", SEED, 100, 0.25)
    data_train, data_val = datasets.split(x, y, 0.5, SEED)
    seeds = iter(range(1, 10**6))

    def once():
        return train((2, 32, 32, 32, 1), "relu", "adam", {"learning_rate": 0.02}, data_train, data_val,
                     steps=2000, batch_size=25, seed=next(seeds), dropout_rate=dropout_rate, eval_every=20,
                     snapshots=21, patience=10**6)

    return once


# (row, factory, repeats, repeats with --quick, target median in ms or None for INFO)
CASES = (
    ("`run_single`: 1,000 SGD steps, quadratic bowl", single_run, 30, 10, None),
    ("`sweep`: 1,000 rates × 1,000 steps, SGD", lambda: rate_sweep("sgd"), 15, 5, SWEEP_TARGET_MS),
    ("`sweep`: 1,000 rates × 1,000 steps, Adam", lambda: rate_sweep("adam"), 15, 5, SWEEP_TARGET_MS),
    ("`train`: circle, 2-32-32-32-1 relu, Adam, 2,000 steps, B=25, dropout 0.1", lambda: training(0.1),
     7, 3, TRAIN_TARGET_MS),
    ("`train`: the same without dropout", lambda: training(0.0), 7, 3, None),
)


def main(argv=None):
    """Time every case and print the table."""
    args = arg_parser(__doc__).parse_args(argv)
    rows, results, total = time_cases(CASES, args.quick, strict=True)
    rows.append(["JAX compilations / traces after warm-up, all rows", "—", str(total), "0 / 0",
                 verdict(not total)])
    notes = ["Each row is timed after one call that compiles; compilations and traces are counted "
             "with jax.monitoring while timed."]
    report(TIMED_HEADER, rows, notes, results, args.json)


if __name__ == "__main__":
    main()
