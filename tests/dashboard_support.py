"""A small world for the dashboard tests: scenario files and result directories in a temp dir.

``make_world`` copies ``scenarios/`` (the YAML files and the geography they name) and adds two
two-hour variants of the New Year's Eve eOCS outage (today's fallback and the better one), runs
them with ``sim.experiments.api.compare`` (3 replications, same seed, so paired), runs the first
again with ``--keep-records 0``, runs a short night of two rooms where MKNN takes over MKON's
calls (issue 16), and adds a broken result directory, a half-written one and a hidden staging
directory.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from dash.development.base_component import Component

from sim.experiments import api

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

TINY = """\
base: nye_eocs_outage.yaml
name: tiny
description: two hours of New Year's Eve with a one-hour eOCS outage (dashboard tests)
horizon: {start: 2024-12-31T22:45:00, duration_min: 120, warmup_min: 5}
outages: [{target: eocs, start: 2024-12-31T23:00:00, duration_min: 60}]
"""
TINY_BETTER = TINY.replace("nye_eocs_outage.yaml", "nye_eocs_outage_better_fallback.yaml").replace(
    "name: tiny", "name: tiny_better"
)

#: two rooms (issue 16): eOCS down at MKON only from 23:00 to 00:30, MKNN takes its calls from 23:45
TINY_ROOMS = """\
base: nye_eocs_local_takeover.yaml
name: tiny_rooms
description: two and a half hours of New Year's Eve, eOCS down at MKON only, MKNN takes over (dashboard tests)
horizon: {start: 2024-12-31T22:45:00, duration_min: 150, warmup_min: 5}
outages: [{target: eocs, start: 2024-12-31T23:00:00, duration_min: 90, rooms: [main]}]
"""


@dataclass(frozen=True)
class World:
    root: Path
    scenarios: Path
    results: Path
    comparison: Path  # the comparison directory
    baseline: str  # run keys (relative to results)
    better: str
    no_records: str
    broken: str
    half_written: str
    rooms: str  # a run of MKON and MKNN, MKNN taking over


def make_world(base: Path) -> World:
    scenarios = base / "scenarios"
    results = base / "results"
    scenarios.mkdir(parents=True)
    for file in SCENARIOS.glob("*.yaml"):
        shutil.copy(file, scenarios / file.name)
    shutil.copytree(SCENARIOS / "geography", scenarios / "geography")  # the posts and places they name
    shutil.copytree(SCENARIOS / "meldkamers", scenarios / "meldkamers")  # the partner rooms they name
    (scenarios / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (scenarios / "tiny_better.yaml").write_text(TINY_BETTER, encoding="utf-8")
    (scenarios / "zz_broken.yaml").write_text("name: zz_broken\nhorizon: {duration_min: -5}\n", encoding="utf-8")
    (scenarios / "tiny_rooms.yaml").write_text(TINY_ROOMS, encoding="utf-8")

    # first, so the newest run (the Timeline page's default) is still one of a single room
    rooms = api.run(
        scenarios / "tiny_rooms.yaml",
        api.Options(replications=2, seed=1, jobs=1),
        out=results / "tiny_rooms" / "20241231-235900",
        results_root=results,
    )
    options = api.Options(replications=3, seed=1, jobs=1)
    comparison = api.compare(
        [scenarios / "tiny.yaml", scenarios / "tiny_better.yaml"],
        options,
        out=results / "comparisons" / "tiny-vs-tiny_better" / "20250101-000000",
        results_root=results,
    )
    no_records = api.run(
        scenarios / "tiny.yaml",
        api.Options(replications=2, seed=1, jobs=1, keep_records=0),
        out=results / "tiny" / "20250101-000100",
        results_root=results,
    )

    broken = results / "broken" / "20250101-000200"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    half = results / "half" / "20250101-000300"
    half.mkdir(parents=True)
    (half / "summary.json").write_text(json.dumps({"incidents": {"mean": 1.0}}), encoding="utf-8")
    staging = results / "tiny" / ".20250101-000400.partial-999"
    staging.mkdir(parents=True)
    (staging / "manifest.json").write_text("{}", encoding="utf-8")

    def key(path: Path) -> str:
        return Path(path).relative_to(results).as_posix()

    return World(
        base,
        scenarios,
        results,
        Path(comparison),
        key(Path(comparison) / "runs" / "tiny"),
        key(Path(comparison) / "runs" / "tiny_better"),
        key(no_records),
        key(broken),
        key(half),
        key(rooms),
    )


def _walk(node, visit) -> None:
    if isinstance(node, (list, tuple)):
        for child in node:
            _walk(child, visit)
    elif isinstance(node, Component):
        visit(node)
        for prop in node._prop_names:  # children, and components inside other props
            value = getattr(node, prop, None)
            if isinstance(value, (Component, list, tuple)) or (prop == "children" and isinstance(value, str)):
                _walk(value, visit)
    elif isinstance(node, str):
        visit(node)


def texts(component) -> list[str]:
    """Every string in a Dash component tree: text, titles, placeholders, option labels."""
    out: list[str] = []

    def visit(node):
        if isinstance(node, str):
            out.append(node)
            return
        for prop in ("title", "placeholder"):
            value = getattr(node, prop, None)
            if isinstance(value, str):
                out.append(value)
        for option in getattr(node, "options", None) or []:
            if isinstance(option, dict) and isinstance(option.get("label"), str):
                out.append(option["label"])

    _walk(component, visit)
    return out


def component_ids(component) -> list:
    """Every ``id`` in a component tree."""
    found = []
    _walk(
        component,
        lambda node: (
            found.append(node.id) if not isinstance(node, str) and getattr(node, "id", None) is not None else None
        ),
    )
    return found
