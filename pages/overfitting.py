"""Lesson: overfitting and regularization (dropout, L2, early stopping) on small networks trained live."""

import streamlit as st

from plotting.training import boundary_animation, training_curves
from ui import compute
from ui import overfit_lesson as lesson
from ui.errors import friendly_errors

st.title("Overfitting & regularization")
st.markdown(
    "A model without the **capacity** to learn the data underfits; one so complex that its extra "
    "parameters do not generalize **overfits**: the training loss keeps falling while the validation "
    "loss rises. Regularization constrains the optimization to discourage complex models: **dropout** "
    "(randomly set hidden activations to 0 while training), an **L2** penalty λ·ΣW², and **early "
    "stopping** (stop before the model starts to overfit, keep the best-validation weights).")

buttons = st.columns(len(lesson.PRESETS))
for column, (name, (label, _)) in zip(buttons, lesson.PRESETS.items(), strict=True):
    column.button(label, key=f"preset.{name}", on_click=lesson.apply_preset, args=(name,), width="stretch")

with st.sidebar:
    settings = lesson.controls()
    n_train = settings["points"] - int(round(settings["points"] * lesson.VALIDATION_FRACTION))
    settings.update(lesson.training_controls(n_train), validation_fraction=lesson.VALIDATION_FRACTION)
    compare = st.toggle("Side by side: the same run without regularization", key="compare",
                        bind="query-params")

runs = {"this run": settings}
if compare:
    runs = {"without regularization": lesson.without_regularizer(settings), "with regularization": settings}

results = {}
with friendly_errors("training the network"), st.spinner("Training the network…"):
    for name, run in runs.items():
        results[name] = compute.training(tuple(sorted(run.items())))

if results:
    colours = ("#6b7280", "#2a9d8f") if compare else ("#2a9d8f",)
    with friendly_errors("drawing the decision boundary"):
        first = next(iter(results.values()))
        xs, ys, _ = first[1]
        panels = [dict(probs=r[1][2], train=r[2], val=r[3]) for r in results.values()]
        labels = [*map(str, first[0].snapshot_steps), "model kept"]
        st.plotly_chart(boundary_animation(xs, ys, panels, labels, titles=list(results)),
                        key="boundary", config={"displayModeBar": False})
        st.caption("Background: the network's probability of the orange class (white where it is 50 %); "
                   "the black line is the decision boundary. Filled dots train, open dots validate. "
                   "It opens on the model kept (the best-validation one where early stopping stopped, "
                   "else the last); ▶ Play shows the boundary as training goes on.")
    for name, result in results.items():
        st.markdown(f"**{name.capitalize()}**: {lesson.verdict(result[0])}")
    with friendly_errors("drawing the loss curves"):
        curves = [dict(name=name, colour=colour, eval_steps=r[0].eval_steps, train_loss=r[0].train_loss,
                       val_loss=r[0].val_loss, best_step=r[0].best_step,
                       stopped_at=r[0].stopped_at if r[0].stopped_at >= 0 else None)
                  for (name, r), colour in zip(results.items(), colours, strict=True)]
        log_y = st.toggle("Logarithmic loss axis", key="log_loss", bind="query-params")
        st.plotly_chart(training_curves(curves, log_y=log_y), key="curves")
