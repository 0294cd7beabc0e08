"""Lesson: adaptive learning rates, as a race of the optimizers from the same start."""

from functools import partial

import streamlit as st

from optimizers import OPTIMIZERS
from pages.optimizer_race import lesson
from plotting import internals_figure, losses_figure, player_figure
from ui import compute, controls, panels, projector, state
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import chart, linked_chart, player, shown_step, step_fields
from ui.start import rerun_after_click, start_controls, take_click

state.begin("optimizer_race")
projector.begin()
st.title("Optimizer race")
projector.intro("Idea 2 of the lecture: *do something smarter*. Adaptive optimizers change their step "
            "size as they go, per weight, from the gradients they have seen. Here they all start from "
            "the same point on the same surface; watch who turns the corners, who overshoots, who stalls.")

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("rosenbrock")
    chosen = lesson.chosen_optimizers()
    start = start_controls(landscape)
    settings = lesson.settings(chosen)

if not chosen:
    st.warning("Pick at least one optimizer in the sidebar.")
    state.write_url()
    st.stop()

presets = controls.preset_buttons({name: preset["button"] for name, preset in lesson.PRESETS.items()},
                                  "preset", lesson.apply_preset)
presets.button("Fair comparison: tune each learning rate", icon=":material/balance:", on_click=lesson.tune,
          args=(landscape_key, theta, tuple(start), chosen, settings))


@st.fragment
def race_view(landscape_key, landscape, theta, start, chosen, settings):
    """The step count and everything it changes: a fragment, so moving it redraws only this."""
    rerun_after_click()
    steps = controls.steps_slider(300)
    race = lesson.Race(landscape_key, theta, tuple(start), steps)
    lesson.tuned_note(race)
    lesson.warm_tuning(race, chosen, settings)

    trajectories, runs = {}, {}
    for key in chosen:
        trajectories[key] = compute.trajectory(landscape_key, theta, key, settings[key], start)
        runs[key] = compute.shown(trajectories[key], steps)
    last = max(run.last for run in runs.values())

    xs, ys, z = compute.grid(landscape_key, theta)
    step = 0
    with friendly_errors("drawing the race"):
        paths = [dict(name=OPTIMIZERS[key].name, colour=OPTIMIZERS[key].colour, path=run.path)
                 for key, run in runs.items()]
        figure = player_figure(xs, ys, z, paths, log_color=landscape.log_color, minima=landscape.minima,
                               clickable=True, tail=40, height=600)
        step, _ = player(figure, key="player", fields=step_fields(0), on_click=partial(take_click, landscape))
        export_buttons(figure, {OPTIMIZERS[key].name: run for key, run in runs.items()},
                       title=f"Optimizer race, {landscape.name}")
    k = shown_step(step, last)

    with friendly_errors("drawing the loss curves"):
        log_y = controls.toggle("Logarithmic loss axis", "log_loss", default=True)
        series = [dict(name=OPTIMIZERS[key].name, colour=OPTIMIZERS[key].colour, loss=run.loss,
                       diverged_at=run.diverged_at) for key, run in runs.items()]
        linked_chart(losses_figure(series, min_value=landscape.min_value, log_y=log_y), key="losses",
                     player_key="player", last=last)
        st.table(lesson.results_table(runs, landscape), hide_index=True)
        st.markdown(f"**Result.** {lesson.takeaway(runs, landscape, steps)}")
        preset = lesson.preset_on_screen(race, settings)
        if preset is not None:
            st.info(f"**What this race shows.** {lesson.PRESETS[preset]['sentence']}")

    st.subheader(f"Inside the optimizers at step {k}")
    projector.note("Left: the direction of −∇J (thin), of the velocity where there is one (dashed) and of "
                   "the step actually taken (thick). Right: the step size each optimizer gives each "
                   "coordinate. Pause the race, or step it with ◀ / ▶, to look inside at another step.")
    with friendly_errors("looking inside the optimizers"):
        entries = lesson.internals_entries(runs, trajectories, settings, k)
        chart(internals_figure(entries, step=k), key="internals")

    st.subheader("The rules")
    # One rule at a time: tabs would draw every optimizer's code, and re-render it all on every move.
    rule = st.segmented_control("Rule of", chosen, format_func=lambda k: OPTIMIZERS[k].name, required=True,
                                key=state.bind(state.choice("rule", chosen[0], chosen)))
    panels.rule_and_code(OPTIMIZERS[rule if rule in chosen else chosen[0]])
    state.write_url()


race_view(landscape_key, landscape, theta, start, chosen, settings)
