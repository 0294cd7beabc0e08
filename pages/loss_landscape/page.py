"""Lesson: the loss landscape of a neural network (the lecture's "Training neural networks is difficult!")."""

import numpy as np
import streamlit as st

from pages.loss_landscape import lesson
from plotting import player_figure, style
from plotting.landscape import (
    interpolation_figure,
    loss_steps_figure,
    sharpness_figure,
    slice_figure,
    slice_surface,
)
from ui import controls, projector, state, warm
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import END, chart, player, step_fields

state.begin("loss_landscape")
projector.begin()
st.title("The loss landscape of a neural network")
projector.intro(
    "*Training neural networks is difficult! Loss functions can be difficult to optimize.* The lecture "
    "shows it with one picture, the loss of a real network on a plane through its weights (Li et al., "
    "2018, [Visualizing the Loss Landscape of Neural Nets](https://arxiv.org/abs/1712.09913)). Here it is "
    "live, for the small networks this app trains, with what the picture hides: how **sharp** the minimum "
    "is, and how gradient descent keeps that sharpness at **2/η**.")


def new_directions():
    """Button callback: the next seed for the two random directions."""
    state.put("dir_seed", (int(st.session_state.get("dir_seed", 0)) + 1) % 2**31)


with st.sidebar:
    network = st.selectbox("Network", list(lesson.NETWORKS), format_func=lambda k: lesson.NETWORKS[k][0],
                           key=state.bind(state.choice("net", "tanh", lesson.NETWORKS)))
    network = network if network in lesson.NETWORKS else "tanh"
    settings = lesson.network_settings(network)
    st.caption(lesson.describe(settings))
    if network == "overfitting":
        st.caption("As last trained on the Overfitting page in this session (its first view before that).")
    log_color = controls.toggle("Logarithmic colour scale", "log_color", default=True)
    others = st.container()  # a note for the views that train their own networks

view = st.segmented_control("Show", list(lesson.VIEWS), format_func=lesson.VIEWS.get, required=True,
                            key=state.bind(state.choice("view", "slice", lesson.VIEWS)))


@st.fragment
def random_slice_panel(settings, log_color):
    """The slice on two random directions and its controls: a fragment, so they redraw only the slice."""
    seed = controls.seed_input("Seed of the two directions", "dir_seed")
    top = st.columns([1, 1])
    top[0].button("New directions", on_click=new_directions, width="stretch")
    three_d = controls.toggle("3D", "three_d", container=top[1])
    extent = st.select_slider("Reach of the slice (α and β up to ±, in filter norms)", lesson.EXTENTS,
                              format_func=lambda v: f"{v:g}",
                              key=state.bind(state.stop("extent", lesson.SLICE_EXTENT, lesson.EXTENTS)))
    extent = extent if extent in lesson.EXTENTS else lesson.SLICE_EXTENT
    with_l2 = settings["l2"] > 0 and controls.toggle("Include the L2 term λ·ΣW²", "with_l2")
    with friendly_errors("computing the slice"), st.spinner("Evaluating 2,601 networks…"):
        cut = lesson.random_slice(settings, seed, with_l2, extent)
        title = "Loss on two random directions " + ("(data loss + L2 term)" if with_l2 else "(data loss)")
        if three_d:
            chart(slice_surface(cut.xs, cut.ys, cut.z, log_color=log_color), key="slice3d", three_d=True)
        else:
            chart(slice_figure(cut.xs, cut.ys, cut.z, log_color=log_color, title=title), key="slice")
        star = "" if three_d else "★, "
        projector.note(
            f"θ = θ* + α·d₁ + β·d₂ around the trained weights θ* ({star}training loss "
            f"{cut.centre_loss:.4g}) at α = β = 0, d₁ and d₂ drawn N(0, 1) with seed {seed} and each "
            "neuron's incoming weights rescaled to the trained neuron's norm (filter normalization; "
            "biases not moved). Another seed draws another plane, so another picture: press **New "
            "directions**.")
    state.write_url()


