"""The data-quality report: every comment read is kept, or counted with the reason it was dropped.

Counts are kept per thread. For each thread ``read == kept + sum(dropped.values())`` always holds
(:meth:`QualityReport.check_balanced`). ``repaired`` counts comments that were kept but changed
(a deleted author set to null, an orphan re-attached to the root, a cycle broken); ``flagged`` counts
kept comments carrying a mark (self-replies). ``files`` records what each input file held, including
records that could not be parsed at all (``bad_records``, with ``--on-error skip``), which belong to no
thread. ``network`` counts what the network stage left out of the graph (unknown authors, low parent
confidence) without dropping it from the tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGE_FLAG", "MOSTLY", "FileQuality", "QualityReport", "ThreadQuality"]

LANGUAGE_FLAG = "language:"   # flagged["language:zh"]: comments detected in Chinese (English is not flagged)
MOSTLY = 0.5                  # a thread (or a build) is "mostly" not English above this share of its comments


@dataclass
class ThreadQuality:
    read: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    reported: int | None = None      # what the site says the thread holds (num_comments, totals)
    missing: int = 0                 # comments the file says exist but lacks ("more" stubs)

    def merge(self, other: ThreadQuality) -> None:
        self.read += other.read
        self.kept += other.kept
        self.dropped.update(other.dropped)
        self.repaired.update(other.repaired)
        self.flagged.update(other.flagged)
        self.missing += other.missing
        if other.reported is not None:
            self.reported = max(self.reported or 0, other.reported)

    @property
    def coverage(self) -> float | None:
        """Share of the comments the site says exist that the data holds."""
        expected = self.reported if self.reported else (self.kept + self.missing if self.missing else None)
        if not expected:
            return None
        return min(1.0, self.kept / expected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "repaired": dict(sorted(self.repaired.items())),
            "flagged": dict(sorted(self.flagged.items())),
            "reported": self.reported,
            "missing": self.missing,
            "coverage": None if self.coverage is None else round(self.coverage, 4),
        }


@dataclass
class FileQuality:
    path: str
    format: str
    records: int = 0          # records (comments, lines, items) the file held
    bad_records: int = 0      # records skipped as unparseable (--on-error skip)
    notes: list[str] = field(default_factory=list)
    # comments this file added to its threads' ``read`` (set when its report is merged into a build's):
    # these sum to the totals' ``read``, where ``records`` counts whatever the format calls a record
    # (a Stack Exchange question, a Discourse topic, a line)
    comments: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "records": self.records, "comments": self.comments,
                "bad_records": self.bad_records, "notes": list(self.notes)}


@dataclass
class QualityReport:
    files: list[FileQuality] = field(default_factory=list)
    threads: dict[tuple[str, str], ThreadQuality] = field(default_factory=dict)
    network: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # what the data suggests but the tool does not act on: anonymous comments that turn-taking says are
    # likely one person's (discourse.analysis.network.same_author_hints), never merged
    hints: list[dict[str, Any]] = field(default_factory=list)

    # -- recording -------------------------------------------------------------------------
    def thread(self, site: str, thread_id: str) -> ThreadQuality:
        key = (site, thread_id)
        if key not in self.threads:
            self.threads[key] = ThreadQuality()
        return self.threads[key]

    def add_read(self, site: str, thread_id: str, n: int) -> None:
        t = self.thread(site, thread_id)
        t.read += n
        t.kept += n

    def drop(self, site: str, thread_id: str, reason: str, n: int = 1) -> None:
        """Count ``n`` comments that were read but are not kept, with the reason."""
        if n:
            t = self.thread(site, thread_id)
            t.kept -= n
            t.dropped[reason] += n

    def repair(self, site: str, thread_id: str, reason: str, n: int = 1) -> None:
        if n:
            self.thread(site, thread_id).repaired[reason] += n

    def flag(self, site: str, thread_id: str, reason: str, n: int = 1) -> None:
        if n:
            self.thread(site, thread_id).flagged[reason] += n

    def merge(self, other: QualityReport) -> QualityReport:
        """A new report holding both. A report of one file (what each reader returns) has its comments read
        recorded on its file entry here, so the files' ``comments`` add up to the threads' ``read``."""
        for src in (self, other):
            if src.files and all(f.comments is None for f in src.files):
                first, *rest = src.files
                first.comments = sum(tq.read for tq in src.threads.values())
                for f in rest:   # files read as one source (a Stack Exchange dump's Posts, Comments, Users)
                    f.comments = 0
                    f.notes.append(f"read together with {Path(first.path).name}: its comments are counted there")
        out = QualityReport(files=[*self.files, *other.files], network=self.network + other.network,
                            notes=[*self.notes, *other.notes], hints=[*self.hints, *other.hints])
        for src in (self, other):
            for key, tq in src.threads.items():
                out.thread(*key).merge(tq)
        return out

    def languages(self) -> Counter[str]:
        """Comments per detected language other than English (the ``language:<code>`` flags the scoring
        stage sets), over every thread."""
        out: Counter[str] = Counter()
        for tq in self.threads.values():
            out.update({k.removeprefix(LANGUAGE_FLAG): v for k, v in tq.flagged.items() if k.startswith(LANGUAGE_FLAG)})
        return out

    def warnings(self) -> list[str]:
        """What a reader of the results must know first: today, that most comments are not in English
        (the shipped stance scorers read English), overall or in some threads."""
        out = []
        kept = sum(tq.kept for tq in self.threads.values())
        foreign = self.languages()
        n_foreign = sum(foreign.values())
        if kept and n_foreign >= MOSTLY * kept:
            top = ", ".join(f"{code} {n}" for code, n in foreign.most_common(3))
            out.append(f"{n_foreign / kept:.0%} of the comments are not in English ({top}): the stance scorers read "
                       "English, so the signs of those replies carry little weight (low confidence, weight near 0)")
        else:
            mostly = [f"{s}/{t}" for (s, t), tq in sorted(self.threads.items())
                      if tq.kept >= 5 and sum(v for k, v in tq.flagged.items() if k.startswith(LANGUAGE_FLAG))
                      >= MOSTLY * tq.kept]
            if mostly:
                shown = ", ".join(mostly[:5]) + (f" and {len(mostly) - 5} more" if len(mostly) > 5 else "")
                out.append(f"{len(mostly)} thread(s) are mostly not in English ({shown}): the stance scorers read "
                           "English, so the signs of their replies carry little weight")
        return out

    def copy(self) -> QualityReport:
        return QualityReport().merge(self)

    # -- reading ---------------------------------------------------------------------------
    def totals(self) -> dict[str, Any]:
        """Counts summed over threads. ``reported`` is the sum of the sizes the threads report, and
        ``coverage`` the share of those comments the data holds, over the threads that say how many
        they have (a thread's merge keeps the largest of its pages' reports; threads are summed)."""
        total = ThreadQuality()
        for tq in self.threads.values():
            total.merge(tq)
        d = total.to_dict()
        expected = [(tq.kept, tq.reported or tq.kept + tq.missing) for tq in self.threads.values()
                     if tq.reported or tq.missing]
        d["reported"] = sum(tq.reported for tq in self.threads.values() if tq.reported) or None
        d["coverage"] = (round(min(1.0, sum(min(k, e) for k, e in expected) / sum(e for _, e in expected)), 4)
                         if expected and sum(e for _, e in expected) else None)
        d["threads"] = len(self.threads)
        d["bad_records"] = sum(f.bad_records for f in self.files)
        return d

    def file_notes(self) -> list[str]:
        """How the files' counts reconcile with the threads' ``read``: comments read twice (overlapping
        pages, a file given twice) are read once per copy and dropped as ``duplicate``."""
        out = []
        counted = [f.comments for f in self.files if f.comments is not None]
        read = sum(tq.read for tq in self.threads.values())
        twice = sum(tq.dropped.get("duplicate", 0) for tq in self.threads.values())
        if counted and len(counted) == len(self.files) and sum(counted) != read:
            out.append(f"the files' comments ({sum(counted):,}) differ from the comments read ({read:,})")
        if twice:
            out.append(f"{twice:,} comment(s) held twice (overlapping pages or the same file given twice, or "
                       f"repeated within a file): each copy is counted in its file's comments and in read, and all "
                       f"but one dropped as 'duplicate'")
        return out

    def check_balanced(self) -> list[str]:
        """Threads whose counts do not add up (should always be empty)."""
        bad = []
        for (site, tid), tq in self.threads.items():
            if tq.read != tq.kept + sum(tq.dropped.values()) or tq.kept < 0:
                bad.append(f"{site}/{tid}: read {tq.read} != kept {tq.kept} + dropped {sum(tq.dropped.values())}")
        return bad

    def to_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "files": [f.to_dict() for f in self.files],
            "threads": [
                {"site": site, "thread_id": tid, **tq.to_dict()}
                for (site, tid), tq in sorted(self.threads.items())
            ],
            "network": dict(sorted(self.network.items())),
            "notes": [*self.notes, *self.file_notes()],
            "languages": dict(sorted(self.languages().items())),
            "warnings": self.warnings(),
            "balanced": not self.check_balanced(),
            "hints": sorted(self.hints, key=lambda h: (str(h.get("site")), str(h.get("thread_id")),
                                                      [str(i) for i in h.get("comment_ids") or []])),
        }
