"""The training table: every labeled dev pair with what its source says about it, as a partial label.

Each source labels only part of the scheme (a 3-class set cannot tell disagree from hostile; an abuse set says
nothing about agree versus neutral), so a row's stance target is a *set* of allowed classes, stored as a 4-bit
mask over (agree, neutral, disagree, hostile); the loss maximises the probability of the set. ``offensive`` is
True / False / null. The rules, per source, are in :data:`RULES` and the model card.

Rows are grouped so that pairs sharing text (reply chains, shared parents) fall in one fold: a union-find over
texts, linking parent and reply unless the parent is a stock line repeated more than :data:`STOCK_PARENT`
times (a chatbot's "Can you elaborate on that?" would otherwise glue thousands of rows together).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from discourse.stance._data import read_labeled
from training.pair.labels import AGREE, ANY, DISAGREE, HOSTILE, NEUTRAL

STOCK_PARENT = 20
FOLDS = 5


@dataclass(frozen=True)
class Source:
    """One dev file: its path under labeled/dev, the key used in figures, and the read_labeled layout."""

    key: str
    path: str
    layout: str


SOURCES: tuple[Source, ...] = (
    Source("toxichat", "toxichat_train.jsonl", "toxichat"),
    Source("toxichat", "toxichat_dev.jsonl", "toxichat"),
    Source("maskmandate", "lei_huang_subreddit_MaskMandate.csv", "lei_huang"),
    Source("debagreement", "debagreement_dev.csv", "debagreement"),
    Source("wikitactics", "wikitactics_pairs_trainval.jsonl", "wikitactics"),
    Source("convabuse", "convabuse_pairs_trainvalid.jsonl", "convabuse"),
    Source("diasafety", "diasafety/train.json", "diasafety"),
    Source("diasafety", "diasafety/val.json", "diasafety"),
    Source("rumoureval", "rumoureval2019_pairs.jsonl", "rumoureval"),
    Source("cat", "context_toxicity_cat_small.csv", "cat"),
)
# Fanchuan (sentiment of the comment, 0 neutral / 1 positive / 2 negative) is left out: a negative comment
# agreeing with a negative parent is "negative", so its labels are not stance toward the parent.

RULES = """\
- 3-class sets (ToxiChat, MaskMandate, DEBAGREEMENT, RumourEval depth 1): agree -> {agree}, neutral ->
  {neutral}, disagree -> {disagree, hostile}.
- ToxiChat: an offensive turn aimed at the person (offense target an individual redditor or the comment author)
  that does not agree -> {hostile}; a disagreeing turn that is not offensive -> {disagree}. First turns (no
  parent) train the offence head only.
- WikiTactics: DH0/DH1 -> {hostile}; other label4 as is (DH2-DH7 disagree -> {disagree}).
- ConvAbuse: abuse aimed at the bot or an individual -> {hostile}; not abusive -> {agree, neutral, disagree};
  offensive = mean_is_abuse < 0.
- DiaSafety: Offending User unsafe -> {hostile}, offensive; safe -> {agree, neutral, disagree}, not offensive;
  Toxicity Agreement unsafe -> {agree}, safe -> {neutral, disagree, hostile}; Biased Opinion unsafe ->
  offensive only; the other categories are not used.
- CAT_SMALL: toxic in context -> {hostile}, else {agree, neutral, disagree}; offensive = toxic out of context.
- Any source: a reply labeled not offensive is not hostile (hostile bit cleared)."""

_LABEL_BITS = {"agree": AGREE, "neutral": NEUTRAL, "disagree": DISAGREE | HOSTILE, "hostile": HOSTILE}


def _mask(source: str, df: pl.DataFrame) -> pl.Expr:
    """The stance mask of each row of ``df`` (from ``source``), by :data:`RULES`."""
    label = pl.col("label")
    base = label.replace_strict(_LABEL_BITS, default=ANY, return_dtype=pl.Int64)
    if source == "toxichat":
        attack = pl.col("offensive").fill_null(False) & pl.col("target_person").fill_null(False) & (label != "agree")
        base = pl.when(attack).then(pl.lit(HOSTILE)).otherwise(base)
    elif source == "wikitactics":
        base = pl.when(label == "disagree").then(pl.lit(DISAGREE)).otherwise(base)
    elif source in ("convabuse", "cat"):
        base = pl.when(label.is_null() & pl.col("offensive").is_not_null()).then(
            pl.lit(AGREE | NEUTRAL | DISAGREE)).otherwise(base)
        if source == "convabuse":  # abusive but aimed at a group: no stance information
            base = pl.when(label.is_null() & pl.col("offensive").fill_null(False)).then(pl.lit(ANY)).otherwise(base)
    elif source == "diasafety":
        part = pl.col("source").str.split("#").list.last()
        base = (pl.when((part == "Offending User") & label.is_null()).then(pl.lit(AGREE | NEUTRAL | DISAGREE))
                .when((part == "Toxicity Agreement") & label.is_null()).then(pl.lit(NEUTRAL | DISAGREE | HOSTILE))
                .otherwise(base))
    not_offensive = pl.col("offensive").is_not_null() & ~pl.col("offensive").fill_null(True)
    return pl.when(not_offensive & (base != HOSTILE)).then(base.and_(ANY ^ HOSTILE)).otherwise(base)


def read_source(dev: Path, src: Source) -> pl.DataFrame:
    """One dev file as training rows: text, parent, stance mask, offensive, source key (rows that teach
    nothing dropped)."""
    df = read_labeled(dev / src.path, src.layout)  # type: ignore[arg-type]
    df = df.with_columns(pl.col("text").str.strip_chars(), pl.col("parent_text").str.strip_chars().fill_null(""))
    df = df.filter(pl.col("text").str.len_chars() > 0)
    rows = df.select(
        "text", "parent_text",
        pl.when(pl.col("parent_text") == "").then(pl.lit(ANY)).otherwise(_mask(src.key, df)).alias("mask"),
        "offensive", pl.lit(src.key).alias("source"), pl.col("source").alias("file"), "label",
    )
    return rows.filter((pl.col("mask") != ANY) | pl.col("offensive").is_not_null())


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def groups(texts: list[str], parents: list[str]) -> list[int]:
    """A group id per row: rows sharing a text (as reply or as a non-stock parent) share a group."""
    stock = {p for p, n in Counter(parents).items() if n > STOCK_PARENT}
    ids: dict[str, int] = {}
    uf: list[int] = []

    def node(s: str) -> int:
        if s not in ids:
            ids[s] = len(uf)
            uf.append(len(uf))
        return ids[s]

    for t, p in zip(texts, parents, strict=True):
        a = node(t)
        if p and p not in stock:
            b = _find(uf, node(p))
            uf[b] = _find(uf, a)
    return [_find(uf, ids[t]) for t in texts]


def fold_of(key: str, k: int = FOLDS) -> int:
    """A stable fold number for a group key (its SHA-1, so the split never depends on row order)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % k


def build_table(dev: Path) -> pl.DataFrame:
    """All training rows with ``fold`` (0..FOLDS-1, grouped), deduplicated on (source, text, parent, labels)."""
    df = pl.concat([read_source(dev, s) for s in SOURCES]).unique(
        ["source", "text", "parent_text", "mask", "offensive"], keep="first", maintain_order=True)
    g = groups(df["text"].to_list(), df["parent_text"].to_list())
    reps: dict[int, str] = {}
    for gid, text in zip(g, df["text"].to_list(), strict=True):
        reps[gid] = min(reps.get(gid, text), text)
    return df.with_columns(pl.Series("fold", [fold_of(reps[x]) for x in g], dtype=pl.Int64))
