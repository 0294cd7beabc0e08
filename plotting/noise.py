"""The noise of mini-batch gradients: the cloud of estimates around the full-batch gradient, their
spread against the batch size B, and the loss against steps and against examples processed.

With B examples drawn without replacement from n, the estimate g_B = 1/B Σ_k ∇J_k is unbiased and
its spread is E‖g_B − ∇J‖² = tr Σ / B · (n − B)/(n − 1), Σ the covariance of the per-example
gradients: 1/√B noise that vanishes at B = n, where g_B = ∇J.
"""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, rounded, typed

CLOUD_NAME, MEAN_NAME = "mini-batch estimates g_B", "mean of the estimates"
GRADIENT_NAME, ELLIPSE_NAME = "full-batch gradient ∇J", "2σ covariance ellipse"
MEASURED_NAME, REFERENCE_NAME = "measured spread", "∝ 1/√B (no finite-population factor)"
PREDICTED_NAME = "predicted √(tr Σ / B · (n − B)/(n − 1))"
CLOUD_COLOUR, ELLIPSE_COLOUR = "#1f77b4", "#0b3c6e"
GRADIENT_COLOUR, MEAN_COLOUR = "#e4572e", "#111111"
REFERENCE_COLOUR, CURRENT_COLOUR = "#888888", style.RECOMMENDED  # the mini-batch's colour
SIGMAS = 2.0
ZERO_SPREAD = 1e-5  # spreads below this fraction of the largest are rounding error of a zero (float32)
LEFT, RIGHT = (0.0, 0.47), (0.53, 1.0)  # the cost figure's two panels' shares of the width


def _values(values, span):
    """Rounded coordinates as a JSON-ready list, None where not finite (JSON has no NaN)."""
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    out = rounded(np.where(finite, values, 0.0), span)
    return [float(v) if ok else None for v, ok in zip(out.ravel(), finite.ravel(), strict=True)]


def _sig(values, digits=6):
    """Floats to a few significant digits, None where not finite."""
    return [float(f"{v:.{digits}g}") if np.isfinite(v) else None for v in np.asarray(values, np.float64)]


# ------------------------------------------------------------------------------- the gradient cloud


def covariance_ellipse(mean, cov, *, sigmas=SIGMAS, points=73):
    """The curve mean + sigmas·V·diag(√λ)·(cos t, sin t), Σ = V diag(λ) Vᵀ: the k-sigma contour of a
    Gaussian with that covariance. A zero covariance collapses it to the mean (no NaN)."""
    eigenvalues, eigenvectors = np.linalg.eigh(np.asarray(cov, np.float64))
    axes = eigenvectors * (sigmas * np.sqrt(np.maximum(eigenvalues, 0.0)))  # column i: semi-axis i
    angle = np.linspace(0.0, 2 * np.pi, points)
    curve = np.asarray(mean, np.float64)[:, None] + axes @ np.stack([np.cos(angle), np.sin(angle)])
    return curve[0], curve[1]


def _cloud_stats(samples):
    """The finite rows of the samples, their mean and their sample covariance (zero for fewer than 2)."""
    samples = np.asarray(samples, np.float64).reshape(-1, 2)
    samples = samples[np.isfinite(samples).all(axis=1)]
    if len(samples) == 0:
        return samples, np.full(2, np.nan), np.zeros((2, 2))
    cov = np.cov(samples, rowvar=False) if len(samples) > 1 else np.zeros((2, 2))
    return samples, samples.mean(axis=0), cov


def _square_view(points):
    """Equal x and y ranges (same span) around the box holding every point, padded by 8%."""
    points = points[np.isfinite(points).all(axis=1)]
    low, high = points.min(axis=0), points.max(axis=0)
    centre, half = (low + high) / 2, float((high - low).max()) / 2 * 1.08
    half = half or max(float(np.abs(centre).max()) * 0.5, 1.0)
    return [[float(c - half), float(c + half)] for c in centre], 2 * half


