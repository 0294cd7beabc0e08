"""Lesson: mini-batches. Full-batch GD, single-example SGD and mini-batch SGD on a loss made from data."""

import streamlit as st

from engine.minibatch import noise_scale, predicted_spread
from landscapes.data import DATA_LANDSCAPES
from pages.mini_batches import lesson
from plotting import cost_figure, gradient_cloud_figure, player_figure, spread_figure
from plotting.frames import side_by_side
from ui import compute, controls, projector, state
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import chart, linked_chart, player, shown_step, step_fields
from ui.start import start_controls

state.begin("mini_batches")
projector.begin()
st.title("Mini-batches")
projector.intro(
    "The loss is an average over the data, J(w) = 1/n Σᵢ Lᵢ(w). **Gradient descent** uses all n "
    "examples per step: exact, but expensive. **SGD** uses one: cheap, but very noisy. A "
    "**mini-batch** of B examples is fast to compute and a much better estimate of the true gradient.")

with st.sidebar:
    data_key = controls.registry_select("Model and data", DATA_LANDSCAPES, "data", "linear")
    landscape = DATA_LANDSCAPES[data_key]
    n, noise, data_seed = lesson.data_controls()
    steps = controls.steps_slider(100)
    start = start_controls(landscape, clickable=False)
    batch_seed = lesson.batch_seed_controls()
    rates = lesson.rate_controls(n)
    log_y = controls.toggle("Logarithmic loss axis", "log_loss")


@st.fragment
def view(data_key, landscape, n, noise, data_seed, steps, start, batch_seed, rates, log_y):
    """The batch size and everything it changes: a fragment, so moving it redraws only this."""
    batch = lesson.batch_slider(n)
    lesson.scaling_note(batch, rates["mini"])

    _, (minima, min_value) = lesson.data_set(data_key, data_seed, n, noise)
    sizes = {"gd": n, "sgd": 1, "mini": batch}
    batch_runs = lesson.runs(data_key, data_seed, n, noise, tuple(rates.values()), tuple(sizes.values()),
                             tuple(start), batch_seed)
    paths = []
    exported = {}  # the runs as the CSV export writes them (the gradient: the batch's, as the step used it)
    for i, (key, (name, colour)) in enumerate(lesson.RUNS.items()):
        shown = compute.shown(lesson.run_of(batch_runs, i), steps)
        exported[name] = shown
        paths.append(dict(name=name, colour=colour, path=shown.path,
                          loss=shown.loss, diverged_at=shown.diverged_at, examples_per_step=sizes[key]))
    last = max(len(p["path"]) for p in paths) - 1

    xs, ys, z = lesson.data_grid(data_key, data_seed, n, noise)
    step = 0
    with friendly_errors("drawing the three paths"):
        figure = player_figure(xs, ys, z, [{k: p[k] for k in ("name", "colour", "path")} for p in paths],
                               log_color=landscape.log_color, minima=minima, height=560)
        step, _ = player(figure, key="player", fields=step_fields(0))
        export_buttons(figure, exported, title=f"Mini-batches, {landscape.name}, B = {batch}")
    k = shown_step(step, last)
    with friendly_errors("drawing the loss curves"):
        linked_chart(cost_figure(paths, log_y=log_y), key="cost", player_key="player", last=last)
        st.table(lesson.walk_table(paths, min_value), hide_index=True)

    st.subheader(f"Gradient noise at step {k} of the mini-batch run")
    with friendly_errors("measuring the gradient noise"):
        mini = paths[list(lesson.RUNS).index("mini")]["path"]
        point = mini[min(k, len(mini) - 1)]
        measured = lesson.noise_at(data_key, data_seed, n, noise, tuple(float(v) for v in point), batch,
                                   batch_seed)
        predicted = predicted_spread(measured.covariance, measured.batch_sizes, n)
        # One chart, not two: a move of B redraws one figure.
        cloud = gradient_cloud_figure(measured.samples, measured.full_grad, batch_size=batch, n=n)
        spread = spread_figure(measured.batch_sizes, measured.spread, predicted, current_batch=batch, n=n)
        chart(side_by_side(cloud, spread), key="gradient_noise")
        st.markdown(lesson.noise_sentence(noise_scale(measured.covariance, measured.full_grad), batch))
        projector.note(
            "200 mini-batches drawn at this point (seed above). Their spread falls as 1/√B, times "
            "√((n − B)/(n − 1)) because a batch is drawn without replacement. B_noise = tr Σ / |G|² "
            "(McCandlish et al., 2018, An Empirical Model of Large-Batch Training). Pause the player, "
            "or step it with ◀ / ▶, to measure at another step.")
    state.write_url()


view(data_key, landscape, n, noise, data_seed, steps, start, batch_seed, rates, log_y)
state.write_url()
