"""Lesson: setting the learning rate (the lecture's three sentences, and "try lots of rates")."""

import streamlit as st

from engine import SCHEDULES
from landscapes.typed import landscape_of
from optimizers import OPTIMIZERS
from pages.learning_rate import lesson
from plotting import player_figure, schedule_figure, style, sweep_figure
from ui import compute, controls, projector, state
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import chart, player, step_fields
from ui.start import typed_start

state.begin("learning_rate")
projector.begin()
st.title("Setting the learning rate")
projector.intro("How big a step should gradient descent take? Three runs from the same start, one "
            "learning rate each, played together. Use a preset to see each sentence of the lecture.")

controls.preset_buttons({name: preset["button"] for name, preset in lesson.PRESETS.items()}, "preset",
                        lesson.apply_preset)

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("trap")
    optimizer_key = controls.registry_select("Optimizer (all three runs)", OPTIMIZERS, "optimizer", "sgd")
    spec = OPTIMIZERS[optimizer_key]
    others = controls.spec_sliders([h for h in spec.hyperparams if h.name != "learning_rate"], optimizer_key)
    schedule_key = controls.registry_select("Learning-rate schedule", SCHEDULES, "schedule", "constant")
    schedule_values = controls.spec_sliders(SCHEDULES[schedule_key].params, f"schedule.{schedule_key}")
    schedule = compute.Schedule(schedule_key, schedule_values)
    steps = controls.steps_slider(200)
    start = typed_start(landscape)

@st.fragment
def regimes_view(landscape_key, theta, optimizer_key, others, schedule_key, schedule, steps, start):
    """The three rates and everything they change: a fragment, so moving a rate redraws only this."""
    landscape = landscape_of(landscape_key)
    rates = {}
    for column, (regime, hp) in zip(st.columns(3), lesson.REGIMES.items(), strict=True):
        rates[regime] = controls.number_widget(hp, f"lr.{regime}", container=column)

    preset = lesson.preset_on_screen(landscape_key, optimizer_key, schedule_key, start, steps, rates)
    if preset is not None:
        st.info(f"**The lecture:** {lesson.SENTENCES[preset]}")

    runs, verdicts = [], {}
    exported = {}  # the runs as the CSV export writes them, named with their rates
    for panel, (regime, rate) in enumerate(rates.items()):
        run = compute.trajectory(landscape_key, theta, optimizer_key, dict(others, learning_rate=rate), start,
                                 schedule, steps)
        shown = compute.shown(run, steps)
        exported[f"{regime} η = {rate:g}"] = shown
        verdicts[regime] = lesson.verdict(shown.loss, shown.diverged_at, landscape.min_value, 1e-3, run)
        # Names without the rate (the sliders above show it): the figure keeps its shape when a rate moves,
        # and the player redraws only the paths.
        runs.append(dict(name=f"{regime} η", colour=style.REGIME_COLOURS[regime], path=shown.path,
                         panel=panel))

    xs, ys, z = compute.grid(landscape_key, theta)
    with friendly_errors("drawing the three runs"):
        figure = player_figure(xs, ys, z, runs, log_color=landscape.log_color, minima=landscape.minima,
                               panels=3, titles=[run["name"] for run in runs], height=440)
        player(figure, key="player", fields=step_fields(0))
        export_buttons(figure, exported,
                       title=f"Learning rate, {landscape.name}, {OPTIMIZERS[optimizer_key].name}")
    for column, (regime, text) in zip(st.columns(3), verdicts.items(), strict=True):
        column.markdown(f"**{regime.capitalize()}** η = {rates[regime]:.3g}: {text}.")

    st.subheader("Idea 1: try lots of learning rates")
    with friendly_errors("sweeping the learning rate"):
        target = -float("inf") if landscape.min_value is None else landscape.min_value + 1e-3
        sweep_rates, summary = lesson.rate_sweep(landscape_key, theta, optimizer_key, others, start, steps,
                                                 241, target, schedule)
        theory = lesson.quadratic_theory(landscape_key, theta) if optimizer_key == "sgd" else None
        marks = [(regime, rate, style.REGIME_COLOURS[regime]) for regime, rate in rates.items()]
        figure = sweep_figure(sweep_rates, summary.final_loss, summary.diverged_at, summary.reached_at,
                              min_value=landscape.min_value, tolerance=1e-3, marks=marks, theory=theory)
        chart(figure, key="sweep")
        projector.note(f"241 learning rates from {sweep_rates[0]:.0e} to {sweep_rates[-1]:.0f}, {steps} "
                       "steps each, all in one vmapped call. Green: reaches J* + 0.001; orange: too slow or "
                       "stuck; red: diverges.")
        if theory:
            lesson.theory_note(theory, sweep_rates, summary.diverged_at)

    if schedule_key != "constant":
        with friendly_errors("drawing the schedule"):
            chart(schedule_figure(compute.lr_scale(schedule, steps)[:steps], rates["stable"],
                                  SCHEDULES[schedule_key].name), key="schedule_chart")
            st.latex(SCHEDULES[schedule_key].latex)
    state.write_url()


regimes_view(landscape_key, theta, optimizer_key, others, schedule_key, schedule, steps, start)
state.write_url()
