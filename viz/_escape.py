"""Escaping untrusted text (comment bodies, author names) before it reaches plotly or HTML.

Plotly renders a subset of HTML in hover text, legend entries and titles (``<br>``, ``<b>``,
``<a href>``, ``<span style>`` ...) and turns entities back into characters as plain text nodes.
Escaping ``& < > " '`` therefore shows the characters as typed and never creates an element or a
link. ``%`` and braces are escaped too, so a ``%{x}`` written in a comment can never be read as
template syntax, even if a caller later moves the text into a ``hovertemplate``. Newlines and
other whitespace runs become one space: plotly would otherwise turn ``\\n`` into line breaks.

The same rules exist twice: :func:`escape_text` for one Python string and :func:`escape_expr` for a
whole polars column (vectorized; no Python call per row).
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["ellipsize", "escape_expr", "escape_text", "snippet_expr"]

# Order matters: '&' first, so the entities added afterwards are not escaped twice.
_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&#34;"),  # plotly knows only a few named entities (not &quot;), but every numeric one
    ("'", "&#39;"),
    ("%", "&#37;"),
    ("{", "&#123;"),
    ("}", "&#125;"),
)
_WS = re.compile(r"\s+")


def escape_text(value: object, max_chars: int | None = None) -> str:
    """Return ``value`` as text that plotly and HTML show literally.

    ``None`` becomes ``""``. With ``max_chars`` the text is shortened (before escaping, so an entity
    is never cut in half) and ends with an ellipsis.

    >>> escape_text('<b onclick="x">50% off</b>')
    '&lt;b onclick=&#34;x&#34;&gt;50&#37; off&lt;/b&gt;'
    """
    if value is None:
        return ""
    text = _WS.sub(" ", str(value)).strip()
    if max_chars is not None:
        text = ellipsize(text, max_chars)
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    return text


def ellipsize(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars`` characters, ending with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - 1)].rstrip() + "…"


def escape_expr(expr: pl.Expr) -> pl.Expr:
    """The polars version of :func:`escape_text` (without shortening); nulls become ``""``."""
    out = expr.cast(pl.String).fill_null("").str.replace_all(r"\s+", " ").str.strip_chars()
    for old, new in _REPLACEMENTS:
        out = out.str.replace_all(old, new, literal=True)
    return out


def snippet_expr(expr: pl.Expr, max_chars: int = 140, wrap: int = 60) -> pl.Expr:
    """Shorten, escape and line-wrap a text column for a hover label.

    The text is cut to ``max_chars`` characters (ellipsis added), escaped, then broken with ``<br>``
    at the first space after every ``wrap`` characters, so a hover label stays narrow.
    """
    flat = expr.cast(pl.String).fill_null("").str.replace_all(r"\s+", " ").str.strip_chars()
    cut = (
        pl.when(flat.str.len_chars() > max_chars)
        .then(flat.str.slice(0, max(0, max_chars - 1)).str.strip_chars_end() + pl.lit("…"))
        .otherwise(flat)
    )
    escaped = escape_expr(cut)
    # Break after a run of `wrap` or more non-break characters at the next space. Entities contain
    # no spaces, so a break never lands inside one.
    return escaped.str.replace_all(rf"(\S.{{{wrap - 1},}}?) ", "${1}<br>")
