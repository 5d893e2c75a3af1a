"""Colours, sizes and thresholds shared by every figure, so the views agree with each other."""

from __future__ import annotations

__all__ = [
    "FACTION_COLOURS",
    "LABEL_COLOURS",
    "MAX_EDGES",
    "MAX_FACTION_TRACES",
    "OTHER_COLOUR",
    "SIGN_COLOURS",
    "SIGN_NAMES",
    "SIZE_CANDIDATES",
    "WEBGL_THRESHOLD",
    "base_layout",
    "faction_colour",
]

SIGN_NAMES: dict[int, str] = {1: "agreement", 0: "neutral", -1: "disagreement / hostility"}
SIGN_COLOURS: dict[int, str] = {1: "#1a9850", 0: "#8c8c8c", -1: "#d73027"}
LABEL_COLOURS: dict[str, str] = {
    "agree": "#1a9850",
    "neutral": "#8c8c8c",
    "disagree": "#fc8d59",
    "hostile": "#d73027",
    "unscored": "#4e79a7",
}
# Node colours avoid the edge sign colours (green / grey / red) so faction and stance never blur.
FACTION_COLOURS: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
    "#ff9da7", "#17becf", "#bcbd22", "#1f3a93", "#8c564b", "#e377c2",
)
OTHER_COLOUR = "#c7c7c7"
ALONE_COLOUR = "#9e9e9e"
"""Authors alone in their faction: a darker grey than "other factions", so the two legend entries differ."""

WEBGL_THRESHOLD = 2_000
"""Nodes + drawn edges above which traces are drawn with WebGL (Scattergl) instead of SVG."""
MAX_EDGES = 10_000
"""Edges drawn at most by default; the strongest are kept and the page says so."""
MAX_FACTION_TRACES = len(FACTION_COLOURS)
"""Largest factions with their own colour and legend entry; the rest share "other factions"."""
SIZE_CANDIDATES: tuple[str, ...] = (
    "pagerank", "n_comments", "in_degree", "out_degree", "in_pos_strength", "in_neg_strength",
    "pos_in_strength", "neg_in_strength", "betweenness", "status", "neg_hub", "neg_authority",
    "pn_centrality", "members",
)
"""Node columns offered in the "size nodes by" selector, in this order, when present (any other
numeric column only when none of these is). They, ``community`` and ``role`` make up the node hover."""


def faction_colour(rank: int) -> str:
    """Colour of the faction with this size rank (0 = largest)."""
    return FACTION_COLOURS[rank] if 0 <= rank < len(FACTION_COLOURS) else OTHER_COLOUR


def base_layout(**extra: object) -> dict[str, object]:
    """Layout settings common to every figure: white background, readable font, left-aligned hover."""
    layout: dict[str, object] = {
        "template": "plotly_white",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "hoverlabel": {"align": "left", "namelength": -1},
        "margin": {"l": 40, "r": 20, "t": 50, "b": 40},
    }
    layout.update(extra)
    return layout
