"""The learning-rate sweep: the loss gap left at the end and the steps taken to reach the tolerance,
against the rate, with the three regimes of the lecture shaded (too slow / stuck, converges,
diverges) and the page's rates and the quadratic theory's rates drawn as vertical lines.
"""

import numpy as np

from plotting import style
from plotting.frames import DictFigure

NEVER = -1  # engine.NEVER, repeated here: the plotting layer may not import the engine (it imports jax)
GAP_FLOOR = 1e-12
TOP, BOTTOM = (0.56, 1.0), (0.0, 0.44)  # the two panels' shares of the figure's height
REGIME_OF = {"slow": "small", "good": "stable", "diverges": "large"}
REGION_TEXT = {"slow": "too slow / stuck", "good": "converges", "diverges": "diverges"}
THEORY_TEXT = {"stability_limit": "η = 2/λmax (stability limit)",
               "best_rate": "η = 2/(λmin+λmax) (fastest)"}
THEORY_DASH = {"stability_limit": "dot", "best_rate": "dashdot"}
# 2/(λmin+λmax) lies below 2/λmax by less than a factor of two: close on a log axis, so the best
# rate's label sits left of its line and the limit's right of its line, and the two never collide.
THEORY_SIDE = {"stability_limit": "left", "best_rate": "right"}
THEORY_COLOUR = "#444444"


def classify(diverged_at, reached_at):
    """Per rate: "diverges" where the run diverged, "good" where it reached the tolerance, else "slow"."""
    diverged = np.asarray(diverged_at) != NEVER
    reached = np.asarray(reached_at) != NEVER
    return np.where(diverged, "diverges", np.where(reached, "good", "slow"))


def regions(rates, labels):
    """Contiguous runs of one label as (label, x0, x1), left to right; a boundary between neighbouring
    rates of different labels lies at their geometric mean, and the first and last runs end at the
    first and last rates, so the regions tile [rates[0], rates[-1]] exactly."""
    rates, labels = np.asarray(rates, np.float64), np.asarray(labels)
    if rates.size == 0:
        return []
    changes = np.flatnonzero(labels[1:] != labels[:-1])  # the last index of each run but the final one
    cuts = np.sqrt(rates[changes] * rates[changes + 1])
    starts, ends = np.r_[rates[0], cuts], np.r_[cuts, rates[-1]]
    firsts = np.r_[0, changes + 1]
    return [(str(labels[i]), float(x0), float(x1)) for i, x0, x1 in zip(firsts, starts, ends, strict=True)]


def divergence_boundary(rates, diverged_at):
    """The measured edge of stability: (largest rate that did not diverge, the next rate, which did).

    Every rate above the first returned value diverged. Either value is None where it does not exist:
    (None, rates[0]) when every rate diverged, (rates[-1], None) when none at the top did.
    """
    rates = np.asarray(rates, np.float64)
    stayed = np.flatnonzero(np.asarray(diverged_at) == NEVER)
    if stayed.size == 0:
        return None, (float(rates[0]) if rates.size else None)
    last = stayed[-1]
    return float(rates[last]), (float(rates[last + 1]) if last + 1 < rates.size else None)


def _rounded(values, keep=True, digits=4):
    """Floats rounded to a few significant digits (short JSON); None where ``keep`` is False."""
    values, keep = np.broadcast_arrays(np.atleast_1d(np.asarray(values, np.float64)), keep)
    return [float(f"{v:.{digits}g}") if ok else None for v, ok in zip(values, keep, strict=True)]


def _gap(final_loss, diverged, min_value):
    """The loss gap J - J* per rate (J - the sweep's best J where J* is unknown), at least GAP_FLOOR."""
    loss = np.asarray(final_loss, np.float64)
    kept = ~diverged & np.isfinite(loss)
    floor = min_value if min_value is not None else (loss[kept].min() if kept.any() else 0.0)
    return np.maximum(loss - floor, GAP_FLOOR), kept


