#!/usr/bin/env python3
"""Anonymous commenters in the network (issue 18): a page built with each unknown author as a node of
its own (``--unknown-authors node``, the default) against the old graph of named authors only
(``--unknown-authors drop``).

    python bench/bench_anonymous.py                      # the seed page (needs ../shared beside the checkout)
    python bench/bench_anonymous.py sample_data/ferry_page.txt

For each mode, one JSON line: nodes (and how many anonymous), edges by net sign, the replies the edges
carry by label, the ties between named and anonymous commenters (and their signs), anonymous nodes
alone in a community, and the turn-taking hints quality.json gives (anonymous comments likely one
person's, never merged).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_a9f39a774eb31046.txt"


def measure(path: Path, mode: str) -> dict[str, object]:
    import discourse

    r = discourse.build(path, unknown_authors=mode, seed=0)
    e, n = r.edges, r.nodes
    anon = set(n.filter(pl.col("anonymous"))["author"]) if "anonymous" in n.columns else set()
    mixed = e.filter(pl.col("source").is_in(list(anon)) ^ pl.col("target").is_in(list(anon)))
    size = n.group_by("community").len()
    alone = n.join(size, on="community").filter(pl.col("len") == 1)
    hints = r.quality.to_dict()["hints"]
    return {
        "file": path.name, "unknown_authors": mode,
        "nodes": n.height, "anonymous_nodes": len(anon),
        "edges": e.height, "positive": int((e["net_sign"] > 0).sum()), "negative": int((e["net_sign"] < 0).sum()),
        "replies_on_edges": int(e["n_replies"].sum()),
        "by_label": {k: int(e[f"n_{k}"].sum()) for k in ("agree", "neutral", "disagree", "hostile")},
        "named_anonymous_ties": mixed.height, "named_anonymous_negative": int((mixed["net_sign"] < 0).sum()),
        "factions": int((size["len"] >= 2).sum()),
        "anonymous_alone": int(alone.filter(pl.col("author").is_in(list(anon))).height),
        "hints": [h["comment_ids"] for h in hints],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", nargs="?", type=Path, default=SEED)
    args = ap.parse_args()
    if not args.page.exists():
        print(f"skipped: {args.page} is not here", file=sys.stderr)
        return 0
    print(json.dumps({"date": datetime.now(UTC).date().isoformat(), "machine": platform.platform(),
                      "cpu": platform.processor() or platform.machine()}))
    for mode in ("drop", "node"):
        print(json.dumps(measure(args.page, mode)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
