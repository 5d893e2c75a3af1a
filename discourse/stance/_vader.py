"""The VADER baseline: the reply's own sentiment, blind to its parent, mapped to a stance.

This is what most tools in the field do; it is here to compare against. The compound score ``c`` of
the reply maps to a label: ``c >= 0.05`` agree, ``c <= -0.5`` hostile, ``c <= -0.05`` disagree, else
neutral. The label gets probability 0.7 and the other three 0.1 each; ``p_offensive`` is
``max(0, -c)``.
"""

from __future__ import annotations

import polars as pl

from discourse.errors import MissingDependency
from discourse.stance._base import PROB_COLUMNS, Scorer

__all__ = ["VaderScorer"]


class VaderScorer(Scorer):
    """Baseline: VADER compound sentiment of the reply alone. ``agree_at`` / ``hostile_at`` are cut-offs."""

    name = "vader"
    version = "1"

    def __init__(self, agree_at: float = 0.05, disagree_at: float = -0.05, hostile_at: float = -0.5) -> None:
        self.agree_at = agree_at
        self.disagree_at = disagree_at
        self.hostile_at = hostile_at

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ModuleNotFoundError as err:
            raise MissingDependency("the vader stance scorer", "vaderSentiment") from err
        analyzer = SentimentIntensityAnalyzer()
        compound = pl.Series("c", [analyzer.polarity_scores(t)["compound"] for t in pairs["text"].to_list()],
                             dtype=pl.Float64)
        c = pl.col("c")
        label = (
            pl.when(c >= self.agree_at).then(pl.lit(0))
            .when(c <= self.hostile_at).then(pl.lit(3))
            .when(c <= self.disagree_at).then(pl.lit(2))
            .otherwise(pl.lit(1))
        )
        return pl.DataFrame(compound).select(
            *[pl.when(label == i).then(0.7).otherwise(0.1).alias(col) for i, col in enumerate(PROB_COLUMNS)],
            (-c).clip(0.0, 1.0).alias("p_offensive"),
        )
