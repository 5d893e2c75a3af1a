"""Per-file counts in the quality report reconcile with the comments read (issue 19)."""

from __future__ import annotations

from pathlib import Path

from discourse.io import read
from discourse.repair import repair

DATA = Path(__file__).resolve().parent.parent / "data"


def _totals_and_files(paths: list[Path]) -> tuple[dict, list[dict], list[str]]:
    res = read(paths)
    _, quality = repair(res.comments, res.threads, res.quality)
    d = quality.to_dict()
    return d["totals"], d["files"], d["notes"]


def test_file_comments_add_up_to_read_where_records_do_not():
    """A Stack Exchange dump's records are posts, comments and users; a file's ``comments`` is what it
    added to ``read``, so the files sum to the totals (records did not). The dump's files are read as one
    source: its comments are counted on the first file, the others say so."""
    dump = DATA / "stackexchange" / "dump"
    totals, files, _ = _totals_and_files([dump])
    assert sum(f["records"] for f in files) != totals["read"]
    assert sum(f["comments"] for f in files) == totals["read"] > 0
    first = Path(files[0]["path"]).name
    assert all(f["comments"] == 0 and any(first in n for n in f["notes"]) for f in files[1:])
    both, files2, _ = _totals_and_files([dump, DATA / "discourse_forum" / "topic.json"])
    assert sum(f["comments"] for f in files2) == both["read"] == totals["read"] + 5


def test_a_file_given_twice_is_counted_per_copy_with_a_note():
    """Regression: the same Discourse topic passed twice is read twice, each copy counted in its file,
    and the note says how many comments were held twice (dropped as duplicate)."""
    topic = DATA / "discourse_forum" / "topic.json"
    once, _, notes_once = _totals_and_files([topic])
    twice, files, notes = _totals_and_files([topic, topic])
    assert [f["comments"] for f in files] == [once["read"], once["read"]]
    assert twice["read"] == 2 * once["read"] == sum(f["comments"] for f in files)
    assert twice["kept"] == once["kept"]
    assert twice["dropped"]["duplicate"] == once["kept"]   # system posts are dropped in each copy first
    assert any(f"{once['kept']} comment(s) held twice" in n for n in notes)
    assert not any("held twice" in n for n in notes_once)
    assert twice["coverage"] == once["coverage"] is not None   # Discourse topics report posts_count
