"""The package is laid out as promised: one import name, cli/ and viz/ mapped under it, every
subpackage listed for installation, and importing has no side effects."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    mapping = cfg["package-dir"]
    found = set()
    for pkg, directory in mapping.items():
        base = ROOT / directory
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            name = ".".join([pkg, *rel.parts]) if rel.parts else pkg
            if not any(part.startswith(("_", ".")) or part == "tests" for part in rel.parts):
                found.add(name)
    assert found <= listed, f"add these to [tool.setuptools] packages: {sorted(found - listed)}"


def test_cli_and_viz_live_under_discourse():
    import discourse.cli
    import discourse.viz

    assert Path(discourse.cli.__file__).parent == ROOT / "cli"
    assert Path(discourse.viz.__file__).parent == ROOT / "viz"


def test_import_has_no_output_and_no_generic_top_level_names(tmp_path):
    code = ("import importlib.util, discourse, discourse.cli.app, discourse.viz; "
            "print(importlib.util.find_spec('cli') is None, importlib.util.find_spec('viz') is None)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert res.stdout.strip() == "True True"
    assert res.stderr == ""
    assert list(tmp_path.iterdir()) == []
