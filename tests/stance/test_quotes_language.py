"""A reply's own words (quotes split off before scoring) and its language (scorers trained on English
say when they read something else; quality.json and the CLI warn when a thread mostly is)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import polars as pl
import pytest
from typer.testing import CliRunner

import discourse
from discourse.cli.app import app
from discourse.io._common import html_to_text
from discourse.stance import FunctionScorer, Scorer, score
from discourse.stance import _language as language
from discourse.stance._quotes import own_words

DATA = Path(__file__).resolve().parent.parent / "data"


def test_quoted_html_becomes_quote_lines_one_marker_per_level() -> None:
    html = ('<aside class="quote" data-username="ann"><div class="title"><img class="avatar" src="/a.png"> ann:</div>'
            "<blockquote><p>Masks work.</p><aside class=\"quote\"><div class=\"title\">bob:</div>"
            "<blockquote><p>Show me.</p></blockquote></aside></blockquote></aside><p>No, they do not.</p>")
    assert html_to_text(html) == "> Masks work.\n\n> > Show me.\n\nNo, they do not."
    assert html_to_text("<p>Yes</p><blockquote>one<br>two</blockquote>") == "Yes\n\n> one\n> two"


def test_own_words_drop_quoted_lines_but_a_bare_quote_keeps_itself() -> None:
    texts = ["> You are wrong.\n\nNo, I am right.", "  &gt; quoted\nmine", "> only a quote", "no quote", None, ""]
    got = pl.DataFrame({"t": texts}).select(own_words(pl.col("t")))["t"].to_list()
    assert got == ["No, I am right.", "mine", "> only a quote", "no quote", None, ""]


def _recording_scorer(seen: list[tuple[str, str | None]]) -> FunctionScorer:
    def f(text: str, parent: str | None) -> dict[str, float]:
        seen.append((text, parent))
        return {"neutral": 1.0}
    return FunctionScorer(f, label="recorder")


def test_a_discourse_topics_quotes_are_not_scored_as_the_replys_words() -> None:
    """81 of 89 replies of a real Discourse topic quote their parent; the scorer must see what each
    reply says, and the parent's own words, not the quotes."""
    prep = discourse.pipeline.prepare(DATA / "discourse_forum" / "topic_quotes.json", scorer="vader")
    seen: list[tuple[str, str | None]] = []
    score(prep.replies, _recording_scorer(seen))
    texts = dict(seen)
    assert "I agree completely, we went every Sunday when mine were small." in texts
    assert texts["I agree completely, we went every Sunday when mine were small."] == (
        "Terrible idea. Sunday is the only day working parents can take their kids there.")
    assert not any(t.startswith(">") for t in texts if t != "> we went every Sunday")   # the bare quote keeps itself
    assert all("Terrible idea" not in t for t in texts if t.startswith("That is not true"))


class _AlwaysHostile(Scorer):
    """Says hostile and offensive to everything; trained on English (the default)."""

    name = "always-hostile"
    version = "1"
    languages: ClassVar[tuple[str, ...] | None] = ("en",)

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        n = pairs.height
        return pl.DataFrame({"p_agree": [0.0] * n, "p_neutral": [0.0] * n, "p_disagree": [0.0] * n,
                             "p_hostile": [1.0] * n, "p_offensive": [1.0] * n})


SENTENCES = {
    "en": "You clearly did not read the article before you started typing, did you?",
    "zh": "这个观点完全错误，你根本不懂经济学的基本原理。",
    "ja": "それは違うと思います。データをよく見てください。",
    "ko": "그건 사실이 아닙니다. 자료를 다시 확인해 보세요.",
    "es": "No estoy de acuerdo contigo, los datos dicen exactamente lo contrario.",
    "de": "Das stimmt so nicht, die Zahlen sagen genau das Gegenteil davon.",
}


