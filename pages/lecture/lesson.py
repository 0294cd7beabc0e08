"""The lecture's walk: which stop is on screen, moving between stops, and each stop's one figure, made
from the runs its check reads (``runs``) with the plotting functions its full page uses.

The page draws the figures: ``ui.player`` is not imported here, because serve.py's warm-up imports this
module in a thread before the server runs, and a component declared there is never served (a 404).
"""

from landscapes.data import DATA_LANDSCAPES
from optimizers import OPTIMIZERS
from pages.lecture import claims, runs
from pages.lecture.stops import STOPS
from plotting import player_figure, style
from plotting.graph import graph_figure
from plotting.landscape import slice_figure
from plotting.training import training_curves
from ui import compute, state

REGIMES = ("small", "large", "stable")  # the learning-rate page's panels, in its order
HEIGHT = 460  # the one figure, beside its text, on a 1280 × 720 projector
STOP = state.number("stop", 1, 1, len(STOPS), integer=True)  # ?stop=k, 1-based; garbage and k > n clamped
# The mini-batch page's legend names and colours (pages/mini_batches/lesson.RUNS).
BATCH_RUNS = {"gd": ("GD (all n examples)", "#1f77b4"), "sgd": ("SGD (B = 1)", "#e4572e"),
              "mini": ("mini-batch", style.RECOMMENDED)}


def current():
    """The number of the stop on screen, 1 … n."""
    return min(max(int(state.value(STOP)), 1), len(STOPS))


def go(number):
    """Button callback: show stop ``number``, its player back at the first step."""
    state.put(STOP.key, number)
    state.put("step", 0)
    state.put("whole", False)
    state.new_view()


def path_figure(stop):
    """The gradient-descent page's player: one path with its −∇J arrow."""
    run = runs.gd_run(stop.settings)
    spec, shown, landscape = OPTIMIZERS[stop.settings["optimizer"]], run.shown, run.landscape
    xs, ys, z = compute.grid(landscape.key, run.theta)
    path = dict(name="path", colour=spec.colour, path=shown.path, grads=shown.grads, loss=shown.loss)
    return player_figure(xs, ys, z, [path], log_color=landscape.log_color, minima=landscape.minima,
                         height=HEIGHT)


def regime_figure(stop):
    """The learning-rate page's run that the claim is about (all three side by side for another claim)."""
    regimes = [claims.REGIME_OF[stop.claim]] if stop.claim in claims.REGIME_OF else list(REGIMES)
    paths = []
    for panel, regime in enumerate(regimes):
        run = runs.regime_run(stop.settings, regime)
        single = dict(grads=run.shown.grads, loss=run.shown.loss) if len(regimes) == 1 else {}
        paths.append(dict(name=f"{regime} η = {run.rate:g}", colour=style.REGIME_COLOURS[regime],
                          path=run.shown.path, panel=panel, **single))
    xs, ys, z = compute.grid(run.landscape.key, run.theta)
    return player_figure(xs, ys, z, paths, log_color=run.landscape.log_color, minima=run.landscape.minima,
                         panels=len(regimes), titles=[path["name"] for path in paths], height=HEIGHT)


def race_figure(stop):
    """The optimizer race's player: every runner from one start, each with a comet's tail."""
    landscape, theta, race = runs.race_runs(stop.settings)
    paths = [dict(name=OPTIMIZERS[key].name, colour=OPTIMIZERS[key].colour, path=run.path)
             for key, run in race.items()]
    xs, ys, z = compute.grid(landscape.key, theta)
    return player_figure(xs, ys, z, paths, log_color=landscape.log_color, minima=landscape.minima, tail=40,
                         height=HEIGHT)


def batches_figure(stop):
    """The mini-batch page's player: gradient descent, SGD and a mini-batch from one start."""
    batches = runs.mini_batches(stop.settings)
    paths = [dict(name=BATCH_RUNS[key][0], colour=BATCH_RUNS[key][1], path=run.path)
             for key, run in batches.runs.items()]
    xs, ys, z = runs.data_grid(batches.key, batches.seed, batches.n, batches.noise)
    return player_figure(xs, ys, z, paths, log_color=DATA_LANDSCAPES[batches.key].log_color,
                         minima=batches.minima, height=HEIGHT)


def chain_figure(stop):
    """The Backpropagation page's computational graph: values on the nodes, derivatives on the edges."""
    values = runs.chain_values(stop.settings)
    weights = (runs.number(stop.settings, "w1"), runs.number(stop.settings, "w2"))
    return graph_figure(values.nodes, values.local, weights)


def slice_chart(stop):
    """The Loss-landscape page's first picture: the loss on two filter-normalized directions."""
    cut = runs.landscape_slice(stop.settings)
    return slice_figure(cut.xs, cut.xs, cut.z, log_color=runs.flag(stop.settings, "log_color"),
                        title="Loss on two random directions (data loss)", height=HEIGHT)


def curves_chart(stop):
    """The Overfitting page's loss curves: one run, or the same run without and with regularization."""
    results = runs.compared(stop.settings)
    regularized = bool(claims.regularizers(runs.training_settings(stop.settings)))
    colours = (style.PLAIN, style.RECOMMENDED) if len(results) == 2 else (
        style.RECOMMENDED if regularized else style.PLAIN,)  # teal: what the lecture recommends
    curves = []
    for (name, result), colour in zip(results.items(), colours, strict=True):
        history = result.history
        curves.append(dict(name=name, colour=colour, eval_steps=history.eval_steps,
                           train_loss=history.train_loss, val_loss=history.val_loss,
                           best_step=history.best_step,
                           stopped_at=history.stopped_at if history.stopped_at >= 0 else None))
    figure = training_curves(curves)
    # The legend inside the plot, at the right where these curves leave room: under it, a narrow column
    # would stack four entries over the axis title.
    layout = figure.to_dict()["layout"]
    layout["legend"] = dict(x=0.98, y=0.3, xanchor="right", yanchor="middle",
                            bgcolor="rgba(255,255,255,0.85)")
    layout["margin"]["b"] = 60
    layout["height"] = HEIGHT + layout["margin"]["t"]  # the rows of labels above the plot keep their room
    return figure


PLAYERS = {"": path_figure, "learning-rate": regime_figure, "optimizer-race": race_figure,
           "mini-batches": batches_figure}  # runs on a surface: drawn by the path player
CHARTS = {"backpropagation": chain_figure, "loss-landscape": slice_chart, "overfitting": curves_chart}


def plays(stop):
    """True where the stop's figure is the path player's (runs on a surface), False for a chart."""
    return stop.page in PLAYERS


def figure(stop):
    """The stop's one figure: the player's figure, or its page's chart."""
    return (PLAYERS if plays(stop) else CHARTS)[stop.page](stop)
