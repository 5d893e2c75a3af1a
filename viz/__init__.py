"""Plotly figures and HTML reports, installed as ``discourse.viz``.

Figures are built by pure functions returning :class:`plotly.graph_objects.Figure`;
:func:`report_html` assembles them into one self-contained page and :func:`write_report` saves it
atomically.
"""

from discourse.viz.caveats import Caveats, caveats
from discourse.viz.image import figure_image, write_image
from discourse.viz.layout import faction_layout, signed_layout
from discourse.viz.network import faction_figure, network_figure, network_view, size_options
from discourse.viz.notebook import NotebookFigure, figure_html
from discourse.viz.report import report_html, write_report
from discourse.viz.timeline import distributions_figure, timeline_figure
from discourse.viz.tree import tree_figure, tree_positions

__all__ = [
    "Caveats",
    "NotebookFigure",
    "caveats",
    "distributions_figure",
    "faction_figure",
    "faction_layout",
    "figure_html",
    "figure_image",
    "network_figure",
    "network_view",
    "report_html",
    "signed_layout",
    "size_options",
    "timeline_figure",
    "tree_figure",
    "tree_positions",
    "write_image",
    "write_report",
]