def test_languages_are_detected_and_short_texts_left_undetermined() -> None:
    texts = pl.Series("t", [*SENTENCES.values(), "lol", "+1", None])
    got = language.detect_languages(texts).to_list()
    assert got == [*SENTENCES, "und", "und", None]
    assert language.detect_languages(texts).to_list() == got


def test_english_words_are_counted_at_unicode_word_boundaries() -> None:
    """The quick English count (ASCII boundaries, once non-ASCII word characters are "x") counts what a
    Unicode word-boundary pattern over the lowercased text counts: no "as" in "así", no "a" in "ça"."""
    import re

    texts = ["Así es, ça va, aún no.", "THE Best of The rest", "I don’t know, I'm here", "naïve the ünder",
             "日本the 東京 the", "the_end x1the the2 ‘the’", "résumé is à la carte", "Ωthe theΩ ΣΑΣ"]
    words = "|".join(sorted(set(language._ENGLISH), key=len, reverse=True))
    reference = [len(re.findall(rf"\b(?:{words})\b", t.lower())) for t in texts]
    got = pl.DataFrame({"t": texts}).select(language.english_words(pl.col("t")))["t"].to_list()
    assert got == reference
    assert reference[:3] == [1, 3, 4]  # "no"; "the", "of", "the"; "i", "know", "i'm", "here"


def test_past_the_identifier_budget_long_non_english_is_still_not_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "IDENTIFIER_BUDGET", 0)
    got = language.detect_languages(pl.Series([SENTENCES["es"], SENTENCES["en"], SENTENCES["zh"]])).to_list()
    assert got == [language.OTHER, "en", "zh"]


def test_replies_outside_the_scorers_languages_get_low_confidence() -> None:
    replies = pl.DataFrame({"text": [SENTENCES["en"], SENTENCES["zh"], SENTENCES["de"]],
                            "parent_text": ["Masks work."] * 3})
    out = score(replies, _AlwaysHostile())
    assert out["lang"].to_list() == ["en", "zh", "de"]
    english, *foreign = out.iter_rows(named=True)
    assert (english["label"], english["weight"], english["confidence"]) == ("hostile", -1.0, 1.0)
    for row in foreign:
        assert row["confidence"] < 0.65 and -0.35 < row["weight"] < 0 and not row["offensive"]
    # a user's scorer declares no language: nothing is changed
    out = score(replies, FunctionScorer(lambda t, p: {"hostile": 1.0}, label="any"))
    assert out["weight"].to_list() == [-1.0, -1.0, -1.0]


def test_a_mostly_foreign_thread_is_warned_about(tmp_path: Path) -> None:
    rows = [{"id": str(i), "parent": str(i - 1) if i else "", "author": f"u{i % 3}", "text": SENTENCES["zh"]}
            for i in range(8)]
    rows[3]["text"] = SENTENCES["en"]
    path = tmp_path / "thread.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = discourse.build(path, id_col="id", parent_col="parent", author_col="author", text_col="text")
    report = result.quality.to_dict()
    assert report["languages"] == {"zh": 7}
    assert report["warnings"] and report["warnings"][0].startswith("88% of the comments are not in English (zh 7)")
    res = CliRunner().invoke(app, ["build", str(path), "--out", str(tmp_path / "b"), "--id-col", "id",
                                   "--parent-col", "parent", "--author-col", "author", "--text-col", "text"])
    assert res.exit_code == 0 and "Warning: 88% of the comments are not in English" in res.output
    quiet = CliRunner().invoke(app, ["build", str(path), "--out", str(tmp_path / "c"), "-q", "--id-col", "id",
                                     "--parent-col", "parent", "--author-col", "author", "--text-col", "text"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_an_english_thread_has_no_warning(sample_data: Path) -> None:
    result = discourse.build(sample_data / "main_street.csv")
    assert result.quality.warnings() == []
    assert set(result.replies["lang"].drop_nulls().unique().to_list()) <= {"en", "und"}  # type: ignore[index]
