"""Issue 21, faults: a bundle is written whole (a new directory beside the target, swapped in), so a
full disk, Ctrl-C or SIGKILL part way leave the previous bundle as it was, readers never see a mix,
temporaries of killed runs are cleaned, and CSV cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import discourse
from discourse.cli.app import app
from discourse.errors import OutputError
from discourse.io import write as out
from discourse.io.write import CSV_FORMULA_START, bundle_dir, write_csv

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "main_street.csv"


def _digest(d: Path) -> dict[str, str]:
    """Every entry of a directory (hidden ones too) with its content's hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def built() -> tuple[discourse.BuildResult, discourse.BuildResult]:
    """Two builds of one thread whose bundles differ in every file that records the options."""
    a = discourse.build(SAMPLE, scorer="fast", title="first", runs=1)
    b = discourse.build(SAMPLE, scorer="fast", title="second", runs=1, seed=3)
    return a, b


def _siblings(d: Path) -> list[str]:
    return sorted(n for n in os.listdir(d.parent) if n.startswith(f".{d.name}."))


def test_a_bundle_replaces_the_old_one_whole(built, tmp_path: Path) -> None:
    a, b = built
    target = tmp_path / "bundle"
    a.write(target, cdn=True)
    (target / ".edges.csv.oldhost-1.abcdefgh.part").write_bytes(b"x" * 100)   # a killed run's leftover
    first = _digest(target)
    paths = b.write(target, cdn=True)
    assert {p.parent for p in paths} == {target} and all(p.is_file() for p in paths)
    second = _digest(target)
    assert set(second) == {p.name for p in paths}                 # nothing of the old bundle is left
    assert second["metrics.json"] != first["metrics.json"]
    assert _siblings(target) == []


