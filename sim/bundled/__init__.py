"""The scenarios, report matrices and documents that ship inside the package.

``pyproject.toml`` maps the top-level folders ``scenarios/`` and ``docs/`` to the packages
``sim.bundled.scenarios`` and ``sim.bundled.docs``: a wheel carries them, an editable
install reads the source tree, and this module finds both through ``importlib.resources``
instead of paths relative to the source tree (which do not exist after ``pip install``).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

SCENARIOS = "sim.bundled.scenarios"
DOCS = "sim.bundled.docs"
MATRIX_FOLDER = "matrix"  # report matrices, not scenarios (`meldsim report`)
PARTNER_FOLDER = "meldkamers"  # partner rooms a scenario names (issue 16), not scenarios
STANDARD_MATRIX = "inspectie"


def scenarios_root() -> Path:
    """The folder of the bundled scenarios (and their data files, ``geography/*.csv``)."""
    return _on_disk(files(SCENARIOS))


def bundled_scenarios() -> dict[str, Path]:
    """Every bundled scenario by name (its path under scenarios/ without ``.yaml``), sorted."""
    root = _on_disk(files(SCENARIOS))
    found = (p for p in root.rglob("*.yaml") if p.relative_to(root).parts[0] not in (MATRIX_FOLDER, PARTNER_FOLDER))
    return {p.relative_to(root).with_suffix("").as_posix(): p for p in sorted(found)}


def bundled_matrices() -> dict[str, Path]:
    """Every bundled report matrix by name (file name without ``.yaml``), sorted."""
    root = _on_disk(files(SCENARIOS)) / MATRIX_FOLDER
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def scenario_resource(name: str) -> Path:
    """The file of the bundled scenario ``name``; KeyError naming the bundled ones if none is."""
    scenarios = bundled_scenarios()
    if name not in scenarios:
        raise KeyError(f"no bundled scenario '{name}'; bundled: {', '.join(scenarios)}")
    return scenarios[name]


def standard_matrix() -> Path:
    """The report's standard matrix (the Inspectorate's question), as shipped."""
    return bundled_matrices()[STANDARD_MATRIX]


def doc_text(name: str) -> str:
    """A bundled document (``assumptions.md``, ``stress_des.md``) that the report embeds."""
    return files(DOCS).joinpath(name).read_text(encoding="utf-8")


def _on_disk(resource: Traversable) -> Path:
    """Scenarios name other files by relative path (``base:``, ``trace_file``, a matrix's loads)
    and worker processes reopen them, so they must be plain files, as pip installs them."""
    if not isinstance(resource, Path):
        raise RuntimeError(
            f"meldsim's bundled scenarios are inside an archive ({resource}); "
            "install meldsim with pip so that they are plain files"
        )
    return resource
