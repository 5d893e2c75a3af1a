"""Issue 21's fuzzing harness, a short run: every reader on mutated inputs (bytes flipped, cut,
repeated; hostile tokens inserted: surrogate escapes, huge numbers, deep nesting, malformed markup,
XML entities, formulas, control characters). Each input must read with every comment accounted for,
or fail with one line naming the file; a traceback or a silent loss fails the test.

The examples are the same on every run (derandomized); set DISCOURSE_FUZZ_EXAMPLES for more and
DISCOURSE_FUZZ_RANDOM=1 to explore new ones. bench/fuzz.py runs the same harness at length, through
whole builds too, and counts the outcomes (BENCHMARKS.md, "Robustness").
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_spec = importlib.util.spec_from_file_location("hostile", Path(__file__).parent / "data" / "hostile.py")
assert _spec and _spec.loader
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

EXAMPLES = int(os.environ.get("DISCOURSE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("DISCOURSE_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
SEEDS = hostile.seeds()
ops = st.lists(st.tuples(st.sampled_from(hostile.OP_KINDS), st.floats(0, 1), st.integers(0, 10_000)),
               min_size=1, max_size=4)
on_error = st.sampled_from(["raise", "skip"])


@FUZZ
@given(st.integers(0, len(SEEDS) - 1), ops, on_error)
def test_no_mutated_file_gives_a_traceback_or_loses_a_comment(seed: int, mutation: list, mode: str) -> None:
    name, data = SEEDS[seed]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(hostile.mutate_input(name, data, mutation))
        outcome = hostile.classify(path, mode)
    assert outcome.kind in ("ok", "error"), (name, mutation, mode, outcome)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
@given(st.sampled_from(sorted(hostile.DIRECTORY_SEEDS)), ops, on_error)
def test_no_mutated_corpus_directory_gives_a_traceback(kind: str, mutation: list, mode: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = hostile.mutate_directory(kind, Path(d) / kind, mutation)
        outcome = hostile.classify(path, mode)
    assert outcome.kind in ("ok", "error"), (kind, mutation, mode, outcome)


@pytest.mark.parametrize("mode", ["raise", "skip"])
@pytest.mark.parametrize("name", sorted(hostile.regression_inputs()))
def test_the_failures_the_fuzzing_found_stay_fixed(name: str, mode: str, tmp_path: Path) -> None:
    fname, data, _, _ = hostile.regression_inputs()[name]
    outcome = hostile.classify(hostile.write(tmp_path, fname, data), mode)
    assert outcome.kind in ("ok", "error"), outcome