def _cloud_traces(samples, mean, ellipse, true_grad, span):
    """The estimates, their 2σ ellipse, their mean and the full-batch gradient as a thick line."""
    hover = "g = (%{x:.3g}, %{y:.3g})<extra>%{fullData.name}</extra>"
    cloud = dict(type="scatter", x=_values(samples[:, 0], span), y=_values(samples[:, 1], span),
                 mode="markers", name=CLOUD_NAME, hovertemplate=hover,
                 marker=dict(color=CLOUD_COLOUR, size=7, opacity=0.35, line=dict(width=0)))
    ring = dict(type="scatter", x=_values(ellipse[0], span), y=_values(ellipse[1], span), mode="lines",
                name=ELLIPSE_NAME, hoverinfo="skip", line=dict(color=ELLIPSE_COLOUR, width=2, dash="dash"))
    centre = dict(type="scatter", x=_values(mean[:1], span), y=_values(mean[1:], span), mode="markers",
                  name=MEAN_NAME, hovertemplate=hover,
                  marker=dict(symbol="x-thin", size=16, color=MEAN_COLOUR,
                              line=dict(width=3, color=MEAN_COLOUR)))
    zero = not np.any(true_grad)
    arrow = dict(type="scatter", x=_values([0.0, true_grad[0]], span), y=_values([0.0, true_grad[1]], span),
                 mode="markers" if zero else "lines", name=GRADIENT_NAME + (" = 0" if zero else ""),
                 hovertemplate=hover, line=dict(color=GRADIENT_COLOUR, width=5),
                 marker=dict(symbol="star", size=16, color=GRADIENT_COLOUR))
    return [cloud, ring, arrow, centre]


def _cloud_notes(true_grad, samples, span):
    """The arrowhead and a ∇J label at its tip (none for a zero gradient), and the RMS distance."""
    notes = []
    if np.any(true_grad):
        tip = _values(true_grad, span)
        notes.append(dict(x=tip[0], y=tip[1], ax=0, ay=0, xref="x", yref="y", axref="x", ayref="y",
                          text="", showarrow=True, arrowhead=2, arrowsize=0.8, arrowwidth=5,
                          arrowcolor=GRADIENT_COLOUR))
        notes.append(dict(x=tip[0], y=tip[1], xref="x", yref="y", text="<b>∇J</b>", showarrow=False,
                          xshift=14 if true_grad[0] >= 0 else -14, yshift=14 if true_grad[1] >= 0 else -14,
                          font=dict(color=GRADIENT_COLOUR, size=15), bgcolor="rgba(255,255,255,0.75)"))
    rms = float(np.sqrt(np.mean(np.sum((samples - true_grad) ** 2, axis=1)))) if len(samples) else 0.0
    scale = max(float(np.abs(samples).max(initial=0.0)), float(np.abs(true_grad).max()))
    text = (f"RMS distance ‖g_B − ∇J‖: {rms:.3g}" if rms > ZERO_SPREAD * scale
            else "every estimate equals ∇J: no noise")
    notes.append(dict(xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top", text=text,
                      showarrow=False, font=dict(size=13), bgcolor="rgba(255,255,255,0.8)"))
    return notes


def gradient_cloud_figure(samples, true_grad, *, batch_size, n):
    """S mini-batch gradient estimates (samples, shape (S, 2)) at one point around the full-batch
    gradient ∇J (an arrow from the origin), with their mean and 2σ covariance ellipse, axes to scale."""
    samples, mean, cov = _cloud_stats(samples)
    true_grad = np.nan_to_num(np.asarray(true_grad, np.float64).reshape(2))
    ellipse = covariance_ellipse(np.nan_to_num(mean), cov) if len(samples) else (np.zeros(0), np.zeros(0))
    points = np.vstack([samples, np.zeros((1, 2)), true_grad[None], np.stack(ellipse, axis=1)])
    (x_range, y_range), span = _square_view(points)
    axis = dict(zeroline=True, zerolinecolor="#555555", zerolinewidth=1.5, exponentformat="power")
    layout = dict(  # fixed margins: automatic ones cost the browser a second layout pass per update
        height=520, font=style.FONT, margin=dict(l=76, r=10, t=44, b=100), hovermode="closest",
        title=dict(text=f"gradient estimates with B = {batch_size} of n = {n}", x=0.01),
        xaxis=dict(axis, range=x_range, title=dict(text="∂J/∂w₀")),
        yaxis=dict(axis, range=y_range, title=dict(text="∂J/∂w₁"), scaleanchor="x", scaleratio=1),
        legend=dict(orientation="h", x=0, y=-0.2, yanchor="top", font=dict(size=12)),
        annotations=_cloud_notes(true_grad, samples, span), uirevision="gradient-cloud")
    return DictFigure(dict(data=_cloud_traces(samples, mean, ellipse, true_grad, span), layout=layout))


