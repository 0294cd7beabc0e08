"""Lesson: overfitting and regularization (dropout, L2, early stopping) on small networks trained live."""

import streamlit as st

from pages.overfitting import lesson
from plotting import style
from plotting.training import boundary_animation, training_curves
from ui import controls, networks, projector, state
from ui.errors import friendly_errors
from ui.exports import figure_buttons, history_table
from ui.player import chart

state.begin("overfitting")
projector.begin()
st.title("Overfitting & regularization")
projector.intro(
    "A model without the **capacity** to learn the data underfits; one so complex that its extra "
    "parameters do not generalize **overfits**: the training loss keeps falling while the validation "
    "loss rises. Regularization constrains the optimization to discourage complex models: **dropout** "
    "(randomly set hidden activations to 0 while training), an **L2** penalty λ·ΣW², and **early "
    "stopping** (stop before the model starts to overfit, keep the best-validation weights).")

controls.preset_buttons({name: label for name, (label, _) in lesson.PRESETS.items()}, "preset",
                        lesson.apply_preset)

with st.sidebar:
    settings = lesson.controls_model()
    n_train = settings["points"] - int(round(settings["points"] * lesson.VALIDATION_FRACTION))
    settings.update(lesson.controls_optimizer(n_train), validation_fraction=lesson.VALIDATION_FRACTION)


@st.fragment
def regularized(settings):
    """The regularizers and everything they change: a fragment, so moving one redraws only this."""
    regularizers, compare = lesson.controls_regularization()
    settings = dict(settings, **regularizers)
    runs = {"this run": settings}
    if compare:
        runs = {"without regularization": lesson.without_regularizer(settings),
                "with regularization": settings}
    results = {}
    with friendly_errors("training the network"), st.spinner("Training the network…"):
        for name, run in runs.items():
            results[name] = lesson.training(run)
    if results:
        networks.remember(settings)
        show(results, compare, lesson.regularizer_on(settings))
        lesson.train_neighbours(settings)
    state.write_url()


def show(results, compare, regularized_run):
    """The decision boundaries, the verdicts and the loss curves of the runs (teal: a regularized run)."""
    colours = (style.PLAIN, style.RECOMMENDED) if compare else (
        style.RECOMMENDED if regularized_run else style.PLAIN,)
    with friendly_errors("drawing the decision boundary"):
        first = next(iter(results.values()))
        xs, ys = first.boundary.xs, first.boundary.ys
        panels = [dict(probs=r.boundary.probabilities, train=r.train_set, val=r.val_set)
                  for r in results.values()]
        labels = [*map(str, first.history.snapshot_steps), "model kept"]
        boundary = boundary_animation(xs, ys, panels, labels, titles=list(results))
        chart(boundary, key="boundary")
        figure_buttons(boundary, {name: history_table(r.history) for name, r in results.items()},
                       title=f"Overfitting, decision boundary, {', '.join(results)}", key="boundary",
                       size=(620 * len(results), 520), csv_label="Losses (CSV)")
        projector.note("Background: the network's probability of the orange class (white where it is 50 %); "
                       "the black line is the decision boundary. Filled dots train, open dots validate. "
                       "It opens on the model kept (the best-validation one where early stopping stopped, "
                       "else the last); Play shows the boundary as training goes on.")
    plain = results["without regularization"].history if compare else None
    for name, result in results.items():
        reference = plain if name == "with regularization" else None
        st.markdown(f"**{name.capitalize()}**: {lesson.verdict(result.history, reference)}")
    with friendly_errors("drawing the loss curves"):
        curves = [lesson.curve(name, colour, r.history) for (name, r), colour in
                  zip(results.items(), colours, strict=True)]
        log_y = controls.toggle("Logarithmic loss axis", "log_loss")
        chart(training_curves(curves, log_y=log_y), key="curves")


regularized(settings)