def slice_view():
    """The random filter-normalized slice beside the training path's PCA plane."""
    left, right = projector.columns(2)
    with left:
        random_slice_panel(settings, log_color)
    with right:
        st.markdown("**The plane of the training path** (its first two principal components)")
        with friendly_errors("computing the training path's plane"), st.spinner("Evaluating its plane…"):
            plane = lesson.pca_plane(settings)
            figure = player_figure(plane.xs, plane.ys, plane.z, [dict(
                name="training path", colour=style.PATH_COLOUR, path=plane.path, loss=plane.path_loss)],
                log_color=log_color, minima=[], height=480, step_scale=lesson.steps_per_snapshot(plane.steps),
                axis_titles=(f"1st PC: {plane.ratios[0]:.1%}", f"2nd PC: {plane.ratios[1]:.1%}"))
            figure.spec["layout"]["yaxis"].pop("scaleanchor", None)  # the 2nd PC is often far shorter
            player(figure, key="path", fields=step_fields(END))
            export_buttons(figure, {"training path": dict(path=plane.path, loss=plane.path_loss,
                                                          steps=plane.steps)},
                           title=f"Loss landscape, training path, {lesson.NETWORKS[network][0]}", key="path",
                           names=("pc1", "pc2"))
            off = plane.off_plane[:-1]
            projector.note(
                f"{len(plane.steps)} snapshots, every {int(plane.steps[1] - plane.steps[0]):,} steps, drawn "
                f"at their projections; the final weights sit at (0, 0). The two components explain "
                f"{plane.ratios.sum():.1%} of the path's variance, but the snapshots lie up to "
                f"{off.max():.0%} (median {np.median(off):.0%}) of their distance from the end **off** this "
                "plane: where a point sits on a contour the network had another loss, so path and contours "
                "can disagree. Caution: PCA of a random walk also puts most of its variance in the first "
                "component, so a large first ratio alone says little.")


def _monotone(loss):
    """Whether a loss falls all along α in [0, 1] (allowing float32 noise)."""
    inside = np.asarray(loss, np.float64)[(lesson.ALPHAS >= 0) & (lesson.ALPHAS <= 1)]
    return bool(np.all(np.diff(inside) <= 1e-6 * max(1.0, float(np.abs(inside).max()))))


def line_view():
    """Goodfellow et al.'s straight lines: initial weights → solution, and solution A → solution B."""
    with friendly_errors("computing the straight lines"), st.spinner("Training a second network…"):
        lines = lesson.straight_lines(settings)
        left, right = projector.columns(2)
        with left:
            chart(interpolation_figure(lesson.ALPHAS, lines.from_init, title="Initial weights → solution",
                                       ends=("initial", "solution")), key="from_init")
            falls = _monotone(lines.from_init["training"][0])
            st.caption("Goodfellow et al. (2015): along the straight line from the initial weights (α = 0) "
                       "to the solution (α = 1) the training loss " + (
                           "**falls all the way**: no wall between them on this line, although training "
                           "took a curved path." if falls else
                           "**does not fall all the way**: this line crosses a bump that training went "
                           "around."))
        with right:
            chart(interpolation_figure(lesson.ALPHAS, lines.between, title="Solution A → solution B",
                                       ends=("A", "B")), key="between")
            barrier = lines.barrier
            st.caption("B: the same network and data from other initial weights (seed + 1). A and B reach "
                       f"training losses {lines.ends[0]:.3g} and {lines.ends[1]:.3g}. " + (
                f"Between them the training loss rises **{barrier:.3g} above the worse end**: a barrier "
                "separates the two minima." if barrier > 0.01 else
                f"Between them the training loss stays within {max(barrier, 0):.3g} of the worse end: the "
                "two solutions are joined by a straight valley."))


def edge_view():
    """Sharpness against 2/η while full-batch gradient descent trains (Cohen et al., 2021)."""
    others.caption("This view trains its own network (its setup is written above its charts); the network "
                   "above is for the other views.")
    st.markdown(
        "Full-batch gradient descent, squared error on targets ±1, a tanh network 2 → 16 → 16 → 1 on 400 "
        "circle points, LeCun-normal initial weights; every 10 steps the **sharpness** λ_max (the Hessian's "
        "top eigenvalue, by 20 warm-started power iterations on Hessian-vector products).")
    controls.preset_buttons(lesson.EDGE_PRESETS, "edge", lesson.apply_edge_preset)
    rate = st.select_slider("Learning rate η", lesson.EDGE_RATES, format_func=lambda v: f"{v:g}",
                            key=state.bind(state.stop("eta", 0.3, lesson.EDGE_RATES)))
    rate = rate if rate in lesson.EDGE_RATES else 0.3
    with friendly_errors("training with sharpness"), st.spinner("Training 3,000 steps…"):
        history = lesson.edge_of_stability(rate)
        diverged = history.diverged_at if history.diverged_at >= 0 else None
        left, right = projector.columns(2)
        with left:
            chart(sharpness_figure(history.eval_steps, history.sharpness, rate, diverged_at=diverged),
                  key="sharpness")
        with right:
            chart(loss_steps_figure(history.eval_steps, history.train_loss), key="edge_loss")
        st.markdown(lesson.edge_sentence(history, rate))
    projector.note(
        "Why 2/η: on a quadratic J = ½λw², gradient descent multiplies w by (1 − ηλ) each step, so it "
        "converges iff λ < 2/η — the [Learning rate](/learning-rate) page's η < 2/λmax read the other way. "
        "A network's curvature is not fixed: it grows while the loss falls until it reaches 2/η, and "
        "gradient descent then keeps it there (Cohen et al., ICLR 2021, [Gradient Descent on Neural "
        "Networks Typically Occurs at the Edge of Stability](https://arxiv.org/abs/2103.00065)).")