# ------------------------------------------------------------------------ spread against batch size


def _positive(batch_sizes, values):
    """The batch sizes and values where the value is finite and positive, and the batch sizes dropped.

    A value below ZERO_SPREAD of the largest counts as zero: at B = n the measured spread is rounding
    error (1e-15 in float64, 1e-7 in float32) and would stretch the log axis over many decades."""
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    top = values[finite].max(initial=0.0)
    keep = finite & (values > 0) & (values > ZERO_SPREAD * top)
    return batch_sizes[keep], values[keep], batch_sizes[~keep]


def _reference(batch_sizes, predicted, n):
    """√(tr Σ / B) over the batch sizes: the prediction without the factor (n − B)/(n − 1), through the
    B = 1 prediction √(tr Σ), which is recovered from the first finite positive prediction at B < n."""
    usable = np.isfinite(predicted) & (predicted > 0) & (batch_sizes < n)
    if n <= 1 or not usable.any():
        return None
    b, p = batch_sizes[usable][0], predicted[usable][0]
    trace_sigma = p**2 * b * (n - 1) / (n - b)
    return np.sqrt(trace_sigma / batch_sizes)


def _spread_traces(batch_sizes, measured, predicted, n):
    """Measured markers, the predicted curve and the 1/√B reference, non-positive values left out."""
    hover = "B = %{x}<br>spread = %{y:.3g}<extra>%{fullData.name}</extra>"
    data = []
    reference = _reference(batch_sizes, predicted, n)
    if reference is not None:
        data.append(dict(type="scatter", x=batch_sizes.tolist(), y=_sig(reference), mode="lines",
                         name=REFERENCE_NAME, hovertemplate=hover,
                         line=dict(color=REFERENCE_COLOUR, width=2, dash="dash")))
    # A spread of 0 (B = n) has no place on a log axis: "↓ 0 at B = n" on the bottom edge says so.
    b, p, _ = _positive(batch_sizes, predicted)
    data.append(dict(type="scatter", x=b.tolist(), y=_sig(p), mode="lines", hovertemplate=hover,
                     name=PREDICTED_NAME, line=dict(color=GRADIENT_COLOUR, width=3)))
    b, m, _ = _positive(batch_sizes, measured)
    data.append(dict(type="scatter", x=b.tolist(), y=_sig(m), mode="markers", hovertemplate=hover,
                     name=MEASURED_NAME,
                     marker=dict(color=CLOUD_COLOUR, size=10, line=dict(width=1, color="white"))))
    return data


def _zero_notes(batch_sizes, predicted):
    """A "↓ 0" on the bottom edge at each batch size whose predicted spread is 0 (B = n): off the axis."""
    _, _, dropped = _positive(batch_sizes, predicted)
    # Anchored at its right end: B = n is the axis's last value, and the note stays inside the plot.
    return [dict(xref="x", yref="paper", x=round(float(np.log10(b)), 5), y=0, yanchor="bottom",
                 xanchor="right", text=f"↓ 0 at B = {int(b)}", showarrow=False,
                 font=dict(size=12, color=GRADIENT_COLOUR),
                 bgcolor="rgba(255,255,255,0.8)")  # annotations on a log axis sit at log10 of the value
            for b in dropped if b > 0]


