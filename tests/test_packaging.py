"""What a user gets from ``pip install meldsim``: every import declared, the data inside the wheel.

A dependency that is only installed because another package happens to need it (markdown-it-py
came with rich) breaks the day that package drops it; a file read from the source tree is
missing after a wheel install. Both stay invisible in an editable development install.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from sim.model.loading import resolve_file

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FIRST_PARTY = {name.split(".")[0] for name in PYPROJECT["tool"]["setuptools"]["packages"]}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_normal(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group()) for r in requirements}


def imports(tree: ast.AST, module_level: bool = True):
    """(top-level module, imported when the file is imported) for every absolute import.

    Imports inside a function run only when it is called, so they may come from an extra.
    """
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name.split(".")[0], module_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0], module_level
        inside = module_level and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from imports(node, inside)


def undeclared(files: list[Path], core: set[str], extras: set[str]) -> list[str]:
    """One line per third-party import that no declared requirement provides."""
    providers = packages_distributions()
    problems = []
    for file in files:
        for module, module_level in imports(ast.parse(file.read_text(encoding="utf-8"))):
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            dists = {_normal(d) for d in providers.get(module, ())}
            allowed = core if module_level else core | extras
            where = "[project] dependencies" if module_level else "dependencies or a non-dev extra"
            if not dists:
                problems.append(f"{file.relative_to(ROOT)}: imports {module}, which no installed distribution provides")
            elif not dists & allowed:
                problems.append(
                    f"{file.relative_to(ROOT)}: imports {module} ({', '.join(sorted(dists))}), "
                    f"not named in {where} of pyproject.toml"
                )
    return problems


def test_every_third_party_import_is_a_declared_dependency():
    core = _names(PYPROJECT["project"]["dependencies"])
    extras = set().union(
        *(_names(reqs) for name, reqs in PYPROJECT["project"]["optional-dependencies"].items() if name != "dev")
    )
    files = sorted([*(ROOT / "sim").rglob("*.py"), *(ROOT / "dashboard").rglob("*.py")])
    assert len(files) > 30
    assert undeclared(files, core, extras) == []


def test_the_import_check_finds_an_undeclared_import():
    """A transitive dependency (markdown-it-py through rich) and a top-level import of an extra are caught."""
    file = ROOT / "sim" / "outputs" / "report.py"  # imports markdown_it inside a function
    core = _names(PYPROJECT["project"]["dependencies"]) - {"markdown-it-py"}
    assert any("imports markdown_it (markdown-it-py)" in p for p in undeclared([file], core, set()))
    assert undeclared([file], core, {"markdown-it-py"}) == []
    assert list(imports(ast.parse("import SALib\ndef f():\n    import dask\n"))) == [("SALib", True), ("dask", False)]


@pytest.mark.slow
def test_the_wheel_carries_scenarios_matrix_and_docs(tmp_path):
    """Built from a copy of the sources, so no build/ directory in the checkout can add stale files."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("sim", "dashboard", "scenarios", "docs"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        check=True,
        timeout=240,
        capture_output=True,
    )
    [wheel] = out.glob("meldsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    scenarios = ROOT / "scenarios"
    expected = {f"sim/bundled/scenarios/{p.relative_to(scenarios).as_posix()}" for p in scenarios.rglob("*.yaml")}
    for file in scenarios.glob("*.yaml"):  # trace files the scenarios read must travel with them
        trace = resolve_file(file).get("load", {}).get("trace_file")
        if trace:
            assert Path(trace).is_relative_to(scenarios), f"{file.name}: trace file outside scenarios/"
            expected.add(f"sim/bundled/scenarios/{Path(trace).relative_to(scenarios).as_posix()}")
    expected |= {
        "sim/bundled/scenarios/weekday.yaml",
        "sim/bundled/scenarios/matrix/inspectie.yaml",
        "sim/bundled/docs/assumptions.md",
        "sim/bundled/docs/stress_des.md",
        "sim/bundled/__init__.py",
    }
    assert expected - names == set()
    assert [n for n in names if n.endswith(".png")] == []  # the README's screenshot stays out
