"""Readers for labeled stance files, each to one frame: ``text, parent_text, label, offensive, source``.

``label`` is a stance label (agree / neutral / disagree / hostile) or null where the file says nothing
about stance; ``offensive`` is a Boolean or null. Known layouts:

- ``toxichat``: ToxiChat JSONL (Baheti et al. 2021). One row per Reddit turn; a reply's label is its
  stance toward the turn just before it (the first turn has no parent and no label). ``offensive`` is
  ``offense_label``; ``target_person`` says the offence targets an individual redditor / the comment author.
- ``toxichat_bots``: the same file's chatbot replies (``final_dgpt_response``, ``final_gpt3_response``: one
  each per conversation), each paired with the conversation's last Reddit turn and labeled with its stance
  toward that turn and its offence label (opt-in training data: generated text, not Reddit's).
- ``lei_huang``: Lei & Huang CSV (``quote_text, response_text, relation``; 0 disagree, 1 neutral,
  2 agree), Windows-1252 encoded.
- ``cat``: context-toxicity CSV (``text, parent_text, label_oc, label_ic``): ``offensive`` is the
  out-of-context toxicity label, ``label`` is hostile where the in-context label is toxic, else null.
- ``fanchuan``: Fanchuan Reddit-Trump CSV: ``support`` (0 neutral, 1 positive, 2 negative sentiment in
  context) read as neutral / agree / disagree; rows without a parent are dropped.
- ``generic``: CSV or Parquet with ``text``, ``parent_text`` and ``label`` columns (names configurable).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import polars as pl

from discourse.errors import ColumnMappingError, ParseError
from discourse.io._common import decode, read_bytes

__all__ = ["LabeledLayout", "LABELED_SCHEMA", "read_labeled", "sniff_layout"]

LabeledLayout = Literal["toxichat", "toxichat_bots", "lei_huang", "cat", "fanchuan", "generic"]
LABELED_SCHEMA: dict[str, pl.DataType] = {
    "text": pl.String(), "parent_text": pl.String(), "label": pl.String(), "offensive": pl.Boolean(),
    "target_person": pl.Boolean(), "source": pl.String(),
}
_LABEL_ALIASES = {
    "agree": "agree", "agreement": "agree", "support": "agree", "supporting": "agree", "positive": "agree",
    "neutral": "neutral", "none": "neutral", "comment": "neutral", "commenting": "neutral", "query": "neutral",
    "disagree": "disagree", "disagreement": "disagree", "deny": "disagree", "denying": "disagree",
    "negative": "disagree", "hostile": "hostile", "attack": "hostile",
}
_PERSON_TARGETS = {"individual/redditor", "comment author"}
_BOT_KEYS = ("final_dgpt_response", "final_gpt3_response")


def _frame(rows: dict[str, list], source: str) -> pl.DataFrame:
    n = len(rows["text"])
    return pl.DataFrame({**rows, "source": [source] * n}, schema=LABELED_SCHEMA)


def _toxichat(path: Path, text: str, bots: bool = False) -> pl.DataFrame:
    cols: dict[str, list] = {k: [] for k in LABELED_SCHEMA if k != "source"}

    def add(turn: dict, parent: dict | None, k: int) -> None:
        stance = turn.get(f"stance_label_towards_turn_{k}") if parent is not None else None
        cols["text"].append(turn.get("text", "").strip())
        cols["parent_text"].append(parent.get("text", "").strip() if parent is not None else None)
        cols["label"].append(stance.lower() if isinstance(stance, str) else None)
        cols["offensive"].append(turn.get("offense_label") == "Offensive")
        cols["target_person"].append(bool(_PERSON_TARGETS & set(turn.get("offense_targets") or [])))

    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            turns = record["reddit_thread"]
            replies = [record[key] for key in _BOT_KEYS if isinstance(record.get(key), dict)] if bots else []
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ParseError(path, f"line {lineno}", "a ToxiChat object with a 'reddit_thread' list") from err
        if not bots:
            for k, turn in enumerate(turns):
                add(turn, turns[k - 1] if k else None, k)
        elif turns:
            for reply in replies:  # turn ids count from 1: the last Reddit turn is turn len(turns)
                add(reply, turns[-1], len(turns))
    return _frame(cols, f"{path.name}#bots" if bots else path.name)


def _csv(path: Path, data: bytes, encoding: str | None = None) -> pl.DataFrame:
    text = data.decode(encoding) if encoding else decode(data, path)
    try:
        return pl.read_csv(text.encode("utf-8"), infer_schema_length=0)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        raise ParseError(path, None, f"expected a CSV file ({err})") from err


def _need(df: pl.DataFrame, path: Path, role: str, col: str) -> None:
    if col not in df.columns:
        raise ColumnMappingError(path, role, col, df.columns)


def sniff_layout(path: str | Path) -> LabeledLayout:
    """Which known layout a labeled file has, from its name and first line."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return "generic"
    with open(p, "rb") as fh:
        first = fh.readline(65536).decode("utf-8", errors="replace")
    if '"reddit_thread"' in first:
        return "toxichat"
    header = {h.strip().strip('"') for h in first.split(",")}
    if {"quote_text", "response_text", "relation"} <= header:
        return "lei_huang"
    if {"text", "parent_text", "label_ic"} <= header:
        return "cat"
    if {"parent_content", "content", "support"} <= header:
        return "fanchuan"
    return "generic"


