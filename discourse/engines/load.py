"""The front half of every build, written once for all engines.

read -> repair -> infer parents -> re-target ``@name`` replies -> pair -> score. The memory engine runs
it on everything read; the stream and dask engines run the same functions on each bucket of whole
threads, so the engines agree by construction rather than by keeping copies in step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from discourse import schema
from discourse.infer import infer_parents, refine_mentions
from discourse.io import read
from discourse.options import BuildOptions, InferOptions, StanceOptions
from discourse.pairing import pair_replies
from discourse.quality import LANGUAGE_FLAG, QualityReport
from discourse.repair import repair
from discourse.stance import ScorerChoice, choose_scorer, score, to_score

__all__ = [
    "COARSE_PARENT_SITES",
    "Loaded",
    "Progress",
    "as_paths",
    "load",
    "repair_and_infer",
    "score_replies",
]

Progress = Callable[[str], None]

# sites whose recorded parents are coarser than the conversation: Stack Exchange comments hang off a
# post, YouTube replies off the top-level comment; "@name" openings there say who is answered
COARSE_PARENT_SITES = ("stackexchange", "youtube")


@dataclass
class Loaded:
    """Comments read, repaired and with every parent known (inferred where the input had none)."""

    comments: pl.DataFrame
    threads: pl.DataFrame
    quality: QualityReport
    paths: list[Path]


def as_paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """One path or many, as a list of Paths."""
    return [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]


def _refine(comments: pl.DataFrame, which: bool | None, quality: QualityReport) -> pl.DataFrame:
    """``@name`` re-targeting: everywhere (True), nowhere (False) or on COARSE_PARENT_SITES (None)."""
    if which is False:
        return comments
    mask = pl.lit(True) if which else pl.col("site").is_in(list(COARSE_PARENT_SITES))
    indexed = comments.with_row_index("__order")
    target = indexed.filter(mask)
    if target.height == 0:
        return comments
    refined = refine_mentions(target.drop("__order")).with_columns(target["__order"])
    changed = int(target["parent_id"].ne_missing(refined["parent_id"]).sum())
    if changed:
        quality.notes.append(f"{changed} reply(ies) re-targeted to the comment of the @named author")
    return (pl.concat([indexed.filter(~mask), refined.select(indexed.columns)], how="vertical")
            .sort("__order").drop("__order"))


def repair_and_infer(comments: pl.DataFrame, threads: pl.DataFrame, quality: QualityReport,
                     options: InferOptions, progress: Progress | None = None) -> tuple[pl.DataFrame, QualityReport]:
    """repair -> infer (inputs without parent ids, or all with ``infer_replies``) -> ``@name``
    re-targeting. Returns the comments and a new report (``quality`` is not modified)."""
    step = progress or (lambda _stage: None)
    step("repair")
    comments, quality = repair(comments, threads, quality)
    step("infer")
    if options.infer_replies:
        # forced: treat the input as flat, whatever parent ids it holds
        comments = comments.with_columns(parent_source=pl.lit("none"), parent_id=pl.lit(None, pl.String),
                                         parent_confidence=pl.lit(0.0))
    n_flat = comments.select((pl.col("parent_source") == "none").sum()).item()
    if options.infer_replies is not False and n_flat:
        comments = infer_parents(comments, threads=threads)
        quality.notes.append(f"parents inferred for {n_flat} comment(s) without parent ids")
    comments = _refine(comments, options.refine_mentions, quality)
    return schema.validate(comments, "comments"), quality


def load(paths: str | Path | Sequence[str | Path], options: BuildOptions,
         progress: Progress | None = None) -> Loaded:
    """read -> repair -> infer, on everything at once."""
    step = progress or (lambda _stage: None)
    in_paths = as_paths(paths)
    step("read")
    data = read(in_paths, options.read.format, options.read)
    comments, quality = repair_and_infer(data.comments, data.threads, data.quality, options.infer, step)
    return Loaded(comments, data.threads, quality, in_paths)


def score_replies(comments: pl.DataFrame, threads: pl.DataFrame, options: StanceOptions,
                  progress: Progress | None = None,
                  quality: QualityReport | None = None) -> tuple[pl.DataFrame, ScorerChoice]:
    """pair -> score: one row per comment with its parent's text and its stance, and which scorer ran
    (``"default"`` is chosen by the number of replies to score). Comments detected in a language other
    than English are flagged in ``quality`` (``language:<code>``)."""
    step = progress or (lambda _stage: None)
    step("pair")
    replies = pair_replies(comments, threads)
    step("score")
    choice = choose_scorer(options.scorer, to_score(replies), options.neural_max_replies)
    scored = schema.validate(score(replies, choice.scorer), "scored replies")
    if quality is not None:
        foreign = (scored.filter(pl.col("lang").is_not_null() & ~pl.col("lang").is_in(["en", "und"]))
                   .group_by("site", "thread_id", "lang").len().sort("site", "thread_id", "lang"))
        for site, tid, lang, n in foreign.iter_rows():
            quality.flag(site, tid, f"{LANGUAGE_FLAG}{lang}", n)
    return scored, choice
