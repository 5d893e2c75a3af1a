"""Property: however a Reddit thread is cut into a page with ``more`` stubs plus morechildren answers and
"continue this thread" pages, the folder reads back as the whole thread (every comment once, under its
own parent, nothing counted missing), whatever order the answers came in."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from discourse.io.fetched import merge_reddit
from discourse.io.reddit import parse_reddit

TID = "t3_abc"


def _c(cid: str, parent: str, replies: Any = "") -> dict[str, Any]:
    return {"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "link_id": TID, "parent_id": parent,
                                   "author": f"u{cid}", "body": f"text {cid}", "created_utc": 1.0, "score": 1,
                                   "replies": replies}}


def _listing(children: list[Any]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"children": children}}


@st.composite
def cut_threads(draw: st.DrawFn) -> tuple[dict[str, str], list[Any], list[tuple[str, Any]]]:
    n = draw(st.integers(1, 25))
    parents: dict[str, str] = {}
    for i in range(n):
        parents[f"c{i}"] = draw(st.sampled_from([TID, *[f"t1_c{j}" for j in range(i)]]))
    # each comment is: on the page, behind a "more" stub (morechildren), or below a continue stub
    fate = {cid: draw(st.sampled_from(["page", "more", "continue"])) for cid in parents}
    kids: dict[str, list[str]] = {}
    for cid, p in parents.items():
        kids.setdefault(p, []).append(cid)

    def subtree(cid: str, stubs: list[Any], conts: set[str]) -> dict[str, Any]:
        shown, hidden = [], []
        for k in kids.get(f"t1_{cid}", []):
            if fate[k] == "page":
                shown.append(subtree(k, stubs, conts))
            elif fate[k] == "more":
                hidden.append(k)
                stubs.append(k)
            else:
                conts.add(cid)
        extra: list[Any] = []
        if hidden:
            extra.append({"kind": "more", "data": {"id": hidden[0], "parent_id": f"t1_{cid}", "count": len(hidden),
                                                   "children": hidden}})
        if cid in conts:
            extra.append({"kind": "more", "data": {"id": "_", "parent_id": f"t1_{cid}", "count": 0, "children": []}})
        return _c(cid, parents[cid], _listing(shown + extra) if shown or extra else "")

    stubs: list[str] = []
    conts: set[str] = set()
    top, hidden_top = [], []
    for k in kids.get(TID, []):
        if fate[k] == "page":
            top.append(subtree(k, stubs, conts))
        else:                       # a top-level comment can only hide behind a "more" stub
            hidden_top.append(k)
            stubs.append(k)
    if hidden_top:
        top.append({"kind": "more", "data": {"id": hidden_top[0], "parent_id": TID, "count": len(hidden_top),
                                             "children": hidden_top}})
    page = [_listing([{"kind": "t3", "data": {"id": "abc", "title": "t", "num_comments": n, "created_utc": 1.0}}]),
            _listing(top)]
    # the answers: morechildren gives the stubbed comments flat (each with its own stubs, as Reddit does);
    # a continue page gives the comment with all its replies nested
    extras: list[tuple[str, Any]] = []

    def full(cid: str) -> dict[str, Any]:
        return _c(cid, parents[cid], _listing([full(k) for k in kids.get(f"t1_{cid}", [])]))

    def flat_with_stubs(cid: str) -> list[Any]:
        # the comment without its replies, then its page-shown subtree flattened, then its own stubs
        # (their ids join the queue: a stub in an answer is expanded by a later call)
        node = subtree(cid, stubs, conts)
        out, stack = [], [node]
        while stack:
            item = stack.pop()
            replies = item["data"].get("replies")
            out.append({"kind": item["kind"], "data": {**item["data"], "replies": ""}} if item["kind"] == "t1" else item)
            if isinstance(replies, dict):
                stack.extend(reversed(replies["data"]["children"]))
        return out

    i = 0
    while i < len(stubs):      # stubs grows as answers show their own stubs
        extras.append(("morechildren", {"json": {"errors": [], "data": {"things": flat_with_stubs(stubs[i])}}}))
        i += 1
    for cid in sorted(conts):
        extras.append(("continue", [page[0], _listing([full(cid)])]))
    order = draw(st.permutations(list(range(len(extras)))))
    return parents, page, [extras[i] for i in order]


@settings(max_examples=60, deadline=None)
@given(cut_threads())
def test_merged_folder_reads_as_the_whole_thread(case: tuple[dict[str, str], list[Any], list[tuple[str, Any]]]) -> None:
    parents, page, extras = case
    got = parse_reddit(merge_reddit(page, extras))
    c = got.comments
    assert sorted(c["comment_id"]) == sorted(parents)                       # every comment, once
    want = {cid: (None if p == TID else p[3:]) for cid, p in parents.items()}
    assert dict(zip(c["comment_id"], c["parent_id"])) == want               # under its own parent
    tq = got.quality.thread("reddit", "abc")
    assert tq.missing == 0 and tq.read == len(parents) == tq.kept + sum(tq.dropped.values())