def test_an_interrupt_part_way_leaves_the_old_bundle_and_says_so(built, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = built
    target = tmp_path / "bundle"
    a.write(target, cdn=True)
    before = _digest(target)
    real = out.write_json

    def interrupted(path: Path, obj: object) -> Path:      # Ctrl-C after half the files are written
        real(path, obj)
        raise KeyboardInterrupt

    monkeypatch.setattr(out, "write_json", interrupted)
    res = CliRunner().invoke(app, ["build", str(SAMPLE), "--out", str(target), "--scorer", "fast", "--title", "new",
                                   "--cdn", "-q"])
    assert res.exit_code == 130
    assert f"Interrupted; {target}/ holds the bundle it held before" in res.output
    assert "\n" not in res.output.strip()
    assert _digest(target) == before and _siblings(target) == []


def test_a_full_disk_is_one_line_and_leaves_the_old_bundle(built, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = built
    target = tmp_path / "bundle"
    a.write(target, cdn=True)
    before = _digest(target)

    def full(path: Path, df: pl.DataFrame) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(out, "write_csv", full)
    with pytest.raises(OutputError, match=rf"bundle: could not write the bundle \(No space left on device\); "
                                          rf"{target} was left as it was"):
        b.write(target, cdn=True)
    assert _digest(target) == before and _siblings(target) == []


def test_a_write_failing_in_polars_and_the_os_part_way_is_one_line(built, tmp_path: Path) -> None:
    """A real failing write, no mock: a file-size limit makes the kernel refuse the bytes past 25 KB
    (EFBIG, as a full disk refuses them with ENOSPC) part way through the bundle."""
    target = tmp_path / "bundle"
    built[0].write(target, cdn=True)
    before = _digest(target)
    script = textwrap.dedent(f"""
        import resource, signal
        from discourse import pipeline
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        real = pipeline.BuildResult.write
        def limited(self, *args, **kwargs):          # the limit from the write on (reading writes temp files)
            resource.setrlimit(resource.RLIMIT_FSIZE, (25_000, resource.RLIM_INFINITY))
            return real(self, *args, **kwargs)
        pipeline.BuildResult.write = limited
        from discourse.cli.app import main
        import sys
        sys.argv = ["discourse", "build", {str(SAMPLE)!r}, "--out", {str(target)!r}, "--scorer", "fast", "-q"]
        main()
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {target}: could not write the bundle (")
    assert "was left as it was" in lines[0] and "Internal error" not in res.stderr
    assert _digest(target) == before and _siblings(target) == []


def test_temporaries_of_killed_runs_are_removed_and_live_ones_kept(built, tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = out._HOST
    stale_dir = tmp_path / f".bundle.discourse-{host}-{gone.pid}-0a1b2c3d.tmp"
    stale_dir.mkdir()
    (stale_dir / "nodes.parquet").write_bytes(b"x" * 1000)
    live_dir = tmp_path / f".bundle.discourse-{host}-{os.getpid()}-deadbeef.tmp"   # this process: alive
    live_dir.mkdir()
    stale_part = tmp_path / f".report.html.{host}-{gone.pid}.abc123.part"
    stale_part.write_bytes(b"y")
    built[0].write(target, cdn=True)
    assert not stale_dir.exists() and live_dir.exists()
    out.write_text(tmp_path / "report.html", "<p>hi</p>")
    assert not stale_part.exists() and (tmp_path / "report.html").read_text() == "<p>hi</p>"


def test_a_killed_build_leaves_the_old_bundle_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    """SIGKILL while the bundle is being written: the old bundle stays whole, the next run removes
    the temporary directory."""
    target = tmp_path / "bundle"
    cmd = [sys.executable, "-m", "discourse.cli.app", "build", str(SAMPLE), "--out", str(target), "--scorer", "fast",
           "-q", "--cdn"]
    subprocess.run(cmd, check=True, cwd=ROOT, timeout=300)
    before = _digest(target)
    slow = textwrap.dedent(f"""
        import sys, time
        from discourse.io import write
        real = write.write_json
        def slow(path, obj):
            real(path, obj)
            print("writing", flush=True)
            time.sleep(60)
        write.write_json = slow
        from discourse.cli.app import main
        sys.argv = {["discourse", *cmd[3:]]!r}
        main()
    """)
    proc = subprocess.Popen([sys.executable, "-c", slow], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _digest(target) == before
    assert len(_siblings(target)) == 1                 # the killed run's temporary directory
    subprocess.run(cmd, check=True, cwd=ROOT, timeout=300)
    assert _siblings(target) == []


def test_readers_see_the_old_bundle_or_the_new_never_a_mix(built, tmp_path: Path) -> None:
    """A reader that opens the directory once and reads two files from it while bundles are swapped
    in again and again always finds both files from the same bundle."""
    a, b = built
    target = tmp_path / "bundle"
    a.write(target, cdn=True)
    stop = threading.Event()
    seen: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                fd = os.open(target, os.O_RDONLY)
            except FileNotFoundError:       # between two renames (systems without an atomic exchange)
                continue
            try:
                with open(os.open("metrics.json", os.O_RDONLY, dir_fd=fd), encoding="utf-8") as fh:
                    title = json.load(fh)["reproducibility"]["options"]["render"]["title"]
                with open(os.open("network.html", os.O_RDONLY, dir_fd=fd), encoding="utf-8") as fh:
                    page_title = fh.read(4096).split("<title>")[1].split("</title>")[0]
                seen.append((title, page_title))
            except BaseException as err:   # reported below
                errors.append(err)
            finally:
                os.close(fd)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for result in (b, a, b, a):
            result.write(target, cdn=True)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors[:3]
    assert seen and all(t == p for t, p in seen)


def test_what_is_not_a_bundle_is_never_replaced(built, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match=r"mine: holds files that are not part of this bundle \(notes\.txt\)"):
        built[0].write(target, cdn=True)
    assert (target / "notes.txt").read_text() == "keep me" and _siblings(target) == []
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(OutputError, match="is a file; expected a directory"):
        built[0].write(afile, cdn=True)
    real = tmp_path / "real"
    built[0].write(real, cdn=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    built[1].write(link, cdn=True)                       # the link stays and points at the new bundle
    assert link.is_symlink() and json.loads((link / "metrics.json").read_text())["reproducibility"]["options"][
        "render"]["title"] == "second"


def test_bundle_dir_removes_its_directory_on_any_error(tmp_path: Path) -> None:
    target = tmp_path / "t"
    with pytest.raises(ZeroDivisionError), bundle_dir(target, ["a"]) as d:
        (d / "a").write_text("x")
        1 / 0  # noqa: B018
    assert not target.exists() and _siblings(target) == []


# -- CSV formula injection ---------------------------------------------------------------------------
HOSTILE_NAMES = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tlead", "\rcr",
                 "\uff1dfull", "plain", "a=b"]


def test_csv_cells_that_start_like_formulas_are_quoted(tmp_path: Path) -> None:
    df = pl.DataFrame({"name": HOSTILE_NAMES, "n": list(range(-4, 5)), "x": [-1.5] * 9,
                       "tags": [["=x", "y"]] * 9})
    write_csv(tmp_path / "t.csv", df)
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row, name in zip(rows, HOSTILE_NAMES):
        if name.startswith(CSV_FORMULA_START):
            assert row["name"] == "'" + name
        else:
            assert row["name"] == name
        assert row["tags"] == "'=x;y"
    assert [r["n"] for r in rows] == [str(i) for i in range(-4, 5)]   # numbers stay numbers
    assert {r["x"] for r in rows} == {"-1.5"}


def test_bundle_and_comparison_csvs_are_neutralised_and_parquet_keeps_the_values(tmp_path: Path) -> None:
    rows = ["id,parent,author,text,thread,site"]
    people = ["=HYPERLINK(\"http://evil.example\")", "+cmd", "-neg", "@at", "ann", "bob"]
    for i in range(30):
        parent = "" if i % 5 == 0 else str(i - 1)
        rows.append(f'{i},{parent},"{people[i % 6].replace(chr(34), chr(34) * 2)}",'
                    f'"{"No, you are wrong." if i % 2 else "Agreed, well said."}",=t1,@site')
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    opts = dict(id_col="id", parent_col="parent", author_col="author", text_col="text", thread_col="thread",
                site_col="site", scorer="fast", runs=1)
    result = discourse.build(path, **opts)
    result.write(tmp_path / "b", cdn=True)
    discourse.compare([path], bootstrap=0, null_models=0, min_comments=1, **opts).write(tmp_path / "c", cdn=True)
    for f in (tmp_path / "b" / "nodes.csv", tmp_path / "b" / "edges.csv", tmp_path / "c" / "comparison.csv"):
        with open(f, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))
                    or (c.startswith("-") and not _number(c))], f
        assert any(c.startswith("'=") for c in cells) and any(c.startswith("'@") for c in cells), f
    nodes = pl.read_parquet(tmp_path / "b" / "nodes.parquet")
    assert "+cmd" in nodes["author"].to_list()                       # Parquet keeps the value itself


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
