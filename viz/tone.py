"""The tone of a reply pair, as every figure draws it: agreement, neutral or disagreement / hostility.

The rule (docs/viz.md, "Tone"): a pair's tone is decided by the labels of its replies. With ``a``
agreeing, ``o`` opposing (disagreeing or hostile) replies out of ``n``, the *net share* is
``(a - o) / n``; the tone is

* **agreement** when the net share is at least :data:`TONE_BAND` (a third),
* **disagreement / hostility** when it is at most ``-TONE_BAND``,
* **neutral** otherwise: every reply neutral, or agreement and opposition about even, or a single
  opposing reply among three or more neutral ones.

So a pair is never drawn red without at least one disagreeing or hostile reply, nor green without an
agreeing one, whatever the replies' weights add up to (a neutral reply's weight is rarely exactly 0:
summing weights drew 196 purely neutral pairs of one Reddit thread red). Edges without per-label
counts (an edges table from elsewhere) fall back to their mean reply weight with a band of
:data:`WEIGHT_BAND` (``weight_mean``, or ``weight_sum / n_replies``), then to the sign of ``net_sign`` or
``weight_sum``; without any of these, every edge is neutral.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = ["TONE_BAND", "TONE_NAMES", "WEIGHT_BAND", "tone_expr"]

TONE_BAND = 1 / 3
"""Net share of agreeing minus opposing replies needed for a coloured (non-neutral) tone."""
WEIGHT_BAND = 0.15
"""Without label counts: the mean reply weight (in [-1, 1]) needed for a coloured tone."""
TONE_NAMES: dict[int, str] = {1: "agreement", 0: "neutral", -1: "disagreement / hostility"}


def tone_expr(schema: Mapping[str, object] | pl.Schema) -> pl.Expr:
    """An Int8 expression over an edges (or pairs) table: +1 agreement, 0 neutral, -1 opposition.

    Uses ``n_agree``, ``n_disagree``, ``n_hostile`` (and ``n_neutral``, or ``n_replies`` for the
    total) when present; else the mean weight; else ``net_sign``; else 0.
    """
    cols = set(schema)
    if {"n_agree", "n_disagree", "n_hostile"} <= cols:
        agree = pl.col("n_agree").cast(pl.Float64).fill_null(0.0)
        oppose = (pl.col("n_disagree").cast(pl.Float64).fill_null(0.0)
                  + pl.col("n_hostile").cast(pl.Float64).fill_null(0.0))
        if "n_neutral" in cols:
            total = agree + oppose + pl.col("n_neutral").cast(pl.Float64).fill_null(0.0)
        elif "n_replies" in cols:
            total = pl.max_horizontal(pl.col("n_replies").cast(pl.Float64).fill_null(0.0), agree + oppose)
        else:
            total = agree + oppose
        net = pl.when(total > 0).then((agree - oppose) / total).otherwise(0.0)
        # the small tolerance keeps "one opposing reply in three" (-1/3 exactly) on the red side
        return (pl.when((net >= TONE_BAND - 1e-9) & (agree > 0)).then(1)
                .when((net <= -TONE_BAND + 1e-9) & (oppose > 0)).then(-1)
                .otherwise(0).cast(pl.Int8))
    if "weight_mean" in cols or ("weight_sum" in cols and "n_replies" in cols):
        mean = (pl.col("weight_mean") if "weight_mean" in cols
                else pl.col("weight_sum") / pl.col("n_replies").cast(pl.Float64))
        mean = mean.cast(pl.Float64).fill_null(0.0).fill_nan(0.0)
        return pl.when(mean >= WEIGHT_BAND).then(1).when(mean <= -WEIGHT_BAND).then(-1).otherwise(0).cast(pl.Int8)
    if "net_sign" in cols or "weight_sum" in cols:
        col = "net_sign" if "net_sign" in cols else "weight_sum"
        return pl.col(col).cast(pl.Float64).fill_null(0.0).fill_nan(0.0).sign().cast(pl.Int8)
    return pl.lit(0, pl.Int8)
