"""Speed of the saved-page reader (issue 18) on generated pages of known shape.

    python bench/bench_webpage.py

Three pages: a WordPress comment list 12 wide and 3 deep (1,884 comments), a WordPress chain 400 replies
deep, and a forum of repeated blocks read by the generic layout (2,000 comments, 50 threads 3 deep).
Prints one Markdown row per page: comments, size, seconds (best of 3) and whether every comment was read
with the parent it was written under.
"""

from __future__ import annotations

import time

from discourse.io.webpage import parse_webpage


def _wp_item(i: int, depth: int, kids: str) -> str:
    return (f'<li id="comment-{i}" class="comment depth-{depth}"><article class="comment-body"><footer class="comment-meta">'
            f'<div class="comment-author vcard"><b class="fn">user_{i % 97}</b> <span class="says">says:</span></div>'
            f'<div class="comment-metadata"><a href="#"><time datetime="2021-03-03T09:15:00+00:00">x</time></a></div>'
            f'</footer><div class="comment-content"><p>Comment number {i} with a few words in it.</p></div></article>'
            + (f'<ol class="children">{kids}</ol>' if kids else "") + "</li>")


def wordpress_wide(width: int = 12, depth: int = 3) -> tuple[str, dict[str, str | None]]:
    parents: dict[str, str | None] = {}
    counter = [0]

    def level(d: int, parent: str | None) -> str:
        out = []
        for _ in range(width):
            counter[0] += 1
            i = counter[0]
            parents[str(i)] = parent
            out.append(_wp_item(i, d, level(d + 1, str(i)) if d < depth else ""))
        return "".join(out)

    body = level(1, None)
    return f'<!doctype html><html><body><ol class="comment-list">{body}</ol></body></html>', parents


def wordpress_chain(n: int = 400) -> tuple[str, dict[str, str | None]]:
    body = ""
    for i in range(n, 0, -1):
        body = _wp_item(i, 1, body)
    parents = {str(i): (str(i - 1) if i > 1 else None) for i in range(1, n + 1)}
    return f'<!doctype html><html><body><ol class="comment-list">{body}</ol></body></html>', parents


def forum(threads: int = 50) -> tuple[str, dict[str, str | None]]:
    parents: dict[str, str | None] = {}
    counter = [0]

    def card(d: int, parent: str | None) -> str:
        counter[0] += 1
        i = counter[0]
        parents[str(i)] = parent
        kids = "".join(card(d + 1, str(i)) for _ in range(3)) if d < 3 else ""
        return (f'<div class="msg-card" id="m-{i}"><div class="msg-head"><span class="msg-user">user_{i % 50}</span> '
                f'<time datetime="2023-09-01T18:20:00Z">x</time></div><div class="msg-text">Message {i} about the plan.</div>'
                f"{kids}</div>")

    body = "".join(card(0, None) for _ in range(threads))
    return f'<!doctype html><html><body><div class="thread-body">{body}</div></body></html>', parents


def main() -> None:
    print("| page | comments | size | seconds (best of 3) | tree read back |")
    print("|---|---|---|---|---|")
    for name, (page, parents) in {"WordPress 12 wide, 3 deep": wordpress_wide(), "WordPress chain": wordpress_chain(),
                                  "generic forum blocks": forum()}.items():
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            res = parse_webpage(page, path="bench.html")
            best = min(best, time.perf_counter() - t)
        got = dict(zip(res.comments["comment_id"].to_list(), res.comments["parent_id"].to_list()))
        print(f"| {name} | {len(parents):,} | {len(page) // 1024:,} KiB | {best:.2f} | {'yes' if got == parents else 'NO'} |")


if __name__ == "__main__":
    main()
