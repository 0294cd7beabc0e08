"""Exports of an animated figure: the animation as one HTML file that plays offline, the runs as CSV,
and the view on screen as PNG (kaleido, in the system's Chromium).

The HTML is the path player itself (``ui/player/frontend``: its page, style and script) with
plotly.js and the surface picture inlined, so it animates exactly what the app shows, with no server
and no network. The CSV writes each number as the shortest text that reads back to the same float32.
"""

import base64
import csv
import html
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import plotly
import plotly.io as pio

from plotting.player import BACKGROUND

PLAYER_FRONTEND = Path(__file__).resolve().parents[1] / "ui" / "player" / "frontend"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
END = -1  # as a step: the last step of the run
# The player's page is a frame inside Streamlit; as a page of its own it scrolls and has a margin.
PAGE_CSS = """
html, body { overflow: auto; background: #fff; }
body { max-width: 960px; margin: 0 auto; padding: 0.5rem 1rem 1rem; box-sizing: border-box; }
body.wide { max-width: 1600px; }
h1 { font-size: 1.4rem; font-weight: 600; margin: 0.25rem 0 0.5rem; }
"""


# ------------------------------------------------------------------------------------------ HTML


def data_uri(png):
    """PNG bytes as a data: URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def offline_spec(figure):
    """The player's spec with the surface picture inlined and clicks off (nobody to tell)."""
    images = [dict(image, source=data_uri(figure.background)) if image["source"] == BACKGROUND else image
              for image in figure.spec["layout"]["images"]]
    return dict(figure.spec, layout=dict(figure.spec["layout"], images=images), clickable=False)


def _script_json(value):
    """JSON safe inside a <script> element: no "<" that could close it or open a comment."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def _player_body(frontend):
    """The player page's body without its script tag (the script is inlined after it)."""
    page = (frontend / "index.html").read_text(encoding="utf-8")
    body = re.search(r"<body[^>]*>(.*)</body>", page, re.S).group(1)
    return re.sub(r"<script\b[^>]*>\s*</script>", "", body)


def animation_html(figure, title, *, step=0, whole=False, frontend=PLAYER_FRONTEND):
    """One self-contained HTML page that plays the player figure offline (Play, ◀ / ▶, scrubber)."""
    args = dict(mode="player", figure=offline_spec(figure), group=None, step=int(step), whole=bool(whole),
                reset="export", big=False)
    player_js = (frontend / "player.js").read_text(encoding="utf-8")
    # plotly.js is already on the page: the player's loader (a <script src=...>) has nothing to fetch.
    start = ("loadPlotly = () => Promise.resolve();\n"
             f"window.dispatchEvent(new MessageEvent('message', {{data: {{type: 'streamlit:render', "
             f"args: {_script_json(args)}}}}}));")
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{(frontend / 'player.css').read_text(encoding='utf-8')}\n{PAGE_CSS}</style>",
        f"<script>\n{PLOTLY_JS.read_text(encoding='utf-8')}\n</script>", "</head>",
        '<body class="wide">' if len(figure.spec["points"]) > 1 else "<body>",
        f"<h1>{html.escape(title)}</h1>", _player_body(frontend),
        f"<script>\n{player_js}\n</script>", f"<script>\n{start}\n</script>", "</body>", "</html>", ""])


def plotly_html(figure, title):
    """A Plotly figure (with its own frames, sliders and buttons) as one HTML page that plays offline."""
    page = pio.to_html(figure, include_plotlyjs=True, full_html=True, auto_play=False, validate=False,
                       config=dict(displaylogo=False))
    return page.replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)


# ------------------------------------------------------------------------------------------- CSV


def cell(value):
    """A number as the shortest text that reads back to the same value in its own precision."""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, np.floating | np.integer):
        return str(value)  # numpy writes the shortest round-trip text of a float32 or float64
    if isinstance(value, float):
        return repr(value)
    return str(value)


def component_names(size, names):
    """Names of a vector's components: ``names`` where they fit, else 0, 1, 2..."""
    return list(names) if len(names) == size else [str(i) for i in range(size)]


def tree_columns(tree, prefix, names):
    """A pytree of per-step arrays (leading axis: steps) as named columns: NamedTuple fields, dict keys
    and list positions joined by dots, a vector's components last (``state.mean.x``)."""
    if tree is None:
        return {}
    if hasattr(tree, "_fields"):
        items = zip(tree._fields, tree, strict=True)
    elif isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, list | tuple):
        items = enumerate(tree)
    else:
        values = np.asarray(tree)
        flat = values.reshape(len(values), -1)
        if values.ndim == 1:
            return {prefix: values}
        parts = component_names(flat.shape[1], names)
        return {f"{prefix}.{part}": flat[:, i] for i, part in enumerate(parts)}
    columns = {}
    for key, child in items:
        columns.update(tree_columns(child, f"{prefix}.{key}", names))
    return columns


def run_columns(run, names=("x", "y")):
    """One run's columns: step, parameters, loss, gradient and optimizer state, cut to its path."""
    path = np.asarray(run["path"])
    count = len(path)
    steps = run.get("steps")
    columns = {"step": np.arange(count) if steps is None else np.asarray(steps)}
    columns.update(zip(component_names(path.shape[1], names), path.T, strict=True))
    if run.get("loss") is not None:
        columns["loss"] = np.asarray(run["loss"])
    columns.update(tree_columns(run.get("grads"), "grad", names))
    columns.update(tree_columns(run.get("states"), "state", names))
    return {name: values[:count] for name, values in columns.items()}


