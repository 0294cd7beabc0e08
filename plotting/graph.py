"""The computational graph of the lecture's tiny network, with values on the nodes and local
derivatives on the edges, coloured as the lecture colours the chain rule."""

from plotting.frames import DictFigure
from plotting.style import LECTURE_COLOURS

PURPLE, RED, BLUE = (LECTURE_COLOURS[c] for c in ("purple", "red", "blue"))
GREY = "#6b7280"
NODES = {  # name: (x, y, label)
    "x": (0, 0, "x"), "z1": (1.5, 0, "z₁ = w₁x"), "h": (3, 0, "h = σ(z₁)"),
    "y_hat": (4.5, 0, "ŷ = w₂h"), "J": (6, 0, "J = (ŷ − y)²"),
    "w1": (0.75, 1.1, "w₁"), "w2": (3.75, 1.1, "w₂"),
}
EDGES = (  # (from, to, derivative key, label, colour)
    ("x", "z1", None, "", GREY),
    ("w1", "z1", "dz1_dw1", "∂z₁/∂w₁ = x", BLUE),
    ("z1", "h", "dh_dz1", "∂h/∂z₁ = σ'(z₁)", RED),
    ("h", "y_hat", "dyhat_dh", "∂ŷ/∂h = w₂", RED),
    ("w2", "y_hat", "dyhat_dw2", "∂ŷ/∂w₂ = h", RED),
    ("y_hat", "J", "dJ_dyhat", "∂J/∂ŷ = 2(ŷ − y)", PURPLE),
)


def _edge_note(start, end, text, colour):
    """An arrow from one node to the next with the edge's derivative written at its middle."""
    (x0, y0, _), (x1, y1, _) = NODES[start], NODES[end]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    # From rim to rim, so the arrow never covers the numbers inside the nodes.
    arrow = dict(x=x1 - 0.32 * ux, y=y1 - 0.32 * uy, ax=x0 + 0.32 * ux, ay=y0 + 0.32 * uy, xref="x",
                 yref="y", axref="x", ayref="y",
                 showarrow=True, arrowhead=2, arrowwidth=2.5, arrowcolor=colour, text="")
    label = dict(x=(x0 + x1) / 2, y=(y0 + y1) / 2 + (0.3 if y0 == y1 else 0.1), xref="x", yref="y",
                 text=text, showarrow=False, font=dict(color=colour, size=13),
                 bgcolor="rgba(255,255,255,0.85)")
    return [arrow, label] if text else [arrow]


def graph_figure(nodes, derivatives, w):
    """The graph with this setting's numbers: node values inside, local derivatives on the edges."""
    values = dict(nodes, w1=w[0], w2=w[1])
    names = list(NODES)
    data = [dict(type="scatter", mode="markers+text", x=[NODES[n][0] for n in names],
                 y=[NODES[n][1] for n in names], marker=dict(size=58, color="#f8fafc",
                 line=dict(color="#334155", width=2)), text=[f"{float(values[n]):.4g}" for n in names],
                 textfont=dict(size=14, color="#0f172a"), hovertext=[NODES[n][2] for n in names],
                 hoverinfo="text", showlegend=False),
            dict(type="scatter", mode="text", x=[NODES[n][0] for n in names],
                 y=[NODES[n][1] - 0.42 for n in names], text=[NODES[n][2] for n in names],
                 textfont=dict(size=13, color="#334155"), hoverinfo="skip", showlegend=False)]
    notes = []
    for start, end, key, label, colour in EDGES:
        text = f"{label}<br><b>{float(derivatives[key]):.4g}</b>" if key else ""
        notes += _edge_note(start, end, text, colour)
    layout = dict(height=330, margin=dict(l=10, r=10, t=10, b=10), annotations=notes, plot_bgcolor="white",
                  xaxis=dict(visible=False, range=[-0.5, 6.5]), yaxis=dict(visible=False, range=[-0.8, 1.6]))
    return DictFigure(dict(data=data, layout=layout))
