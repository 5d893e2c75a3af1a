"""Name lines on flat pages (issue 18): real threads flattened to text, read back, authors compared.

    python bench/bench_name_lines.py                          # the current flat-page reader
    python bench/bench_name_lines.py --flatpage /tmp/old.py   # another version of discourse/io/flatpage.py

Each thread of ../shared/corpora with known authors is written as the flat page a scraper saves (name
line, blank line, text; anonymous comments after two blank lines; depth-first, tests/io/_flatten_tree.py)
and read back with the flat-page reader's defaults. Figures per thread: comments on the page, comments
read, authors right along the best alignment of the two sequences (a merged or split comment costs only
itself), comments read as anonymous that had a name. Prints a Markdown table for BENCHMARKS.md.
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
    args = ap.parse_args()
    if args.flatpage:
        text = args.flatpage.read_text(encoding="utf-8").replace("register(Reader(", "(lambda r: r)(Reader(")
        alt = args.flatpage.with_name("_bench_flatpage_alt.py")
        alt.write_text(text, encoding="utf-8")
        parse = _load(alt, "_bench_flatpage_alt").parse_flatpage
    else:
        from discourse.io.flatpage import parse_flatpage as parse
    ft = _load(ROOT / "tests" / "io" / "_flatten_tree.py", "_flatten_tree")
    print("| thread | comments | read | authors right (aligned) | named read as anonymous |")
    print("|---|---|---|---|---|")
    for name in THREADS:
        path = CORPORA / name
        if not path.exists():
            continue
        c = io.read(path).comments.filter(pl.col("text").is_not_null() & (pl.col("text").str.strip_chars() != ""))
        tree = [{"id": r["comment_id"], "parent": r["parent_id"], "author": r["author"], "text": r["text"]}
                for r in c.sort("position").iter_rows(named=True)]
        res = parse(ft.flatten_tree(tree), thread_id="bench")
        truth = [t["author"] for t in ft.depth_first(tree)]
        got = res.comments["author"].to_list()
        sm = difflib.SequenceMatcher(a=truth, b=got, autojunk=False)
        right = sum(b.size for b in sm.get_matching_blocks())
        lost = sum(1 for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag == "replace"
                   for a, b in zip(truth[i1:i2], got[j1:j2]) if a is not None and b is None)
        print(f"| {name} | {len(truth):,} | {len(got):,} | {right:,} ({right / len(truth):.1%}) | {lost} |")


if __name__ == "__main__":
    main()
