"""Lesson: setting the learning rate (the lecture's three sentences, and "try lots of rates")."""

import streamlit as st

from engine import SCHEDULES
from optimizers import OPTIMIZERS
from plotting import paths_animation, schedule_figure, style, sweep_figure
from ui import compute, controls, lr_lesson, panels
from ui.errors import friendly_errors
from ui.start import typed_start
from ui.stepping import step_controls

st.title("Setting the learning rate")
st.markdown("How big a step should gradient descent take? Three runs from the same start, one "
            "learning rate each, played together. Use a preset to see each sentence of the lecture.")

preset_columns = st.columns(3)
for column, (name, preset) in zip(preset_columns, lr_lesson.PRESETS.items(), strict=True):
    column.button(preset["button"], key=f"preset.{name}", on_click=lr_lesson.apply_preset, args=(name,),
                  width="stretch")

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("trap")
    optimizer_key = controls.registry_select("Optimizer (all three runs)", OPTIMIZERS, "optimizer", "sgd")
    spec = OPTIMIZERS[optimizer_key]
    others = controls.spec_sliders([h for h in spec.hyperparams if h.name != "learning_rate"], optimizer_key)
    schedule_key = controls.registry_select("Learning-rate schedule", SCHEDULES, "schedule", "constant")
    schedule = (schedule_key, tuple(controls.spec_sliders(SCHEDULES[schedule_key].params,
                                                          f"schedule.{schedule_key}").items()))
    steps = int(st.slider("Number of steps", 1, compute.MAX_STEPS, 200, key="steps", bind="query-params"))
    start = typed_start(landscape)

rates = {}
for column, (regime, hp) in zip(st.columns(3), lr_lesson.REGIMES.items(), strict=True):
    with column:
        rates[regime] = controls.number_widget(hp, f"lr.{regime}")

preset = lr_lesson.preset_on_screen(landscape_key, start, steps, rates)
if preset is not None:
    st.info(f"**The lecture:** {lr_lesson.SENTENCES[preset]}")

runs, verdicts = [], {}
for panel, (regime, rate) in enumerate(rates.items()):
    hyperparams = tuple(sorted(dict(others, learning_rate=rate).items()))
    run = compute.trajectory(landscape_key, theta, optimizer_key, hyperparams, tuple(start), schedule, steps)
    path, _, loss, diverged_at = compute.cut(run, steps)
    verdicts[regime] = lr_lesson.verdict(loss, diverged_at, landscape.min_value, 1e-3, run)
    runs.append(dict(name=f"{regime} η = {rate:.3g}", colour=style.REGIME_COLOURS[regime], path=path,
                     panel=panel))

k = step_controls(max(len(run["path"]) for run in runs) - 1)
xs, ys, z = compute.grid(landscape_key, theta)
with friendly_errors("drawing the three runs"):
    st.plotly_chart(paths_animation(xs, ys, z, runs, log_color=landscape.log_color, minima=landscape.minima,
                                    inspect_step=k, panels=3, titles=[run["name"] for run in runs],
                                    height=520),
                    key="panels", config={"displayModeBar": False})
for column, (regime, text) in zip(st.columns(3), verdicts.items(), strict=True):
    column.markdown(f"**{regime.capitalize()}** η = {rates[regime]:.3g}: {text}.")

st.subheader("Idea 1: try lots of learning rates")
with friendly_errors("sweeping the learning rate"):
    target = -float("inf") if landscape.min_value is None else landscape.min_value + 1e-3
    sweep_rates, summary = compute.rate_sweep(landscape_key, theta, optimizer_key,
                                              tuple(sorted(others.items())),
                                              tuple(start), steps, 241, target, schedule)
    theory = compute.quadratic_theory(landscape_key, theta) if optimizer_key == "sgd" else None
    marks = [(regime, rate, style.REGIME_COLOURS[regime]) for regime, rate in rates.items()]
    st.plotly_chart(sweep_figure(sweep_rates, summary.final_loss, summary.diverged_at, summary.reached_at,
                                 min_value=landscape.min_value, tolerance=1e-3, marks=marks, theory=theory),
                    key="sweep", config={"displayModeBar": False})
    st.caption(f"241 learning rates from {sweep_rates[0]:.0e} to {sweep_rates[-1]:.0f}, {steps} steps "
               "each, all in one vmapped call. Green: reaches J* + 0.001; orange: too slow or stuck; "
               "red: diverges.")
    if theory:
        panels.theory_note(theory, sweep_rates, summary.diverged_at)

if schedule_key != "constant":
    with friendly_errors("drawing the schedule"):
        st.plotly_chart(schedule_figure(compute.lr_scale(schedule, steps)[:steps], rates["stable"],
                                        SCHEDULES[schedule_key].name), key="schedule_chart")
        st.latex(SCHEDULES[schedule_key].latex)