def read_labeled(path: str | Path, layout: LabeledLayout | None = None, text_col: str = "text",
                 parent_col: str = "parent_text", label_col: str = "label") -> pl.DataFrame:
    """Read a labeled file into :data:`LABELED_SCHEMA` (layout sniffed when None)."""
    p = Path(path)
    data = read_bytes(p)  # existence and emptiness checks, with our messages
    layout = layout or sniff_layout(p)
    if layout == "generic" and p.suffix.lower() == ".parquet":
        try:
            df = pl.read_parquet(p)
        except (pl.exceptions.ComputeError, OSError) as err:
            raise ParseError(p, None, f"expected a Parquet file ({err})") from err
    else:
        if layout in ("toxichat", "toxichat_bots"):
            return _toxichat(p, decode(data, p), bots=layout == "toxichat_bots")
        df = _csv(p, data, "cp1252" if layout == "lei_huang" else None)
    if layout == "lei_huang":
        relation = {"0": "disagree", "1": "neutral", "2": "agree"}
        return df.select(
            pl.col("response_text").alias("text"), pl.col("quote_text").alias("parent_text"),
            pl.col("relation").str.strip_chars().replace_strict(relation, default=None).alias("label"),
            pl.lit(None, pl.Boolean).alias("offensive"), pl.lit(None, pl.Boolean).alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    if layout == "cat":
        return df.select(
            "text", "parent_text",
            pl.when(pl.col("label_ic").str.strip_chars() == "1").then(pl.lit("hostile")).alias("label"),
            (pl.col("label_oc").str.strip_chars() == "1").alias("offensive"),
            (pl.col("label_ic").str.strip_chars() == "1").alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    if layout == "fanchuan":
        support = {"0": "neutral", "1": "agree", "2": "disagree"}
        return df.filter(pl.col("parent_content").is_not_null()).select(
            pl.col("content").alias("text"), pl.col("parent_content").alias("parent_text"),
            pl.col("support").str.strip_chars().replace_strict(support, default=None).alias("label"),
            pl.lit(None, pl.Boolean).alias("offensive"), pl.lit(None, pl.Boolean).alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    for role, col in (("text", text_col), ("parent", parent_col), ("label", label_col)):
        _need(df, p, role, col)
    labels = pl.col(label_col).cast(pl.String).str.strip_chars().str.to_lowercase()
    unknown = df.filter(labels.replace_strict(_LABEL_ALIASES, default=None).is_null() & pl.col(label_col).is_not_null())
    if unknown.height:
        raise ParseError(p, f"label {unknown[label_col][0]!r}",
                         f"labels must be one of {sorted(set(_LABEL_ALIASES))}")
    offensive = (pl.col("offensive").cast(pl.String).str.to_lowercase().is_in(["1", "true", "offensive", "yes"])
                 if "offensive" in df.columns else pl.lit(None, pl.Boolean))
    return df.select(
        pl.col(text_col).cast(pl.String).alias("text"), pl.col(parent_col).cast(pl.String).alias("parent_text"),
        labels.replace_strict(_LABEL_ALIASES, default=None).alias("label"), offensive.alias("offensive"),
        pl.lit(None, pl.Boolean).alias("target_person"), pl.lit(p.name).alias("source"),
    )
