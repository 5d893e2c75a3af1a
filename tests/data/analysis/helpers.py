"""Tiny builders for the analysis tests: scored replies from hand-written rows."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import polars as pl

from discourse import schema

LABEL_WEIGHT = {"agree": 1.0, "neutral": 0.0, "disagree": -0.5, "hostile": -1.0}
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def scored(rows: list[dict], thread_id: str = "t1", site: str = "test") -> pl.DataFrame:
    """Scored replies from dicts with at least ``author``, ``parent_author`` and ``label``.

    Optional keys: ``weight`` (else from the label), ``to_root``, ``self_reply``, ``parent_source``,
    ``parent_confidence``, ``text``, ``thread_id``, ``minute`` (created_at = T0 + minutes).
    """
    out = []
    for i, r in enumerate(rows):
        label = r.get("label", "neutral")
        out.append({
            "site": r.get("site", site), "thread_id": r.get("thread_id", thread_id), "comment_id": f"c{i}",
            "parent_id": None if r.get("to_root") else r.get("parent_id", f"p{i}"),
            "author": r.get("author"), "parent_author": r.get("parent_author"), "text": r.get("text", "text"),
            "parent_text": "parent", "created_at": T0 + dt.timedelta(minutes=r.get("minute", i)),
            "to_root": bool(r.get("to_root", False)), "self_reply": bool(r.get("self_reply", False)),
            "parent_source": r.get("parent_source", "root" if r.get("to_root") else "explicit"),
            "parent_confidence": float(r.get("parent_confidence", 1.0)),
            "p_agree": 0.25, "p_neutral": 0.25, "p_disagree": 0.25, "p_hostile": 0.25,
            "label": label, "weight": float(r.get("weight", LABEL_WEIGHT[label])), "confidence": 1.0,
            "p_offensive": 0.0, "offensive": False, "scorer": "hand",
        })
    return schema.conform(pl.DataFrame(out, schema={**schema.REPLIES, **schema.STANCE_COLUMNS}),
                          {**schema.REPLIES, **schema.STANCE_COLUMNS})


def pairs(edges: list[tuple[str, str, str]], **kw: object) -> pl.DataFrame:
    """Scored replies from (author, parent_author, label) triples."""
    return scored([{"author": a, "parent_author": b, "label": lab} for a, b, lab in edges], **kw)


def two_factions() -> pl.DataFrame:
    """Two agreeing triangles {a,b,c} and {d,e,f}, with hostility across: c->d and f->a."""
    e = [("a", "b", "agree"), ("b", "c", "agree"), ("c", "a", "agree"),
         ("d", "e", "agree"), ("e", "f", "agree"), ("f", "d", "agree"),
         ("c", "d", "hostile"), ("f", "a", "hostile")]
    return pairs(e)


def bench_module():
    """bench/bench_analysis.py as a module (for the synthetic-thread loaders)."""
    path = Path(__file__).resolve().parents[3] / "bench" / "bench_analysis.py"
    spec = importlib.util.spec_from_file_location("bench_analysis", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
