"""Issue 17: the caveats a reader sees first (page header, build summary, notebook), the figures
glossary, and network.html as a file: self-contained, compressed, small, the same bytes every time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import discourse
from discourse.cli.app import app
from discourse.viz import caveats
from discourse.viz._html import decode_block, encode_block, page_blocks
from discourse.viz.glossary import FIGURES, KEY_FIGURES

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def _quality(kept: int, reported: int | None, languages: dict[str, int] | None = None,
             warnings: list[str] | None = None) -> dict:
    cov = None if not reported else round(min(1.0, kept / reported), 4)
    return {"totals": {"read": kept, "kept": kept, "reported": reported, "missing": 0, "coverage": cov},
            "languages": languages or {}, "warnings": warnings or []}


def _metrics(**figures: dict) -> dict:
    return {"method": "leiden-cpm", "seed": 3, "runs": 5, "sizes": {"factions": 4},
            "figures": figures, "reproducibility": {"scorer": "fast/4", "stance": {"ident": "fast/4", "notice": True,
                                                                                  "reason": "97,222 replies"}}}


def test_caveats_say_coverage_guessed_parents_language_and_factions() -> None:
    comments = pl.DataFrame({"parent_source": ["explicit"] * 6 + ["quote", "adjacency", "adjacency", "mention"],
                             "parent_confidence": [1.0] * 6 + [0.9, 0.4, 0.5, 0.8]})
    nodes = pl.DataFrame({"author": list("abcdefg"), "community": [0, 0, 1, 1, 1, 2, 3]})
    c = caveats(metrics=_metrics(), quality=_quality(492, 3982, {"de": 300, "fr": 12}, ["most are not English"]),
                comments=comments, nodes=nodes)
    assert c.coverage == "492 comments read of the 3,982 the site reports (12%); 3,490 missing"
    assert c.parents == ("40% of parents inferred (4 of 10: adjacency 2, mention 1, quote 1), "
                         "mean confidence 0.65")
    assert c.language == "63% of comments not in English (312: de 300, fr 12)"
    assert c.factions == "2 factions (+ 2 singletons), by leiden-cpm"
    assert c.scorer == "scored by fast/4 (97,222 replies)"
    lines = c.lines()
    assert lines[0].startswith("Coverage: 492 comments read") and "Warning: most are not English" in lines
    page = c.html()
    assert page.index("coverage") < page.index("<details>")         # caveats first, settings folded away
    assert "<td>seed</td><td>3</td>" in page.split("<details>")[1]


def test_caveats_without_a_reported_total_or_inferred_parents() -> None:
    c = caveats(metrics={}, quality=_quality(64, None), comments=pl.DataFrame({"parent_source": ["explicit"] * 3}))
    assert c.coverage == "64 comments read; the site does not say how many the thread holds"
    assert c.parents == "every reply link comes from the site (none inferred)"
    assert c.language == "every comment read as English"


def test_key_figures_carry_their_null_model_verdict() -> None:
    figs = {
        "signed_modularity": {"value": 0.41, "z": 3.2, "null": "sign", "replicates": 20},
        "reciprocity": {"value": 0.2, "z": -0.4, "null": "rewire", "replicates": 20},
        "triangle_balance": {"value": 0.7, "z": None, "reason": "no null replicates requested"},
        "rwc": {"value": None, "z": None, "reason": "each camp needs at least 5 authors"},
        "hostility_share": {"value": 0.1, "z": None, "reason": "descriptive: not tested against a null model"},
    }
    c = caveats(metrics=_metrics(**figs), quality=_quality(10, None))
    verdict = {f.name: (f.value, f.verdict) for f in c.figures}
    assert verdict["signed_modularity"] == ("0.41", "above what the sign null model gives (z = +3.2, 20 replicates)")
    assert verdict["reciprocity"][1].startswith("within what the rewire null model gives (z = -0.4")
    assert verdict["triangle_balance"] == ("0.7", "not tested: no null model run (--null-models N)")
    assert verdict["rwc"] == ("–", "not computed: each camp needs at least 5 authors")
    assert [f.name for f in c.figures] == [k for k in KEY_FIGURES if k in figs]


def test_every_figure_has_a_glossary_line() -> None:
    result = discourse.build(SAMPLE / "main_street.csv", scorer="fast", runs=1)
    assert set(result.metrics["figures"]) <= set(FIGURES)
    docs = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    glossary = docs.split("### Figures glossary", 1)[1].split("\n## ", 1)[0]
    listed = {n for row in re.findall(r"^\| (`[^|]+`) \|", glossary, re.M) for n in re.findall(r"`([a-z_]+)`", row)}
    assert listed and listed <= set(FIGURES), listed - set(FIGURES)


def test_the_build_summary_states_the_caveats(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["build", str(SAMPLE / "main_street.csv"), "--out", str(tmp_path / "b"),
                                   "--scorer", "fast", "--runs", "1"])
    assert res.exit_code == 0, res.output
    for start in ("Coverage: 64 comments read", "Reply structure: every reply link comes from the site",
                  "Language: every comment read as English", "Stance: scored by cues/",
                  "Key figures: hostility share", "(none tested against a null model: --null-models N)",
                  "; not computed: "):
        assert start in res.output, start


# -- the file --------------------------------------------------------------------------------------

@given(st.text())
@settings(max_examples=100, deadline=None)
def test_blocks_round_trip_and_hold_no_markup(text: str) -> None:
    data = encode_block(text)
    assert decode_block(data) == text
    assert "<" not in data   # nothing in a block can close the script element or open a comment


def test_a_small_threads_page_is_self_contained_small_and_stable() -> None:
    result = discourse.build(SAMPLE / "main_street.csv", scorer="fast", runs=1)
    page = result.report_html()
    assert len(page.encode("utf-8")) < 2_000_000
    assert page == result.report_html()   # the same bytes for the same build
    assert "https://" not in re.sub(r'content="[^"]*"', "", page)  # nothing loaded from anywhere
    blocks = page_blocks(page)
    assert {"plotly-js", "plot-network", "network-index"} <= set(blocks)
    header = page.split("</header>")[0]
    sizes = result.nodes["community"].value_counts()["count"]
    alone = result.nodes.join(result.nodes.group_by("community").len(), on="community").filter(pl.col("len") == 1)
    single, anonymous = int((~alone["anonymous"]).sum()), int(alone["anonymous"].sum())
    factions = f"{int((sizes >= 2).sum())} factions" + (f" (+ {single} singleton" if single else ", by ")
    # anonymous commenters are counted apart, never as singletons
    n_anonymous = int(result.nodes["anonymous"].sum())
    assert n_anonymous and anonymous  # the sample has deleted authors, one of them alone in a community
    anon = [f"{anonymous} anonymous commenter", f"{n_anonymous} of {result.nodes.height} authors are anonymous"]
    for text in ("coverage:", "reply structure:", "language:", "factions:", factions, *anon, 'id="key-figures"',
                 "<details>"):
        assert text in header, text
    index = json.loads(blocks["network-index"])
    assert set(index["names"]) == set(result.nodes["author"].to_list())


def test_image_options_reach_the_bundle(tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    import struct

    res = CliRunner().invoke(app, ["build", str(SAMPLE / "main_street.csv"), "--out", str(tmp_path / "b"), "-q",
                                   "--scorer", "fast", "--image", "png", "--image-width", "640", "--image-height", "400",
                                   "--image-scale", "1"])
    assert res.exit_code == 0, res.output
    png = (tmp_path / "b" / "network.png").read_bytes()
    assert struct.unpack(">II", png[16:24]) == (640, 400)
    recorded = json.loads((tmp_path / "b" / "metrics.json").read_text())["reproducibility"]["options"]["render"]
    assert (recorded["image_width"], recorded["image_height"], recorded["image_scale"]) == (640, 400, 1.0)


def test_results_have_a_short_summary_for_notebooks() -> None:
    result = discourse.build(SAMPLE / "main_street.csv", scorer="fast", runs=1)
    assert repr(result).count("\n") == 0 and "64 comments" in repr(result)
    summary = result._repr_html_()
    assert summary.count("<li") <= 10 and "coverage" in summary and len(summary) < 8_000