def _solution_row(name, solution):
    """One row of the flat-or-sharp table."""
    return (f"| {name} | {solution.batch} | {solution.train_loss:.4f} | {solution.val_loss:.4f} | "
            f"{solution.val_accuracy:.0%} | {solution.sharpness:.4g} | {solution.trace:.4g} ± "
            f"{solution.trace_error:.2g} |")


def flat_view():
    """Small- against large-batch solutions from the same initial weights (Keskar et al., 2017)."""
    others.caption("This view trains its own two networks (its setup is written above its charts); the "
                   "network above is for the other views.")
    s = lesson.FLAT_NET
    st.markdown(
        f"Two {s['activation']} networks {' → '.join(map(str, s['sizes']))} on {s['points']} {s['dataset']} "
        f"points (half for validation), the **same initial weights**, plain SGD with η = {s['lr']:g} for "
        f"{s['steps']:,} steps: one with batches of {lesson.FLAT_BATCHES[0]}, one with the whole training "
        "set. Then at each solution: λ_max (100 power iterations), the Hessian's trace (Hutchinson, 100 "
        "random ±1 vectors, ± its standard error) and a filter-normalized slice (the same seed for both).")
    seed_column, toggle_column = st.columns([1, 2], vertical_alignment="bottom")
    with seed_column:
        seed = controls.seed_input("Seed of the two directions", "dir_seed")
    rescaled = controls.toggle(f"Rescale the small-batch network: αW₁, αb₁, W₂/α with α = {lesson.RESCALE:g}",
                               "rescale", help="Dinh et al. (2017): the same function, other weights.",
                               container=toggle_column)
    with friendly_errors("training the two networks"), st.spinner("Training two networks…"):
        runs = lesson.flat_or_sharp(seed)
        small = runs.rescaled if rescaled else runs.small
        name = "small batch, rescaled" if rescaled else "small batch"
        st.markdown(
            "| run | batch | training loss | validation loss | validation accuracy | λ_max | trace of H |\n"
            "| --- | --- | --- | --- | --- | --- | --- |\n"
            f"{_solution_row(name, small)}\n{_solution_row('large batch', runs.large)}")
        left, right = projector.columns(2)
        shown = ((name, small), ("large batch", runs.large))
        for column, (label, run) in zip((left, right), shown, strict=True):
            with column:
                title = f"{label.capitalize()} (B = {run.batch}): λ_max {run.sharpness:.3g}"
                chart(slice_figure(runs.xs, runs.xs, run.slice_z, log_color=log_color, title=title),
                      key=f"flat.{label.split()[0]}")
        loss, accuracy = runs.line
        chart(interpolation_figure(lesson.ALPHAS, {"training": (loss, accuracy)},
                                   title="Small-batch solution → large-batch solution",
                                   ends=("small batch", "large batch")), key="flat.line")
    sharper = "large" if runs.large.sharpness > runs.small.sharpness else "small"
    st.markdown(
        f"In this run the **{sharper}-batch** solution is the sharper one (λ_max {runs.large.sharpness:.3g} "
        f"against {runs.small.sharpness:.3g}). Keskar et al. (ICLR 2017) found large batches drawn to sharp "
        "minima that generalize worse; this is **one seeded run, not a law**.")
    if rescaled:
        st.markdown(
            f"Rescaled, the small-batch network computes the same function (same losses), and its filter-"
            f"normalized picture is the same, but λ_max went from {runs.small.sharpness:.3g} to "
            f"{runs.rescaled.sharpness:.3g}: sharpness depends on how the weights are written (Dinh et al., "
            "2017, Sharp Minima Can Generalize For Deep Nets). That is why the pictures normalize each "
            "filter.")


VIEW_DRAWERS = {"slice": slice_view, "line": line_view, "edge": edge_view, "flat": flat_view}
VIEW_DRAWERS.get(view, slice_view)()
# The sharpness view's first run, trained in the background: one click on it then shows it at once.
warm.ahead(("edge", 0.3), lesson.edge_of_stability, 0.3, delay=1.0)
state.write_url()
