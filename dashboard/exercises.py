"""Exercise scripts from the dashboard: the scenarios to choose from (the scenarios folder and the
bundled ones), generating one as ``meldsim exercise`` does, and finding it again by its key.

An exercise is written like a run: into ``results_root/exercises/<scenario>/<stamp>-<random>``
through a hidden staging directory that is renamed when complete, so the files the page offers
for download are exactly the files ``meldsim exercise --out DIR`` writes for the same inputs.
Keys come from browsers, so :func:`exercise_dir` only accepts directories under that folder.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path

from sim import bundled
from sim.experiments.metrics import METRICS
from sim.experiments.results import publish_dir, staged
from sim.model.loading import Problem, ScenarioError
from sim.outputs.exercise import (
    PREDICTIONS,
    Exercise,
    make_exercise,
    timeline_figure,
    write_exercise,
)

from . import jobs
from .i18n import t
from .scenario_form import scenario_statuses

FOLDER = "exercises"
PICKS = ("median", "worst", "replication")
MAX_REPLICATIONS = 1000  # to choose from: KPIs only, but every one is a full replication
MAX_REPLICATION_INDEX = 1_000_000
#: KPIs a replication can be picked by: those with a better side
PICK_KPIS = tuple(name for name, metric in METRICS.items() if metric.better)


class ExerciseError(LookupError):
    """A key that is not a script (or debrief) this dashboard wrote."""


def scenario_choices(scenarios_dir: Path) -> list[dict]:
    """The scenario files (with their validation status) and then the bundled scenarios no file shadows.

    ``value`` is a file name (``tiny.yaml``) or a bundled name (``nye``), which is also what
    ``meldsim exercise`` is given, so the script names its scenario the same way.
    """
    out = [
        {"value": s["file"], "bundled": False, "valid": s["valid"], "problems": s["problems"]}
        for s in scenario_statuses(scenarios_dir)
    ]
    files = {Path(c["value"]).stem for c in out}
    out += [
        {"value": name, "bundled": True, "valid": True, "problems": []}
        for name in bundled.bundled_scenarios()
        if name not in files
    ]
    return out


def scenario_source(scenarios_dir: Path, value: str) -> Path:
    """The file behind a choice: a file in the scenarios folder, else a bundled scenario by name."""
    value = str(value or "")
    if value.endswith(jobs.SCENARIO_SUFFIXES):
        return jobs.scenario_path(scenarios_dir, value)
    found = bundled.bundled_scenarios().get(value)
    if found is None:
        raise ScenarioError([Problem(value[:200], "", "no such scenario file or bundled scenario")])
    return found


def pick_of(mode: str, replication: int | None) -> str | int:
    """``median``/``worst`` or the replication number, as ``meldsim exercise --pick`` takes it."""
    if mode == "replication":
        if replication is None:
            raise ValueError("a replication number is needed")
        return int(replication)
    if mode not in ("median", "worst"):
        raise ValueError(f"unknown pick '{mode}'")
    return mode


def generate(
    results_root: Path,
    scenarios_dir: Path,
    value: str,
    seed: int,
    pick: str | int,
    kpi: str,
    replications: int,
    *,
    jobs_: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> tuple[str, Exercise]:
    """Make the exercise and write it as ``meldsim exercise VALUE --seed ... --out DIR`` would;
    (its key, the exercise). Takes a run slot like a run from the Run page."""
    path = scenario_source(scenarios_dir, value)
    root = Path(results_root)
    with jobs.terminate_stops(), jobs.run_slot(root, waiting=waiting):
        exercise = make_exercise(
            path,
            seed,
            pick=pick,
            kpi=kpi,
            replications=replications,
            jobs=jobs_ or jobs.default_jobs(),
            progress=progress,
        )
    exercise.source = value  # as `meldsim exercise VALUE` names the scenario in the script
    target = jobs.unique_run_dir(root, exercise.scenario.name, group=FOLDER)
    with staged(target, root) as staging:
        write_exercise(exercise, staging)
        done = publish_dir(staging, target)
    return done.relative_to(root).as_posix(), exercise


def stored_file(results_root: Path, folder: str, key: str, name: str) -> Path:
    """File ``name`` of directory ``key``, which must lie under ``results_root/folder`` (keys come from browsers)."""
    base = (Path(results_root) / folder).resolve()
    try:
        path = (Path(results_root) / str(key)).resolve() / name
        found = base in path.parent.parents and path.is_file()
    except (ValueError, OSError, RuntimeError):  # a NUL byte, a name too long, a symlink loop
        found = False
    if not found:
        raise ExerciseError(f"{str(key)[:200]}: no {name} of this dashboard there")
    return path


def exercise_dir(results_root: Path, key: str) -> Path:
    """The directory of exercise ``key``: under ``results_root/exercises`` and holding its CSV."""
    return stored_file(results_root, FOLDER, key, "exercise.csv").parent


# --- what the page shows ---------------------------------------------------------------------
def preview(exercise: Exercise, key: str) -> dict:
    """Everything the page needs to show an exercise again, as JSON: the facts, the injects in both
    languages with the model's predictions, and the timeline figure in each language."""
    injects = []
    for inj, row in zip(exercise.injects, exercise.rows(), strict=False):  # rows() ends with the debrief counts
        injects.append(
            {
                "time": row["time"],
                "date": row["date"],
                "minute": row["minute"],
                "category": inj.category,
                **{f"{k}_{lang}": row[f"{k}_{lang}"] for k in ("what", "action", "detail") for lang in ("nl", "en")},
                **{name: row[name] for name in PREDICTIONS},
                "source": inj.source,
            }
        )
    figures = {}
    for lang in ("nl", "en"):
        fig = timeline_figure(dataclasses.replace(exercise, lang=lang))
        fig.update_layout(
            template="plotly_white",
            height=340,
            legend={"orientation": "h", "y": -0.18},
            yaxis_title=t("ex.fig.count", lang),
        )
        figures[lang] = json.loads(fig.to_json())
    value = exercise.kpi_value
    return {
        "key": key,
        "scenario": exercise.source,
        "name": exercise.scenario.name,
        "seed": exercise.seed,
        "replication": exercise.replication,
        "pick": exercise.pick,
        "kpi": exercise.kpi,
        "kpi_value": None if value is None or not math.isfinite(value) else float(value),
        "replications": len(exercise.kpi_values),
        "window": [exercise.day_clock(exercise.window[0]), exercise.day_clock(exercise.window[1])],
        "injects": injects,
        "figures": figures,
        "steps": [{"event": i.event, "time": exercise.clock(i.minute), "minute": i.minute} for i in exercise.steps()],
    }


def download_name(info: dict, suffix: str) -> str:
    """``exercise-<scenario>-seed<S>-rep<R>.<suffix>``: several scripts in one download folder stay apart."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(info.get("name", "")))[:60]
    return f"exercise-{name}-seed{info.get('seed')}-rep{info.get('replication')}.{suffix}"
