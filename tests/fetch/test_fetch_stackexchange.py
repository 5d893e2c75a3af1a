"""Stack Exchange through its API, against a local server replaying recorded answers
(tests/data/fetch/stackexchange_*.json): paged answers with ``backoff``, comments on the question and
on the answers, ``throttle_violation`` sent with status 400 (retried) or as a spent daily quota (one-line
error), a question the API does not have, and the key kept out of the manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from discourse.errors import DiscourseError
from discourse.fetch import FetchOptions, NotAvailable, Session, recognise, stackexchange
from discourse.fetch import fetch as fetch_urls
from discourse.io import read
from discourse.io.stackexchange_api import parse_stackexchange_api
from tests.fetch._server import Replay, serve
from tests.fetch.test_fetch import Clock

DATA = Path(__file__).resolve().parent.parent / "data" / "fetch"
URL = "https://softwareengineering.stackexchange.com/questions/442301/is-100-test-coverage-worth-it"


def raw(name: str) -> bytes:
    return (DATA / f"stackexchange_{name}.json").read_bytes()


def routes(question: list[Any] | None = None) -> Replay:
    def answers(path: str, query: dict[str, str]) -> Any:
        return 200, raw("answers_p1" if query.get("page") == "1" else "answers_p2")

    return Replay({
        "/2.3/questions/442301": question or [(200, raw("question_442301"))],
        "/2.3/questions/442301/answers": answers,
        "/2.3/questions/442301/comments": [(200, raw("comments_442301"))],
        "/2.3/answers/442310;442315;442322/comments": [(200, raw("answer_comments"))],
    })


def fetch(out: Path, base: str, clock: Clock | None = None) -> dict[str, Any]:
    clock = clock or Clock()
    with Session(out, FetchOptions(api_base=(f"stackexchange={base}",), retries=2), sleep=clock.sleep,
                 clock=clock) as s:
        record = stackexchange.fetch_thread(s, URL, "442301")
        s.manifest.set_thread(record)
        s.manifest.save()
    return record


def test_urls_of_the_network_are_recognised() -> None:
    assert recognise(URL) == (stackexchange, "442301")
    assert stackexchange.match(URL) == "442301"
    assert stackexchange.match("https://stackoverflow.com/questions/11227809/why-is-it-faster?noredirect=1") == "11227809"
    assert stackexchange.match("https://math.stackexchange.com/q/5/") == "5"
    assert stackexchange.match("https://meta.stackoverflow.com/questions/251/x#251") == "251"
    assert stackexchange.host("https://askubuntu.com/questions/1/x") == "askubuntu.com"
    for other in ("https://stackoverflow.com/users/22656/jon-skeet", "https://example.com/questions/1/x",
                  "https://www.reddit.com/r/x/comments/abc/"):
        assert stackexchange.match(other) is None


def test_a_question_with_paged_answers_and_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(stackexchange.KEY_ENV, "sekrit-key-1")
    replay = routes()
    clock = Clock()
    with serve(replay) as base:
        record = fetch(tmp_path / "se", base, clock)
        asked_first = len(replay.log)
        fetch(tmp_path / "se", base)           # a rerun asks nothing: every answer is in the folder
        assert len(replay.log) == asked_first
    asked = [(p, q.get("page"), q.get("site"), q.get("key")) for p, q in replay.log]
    assert asked == [
        ("/2.3/questions/442301", "1", "softwareengineering.stackexchange.com", "sekrit-key-1"),
        ("/2.3/questions/442301/answers", "1", "softwareengineering.stackexchange.com", "sekrit-key-1"),
        ("/2.3/questions/442301/answers", "2", "softwareengineering.stackexchange.com", "sekrit-key-1"),
        ("/2.3/questions/442301/comments", "1", "softwareengineering.stackexchange.com", "sekrit-key-1"),
        ("/2.3/answers/442310;442315;442322/comments", "1", "softwareengineering.stackexchange.com", "sekrit-key-1"),
    ]
    assert 10.0 in clock.slept                      # the answers page said backoff: 10
    assert record["missing"] == {"not_returned": 1} and record["fetched"] == 3 + 5
    manifest = (tmp_path / "se" / "manifest.json").read_text(encoding="utf-8")
    assert "sekrit-key-1" not in manifest           # the key is sent, never saved
    entries = json.loads(manifest)["files"]
    assert len(entries) == 5
    data = [json.loads((tmp_path / "se" / e["file"]).read_bytes()) for e in entries]
    r = parse_stackexchange_api(data, "se")
    assert r.comments.height == 8
    tq = r.quality.threads[("stackexchange", "442301")]
    assert (tq.kept, tq.missing) == (8, 1)


def test_throttling_with_status_400_is_retried(tmp_path: Path) -> None:
    replay = routes([(400, raw("throttle")), (200, raw("question_442301"))])
    clock = Clock()
    with serve(replay) as base:
        fetch(tmp_path / "se", base, clock)
    assert [p for p, _ in replay.log].count("/2.3/questions/442301") == 2
    assert clock.slept and clock.slept[0] > 0


def test_a_spent_daily_quota_is_a_one_line_error_naming_the_key(tmp_path: Path) -> None:
    with serve(routes([(400, raw("quota"))])) as base, pytest.raises(DiscourseError) as err:
        fetch(tmp_path / "se", base)
    message = str(err.value)
    assert "\n" not in message and stackexchange.KEY_ENV in message and "80251" in message


def test_a_question_the_api_does_not_have(tmp_path: Path) -> None:
    with serve(routes([(200, raw("no_question"))])) as base, pytest.raises(NotAvailable) as err:
        fetch(tmp_path / "se", base)
    assert "no question 442301" in str(err.value) and "\n" not in str(err.value)


def test_fetch_then_build_reads_the_folder(tmp_path: Path) -> None:
    replay = routes()
    clock = Clock()
    with serve(replay) as base:
        opts = FetchOptions(api_base=(f"stackexchange={base}",), retries=1)
        with Session(tmp_path / "se", opts, sleep=clock.sleep, clock=clock) as s:
            fetch_urls([URL], tmp_path / "se", opts, session=s)
    r = read([tmp_path / "se"])
    assert sorted(r.comments["comment_id"]) == sorted(["c130511", "c130514", "a442310", "c130530", "c130533",
                                                       "a442315", "c130541", "a442322"])
    assert r.threads.select("thread_id", "title").rows() == [("442301", "Is 100% test coverage worth it?")]
    tq = r.quality.threads[("stackexchange", "442301")]
    assert (tq.kept, tq.missing) == (8, 1)
    assert r.quality.check_balanced() == []
