"""Escaping of untrusted text before it reaches plotly hover labels or the HTML page."""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse.viz._escape import ellipsize, escape_expr, escape_text, snippet_expr

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=2">click</a>',
    '<img src=x onerror="window.__pwned=3">',
    "line<br>break <b>bold</b> %{x} %{customdata[0]}",
    "<a href='https://evil.example/'>link</a>",
]


def test_escape_text_exact() -> None:
    assert escape_text('<a href="j">%{x}</a>') == "&lt;a href=&#34;j&#34;&gt;&#37;&#123;x&#125;&lt;/a&gt;"
    assert escape_text("it's  a\n\tb & c") == "it&#39;s a b &amp; c"
    assert escape_text(None) == ""
    assert escape_text("&lt;") == "&amp;lt;"  # an entity typed by a user stays visible as typed


def test_escape_text_shortens_before_escaping() -> None:
    # 6 characters allowed: 5 kept + ellipsis; the '<' is escaped after the cut, never cut in half
    assert escape_text("abcd<efgh", max_chars=6) == "abcd&lt;…"
    assert ellipsize("abc", 3) == "abc"
    assert ellipsize("abcd", 3) == "ab…"


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                                 exclude_characters="\x1c\x1d\x1e\x1f\x85"),
                         max_size=40), max_size=8))
@settings(max_examples=150, deadline=None)
def test_escape_expr_matches_escape_text(values: list[str]) -> None:
    got = pl.DataFrame({"t": values}, schema={"t": pl.String}).select(escape_expr(pl.col("t")))["t"].to_list()
    assert got == [escape_text(v) for v in values]


def test_no_markup_survives() -> None:
    out = pl.DataFrame({"t": PAYLOADS}).select(snippet_expr(pl.col("t"), max_chars=500, wrap=30))["t"].to_list()
    for text in out:
        bare = text.replace("<br>", "")
        assert "<" not in bare and ">" not in bare and '"' not in bare
        assert "%{" not in bare


def test_snippet_wraps_and_cuts() -> None:
    text = "word " * 40  # 200 characters
    out = pl.DataFrame({"t": [text]}).select(snippet_expr(pl.col("t"), max_chars=50, wrap=20))["t"][0]
    lines = out.split("<br>")
    assert out.endswith("…")
    # 49 characters are kept (ten words, the last one whole) plus the ellipsis
    assert len(out.replace("<br>", " ")) == 50
    # a break comes at the first space once a line holds 20 or more characters: 5 words (24 chars)
    assert lines == ["word word word word word", "word word word word word…"]
    assert re.fullmatch(r"[a-z …]+", out.replace("<br>", " "))


_PIECES = st.sampled_from(["<", ">", "/", "\\", "u003c", "u003e", "u002f", "br", "b", "i", "script", "!--", "&",
                           "\u2028", "x", " "])


@given(st.lists(st.lists(_PIECES, max_size=30).map("".join), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_figure_json_round_trips_and_cannot_break_out(values: list[str]) -> None:
    import json

    import plotly.graph_objects as go

    from discourse.viz._html import figure_json

    text = figure_json(go.Figure(go.Scatter(x=list(range(len(values))), hovertext=values)))
    assert json.loads(text)["data"][0]["hovertext"] == values
    lowered = text.lower()
    assert "</script" not in lowered and "<!--" not in lowered and "<script" not in lowered
    assert not re.search(r"<(?!br>|b>|/b>|i>|/i>)", text)
