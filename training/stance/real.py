"""Unlabeled real replies from the threads in ``../shared/corpora`` (not the labeled sets): what the cue model
will score in practice. Training reads them for two things, neither of which uses a label:

- a dev diagnostic (:mod:`training.stance.cv`): how often a fitted model calls replies on these mostly civil
  sites hostile or offensive, and their mean edge weight;
- distillation (:mod:`training.stance.distill`): the neural pair scorer's probabilities on them as soft targets.

The threads are read with :func:`discourse.pipeline.prepare`, each site's files together (a Reddit thread and its
"more children" page, a Stack Exchange posts file and its comments), so a reply's parent text is what the
pipeline pairs it with. Replies without a parent, with blank text or not detected as English are left out, and
the rest deduplicated on (text, parent).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

__all__ = ["SITES", "real_pairs"]

SITES = ("reddit", "hackernews", "disqus", "discourse", "stackexchange", "youtube", "mastodon", "peertube")


def _site_replies(files: list[Path]) -> pl.DataFrame:
    from discourse.pipeline import prepare

    # "vader" scores quickly; only the texts and their pairing are kept
    return prepare(files, scorer="vader").replies.select("text", "parent_text", "lang")


def real_pairs(corpora: str | Path) -> pl.DataFrame:
    """``text, parent_text, site`` of the English replies with a parent in the real threads under ``corpora``
    (:data:`SITES`), in a fixed order: site by site, then as the pipeline returns them."""
    frames = []
    for site in SITES:
        files = sorted(p for p in (Path(corpora) / site).glob("*") if p.is_file())
        if not files:
            continue
        frames.append(_site_replies(files).with_columns(pl.lit(site).alias("site")))
    df = pl.concat(frames)
    return df.filter(
        pl.col("parent_text").is_not_null() & (pl.col("text").fill_null("").str.strip_chars() != "")
        & (pl.col("lang") == "en")
    ).select("text", "parent_text", "site").unique(["text", "parent_text"], keep="first", maintain_order=True)