def table_csv(tables):
    """Tables of columns (``{run: {column: values}}``) as one CSV: a ``run`` column, then the union of
    the columns in order of appearance, empty where a run has none."""
    header = ["run"]
    for columns in tables.values():
        header += [name for name in columns if name not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for run, columns in tables.items():
        count = len(next(iter(columns.values()))) if columns else 0
        for k in range(count):
            writer.writerow([run, *(cell(columns[c][k]) if c in columns else "" for c in header[1:])])
    return out.getvalue()


def path_csv(runs, names=("x", "y")):
    """Runs (``{name: {path, loss, grads, states, steps}}``, all but ``path`` optional) as CSV, one row per
    run and step; ``names`` names the parameters (and the gradient's and state's components)."""
    return table_csv({name: run_columns(run, names) for name, run in runs.items()})


# ------------------------------------------------------------------------------------------- PNG


def _floats(text):
    """The player's base64 float32 array."""
    return None if not text else np.frombuffer(base64.b64decode(text), "<f4")


def _xy(values):
    """Interleaved x0, y0, x1, y1, ... as plain lists of x and of y (None where not finite)."""
    pairs = np.asarray(values, np.float64).reshape(-1, 2)
    return [[float(v) if np.isfinite(v) else None for v in pairs[:, i]] for i in (0, 1)]


def _run_traces(run, step, tail, whole):
    """One run at ``step`` as the player draws it: whole path, trail so far, −∇J arrow."""
    path = _floats(run["path"]).reshape(-1, 2)
    k = min(step, len(path) - 1)
    xs, ys = _xy(path)
    trail = path[max(0, k - tail) if tail else 0: k + 1]
    traces = dict(whole=dict(run["styles"]["whole"], x=xs, y=ys, visible=whole),
                  trail=dict(run["styles"]["trail"], **dict(zip("xy", _xy(trail), strict=True))))
    if run.get("tips"):
        tip = _floats(run["tips"]).reshape(-1, 2)[k]
        moved = not np.array_equal(tip, path[k])  # no arrow where the gradient is 0
        arrow = np.stack([path[k], tip]) if moved else np.empty((0, 2))
        traces["arrow"] = dict(run["styles"]["arrow"], **dict(zip("xy", _xy(arrow), strict=True)))
    return traces, path[k]


def view_figure(figure, step, whole=False):
    """The player's figure as a plain Plotly figure dict at ``step`` (END: the last), as it shows it."""
    spec = figure.spec
    last = max(len(_floats(run["path"])) // 2 - 1 for run in spec["runs"]) if spec["runs"] else 0
    step = last if step < 0 or step > last else int(step)
    shown = whole or step >= last  # the player shows the whole path when it is paused at the end
    parts = [_run_traces(run, step, spec.get("tail"), shown) for run in spec["runs"]]
    data = list(spec["static"]) + [p[0]["whole"] for p in parts] + [p[0]["trail"] for p in parts]
    data += [p[0]["arrow"] for p in parts if "arrow" in p[0]]
    for panel, look in enumerate(spec["points"]):
        here = [point for run, (_, point) in zip(spec["runs"], parts, strict=True) if run["panel"] == panel]
        data.append(dict(look, **dict(zip("xy", _xy(np.reshape(here, (-1, 2))), strict=True))))
    return dict(data=data, layout=offline_spec(figure)["layout"])


def view_size(figure):
    """A PNG size for the player figure: its own height; for one panel with equal axis scales, the width
    that fits the plot, its margins and the colour bar; side-by-side panels get a wide picture."""
    layout = figure.spec["layout"]
    height = int(layout["height"])
    if len(figure.spec["points"]) > 1:
        return 1500, height
    x, y = layout["xaxis"]["range"], layout["yaxis"]["range"]
    plot = height - layout["margin"]["t"] - layout["margin"]["b"]
    aspect = (x[1] - x[0]) / (y[1] - y[0]) if "scaleanchor" in layout["yaxis"] else 1.25
    return int(min(max(layout["margin"]["l"] + plot * aspect + 170, 640), 1500)), height


def chromium_path():
    """The Chromium kaleido drives: ``CHROMIUM_PATH``, else /usr/bin/chromium, else kaleido's own search."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if Path(path).is_file() else None


def png(figure, width, height):
    """A Plotly figure (object or dict) as PNG bytes of width x height, rendered by kaleido in Chromium.

    Called through kaleido itself, not ``plotly.io``: that is how the browser's path is given and
    MathJax (a CDN script by default: no network here) is switched off.
    """
    import kaleido  # here, not above: it loads choreographer, which only a click on "View (PNG)" needs

    options = dict(mathjax=False)
    if chromium_path():
        options["path"] = chromium_path()
    figure = figure.to_dict() if hasattr(figure, "to_dict") else figure
    size = dict(width=int(width), height=int(height))
    return kaleido.calc_fig_sync(figure, opts=dict(format="png", scale=1, **size), kopts=options)


def figure_png(figure, width, height, step, whole=False):
    """The player figure's view at ``step`` (picture, path so far, current points) as PNG bytes."""
    return png(view_figure(figure, step, whole), width, height)
