"""Name lines on flat pages (issue 18): real threads flattened to text, read back, authors compared.

    python bench/bench_name_lines.py                          # the current flat-page reader
    python bench/bench_name_lines.py --flatpage /tmp/old.py   # another version of discourse/io/flatpage.py

Each thread of ../shared/corpora with known authors is written as the flat page a scraper saves (name
line, blank line, text; anonymous comments after two blank lines; depth-first, tests/io/_flatten_tree.py)
and read back with the flat-page reader's defaults. Figures per thread: comments on the page, comments
read, authors right along the best alignment of the two sequences (a merged or split comment costs only
itself), comments read as anonymous that had a name. Prints a Markdown table for BENCHMARKS.md.

    python bench/bench_name_lines.py --style reddit        # as a browser copies new Reddit ("level N" lines)
    python bench/bench_name_lines.py --style hackernews    # as a browser copies Hacker News (header links)

With ``--style`` the page is what a browser copies of that site (tests/io/_flatten_tree.py), and the
table adds the parents the reader takes from the page itself (``parent_source = "nesting"``) and how many
of them are right. Hacker News has no anonymous comments: deleted ones are written under the name "ghost".
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import polars as pl

from discourse import io

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
THREADS = ["hackernews/circumflex_hnpwa_item_25015967.json", "reddit/praw_n49rw_announcements_thread.json",
           "reddit/praw_fo7p5b_announcements_thread.json", "reddit/praw_3hahrw_funny_thread.json"]


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flatpage", type=Path, help="a flatpage.py to measure instead of the installed one")
    ap.add_argument("--style", choices=["plain", "hackernews", "reddit"], default="plain",
                    help="the page's form: the seed's conventions (plain) or a browser's copy of that site")
    args = ap.parse_args()
    if args.flatpage:
        text = args.flatpage.read_text(encoding="utf-8").replace("register(Reader(", "(lambda r: r)(Reader(")
        alt = args.flatpage.with_name("_bench_flatpage_alt.py")
        alt.write_text(text, encoding="utf-8")
        parse = _load(alt, "_bench_flatpage_alt").parse_flatpage
    else:
        from discourse.io.flatpage import parse_flatpage as parse
    ft = _load(ROOT / "tests" / "io" / "_flatten_tree.py", "_flatten_tree")
    styled = args.style != "plain"
    print("| thread | comments | read | authors right (aligned) | named read as anonymous |"
          + (" parents from the page | of them right |" if styled else ""))
    print("|---|---|---|---|---|" + ("---|---|" if styled else ""))
    for name in THREADS:
        path = CORPORA / name
        if not path.exists():
            continue
        c = io.read(path).comments.filter(pl.col("text").is_not_null() & (pl.col("text").str.strip_chars() != ""))
        tree = [{"id": r["comment_id"], "parent": r["parent_id"], "author": r["author"], "text": r["text"]}
                for r in c.sort("position").iter_rows(named=True)]
        if args.style == "hackernews":
            tree = [{**t, "author": t["author"] or "ghost"} for t in tree]
        res = parse(ft.flatten_tree(tree, style=args.style), thread_id="bench")
        truth = [t["author"] for t in ft.depth_first(tree)]
        got = res.comments["author"].to_list()
        sm = difflib.SequenceMatcher(a=truth, b=got, autojunk=False)
        right = sum(b.size for b in sm.get_matching_blocks())
        lost = sum(1 for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag == "replace"
                   for a, b in zip(truth[i1:i2], got[j1:j2]) if a is not None and b is None)
        row = f"| {name} | {len(truth):,} | {len(got):,} | {right:,} ({right / len(truth):.1%}) | {lost} |"
        if styled:
            order = ft.depth_first(tree)
            at = {t["id"]: f"c{k}" for k, t in enumerate(order)}
            placed = res.comments.filter(pl.col("parent_source") == "nesting")
            # read comment j is truth comment i where the author alignment pairs them; a placed parent is
            # right when it is the read comment aligned with the true parent (or both are the post)
            to_truth = {b.b + k: b.a + k for b in sm.get_matching_blocks() for k in range(b.size)}
            ok = 0
            for r in placed.iter_rows(named=True):
                i = to_truth.get(r["position"])
                if i is None:
                    continue
                want = order[i]["parent"] if order[i]["parent"] in at else None
                have = None if r["parent_id"] is None else to_truth.get(int(r["parent_id"][1:]), -1)
                ok += (want is None and have is None) or (have not in (None, -1) and order[have]["id"] == want)
            row += f" {placed.height:,} ({placed.height / len(truth):.1%}) | {ok:,} ({ok / max(placed.height, 1):.1%}) |"
        print(row)


if __name__ == "__main__":
    main()
