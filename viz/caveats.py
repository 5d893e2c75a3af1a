"""What a reader must know before trusting a network: coverage, guessed structure, language, factions,
and the key figures with their null-model verdicts. One source for network.html's header, the CLI's
build summary and the notebook summary, so the three always agree.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from discourse.viz.glossary import KEY_FIGURES, describe

__all__ = ["INFERRED_SOURCES", "Caveats", "FigureLine", "caveats"]

INFERRED_SOURCES = ("quote", "mention", "adjacency")
"""Parent sources that are guesses (discourse.infer), as against parents the site gave."""


@dataclass(frozen=True)
class FigureLine:
    name: str
    label: str
    definition: str
    value: str
    verdict: str        # "above chance (z = 3.1)", "not tested: ...", "not computed: ..."


@dataclass(frozen=True)
class Caveats:
    """The facts, each as one plain sentence (``lines``) or as the page's header (``html``)."""

    coverage: str
    parents: str
    language: str
    factions: str
    scorer: str
    warnings: list[str] = field(default_factory=list)
    figures: list[FigureLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Plain-text lines for a terminal (the build summary)."""
        out = [f"Coverage: {self.coverage}.", f"Reply structure: {self.parents}.", f"Language: {self.language}.",
               f"Factions: {self.factions}.", f"Stance: {self.scorer}."]
        if self.figures:
            out.append(_figure_line(self.figures))
        out += [f"Warning: {w}" for w in self.warnings]
        return out

    def html(self) -> str:
        """The header of network.html: the caveats first, the key figures, method and seed folded away."""
        e = html.escape
        items = [("coverage", self.coverage), ("reply structure", self.parents), ("language", self.language),
                 ("factions", self.factions), ("stance", self.scorer)]
        lis = "".join(f"<li><b>{e(k)}:</b> {e(v)}</li>" for k, v in items)
        lis += "".join(f'<li class="warn"><b>warning:</b> {e(w)}</li>' for w in self.warnings)
        lis += "".join(f"<li>{e(n)}</li>" for n in self.notes)
        out = f'<ul class="caveats" id="caveats">{lis}</ul>'
        if self.figures:
            rows = "".join(
                f'<tr><td title="{e(f.definition)}">{e(f.label)}</td><td>{e(f.value)}</td><td>{e(f.verdict)}</td></tr>'
                for f in self.figures)
            out += ('<table class="metrics" id="key-figures"><tr><th>key figure</th><th>value</th>'
                    f"<th>against its null model</th></tr>{rows}</table>")
        if self.details:
            cells = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in self.details)
            out += f'<details><summary>method, seed and settings</summary><table class="metrics">{cells}</table></details>'
        return out


_UNTESTED = "not tested: no null model run (--null-models N)"


def _figure_line(figures: list[FigureLine]) -> str:
    """The key figures on one line: verdicts said once where they are the same."""
    shown = [f for f in figures if not f.verdict.startswith("not computed")]
    missing = [f for f in figures if f.verdict.startswith("not computed")]
    untested = all(f.verdict == _UNTESTED or f.verdict.startswith("descriptive") for f in shown)
    if untested:
        parts = [f"{f.label} {f.value}" for f in shown]
        text = "; ".join(parts) + (" (none tested against a null model: --null-models N)" if shown else "")
    else:
        text = "; ".join(f"{f.label} {f.value} ({f.verdict})" for f in shown)
    if missing:
        text += ("; " if text else "") + "not computed: " + ", ".join(
            f"{f.label} ({f.verdict.removeprefix('not computed: ')})" for f in missing)
    return f"Key figures: {text}."


def _pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.01 or x == 0 else f"{x:.1%}" if x >= 0.001 else "under 0.1%"


def _coverage(totals: Mapping[str, Any]) -> str:
    kept = int(totals.get("kept") or 0)
    reported, missing, cov = totals.get("reported"), int(totals.get("missing") or 0), totals.get("coverage")
    if reported:
        text = f"{kept:,} comments read of the {int(reported):,} the site reports"
        if cov is not None:
            text += f" ({_pct(float(cov))})"
            if cov < 1.0 and int(reported) > kept:
                text += f"; {int(reported) - kept:,} missing"
        return text
    if missing:
        return f"{kept:,} comments read; {missing:,} more the file says exist are missing ({_pct(float(cov or 0))} complete)"
    return f"{kept:,} comments read; the site does not say how many the thread holds"


def _parents(comments: pl.DataFrame | None) -> str:
    if comments is None or comments.height == 0 or "parent_source" not in comments.columns:
        return "not known here (the per-comment table was not kept)"
    inferred = comments.filter(pl.col("parent_source").is_in(list(INFERRED_SOURCES)))
    if inferred.height == 0:
        return "every reply link comes from the site (none inferred)"
    share = inferred.height / comments.height
    conf = (inferred["parent_confidence"].cast(pl.Float64).drop_nulls().drop_nans().mean()
            if "parent_confidence" in inferred.columns else None)
    by = inferred.group_by("parent_source").len().sort("parent_source")
    how = ", ".join(f"{s} {n:,}" for s, n in by.iter_rows())
    text = f"{_pct(share)} of parents inferred ({inferred.height:,} of {comments.height:,}: {how})"
    if isinstance(conf, (int, float)):
        text += f", mean confidence {float(conf):.2f}"
    return text


def _language(quality: Mapping[str, Any]) -> str:
    kept = int((quality.get("totals") or {}).get("kept") or 0)
    langs = quality.get("languages") or {}
    foreign = sum(int(v) for v in langs.values())
    if not kept:
        return "no comments"
    if not foreign:
        return "every comment read as English"
    top = ", ".join(f"{k} {int(v):,}" for k, v in sorted(langs.items(), key=lambda kv: (-int(kv[1]), kv[0]))[:3])
    return f"{_pct(foreign / kept)} of comments not in English ({foreign:,}: {top})"


def _factions(nodes: pl.DataFrame | None, metrics: Mapping[str, Any], quality: Mapping[str, Any]) -> str:
    """Factions, singletons and, apart, anonymous commenters (one node per comment: alone in a
    community they are neither a faction nor a named singleton)."""
    n_anonymous = anonymous_alone = anonymous_only = 0
    if nodes is not None and "community" in nodes.columns and nodes.height:
        anonymous = (nodes["anonymous"].fill_null(False) if "anonymous" in nodes.columns
                     else pl.repeat(False, nodes.height, eager=True))
        size = nodes.with_columns(_anon=anonymous).group_by("community").agg(pl.len(), pl.col("_anon").all())
        anonymous_only = int(((size["len"] >= 2) & size["_anon"]).sum())
        k = int((size["len"] >= 2).sum()) - anonymous_only
        alone = nodes.join(size, on="community", how="left")["len"] == 1
        single, anonymous_alone = int((alone & ~anonymous).sum()), int((alone & anonymous).sum())
        n_anonymous, n_authors = int(anonymous.sum()), nodes.height
    else:
        sizes = metrics.get("sizes") or {}
        anonymous_only = int(sizes.get("anonymous_factions") or 0)
        k, single = int(sizes.get("factions") or 0) - anonymous_only, 0
        n_anonymous, n_authors = int(sizes.get("anonymous_authors") or 0), int(sizes.get("authors") or 0)
    text = f"{k:,} faction{'s' if k != 1 else ''}"
    extra = [f"{single:,} singleton{'s' if single != 1 else ''}"] if single else []
    if anonymous_only:
        extra.append(f"{anonymous_only:,} of anonymous commenters only")
    if anonymous_alone:
        extra.append(f"{anonymous_alone:,} anonymous commenter{'s' if anonymous_alone != 1 else ''} in none")
    if extra:
        text += f" (+ {', '.join(extra)})"
    method = metrics.get("method")
    text += f", by {method}" if method else ""
    if n_anonymous:
        hints = len(quality.get("hints") or [])
        text += (f"; {n_anonymous:,} of {n_authors:,} authors are anonymous, one per comment and never named"
                 + (f" ({hints:,} turn-taking hint{'s' if hints != 1 else ''} in quality.json that some are "
                    "one person)" if hints else ""))
    return text


def _scorer(metrics: Mapping[str, Any]) -> str:
    rep = metrics.get("reproducibility") or {}
    stance = rep.get("stance") or {}
    ident = stance.get("ident") or rep.get("scorer")
    if not ident:
        return "read from each reply's text against its parent"
    text = f"scored by {ident}"
    if stance.get("notice") and stance.get("reason"):
        text += f" ({stance['reason']})"
    return text


def _verdict(rec: Mapping[str, Any]) -> tuple[str, str]:
    value = rec.get("value")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–", "not computed: " + str(rec.get("reason") or "no value")
    shown = f"{value:.3g}" if isinstance(value, float) else str(value)
    z = rec.get("z")
    if isinstance(z, (int, float)) and not math.isnan(z):
        null = rec.get("null") or "null"
        side = "above" if z >= 1.96 else "below" if z <= -1.96 else "within"
        return shown, f"{side} what the {null} null model gives (z = {z:+.1f}, {rec.get('replicates', '?')} replicates)"
    reason = str(rec.get("reason") or "not tested")
    if "no null replicates" in reason:
        reason = _UNTESTED
    return shown, reason


def _figures(metrics: Mapping[str, Any]) -> list[FigureLine]:
    figs = metrics.get("figures") or {}
    out = []
    for name in KEY_FIGURES:
        rec = figs.get(name)
        if not isinstance(rec, Mapping):
            continue
        label, definition = describe(name)
        value, verdict = _verdict(rec)
        out.append(FigureLine(name, label, definition, value, verdict))
    return out


def caveats(*, metrics: Mapping[str, Any] | None = None, quality: Mapping[str, Any] | None = None,
            comments: pl.DataFrame | None = None, nodes: pl.DataFrame | None = None,
            notes: list[str] | None = None) -> Caveats:
    """The caveats of one build: ``metrics`` (metrics.json), ``quality`` (quality.json, as a dict),
    ``comments`` (for the inferred parents) and ``nodes`` (for factions and singletons)."""
    metrics = metrics or {}
    quality = quality or {}
    totals = quality.get("totals") or {}
    rep = metrics.get("reproducibility") or {}
    details = [(k, str(metrics[k])) for k in ("method", "resolution", "runs", "seed", "stability_mean")
               if k in metrics and not isinstance(metrics[k], (dict, list))]
    if rep.get("scorer"):
        details.append(("stance scorer", str(rep["scorer"])))
    for k, v in sorted((rep.get("versions") or {}).items()):
        details.append((f"{k} version", str(v)))
    return Caveats(
        coverage=_coverage(totals) if totals else "not known (no quality report)",
        parents=_parents(comments),
        language=_language(quality) if quality else "not known (no quality report)",
        factions=_factions(nodes, metrics, quality),
        scorer=_scorer(metrics),
        warnings=[str(w) for w in quality.get("warnings") or []],
        figures=_figures(metrics),
        notes=list(notes or []),
        details=details,
    )
