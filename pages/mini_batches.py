"""Lesson: mini-batches. Full-batch GD, single-example SGD and mini-batch SGD on a loss made from data."""

import streamlit as st

from engine.minibatch import noise_scale, predicted_spread
from landscapes.data import DATA_LANDSCAPES
from plotting import cost_figure, gradient_cloud_figure, paths_animation, spread_figure
from ui import compute, controls
from ui import minibatch_lesson as lesson
from ui.errors import friendly_errors
from ui.start import CHART_KEY, start_controls
from ui.stepping import step_controls

st.title("Mini-batches")
st.markdown(
    "The loss is an average over the data, J(w) = 1/n Σᵢ Lᵢ(w). **Gradient descent** uses all n "
    "examples per step: exact, but expensive. **SGD** uses one: cheap, but very noisy. A "
    "**mini-batch** of B examples is fast to compute and a much better estimate of the true gradient.")

with st.sidebar:
    data_key = controls.registry_select("Model and data", DATA_LANDSCAPES, "data", "linear")
    landscape = DATA_LANDSCAPES[data_key]
    n, noise, data_seed = lesson.data_controls()
    steps = int(st.slider("Number of steps", 1, compute.MAX_STEPS, 100, key="steps", bind="query-params"))
    start = start_controls(landscape)
    batch_seed = lesson.batch_seed_controls()

batch = lesson.batch_controls(n)
rates = {}
for column, (key, spec) in zip(st.columns(3), lesson.RATES.items(), strict=True):
    with column:
        rates[key] = controls.number_widget(spec, f"lr.{key}")

(data, (minima, min_value)) = compute.data_set(data_key, data_seed, n, noise)
sizes = {"gd": n, "sgd": 1, "mini": batch}
runs = compute.minibatch_runs(data_key, data_seed, n, noise, tuple(rates.values()), tuple(sizes.values()),
                              tuple(start), batch_seed)
paths = []
for i, (key, (name, colour)) in enumerate(lesson.RUNS.items()):
    label = f"{name}, B = {batch}" if key == "mini" else name
    cut = compute.cut(compute.run_of(runs, i), steps)
    paths.append(dict(name=label, colour=colour, path=cut[0], loss=cut[2], diverged_at=cut[3],
                      examples_per_step=sizes[key]))

k = step_controls(max(len(p["path"]) for p in paths) - 1)
xs, ys, z = compute.data_grid(data_key, data_seed, n, noise)
with friendly_errors("drawing the three paths"):
    st.plotly_chart(paths_animation(xs, ys, z, paths, log_color=landscape.log_color, minima=minima,
                                    inspect_step=k, clickable=True),
                    key=CHART_KEY, on_select="rerun", selection_mode="points",
                    config={"displayModeBar": False})
with friendly_errors("drawing the loss curves"):
    log_y = st.toggle("Logarithmic loss axis", key="log_loss", bind="query-params")
    st.plotly_chart(cost_figure(paths, log_y=log_y), key="cost")
    st.dataframe(lesson.walk_table(paths, min_value), hide_index=True)

st.subheader(f"Gradient noise at step {k} of the mini-batch run")
with friendly_errors("measuring the gradient noise"):
    point = paths[2]["path"][min(k, len(paths[2]["path"]) - 1)]
    measured = compute.noise_at(data_key, data_seed, n, noise, tuple(float(v) for v in point), batch,
                                batch_seed)
    predicted = predicted_spread(measured.covariance, measured.batch_sizes, n)
    left, right = st.columns(2)
    left.plotly_chart(gradient_cloud_figure(measured.samples, measured.full_grad, batch_size=batch, n=n),
                      key="cloud")
    right.plotly_chart(spread_figure(measured.batch_sizes, measured.spread, predicted, current_batch=batch,
                                     n=n), key="spread")
    st.markdown(lesson.noise_sentence(noise_scale(measured.covariance, measured.full_grad), batch))
    st.caption("200 mini-batches drawn at this point (seed above). Their spread falls as 1/√B, times "
               "√((n − B)/(n − 1)) because a batch is drawn without replacement. B_noise = tr Σ / |G|² "
               "(McCandlish et al., 2018, An Empirical Model of Large-Batch Training).")
