"""Download buttons under an animated figure: the animation as HTML, its runs as CSV, the view as PNG.

Each button's data is a zero-argument callable: Streamlit runs it only when the button is clicked (in a
thread of its own, away from the session), so a rerun costs nothing and everything it needs is bound
now. ``on_click="ignore"``: a download does not rerun the page.
"""

import re
from functools import partial

import streamlit as st

from plotting import export
from ui.player import step_fields

LABELS = {"html": "Animation (HTML)", "png": "View (PNG)"}
HELP = {"html": "One HTML file that plays the animation offline, in any browser.",
        "csv": "Every step of every run, one row each, at the engine's full float32 precision.",
        "png": "The figure as it shows now, as a picture."}
MIME = {"html": "text/html", "csv": "text/csv", "png": "image/png"}


def file_stem(title):
    """A file name from a title: lower-case words joined by hyphens, at most 80 characters."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80].strip("-") or "export"


def player_view():
    """The step the path player shows (END: the last) and whether its whole path is on."""
    step_field, whole_field = step_fields()
    return int(st.session_state.get(step_field.key, 0)), bool(st.session_state.get(whole_field.key, False))


def as_table(run):
    """A run for the CSV: a ``compute.Shown`` or a dict with ``path`` and optionally ``loss``, ``grads``,
    ``states``, ``steps``."""
    return run._asdict() if hasattr(run, "_asdict") else dict(run)


def buttons(makers, title, key, csv_label="Path (CSV)"):
    """A row of download buttons, one per ``makers`` entry (``{"html" | "csv" | "png": callable}``)."""
    stem = file_stem(title)
    labels = dict(LABELS, csv=csv_label)
    with st.container(horizontal=True, key=f"exports.{key}"):
        for kind, make in makers.items():
            st.download_button(labels[kind], make, file_name=f"{stem}.{kind}", mime=MIME[kind],
                               key=f"exports.{key}.{kind}", help=HELP[kind], on_click="ignore",
                               icon=":material/download:")


def export_buttons(figure, runs, *, title, key="player", names=("x", "y")):
    """The path player's exports: its animation (HTML), ``runs`` (``{name: run}``, see ``as_table``) as
    CSV with the parameters named ``names``, and its view at the step on screen (PNG)."""
    step, whole = player_view()
    tables = {name: as_table(run) for name, run in runs.items()}
    width, height = export.view_size(figure)
    buttons(dict(html=partial(export.animation_html, figure, title, step=step, whole=whole),
                 csv=partial(export.path_csv, tables, names),
                 png=partial(export.figure_png, figure, width, height, step, whole)), title, key)


def history_table(history):
    """A training run's evaluations as CSV columns: step, training and validation loss and accuracy."""
    fields = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    return dict(step=history.eval_steps, **{name: getattr(history, name) for name in fields})


def figure_buttons(figure, tables, *, title, key, size, csv_label):
    """A Plotly figure's exports: the figure with its own frames (HTML), ``tables`` (``{run: {column:
    values}}``) as CSV, and the figure as it opens (PNG of ``size`` = (width, height))."""
    figure = figure.to_dict() if hasattr(figure, "to_dict") else figure
    buttons(dict(html=partial(export.plotly_html, figure, title), csv=partial(export.table_csv, tables),
                 png=partial(export.png, figure, *size)), title, key, csv_label)