def _log_range(values, pad=0.15):
    """A log10 axis range around the positive finite values (one decade around 1 when there are none)."""
    values = np.asarray(values, np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return [-1.0, 1.0]
    low, high = float(np.log10(values.min())), float(np.log10(values.max()))
    pad = max(pad, 0.06 * (high - low))
    return [low - pad, high + pad]


def spread_figure(batch_sizes, measured, predicted, *, current_batch, n):
    """Log-log spread √tr Cov(g_B) (the RMS distance ‖g_B − ∇J‖) against B: measured as markers, the
    prediction as a line, a 1/√B reference through the B = 1 prediction, and the page's batch size."""
    batch_sizes = np.asarray(batch_sizes, np.int64)
    measured, predicted = np.asarray(measured, np.float64), np.asarray(predicted, np.float64)
    data = _spread_traces(batch_sizes, measured, predicted, n)
    y_range = _log_range([v for trace in data for v in trace["y"] if v is not None])
    x_range = _log_range(np.r_[batch_sizes, current_batch], pad=0.08)
    data.append(dict(type="scatter", x=[int(current_batch)] * 2, y=_sig(10.0 ** np.array(y_range)),
                     mode="lines", name=f"your batch size B = {current_batch}", hoverinfo="skip",
                     line=dict(color=CURRENT_COLOUR, width=2.5, dash="dot")))
    axis = dict(type="log", exponentformat="power")
    ticks = np.unique(batch_sizes[batch_sizes > 0])
    ticks = dict(tickvals=ticks.tolist(), ticktext=[str(b) for b in ticks]) if 0 < ticks.size <= 12 else {}
    layout = dict(
        height=440, font=style.FONT, margin=dict(l=90, r=10, t=44, b=56), hovermode="closest",
        title=dict(text=f"spread against the batch size (n = {n})", x=0.01),
        xaxis=dict(axis, range=x_range, title=dict(text="batch size B"), **ticks),
        yaxis=dict(axis, range=y_range, title=dict(text="spread √tr Cov(g_B) = RMS ‖g_B − ∇J‖")),
        # Top right: the spread falls with B, so that corner is empty.
        legend=dict(x=0.99, y=0.99, xanchor="right", yanchor="top", bgcolor="rgba(255,255,255,0.8)",
                    font=dict(size=12)),
        annotations=_zero_notes(batch_sizes, predicted), uirevision="spread")
    return DictFigure(dict(data=data, layout=layout))


# ------------------------------------------------------------------- loss against steps and examples


def _cost_traces(run, log_y):
    """One run's loss against step (left panel, in the legend) and against examples (right panel).

    On the right the loss is a staircase: it holds J_k until the next step's B examples are done."""
    loss = np.asarray(run["loss"], np.float64)
    if log_y:
        loss = np.where(loss > 0, loss, np.nan)
    per_step = int(run["examples_per_step"])
    common = dict(type="scatter", y=typed(loss), mode="lines", legendgroup=run["name"],
                  line=dict(color=run["colour"], width=2.5))
    left = dict(common, x0=0, dx=1, name=run["name"], xaxis="x", yaxis="y",
                hovertemplate="step %{x}<br>J = %{y:.4g}<extra>%{fullData.name}</extra>")
    right = dict(common, x0=0, dx=per_step, name=run["name"], showlegend=False, xaxis="x2",
                 line=dict(common["line"], shape="hv"),
                 yaxis="y2", hovertemplate=f"%{{x:,}} examples (B = {per_step} per step)"
                                           "<br>J = %{y:.4g}<extra>%{fullData.name}</extra>")
    return [left, right]


def cost_figure(series, *, log_y=False, log_examples=True):
    """Loss against step (left) and against examples processed, step × B (right), sharing the y axis:
    a full-batch step costs n examples, a single-example SGD step one. ``series`` holds dicts with
    name, colour, loss (per step) and examples_per_step (B). On a log y axis, losses <= 0 are gaps.

    The examples axis is logarithmic by default: runs of equal length end n times apart (B = 1 against
    B = n), and on a linear axis the single-example run would be squeezed against the left edge. Step 0
    (0 examples) lies off a log axis: Plotly draws its segment in from the left edge."""
    data = [trace for run in series for trace in _cost_traces(run, log_y)]
    y_axis = dict(type="log" if log_y else "linear", exponentformat="power")
    examples = "examples processed (step × B)" + (", log scale" if log_examples else "")
    panel_title = dict(xref="paper", yref="paper", y=1.0, yanchor="bottom", showarrow=False,
                       font=dict(size=14))
    layout = dict(
        height=430, font=style.FONT, margin=dict(l=74, r=10, t=36, b=110), hovermode="closest",
        xaxis=dict(domain=list(LEFT), anchor="y", title=dict(text="step")),
        xaxis2=dict(domain=list(RIGHT), anchor="y2", type="log" if log_examples else "linear",
                    title=dict(text=examples),
                    exponentformat="power" if log_examples else "SI"),
        yaxis=dict(y_axis, anchor="x", title=dict(text="loss J")),
        yaxis2=dict(y_axis, anchor="x2", matches="y", showticklabels=False),
        annotations=[dict(panel_title, x=sum(LEFT) / 2, text="<b>per step</b>: the noise"),
                     dict(panel_title, x=sum(RIGHT) / 2, text="<b>per example processed</b>: the cost")],
        legend=dict(orientation="h", x=0, y=-0.3, yanchor="top", font=dict(size=12)),
        uirevision="cost")
    return DictFigure(dict(data=data, layout=layout))
