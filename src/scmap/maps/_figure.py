"""Figures for print and reports, drawn once: when they are saved.

geopandas asks the canvas to redraw after every layer it plots (``draw_idle``), and matplotlib's
Agg canvas draws at once when asked: a page of five layers was rendered five times before being
saved once. These figures are plain :class:`matplotlib.figure.Figure` objects (not pyplot's,
so nothing is left open and a notebook's backend is not changed) on a canvas that draws only
when saved.
"""

from __future__ import annotations

from typing import Any

__all__ = ["fit_tightly", "quiet_figure"]


def quiet_figure(figsize: tuple[float, float]) -> Any:
    """A new matplotlib figure of *figsize* inches, rendered only by ``savefig``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class _SavedOnly(FigureCanvasAgg):
        def draw_idle(self, *args: Any, **kwargs: Any) -> None:
            """Nothing: the figure is drawn when it is saved."""

    fig = Figure(figsize=figsize)
    _SavedOnly(fig)
    return fig


def fit_tightly(fig: Any) -> None:
    """Fit *fig*'s axes to their labels (``tight_layout``) once, now.

    ``tight_layout`` leaves a placeholder layout engine on the figure, and ``savefig`` draws a
    figure that has one an extra time before drawing it into the file (for a layout it would
    redo). The layout is done here, so the figure is left without an engine: it is drawn once.
    """
    fig.tight_layout()
    fig.set_layout_engine(None)
