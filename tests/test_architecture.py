"""The shape of the package: imports run one way (cli -> pipeline -> engines -> stages -> io), no
import cycle anywhere, and the wheel holds the library and its model files but no training code."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"discourse": ROOT / "discourse", "discourse.cli": ROOT / "cli", "discourse.viz": ROOT / "viz"}

# lower layers never import higher ones; a module may import its own layer (without cycles)
LAYERS: list[tuple[str, ...]] = [
    ("discourse._typing", "discourse._version", "discourse.errors", "discourse.options", "discourse.schema",
     "discourse.quality"),
    ("discourse.io", "discourse.fetch"),
    ("discourse.repair", "discourse.infer", "discourse.pairing", "discourse.stance", "discourse.analysis",
     "discourse.viz"),
    ("discourse.engines",),
    ("discourse.pipeline", "discourse.comparison"),
    ("discourse.cli",),
]


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg, folder in SOURCES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join([pkg, *parts])] = path
    return mods


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    out: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def import_graph() -> dict[str, set[str]]:
    """module -> the discourse modules it imports (submodule precision where the import names one)."""
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        deps: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    pkg = name if is_pkg else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            deps |= {r for t in targets if t.startswith("discourse") and (r := resolve(t))}
        graph[name] = deps - {name}
    return graph


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return -1 if module == "discourse" else len(LAYERS)


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in import_graph() if _layer(m) == len(LAYERS)]
    assert not unplaced, f"add these modules to LAYERS: {unplaced}"


def test_imports_run_one_way() -> None:
    upward = [(m, d) for m, deps in import_graph().items() for d in deps
              if m != "discourse" and _layer(d) > _layer(m)]
    assert not upward, f"imports against the layering cli -> pipeline -> engines -> stages -> io: {upward}"


def test_no_import_cycle() -> None:
    graph = import_graph()
    # a child importing its own package's __init__ is how packages work, not a cycle of ours
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:     # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_check_can_fail() -> None:
    """Tarjan above on a planted cycle (so a silent no-op check would be caught)."""
    assert _layer("discourse.engines.load") > _layer("discourse.io.reddit") > _layer("discourse.options")
    graph = import_graph()
    assert "discourse.engines.load" in graph["discourse.engines.memory"]
    assert "discourse.io" in graph["discourse.engines.load"]


@pytest.mark.slow
def test_the_wheel_holds_no_training_code(tmp_path: Path) -> None:
    """Build the wheel from a copy of the sources and look inside."""
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("discourse", "cli", "viz", "training"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    if done.returncode and "setuptools" in done.stderr:
        pytest.skip(f"this environment cannot build the wheel: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("training/") or "/training/" in n]
    assert not [n for n in names if Path(n).stem in ("_fit", "_train", "_cv", "_embed_fit", "fit")]
    for needed in ("discourse/options.py", "discourse/engines/memory.py", "discourse/cli/app.py",
                   "discourse/viz/network.py", "discourse/stance/data/cues_model.json",
                   "discourse/infer/weights.json", "discourse/py.typed"):
        assert needed in names, needed
    assert wheel.name.startswith("discourse_network_analysis-")