def _loss_traces(rates, gap, kept, diverged_at, y_top):
    """Top panel: the gap where the run stayed finite, and a red x at the top edge where it diverged.

    A diverged run is frozen at its last loss before it left the box, often 1e10 or more: drawn at
    that height it would squash every finite gap into the bottom of the panel, and the height would
    only tell how far the run had got when the box stopped it. So the x sits at a fixed height on the
    panel's top edge, off the scale, and its hover tells the step where the run diverged.
    """
    diverged = np.asarray(diverged_at) != NEVER
    line = dict(type="scatter", x=_rounded(rates, digits=6), y=_rounded(gap, kept), mode="lines",
                name="loss gap at the end", line=dict(color=style.PATH_COLOUR, width=2.5),
                xaxis="x", yaxis="y", hovertemplate="η = %{x:.3g}<br>J − J* = %{y:.3g}<extra></extra>")
    crosses = dict(type="scatter", x=_rounded(rates[diverged], digits=6),
                   y=[y_top] * int(diverged.sum()), customdata=np.asarray(diverged_at)[diverged].tolist(),
                   mode="markers", name="diverged (off the scale)", xaxis="x", yaxis="y",
                   marker=dict(symbol="x-thin", size=7, color=style.DIVERGED_COLOUR,
                               line=dict(width=1.5, color=style.DIVERGED_COLOUR)),
                   hovertemplate="η = %{x:.3g}<br>diverged at step %{customdata}<extra></extra>")
    return [line, crosses]


def _steps_traces(rates, reached_at, labels):
    """Bottom panel: steps to reach the tolerance (a gap where never reached) and the fewest of them.

    On the log axis a run that starts inside the tolerance (step 0) is drawn at step 1.
    """
    steps = np.maximum(np.asarray(reached_at), 1)
    good = labels == "good"
    line = dict(type="scatter", x=_rounded(rates, digits=6), y=_rounded(steps, good, digits=10), mode="lines",
                name="steps to the tolerance", line=dict(color=style.REGIME_COLOURS["stable"], width=2.5),
                xaxis="x2", yaxis="y2", hovertemplate="η = %{x:.3g}<br>%{y} steps<extra></extra>")
    if not good.any():
        return [line]
    best = np.flatnonzero(good)[np.argmin(steps[good])]  # the smallest such rate on ties
    fastest = dict(type="scatter", x=_rounded(rates[best], digits=6), y=[int(steps[best])],
                   mode="markers", name=f"fewest steps: {int(steps[best])} at η = {rates[best]:.3g}",
                   marker=dict(symbol="star", size=13, color=style.REGIME_COLOURS["stable"],
                               line=dict(width=1, color="white")), xaxis="x2", yaxis="y2",
                   hovertemplate="η = %{x:.3g}<br>%{y} steps (fewest)<extra></extra>")
    return [line, fastest]


def _at(rate):
    """An annotation's x on the log rate axis: Plotly places annotations by log10 of the value (shapes
    and traces by the value itself)."""
    return round(float(np.log10(rate)), 5)


def _region_shapes(spans, span_log):
    """A faint band per region over both panels, and its name on top where the band is wide enough."""
    shapes, notes = [], []
    for label, x0, x1 in spans:
        colour = style.REGIME_COLOURS[REGIME_OF[label]]
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=float(f"{x0:.6g}"), x1=float(f"{x1:.6g}"),
                           y0=0, y1=1, fillcolor=colour, opacity=0.13, line=dict(width=0), layer="below"))
        if np.log10(x1 / x0) >= 0.07 * span_log:
            notes.append(dict(xref="x", yref="paper", x=_at(np.sqrt(x0 * x1)), y=1,
                              yanchor="bottom", text=f"<b>{REGION_TEXT[label]}</b>", showarrow=False,
                              font=dict(color=colour, size=13)))
    return shapes, notes


def _inside(rate, rates):
    """True for a finite rate within the sweep's span (a line outside it would sit off the axis)."""
    return rate is not None and bool(np.isfinite(rate)) and rates[0] <= rate <= rates[-1]


