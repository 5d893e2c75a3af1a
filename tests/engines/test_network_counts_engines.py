"""quality.json's network counts are the same on every engine, each reply counted once.

A streamed or Dask build once counted every left-out reason twice (the partitioned engines' finish and
build() both added them). The dump, written here, has deleted commenters so that both modes of
``unknown_authors`` leave replies out for reasons (issue 18; tests/engines/test_anonymous_engines.py
tests the anonymous nodes themselves).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import discourse
from discourse.analysis.network import LEFT_OUT_REASONS

ROWS = [
    # id, parent, author, body, thread
    ("a1", "t3_p1", "[deleted]", "The West did try that, you know.", "p1"),
    ("j1", "t1_a1", "jens_holm", "No, you are wrong, that is not what happened.", "p1"),
    ("a2", "t1_j1", "[deleted]", "You idiot, read the article.", "p1"),
    ("j2", "t1_a2", "jens_holm", "That makes no sense at all.", "p1"),
    ("n1", "t3_p1", "ann", "Thanks, good point!", "p1"),
    ("j3", "t1_n1", "jens_holm", "I agree, that is exactly right.", "p1"),
    ("s1", "t1_j3", "jens_holm", "And one more thing.", "p1"),
    ("b1", "t3_p2", "bo", "Interesting point.", "p2"),
    ("a5", "t1_b1", "[deleted]", "No, you are wrong about this.", "p2"),
    ("b2", "t1_a5", "bo", "Could you explain that?", "p2"),
]
ENGINES = ["stream", pytest.param("dask", marks=pytest.mark.slow)]


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("counts") / "RC_counts.ndjson"
    path.write_text("".join(json.dumps({"id": c, "parent_id": p, "link_id": f"t3_{t}", "author": a, "body": b,
                                        "created_utc": 1_700_000_000 + 60 * i, "subreddit": "news", "score": 1})
                            + "\n" for i, (c, p, a, b, t) in enumerate(ROWS)), encoding="utf-8")
    return path


def _network_counts(dump: Path, engine: str, mode: str) -> dict[str, int]:
    extra: dict[str, object] = {"chunk_rows": 3} if engine == "stream" else {"workers": 1} if engine == "dask" else {}
    result = discourse.build(dump, engine=engine, scorer="fast", runs=1, unknown_authors=mode,  # type: ignore[arg-type]
                             **extra)
    return dict(result.quality.to_dict()["network"])


@pytest.mark.parametrize("mode", ["node", "drop"])
@pytest.mark.parametrize("engine", ENGINES)
def test_quality_network_counts_match_the_memory_engine(dump: Path, engine: str, mode: str) -> None:
    memory = _network_counts(dump, "memory", mode)
    assert memory["replies"] == len(ROWS) == memory["kept"] + sum(memory[r] for r in LEFT_OUT_REASONS)
    assert memory["self_reply"] == 1
    assert _network_counts(dump, engine, mode) == memory
