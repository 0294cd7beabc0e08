"""A go.Figure whose animation frames stay plain dicts.

Plotly validates every trace of every frame as it builds a Figure: for a hundred frames that is
about 100 ms, more than the whole rest of a rerun. Frames here are plain JSON-ready dicts, added
to the figure only when it is serialised (``to_dict``, which ``st.plotly_chart`` and
``plotly.io.to_json`` call).
"""

import numpy as np
import plotly.graph_objects as go


class FramedFigure(go.Figure):
    """A validated figure (data and layout) plus unvalidated animation frames."""

    def __init__(self, data, layout, frames):
        super().__init__(data=data, layout=layout)
        self._raw_frames = frames

    @property
    def animation_frames(self):
        """The frames, as the plain dicts that will be sent."""
        return self._raw_frames

    def to_dict(self):
        """The figure as a dict, with the raw frames attached."""
        result = super().to_dict()
        result["frames"] = self._raw_frames
        return result


def compact(values, span):
    """Coordinates as a short JSON-ready list: rounded to 1e-4 of the plot's span (far below a pixel)."""
    decimals = int(max(0, 4 - np.floor(np.log10(max(span, 1e-12)))))
    return np.round(np.asarray(values, np.float64), decimals).tolist()