def _vertical_lines(rates, marks, theory):
    """Dashed lines at the page's rates, labelled in the gap between the panels; the theory's rates as
    dotted lines, labelled upright beside the line in the bottom panel. Rates outside the sweep are
    left out."""
    shapes, notes = [], []
    for label, rate, colour in marks:
        if _inside(rate, rates):
            x = float(f"{rate:.6g}")
            shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                               line=dict(color=colour, width=2, dash="dash")))
            notes.append(dict(xref="x", yref="paper", x=_at(rate), y=(TOP[0] + BOTTOM[1]) / 2, text=label,
                              showarrow=False, font=dict(color=colour, size=12), bgcolor="white"))
    for key, rate in (theory or {}).items():
        if key in THEORY_TEXT and _inside(rate, rates):
            x = float(f"{rate:.6g}")
            shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                               line=dict(color=THEORY_COLOUR, width=1.5, dash=THEORY_DASH[key])))
            notes.append(dict(xref="x", yref="paper", x=_at(rate), y=BOTTOM[1], yanchor="top",
                              xanchor=THEORY_SIDE[key], textangle=-90, text=THEORY_TEXT[key], showarrow=False,
                              font=dict(color=THEORY_COLOUR, size=11), bgcolor="rgba(255,255,255,0.7)"))
    return shapes, notes


def _step_ticks(reached_at, labels):
    """Ticks for the steps axis at 1, 2, 5, 10, ... (only powers of ten over a wide range), written out
    as whole numbers: Plotly's own log ticks crowd a short range with tiny digits."""
    steps = np.maximum(np.asarray(reached_at)[labels == "good"], 1)
    if steps.size == 0:
        return {}
    low, high = steps.min() / 1.5, steps.max() * 1.5
    mantissas = (1,) if high / low > 10**2.5 else (1, 2, 5)
    ticks = [m * 10**e for e in range(10) for m in mantissas if low <= m * 10**e <= high]
    return dict(tickvals=ticks, ticktext=[f"{t:,}" for t in ticks])


def _gap_range(gap, kept):
    """Log10 range of the top panel (the finite gaps, room above) and the height of the diverged x's."""
    low, high = (np.log10(gap[kept].min()), np.log10(gap[kept].max())) if kept.any() else (0.0, 0.0)
    pad = max(0.25, 0.08 * (high - low))
    return [float(low - pad), float(high + 2.5 * pad)], float(f"{10 ** (high + 1.7 * pad):.3g}")


def sweep_figure(rates, final_loss, diverged_at, reached_at, *, min_value, tolerance, marks, theory=None):
    """Two panels over a log learning-rate axis: the loss gap at the end (diverged runs as red x's
    on the top edge) and the steps to reach J* + tolerance, with the regimes shaded behind both."""
    rates = np.asarray(rates, np.float64)
    labels = classify(diverged_at, reached_at)
    gap, kept = _gap(final_loss, labels == "diverges", min_value)
    y_range, y_top = _gap_range(gap, kept)
    data = _loss_traces(rates, gap, kept, diverged_at, y_top) + _steps_traces(rates, reached_at, labels)
    span_log = float(np.log10(rates[-1] / rates[0])) or 1.0
    band_shapes, band_notes = _region_shapes(regions(rates, labels), span_log)
    line_shapes, line_notes = _vertical_lines(rates, marks, theory)
    gap_title = "J − J* at the end" if min_value is not None else "J − min J at the end"
    target = f"J ≤ J* + {tolerance:g}" if min_value is not None else "the target"
    low, high = float(np.log10(rates[0])), float(np.log10(rates[-1]))
    x_range = [low, high] if high > low else [low - 0.5, high + 0.5]  # half a decade around one rate
    axis = dict(type="log", automargin=True, exponentformat="power")
    layout = dict(
        height=520, font=style.FONT, margin=dict(l=10, r=10, t=36, b=10), hovermode="closest",
        legend=dict(orientation="h", x=0, y=-0.16, yanchor="top", font=dict(size=12)),
        xaxis=dict(axis, range=x_range, anchor="y", showticklabels=False),
        yaxis=dict(axis, range=y_range, domain=list(TOP), title=dict(text=gap_title)),
        xaxis2=dict(axis, matches="x", anchor="y2", title=dict(text="learning rate η")),
        yaxis2=dict(axis, domain=list(BOTTOM), title=dict(text=f"steps to {target}"),
                    **_step_ticks(reached_at, labels)),
        shapes=band_shapes + line_shapes, annotations=band_notes + line_notes, uirevision="sweep")
    return DictFigure(dict(data=data, layout=layout))
