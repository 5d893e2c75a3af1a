"""Every registered reader keeps the same promises: the canonical schema, every comment accounted for
(read == kept + dropped, per thread), the same tables on a second read, detection from content, and a
one-line error naming the file when the file is cut short. A new reader must add its sample here."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from discourse import io, schema
from discourse.errors import DiscourseError

DATA = Path(__file__).resolve().parent.parent / "data"

# one sample per reader, written by us (tests/data)
SAMPLES: dict[str, Path] = {
    "reddit": DATA / "reddit" / "thread.json",
    "pushshift": DATA / "reddit" / "comments.ndjson",
    "hackernews": DATA / "hn" / "firebase_items.json",
    "disqus": DATA / "disqus" / "small.xml",
    "youtube": DATA / "youtube" / "threads_page.json",
    "mastodon": DATA / "mastodon" / "context_with_ancestors.json",
    "peertube": DATA / "peertube" / "tree.json",
    "discourse": DATA / "discourse_forum" / "topic.json",
    "stackexchange": DATA / "stackexchange" / "dump",
    "convokit": DATA / "convokit" / "tiny",
    "flatpage": DATA / "flatpage" / "wordpress.txt",
    "table": DATA / "compare" / "calm.csv",
    "webpage": DATA / "webpage" / "wordpress.html",
    "mhtml": DATA / "savedpage" / "ferry.mhtml",
    "webarchive": DATA / "savedpage" / "riverside.webarchive",
    "wxr": DATA / "wxr" / "export.xml",
    "bluesky": DATA / "bluesky" / "thread.json",
    "lemmy": DATA / "lemmy" / "post_with_comments.json",
    "telegram": DATA / "telegram" / "result.json",
    "stackexchange-api": DATA / "stackexchange_api" / "question_thread.json",
    "fetched": DATA / "fetch_folder",
}
# formats where any prefix of the file is itself a valid file of that format (text without structure)
PREFIX_VALID = {"flatpage"}


def test_every_registered_reader_has_a_sample() -> None:
    assert {r.name for r in io.formats()} == set(SAMPLES)


@pytest.fixture(params=sorted(SAMPLES), ids=str)
def sample(request: pytest.FixtureRequest) -> tuple[str, Path]:
    return request.param, SAMPLES[request.param]


def test_detected_from_content(sample: tuple[str, Path]) -> None:
    name, path = sample
    assert io.detect_format(path).name == name


def test_canonical_schema_and_every_comment_accounted_for(sample: tuple[str, Path]) -> None:
    name, path = sample
    res = io.read_file(path, name)
    schema.validate(res.comments, "comments")
    schema.validate(res.threads, "threads")
    assert res.comments.height > 0
    for key, tq in res.quality.threads.items():
        assert tq.read == tq.kept + sum(tq.dropped.values()), key
    assert sum(tq.kept for tq in res.quality.threads.values()) == res.comments.height


def test_a_second_read_gives_the_same_tables(sample: tuple[str, Path]) -> None:
    name, path = sample
    a, b = io.read_file(path, name), io.read_file(path, name)
    assert_frame_equal(a.comments, b.comments)
    assert_frame_equal(a.threads, b.threads)
    assert a.quality.to_dict() == b.quality.to_dict()


def test_a_truncated_file_is_a_one_line_error_naming_it(sample: tuple[str, Path], tmp_path: Path) -> None:
    name, path = sample
    if path.is_dir():       # a corpus directory: cut its main file
        files = sorted(path.iterdir())
        main = next((p for p in files if p.suffix in (".jsonl", ".xml") and p.stat().st_size > 200), None) or \
            next(p for p in files if p.suffix == ".json" and p.name != "manifest.json" and p.stat().st_size > 200)
        cut_dir = tmp_path / path.name
        cut_dir.mkdir()
        for p in path.iterdir():
            (cut_dir / p.name).write_bytes(p.read_bytes())
        data = main.read_bytes()
        (cut_dir / main.name).write_bytes(data[: len(data) // 2])
        target, named = cut_dir, main.name
    else:
        data = path.read_bytes()
        target = tmp_path / path.name
        target.write_bytes(data[: len(data) // 2])
        named = path.name
    if name in PREFIX_VALID:
        res = io.read_file(target, name)
        for tq in res.quality.threads.values():
            assert tq.read == tq.kept + sum(tq.dropped.values())
        return
    try:
        res = io.read_file(target, name)
    except DiscourseError as err:
        message = str(err)
        assert "\n" not in message and named in message
        return
    # a table cut at a line end can be a smaller valid table: then nothing may be lost silently
    assert name == "table", f"{name}: a file cut in half read without an error"
    full = io.read_file(path, name)
    assert res.comments.height < full.comments.height
    for tq in res.quality.threads.values():
        assert tq.read == tq.kept + sum(tq.dropped.values())
