"""A reply's own words: the reply without the lines it quotes.

Sites mark quotes as lines starting with ``>`` (Reddit and Hacker News Markdown, mail; ``&gt;`` where the
text is still HTML-escaped); the readers write quoted HTML blocks (``<blockquote>``, Discourse's
``<aside class="quote">``) the same way. A scorer that reads the parent and the reply must see what the
reply says, not the parent's words it repeats: 81 of 89 replies of one real Discourse topic quote their
parent.
"""

from __future__ import annotations

import polars as pl

__all__ = ["QUOTED_LINE", "own_words"]

QUOTED_LINE = r"(?m)^[ \t]*(?:>|&gt;)[^\n]*(?:\n|$)"


def own_words(text: pl.Expr) -> pl.Expr:
    """``text`` without its quoted lines, blank lines at the ends trimmed; a text that is nothing but a
    quote keeps its quote (it says what it repeats)."""
    stripped = text.str.replace_all(QUOTED_LINE, "").str.strip_chars()
    return pl.when(stripped.is_null() | (stripped == "")).then(text).otherwise(stripped)
