"""The research-question report: a scenario matrix run in one pool, written as one HTML file.

``meldsim report [MATRIX] --out report.html`` reads a matrix (outage target × duration ×
fallback procedure × load level, plus an optional one-at-a-time sensitivity around one
cell; by default the bundled standard matrix ``inspectie``), builds and validates every cell's scenario
before anything runs, runs all of them with the same seeds in ONE process pool
(:func:`sim.experiments.api.run_group`), writes a result
directory (``matrix.json`` + ``cells/<key>/`` run directories) and then renders the report
from those files only (:func:`collect` → :func:`render`), so every number on the page is
one that is on disk. The page is self-contained: plotly.js inlined once, no external
scripts, style sheets or fonts.

The findings are generated from the numbers (:func:`findings`), never fixed text.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import platform
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim import labels
from sim.bundled import doc_text
from sim.cliargs import matrix_path
from sim.cliargs import non_negative_int as _non_negative_int
from sim.cliargs import positive_int as _positive_int
from sim.experiments import runner
from sim.experiments.api import Options, read_run_info, run_group, set_path
from sim.experiments.metrics import METRICS, metric_of
from sim.experiments.results import default_run_dir, git_commit, publish_dir, staged, versions, write_json
from sim.experiments.stats import paired_difference
from sim.model.loading import (
    Problem,
    ScenarioError,
    read_yaml_mapping,
    resolve_data_paths,
    resolve_file,
    scenario_from_dict,
    validation_problems,
)
from sim.model.scenario import OutageTarget, Procedure
from sim.outputs.parts import effects, scope, validation, words
from sim.outputs.parts.effects import BOARD_KPIS, significant
from sim.outputs.parts.html import (
    Figures,
    document,
    esc,
    finite,
    half_width,
    mean_pm,
    number,
    unit_label,
    value_text,
)
from sim.outputs.parts.html import bilingual as _t
from sim.outputs.parts.html import cell_summary as _summary
from sim.outputs.parts.html import duration_text as _duration_text
from sim.outputs.parts.html import entry_label as _label

QUESTION_NL = (
    "Hoe wordt geborgd dat bij uitval van C2000 de communicatie tussen meldkamers en hulpdiensten blijft werken?"
)
QUESTION_EN = (
    "How is it guaranteed that, when C2000 fails, communication between control rooms and emergency "
    "services keeps working?"
)

ROOM_KPIS = (
    "answer_wait_mean_s",
    "processing_time_mean_s",
    "processing_within_60s_share",
    "opkomsttijd_within_norm_share",
    "backlog_peak",
    "abandoned_calls",
    "centralist_utilisation_peak_hour",
    "caco_decision_delay_min",
)
COMMUNICATION_KPIS = (
    "radio_message_delay_mean_min",
    "undelivered_messages",
    "unit_minutes_unreachable",
    "longest_unreachable_gap_min",
    "incidents_gap_over_5min_share",
    "alarm_fallback_extra_delay_s",
    "outage_to_first_fallback_min",
)
#: the response: each matrix cell as a paired difference with its load's no-outage run (same seeds),
#: one table; the room's picture of its units (effects.BOARD_KPIS) likewise in a second table
RESPONSE_KPIS = ("opkomsttijd_mean_min", "processing_within_60s_share")
FIGURE_KPIS = (
    "processing_within_60s_share",
    "opkomsttijd_within_norm_share",
    "radio_message_delay_mean_min",
    "undelivered_messages",
    "unit_minutes_unreachable",
)
SHARE_DROP = 0.05  # findings: "the 60 s share falls more than 5 percentage points below its no-outage value"
PARAMETERS_NL = {
    "procedure.detection_min": ("detectietijd (min)", "detection time (min)"),
    "procedure.decision_min": ("besluittijd CaCo (min)", "CaCo decision time (min)"),
    "channels.handhelds.capacity": ("aantal portofoonsets", "number of handheld sets"),
    "channels.handhelds.activation_min": ("tijd tot sets klaar (min)", "time until the sets are ready (min)"),
    "channels.telephone.capacity": ("telefoonlijnen", "telephone lines"),
    "channels.telephone.activation_min": (
        "tijd tot telefoonlijst klaar (min)",
        "time until the phone list is out (min)",
    ),
}
KEY = r"^[A-Za-z0-9_-]+$"


# --- the matrix file ---------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_start(value):
    if isinstance(value, str) and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
        raise ValueError(f"'{value}' is not minutes after the horizon start, a datetime or a clock time HH:MM")
    if isinstance(value, (int, float)) and not (math.isfinite(value) and value >= 0):
        raise ValueError("minutes after the horizon start must be a finite number >= 0")
    return value


class LoadLevel(_Strict):
    base: str = Field(description="scenario file, relative to the matrix file")
    label: str = Field(min_length=1)
    label_en: str = ""
    outage_start: float | dt.datetime | str | None = Field(None, description="overrides the matrix outage_start")
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="dotted scenario path -> value, applied to the base, e.g. horizon.duration_min: 240",
    )

    @field_validator("outage_start")
    @classmethod
    def _start(cls, v):
        return _check_start(v)


class OutageKind(_Strict):
    target: OutageTarget
    regions: list[str] | None = None
    capacity_factor: float = Field(0.0, ge=0, le=1)
    label: str = Field(min_length=1)
    label_en: str = ""


class ProcedureOption(_Strict):
    label: str = Field(min_length=1)
    label_en: str = ""
    procedure: Procedure | None = Field(description="the scenario's procedure section, or null for no fallback")
    steps: dict[OutageTarget, list[str]] = Field(
        default_factory=dict, description="per outage target: replaces procedure.steps"
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="dotted scenario path -> value, e.g. channels.handhelds.capacity: 8"
    )
    targets: list[str] | None = Field(
        None, description="the matrix targets this option is run for (null: all), e.g. a takeover only for eOCS"
    )


class Scope(_Strict):
    """Issue 16: one target's outage in this room alone beside the same outage everywhere.

    The matrix's own cells are national (eOCS, C2000 and P2000 hit every room of the scenario);
    a scope adds, per load and duration, the ``procedure`` cell again with the outage in
    ``rooms`` only. With a partner that takes over, that is the question "does a partner room
    help when the outage is local, and what is left when it is national?"; ``reference`` (the
    room on its own, today's procedure) shows what the takeover adds when it is national.
    """

    target: str
    procedure: str = Field(description="the procedure with the takeover, run local and national")
    reference: str = Field(description="the procedure without takeover it is compared with, national")
    rooms: list[str] = Field(["main"], min_length=1, description="the rooms the local outage hits")
    label: str = "lokaal"
    label_en: str = "local"
    kpis: list[str] = Field(min_length=1)


class Sensitivity(_Strict):
    load: str
    target: str
    duration_min: float
    procedure: str
    kpis: list[str] = Field(min_length=1)
    parameters: dict[str, tuple[Any, Any]] = Field(min_length=1, description="dotted path -> [low, high]")


class Matrix(_Strict):
    """A report's scenario matrix (``scenarios/matrix/*.yaml``; not a scenario file).

    Every combination load × target × duration × procedure is one cell: the load's base
    scenario (plus its ``set`` overrides) with one outage (the target, from ``outage_start``
    for the duration) and the procedure (``null``: none; ``steps`` per outage target;
    ``set``: extra scenario overrides such as more handheld sets). Each load also runs once
    without an outage. ``response_kpis`` and ``board_kpis`` are shown per cell as paired differences
    with that run. ``sensitivity`` varies parameters one at a time around one cell. Names
    of loads, targets and procedures become directory names: letters, digits, - and _.
    """

    name: str = Field(pattern=KEY)
    title: str = ""
    description: str = ""
    seed: int = Field(1, ge=0)
    replications: int = Field(10, ge=2)
    outage_start: float | dt.datetime | str = Field(
        description="minutes after each load's horizon start, a datetime, or a clock time HH:MM"
    )
    loads: dict[str, LoadLevel] = Field(min_length=1)
    targets: dict[str, OutageKind] = Field(min_length=1)
    durations_min: list[float] = Field(min_length=1)
    procedures: dict[str, ProcedureOption] = Field(min_length=1)
    room_kpis: list[str] = list(ROOM_KPIS)
    communication_kpis: list[str] = list(COMMUNICATION_KPIS)
    figure_kpis: list[str] = list(FIGURE_KPIS)
    response_kpis: list[str] = list(RESPONSE_KPIS)
    board_kpis: list[str] = list(BOARD_KPIS)
    sensitivity: Sensitivity | None = None
    scope: Scope | None = None

    @field_validator("outage_start")
    @classmethod
    def _start(cls, v):
        return _check_start(v)

    @field_validator("loads", "targets", "procedures")
    @classmethod
    def _keys(cls, v):
        bad = [k for k in v if not re.fullmatch(KEY, k)]
        if bad:
            raise ValueError(f"names may use letters, digits, - and _ only: {', '.join(bad)}")
        return v

    @field_validator("durations_min")
    @classmethod
    def _durations(cls, v):
        if any(not (math.isfinite(d) and d > 0) for d in v):
            raise ValueError("durations must be finite and > 0")
        if len(set(v)) != len(v):
            raise ValueError("durations must be different")
        return sorted(v)

    @field_validator("room_kpis", "communication_kpis", "figure_kpis", "response_kpis", "board_kpis")
    @classmethod
    def _kpis(cls, v):
        bad = [k for k in v if k.split("[", 1)[0] not in METRICS]
        if bad:
            raise ValueError(f"unknown KPI: {', '.join(bad)} (see sim/kpis.py)")
        return v

    @model_validator(mode="after")
    def _named_cells(self) -> Matrix:
        problems = []
        for p_name, option in self.procedures.items():
            for t_name in option.targets or []:
                if t_name not in self.targets:
                    problems.append(
                        (f"procedures.{p_name}.targets", f"'{t_name}' is not one of {', '.join(self.targets)}")
                    )
        reference = next((k for k, p in self.procedures.items() if p.procedure is None), next(iter(self.procedures)))
        if self.procedures[reference].targets is not None:
            problems.append(
                (f"procedures.{reference}.targets", "the reference procedure (compared with) runs for every target")
            )
        scope = self.scope
        if scope is not None:
            if scope.target not in self.targets:
                problems.append(("scope.target", f"'{scope.target}' is not one of {', '.join(self.targets)}"))
            for field in ("procedure", "reference"):
                name = getattr(scope, field)
                if name not in self.procedures:
                    problems.append((f"scope.{field}", f"'{name}' is not one of {', '.join(self.procedures)}"))
                elif scope.target in self.targets and not runs_for(self.procedures[name], scope.target):
                    problems.append((f"scope.{field}", f"'{name}' is not run for target '{scope.target}'"))
            bad = [k for k in scope.kpis if k.split("[", 1)[0] not in METRICS]
            if bad:
                problems.append(("scope.kpis", f"unknown KPI: {', '.join(bad)}"))
        s = self.sensitivity
        if s is not None:
            problems += self._sensitivity_problems(s)
        if problems:
            from sim.model.scenario import Problems

            raise Problems(problems)
        return self

    def _sensitivity_problems(self, s: Sensitivity) -> list[tuple[str, str]]:
        problems = []
        for field, pool in (("load", self.loads), ("target", self.targets), ("procedure", self.procedures)):
            if getattr(s, field) not in pool:
                problems.append((f"sensitivity.{field}", f"'{getattr(s, field)}' is not one of {', '.join(pool)}"))
        if s.duration_min not in self.durations_min:
            problems.append(("sensitivity.duration_min", f"{s.duration_min:g} is not one of durations_min"))
        bad = [k for k in s.kpis if k.split("[", 1)[0] not in METRICS]
        if bad:
            problems.append(("sensitivity.kpis", f"unknown KPI: {', '.join(bad)}"))
        if (
            s.procedure in self.procedures
            and s.target in self.targets
            and not runs_for(self.procedures[s.procedure], s.target)
        ):
            problems.append(("sensitivity.procedure", f"'{s.procedure}' is not run for target '{s.target}'"))
        return problems


def runs_for(option: ProcedureOption | dict, t_name: str) -> bool:
    """Whether a procedure option has a cell for this target (a matrix read back from JSON is a dict)."""
    targets = option.get("targets") if isinstance(option, dict) else option.targets
    return targets is None or t_name in targets


def load_matrix(path: str | Path) -> Matrix:
    """Read and validate a matrix file; every problem as ``FILE: field.path: message``."""
    shown = str(path)
    data = read_yaml_mapping(Path(path), shown, "a matrix file")
    try:
        return Matrix.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(shown, exc)) from None


# --- cells ---------------------------------------------------------------------------------
@dataclass
class Cell:
    key: str
    kind: str  # "cell", "baseline", "sensitivity" or "scope" (the local twin of a national cell)
    load: str
    target: str | None
    duration_min: float | None
    procedure: str | None
    data: dict
    parameter: str | None = None
    level: str | None = None  # "low" / "high"
    value: Any = None

    def index(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "load": self.load,
            "target": self.target,
            "duration_min": self.duration_min,
            "procedure": self.procedure,
            "parameter": self.parameter,
            "level": self.level,
            "value": self.value,
        }


def cell_key(load: str, target: str, duration: float, procedure: str) -> str:
    return f"{load}__{target}__{duration:g}__{procedure}"


def local_key(load: str, target: str, duration: float, procedure: str) -> str:
    """The scope's local twin of the national cell ``cell_key(load, target, duration, procedure)``."""
    return cell_key(load, f"{target}-local", duration, procedure)


def _start_minute(spec, horizon) -> float:
    if isinstance(spec, dt.datetime):
        return horizon.minute_of(spec)
    if isinstance(spec, str):
        h, m = (int(x) for x in spec.strip().split(":"))
        return float((h * 60 + m - (horizon.start.hour * 60 + horizon.start.minute)) % 1440)
    return float(spec)


def build_cells(matrix: Matrix, matrix_file: str | Path) -> list[Cell]:
    """Every scenario of the matrix as raw data, each validated; all problems at once."""
    matrix_file = Path(matrix_file)
    shown = str(matrix_file)
    problems: list[Problem] = []
    cells: list[Cell] = []
    for load_name, load in matrix.loads.items():
        base_path = matrix_file.parent / load.base
        try:
            raw = resolve_file(base_path)
            for path, value in load.set.items():
                raw = set_path(raw, path, value)
            base = scenario_from_dict(copy.deepcopy(raw), str(base_path))
        except KeyError as exc:
            problems.append(Problem(shown, f"loads.{load_name}.set", str(exc).strip("'\"")))
            continue
        except ScenarioError as exc:
            problems += [
                Problem(shown, f"loads.{load_name}.base", f"{p.path}: {p.message}" if p.path else p.message)
                for p in exc.problems
            ]
            continue
        horizon = base.horizon
        start = _start_minute(load.outage_start if load.outage_start is not None else matrix.outage_start, horizon)
        where = f"loads.{load_name}.outage_start" if load.outage_start is not None else "outage_start"
        if not 0 <= start < horizon.duration_min:
            problems.append(
                Problem(
                    shown,
                    where,
                    f"minute {start:g} is outside the horizon of load '{load_name}' "
                    f"({horizon.duration_min:g} min from {horizon.start})",
                )
            )
            continue
        baseline = copy.deepcopy(raw)
        baseline.update(name=f"{raw.get('name', load_name)} (no outage)", outages=[], random_outages=[], procedure=None)
        cells.append(Cell(f"{load_name}__baseline", "baseline", load_name, None, None, None, baseline))
        for target_name, target in matrix.targets.items():
            for i, duration in enumerate(matrix.durations_min):
                if start + duration > horizon.duration_min + 1e-9:
                    problems.append(
                        Problem(
                            shown,
                            f"durations_min.{i}",
                            f"{duration:g} min from minute {start:g} ends after the horizon of load "
                            f"'{load_name}' ({horizon.duration_min:g} min)",
                        )
                    )
                    continue
                for proc_name, option in matrix.procedures.items():
                    if not runs_for(option, target_name):
                        continue
                    data = copy.deepcopy(raw)
                    outage = {
                        "target": target.target,
                        "start_min": start,
                        "duration_min": duration,
                        "capacity_factor": target.capacity_factor,
                    }
                    if target.regions:
                        outage["regions"] = list(target.regions)
                    key = cell_key(load_name, target_name, duration, proc_name)
                    data.update(
                        name=f"{raw.get('name', load_name)} {target_name} {duration:g} min {proc_name}",
                        outages=[outage],
                        random_outages=[],
                    )
                    if option.procedure is None:
                        data["procedure"] = None
                    else:
                        spec = option.procedure.model_dump(mode="json", exclude_unset=True)
                        if target.target in option.steps:
                            spec["steps"] = list(option.steps[target.target])
                        data["procedure"] = spec
                    try:
                        for path, value in option.set.items():
                            data = set_path(data, path, value)
                    except KeyError as exc:
                        problems.append(Problem(shown, f"procedures.{proc_name}.set", str(exc).strip("'\"")))
                        continue
                    cells.append(Cell(key, "cell", load_name, target_name, duration, proc_name, data))
    if matrix.sensitivity is not None and not problems:
        points, point_problems = _sensitivity_cells(matrix.sensitivity, cells, shown)
        cells += points
        problems += point_problems
    if matrix.scope is not None and not problems:
        cells += _scope_cells(matrix.scope, cells)
    for cell in cells:
        try:
            cell.data = resolve_data_paths(cell.data, matrix_file.resolve(), shown)  # paths in a ``set``
            scenario_from_dict(cell.data, shown)
        except ScenarioError as exc:
            where = {
                "cell": f"procedures.{cell.procedure}",
                "baseline": f"loads.{cell.load}",
                "sensitivity": f"sensitivity.parameters.{cell.parameter}",
                "scope": "scope.rooms",
            }[cell.kind]
            for p in exc.problems:
                problems.append(Problem(shown, where, f"in cell {cell.key}: {p.path}: {p.message}"))
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ScenarioError(unique)
    return cells


def _sensitivity_cells(sens: Sensitivity, cells: list[Cell], shown: str) -> tuple[list[Cell], list[Problem]]:
    """The sensitivity points: the base cell with one parameter at its low or at its high value."""
    base_key = cell_key(sens.load, sens.target, sens.duration_min, sens.procedure)
    base_cell = next(c for c in cells if c.key == base_key)
    points, problems = [], []
    for j, (path, values) in enumerate(sens.parameters.items()):
        for level, value in zip(("low", "high"), values, strict=False):
            try:
                data = set_path(base_cell.data, path, value)
            except KeyError as exc:
                problems.append(Problem(shown, f"sensitivity.parameters.{path}", str(exc).strip("'\"")))
                continue
            data["name"] = f"{base_cell.data['name']} [{path}={value}]"
            points.append(
                Cell(
                    f"sens__{j:02d}__{level}",
                    "sensitivity",
                    sens.load,
                    sens.target,
                    sens.duration_min,
                    sens.procedure,
                    data,
                    parameter=path,
                    level=level,
                    value=value,
                )
            )
    return points, problems


def _scope_cells(scope: Scope, cells: list[Cell]) -> list[Cell]:
    """The scope procedure's national cells once more, the outage in ``scope.rooms`` only."""
    twins = []
    for cell in cells:
        if cell.kind == "cell" and cell.target == scope.target and cell.procedure == scope.procedure:
            data = copy.deepcopy(cell.data)
            data["name"] = f"{data['name']} ({scope.label_en}: {', '.join(scope.rooms)})"
            for outage in data["outages"]:
                outage["rooms"] = list(scope.rooms)
            key = local_key(cell.load, cell.target, cell.duration_min, cell.procedure)
            twins.append(Cell(key, "scope", cell.load, cell.target, cell.duration_min, cell.procedure, data))
    return twins


# --- running -------------------------------------------------------------------------------
def run_matrix(
    matrix_file: str | Path,
    options: Options | None = None,
    *,
    out: Path | None = None,
    results_root: Path = Path("results"),
    progress=None,
    matrix: Matrix | None = None,
) -> Path:
    """Every cell of the matrix in one pool into one result directory; returns its path."""
    matrix = matrix or load_matrix(matrix_file)
    cells = build_cells(matrix, matrix_file)
    options = options or Options(replications=matrix.replications, seed=matrix.seed, keep_records=0)
    scenarios = {c.key: scenario_from_dict(c.data, str(matrix_file)) for c in cells}
    target = Path(out) if out else default_run_dir(Path(results_root) / "reports", matrix.name)
    with staged(target, results_root) as staging:
        load_average = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
        group = run_group(scenarios, options, {c.key: staging / "cells" / c.key for c in cells}, staging, progress)
        for cell in cells:
            group.writers[cell.key].finish(group.manifest(cell.key, f"{matrix_file}#{cell.key}"))
        write_json(
            staging / "matrix.json",
            {
                "matrix_file": str(matrix_file),
                "matrix": matrix.model_dump(mode="json"),
                "seed": options.seed,
                "replications": group.replications,
                "jobs": options.jobs,
                "executor": options.executor,
                "cells": [c.index() for c in cells],
                "started": group.started.isoformat(timespec="seconds"),
                "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "wall_time_s": round(group.wall, 3),
                "simpy_events": sum(group.events.values()),
                "load_average_at_start": load_average,
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "versions": versions(),
                "git_commit": git_commit(),
            },
        )
        return publish_dir(staging, target)


# --- reading results -------------------------------------------------------------------------
def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def collect(run_dir: Path) -> dict:
    """Everything the report shows, read from the result directory (and nothing else)."""
    run_dir = Path(run_dir)
    meta = _read_json(run_dir / "matrix.json")
    matrix = meta["matrix"]
    cells = {}
    reps = {}
    for cell in meta["cells"]:
        directory = run_dir / "cells" / cell["key"]
        manifest = _read_json(directory / "manifest.json")
        scenario = manifest["scenario"]
        cells[cell["key"]] = {
            **cell,
            "summary": _read_json(directory / "summary.json"),
            "scenario_name": manifest["scenario_name"],
            "procedure_spec": scenario.get("procedure"),
            "channels": {k: v for k, v in scenario.get("channels", {}).items() if v.get("standby")},
            "outages": scenario.get("outages"),
            "horizon": scenario.get("horizon"),
            "regions": list((scenario.get("load") or {}).get("region_shares") or {}),
        }
        reps[cell["key"]] = pq.read_table(directory / "replications.parquet").to_pydict()
    kpis = list(
        dict.fromkeys(
            [
                *matrix["room_kpis"],
                *matrix["communication_kpis"],
                *matrix["figure_kpis"],
                *((matrix.get("sensitivity") or {}).get("kpis") or []),
            ]
        )
    )
    reference = reference_procedure(matrix)
    paired: dict[str, dict] = {}
    effects: dict[str, dict] = {}
    for key, cell in cells.items():
        if cell["kind"] not in ("cell", "scope"):
            continue
        base = f"{cell['load']}__baseline"
        if base in reps:
            effects[key] = {"baseline": base, "kpis": _paired(reps[key], reps[base], effect_kpis(matrix))}
        if cell["kind"] == "scope":
            continue
        ref = cell_key(cell["load"], cell["target"], cell["duration_min"], reference)
        if cell["procedure"] != reference and ref in reps:
            paired[key] = {"reference": ref, "kpis": _paired(reps[key], reps[ref], kpis)}
    return {
        "run_dir": str(run_dir),
        "matrix_file": meta["matrix_file"],
        "matrix": matrix,
        "seed": meta["seed"],
        "oat": _oat(matrix, cells, reps),
        "replications": meta["replications"],
        "jobs": meta["jobs"],
        "wall_time_s": meta["wall_time_s"],
        "started": meta["started"],
        "finished": meta["finished"],
        "versions": meta["versions"],
        "git_commit": meta["git_commit"],
        "load_average_at_start": meta.get("load_average_at_start"),
        "cpu_count": meta.get("cpu_count"),
        "platform": meta.get("platform"),
        "simpy_events": meta.get("simpy_events"),
        "cells": cells,
        "paired": paired,
        "effects": effects,
        "scope": _scope_pairs(matrix, cells, reps),
    }


def _scope_pairs(matrix: dict, cells: dict, reps: dict) -> list[dict]:
    """Per load and duration: the local cell, its national twin and the reference (the room on its own:
    without a partner the outage's reach does not matter to it), with the paired differences of the
    takeover local and national against the reference and local − national."""
    scope = matrix.get("scope")
    if not scope:
        return []
    out = []
    for key, cell in cells.items():
        if cell["kind"] != "scope":
            continue
        national = cell_key(cell["load"], cell["target"], cell["duration_min"], scope["procedure"])
        reference = cell_key(cell["load"], cell["target"], cell["duration_min"], scope["reference"])
        if national not in reps or reference not in reps:
            continue
        out.append(
            {
                "load": cell["load"],
                "duration_min": cell["duration_min"],
                "local": key,
                "national": national,
                "reference": reference,
                "local_vs_reference": _paired(reps[key], reps[reference], scope["kpis"]),
                "national_vs_reference": _paired(reps[national], reps[reference], scope["kpis"]),
                "local_vs_national": _paired(reps[key], reps[national], scope["kpis"]),
            }
        )
    return out


def effect_kpis(matrix: dict) -> list[str]:
    """The KPIs shown as paired differences with no outage (defaults for runs made before they existed)."""
    return [*matrix.get("response_kpis", RESPONSE_KPIS), *matrix.get("board_kpis", BOARD_KPIS)]


def _paired(columns: dict, reference: dict, kpis) -> dict[str, dict]:
    """Per KPI: the paired difference ``columns - reference``, replication i against replication i
    (matched on the replication number, not on the row order of the two files)."""
    order = {r: i for i, r in enumerate(reference.get("replication", []))}
    rows = [(i, order[r]) for i, r in enumerate(columns.get("replication", [])) if r in order]
    out = {}
    for kpi in kpis:
        if kpi not in columns or kpi not in reference:
            continue
        a = [columns[kpi][i] for i, _ in rows]  # None (no value in that replication) counts as NaN
        b = [reference[kpi][j] for _, j in rows]
        with warnings.catch_warnings():  # nearly equal replications: scipy warns, the CI is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            out[kpi] = paired_difference(a, b)
    return out


def _oat(matrix: dict, cells: dict, reps: dict) -> dict:
    """Per sensitivity KPI: tornado rows with the paired difference high - low, by sim.experiments.sensitivity.oat_rows.

    The matrix's points ran in the report's one pool; only the table is computed by the
    sensitivity module (when it is there and the values are numbers; otherwise empty).
    """
    sens = matrix.get("sensitivity")
    if not sens:
        return {}
    try:
        from sim.experiments.sensitivity import Param, oat_rows
    except ImportError:
        return {}
    base_key = cell_key(sens["load"], sens["target"], sens["duration_min"], sens["procedure"])
    levels: dict[str, dict[str, str]] = {}
    for key, cell in cells.items():
        if cell["kind"] == "sensitivity":
            levels.setdefault(cell["parameter"], {})[cell["level"]] = key
    params, keys = [], [base_key]
    for path, (low, high) in sens["parameters"].items():
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float))) or path not in levels:
            return {}
        integer = isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool)
        params.append(Param(path, float(low), float(high), None, integer))
        keys += [levels[path]["low"], levels[path]["high"]]
    out = {}
    for kpi in sens["kpis"]:
        columns = {key: reps[key].get(kpi, []) for key in keys}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[kpi] = oat_rows(params, keys, columns)
        except Exception:  # noqa: BLE001 - another module's table; the report stands without it
            return {}
    return out


def reference_procedure(matrix: dict) -> str:
    """The procedure others are compared with: the first without fallback, else the first."""
    procedures = matrix["procedures"]
    return next((k for k, p in procedures.items() if p.get("procedure") is None), next(iter(procedures)))


def _mean(data: dict, key: str, kpi: str) -> float:
    value = data["cells"].get(key, {}).get("summary", {}).get(kpi, {}).get("mean")
    return value if finite(value) else math.nan


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %" if finite(value) else "–"


def _pm_pct(summary: dict) -> str:
    hw = half_width(summary)
    return f"{summary.get('mean', math.nan) * 100:.1f} % ± {hw * 100:.1f}" if finite(hw) else _pct(summary.get("mean"))


def heaviest_load(data: dict) -> str:
    """The load level whose no-outage baseline has the most incidents (New Year's Eve)."""
    loads = list(data["matrix"]["loads"])
    return max(
        loads,
        key=lambda load: (
            _mean(data, f"{load}__baseline", "incidents")
            if finite(_mean(data, f"{load}__baseline", "incidents"))
            else -1,
            -loads.index(load),
        ),
    )


# --- findings: generated from the numbers --------------------------------------------------
SHARE_KPI = "processing_within_60s_share"


@dataclass(frozen=True)
class _Focus:
    """What the findings look at: the heaviest load, the longest outage and the reference procedure."""

    data: dict
    heavy: str
    longest: float
    shortest: float
    reference: str

    @property
    def procedures(self) -> dict:
        return self.data["matrix"]["procedures"]

    def options(self, t_name: str) -> dict:
        """The procedures the matrix runs for this target."""
        return {p: proc for p, proc in self.procedures.items() if runs_for(proc, t_name)}

    def load(self, lang: str) -> str:
        label = _label(self.data["matrix"]["loads"][self.heavy], lang)
        return label.lower() if lang == "nl" else label

    def ref(self, lang: str) -> str:
        return _label(self.procedures[self.reference], lang)

    def target(self, t_name: str, lang: str) -> str:
        return _label(self.data["matrix"]["targets"][t_name], lang)

    def key(self, t_name: str, duration: float, p_name: str | None = None) -> str:
        """The cell at the heaviest load (the reference procedure unless another is named)."""
        return cell_key(self.heavy, t_name, duration, p_name or self.reference)

    def baseline(self, kpi: str) -> dict:
        return _summary(self.data, f"{self.heavy}__baseline", kpi)

    def effect(self, key: str, kpi: str) -> dict:
        """A cell's paired difference with its load's no-outage run."""
        return self.data.get("effects", {}).get(key, {}).get("kpis", {}).get(kpi) or {}

    def subject(self, t_name: str) -> tuple[str, str]:
        """``eOCS-uitval, 6-uurs storing (oudejaarsnacht)``: the target at the longest outage, heaviest load."""
        return (
            f"{self.target(t_name, 'nl')}, {_duration_text(self.longest, 'nl')} storing ({self.load('nl')})",
            f"{self.target(t_name, 'en')}, {_duration_text(self.longest, 'en')} outage ({self.load('en')})",
        )

    def units_cut_off(self, t_name: str) -> bool:
        """Without fallback, are units ever out of reach in this outage? Picks which findings follow."""
        unreachable = _summary(self.data, self.key(t_name, self.longest), "unit_minutes_unreachable")
        return finite(unreachable.get("mean")) and unreachable["mean"] > 0


def _norm_per_procedure(f: _Focus, t_name: str) -> dict | None:
    """The 60 s processing norm per procedure at the longest outage, heaviest load."""
    parts_nl, parts_en = [], []
    for p_name, proc in f.options(t_name).items():
        s = _summary(f.data, f.key(t_name, f.longest, p_name), SHARE_KPI)
        if not s:
            continue
        parts_nl.append(f"met '{_label(proc, 'nl')}' bij {_pm_pct(s)}")
        parts_en.append(f"with '{_label(proc, 'en')}' for {_pm_pct(s)}")
    if not parts_nl:
        return None
    base = f.baseline(SHARE_KPI)
    return {
        "nl": f"{f.target(t_name, 'nl')}, {_duration_text(f.longest, 'nl')} storing bij belasting '{f.load('nl')}': "
        f"de 60-secondennorm voor verwerking wordt gehaald {', '.join(parts_nl)} van de incidenten "
        f"(zonder storing: {_pm_pct(base)}).",
        "en": f"{f.target(t_name, 'en')}, {_duration_text(f.longest, 'en')} outage at {f.load('en')} load: the "
        f"60-second processing norm is met {', '.join(parts_en)} of incidents (without an outage: "
        f"{_pm_pct(base)}).",
    }


def _units_out_of_reach(f: _Focus, t_name: str) -> dict | None:
    """What no fallback means for reaching units, when the outage cuts them off."""
    if not f.units_cut_off(t_name):
        return None
    ref_key = f.key(t_name, f.longest)
    unreachable = _summary(f.data, ref_key, "unit_minutes_unreachable")
    gap = _summary(f.data, ref_key, "longest_unreachable_gap_min")
    over5 = _summary(f.data, ref_key, "incidents_gap_over_5min_share")
    undelivered = _summary(f.data, ref_key, "undelivered_messages")
    return {
        "nl": f"{f.target(t_name, 'nl')}, {_duration_text(f.longest, 'nl')} storing, '{f.ref('nl')}' ({f.load('nl')}): "
        f"eenheden zijn samen {mean_pm('unit_minutes_unreachable', unreachable)} onbereikbaar; de langste "
        f"onderbreking voor één eenheid is {mean_pm('longest_unreachable_gap_min', gap)}; bij "
        f"{_pm_pct(over5)} van de incidenten is een eenheid langer dan 5 min onbereikbaar; "
        f"{mean_pm('undelivered_messages', undelivered)} berichten komen niet aan.",
        "en": f"{f.target(t_name, 'en')}, {_duration_text(f.longest, 'en')} outage, '{f.ref('en')}' ({f.load('en')}): "
        f"units are unreachable for {mean_pm('unit_minutes_unreachable', unreachable, 'en')} in total; the "
        f"longest stretch one unit cannot be reached is {mean_pm('longest_unreachable_gap_min', gap)}; in "
        f"{_pm_pct(over5)} of incidents a unit is unreachable for more than 5 min; "
        f"{mean_pm('undelivered_messages', undelivered)} messages are never delivered.",
    }


def _response_when_reachable(f: _Focus, t_name: str) -> dict | None:
    """What no fallback means for the response, when units stay reachable."""
    if f.units_cut_off(t_name):
        return None
    ref_key = f.key(t_name, f.longest)
    norm = _summary(f.data, ref_key, "opkomsttijd_within_norm_share")
    if not norm:
        return None
    norm_base = f.baseline("opkomsttijd_within_norm_share")
    processing = _summary(f.data, ref_key, "processing_time_mean_s")
    return {
        "nl": f"{f.target(t_name, 'nl')}, {_duration_text(f.longest, 'nl')} storing, '{f.ref('nl')}' ({f.load('nl')}): "
        f"eenheden blijven bereikbaar, maar de opkomstnorm wordt gehaald bij {_pm_pct(norm)} van de incidenten "
        f"(zonder storing {_pm_pct(norm_base)}); gemiddelde verwerkingstijd "
        f"{mean_pm('processing_time_mean_s', processing)}.",
        "en": f"{f.target(t_name, 'en')}, {_duration_text(f.longest, 'en')} outage, '{f.ref('en')}' ({f.load('en')}): "
        f"units stay reachable, but the response-time norm is met for {_pm_pct(norm)} of incidents (without "
        f"an outage {_pm_pct(norm_base)}); mean processing time "
        f"{mean_pm('processing_time_mean_s', processing, 'en')}.",
    }


def _best_procedure(f: _Focus, t_name: str) -> dict | None:
    """The procedure that does best on the KPI this outage hurts most, as a paired difference."""
    cut_off = f.units_cut_off(t_name)
    kpi = "unit_minutes_unreachable" if cut_off else "opkomsttijd_within_norm_share"
    sign = 1 if metric_of(kpi).better == "lower" else -1
    best, best_value = None, math.inf
    for p_name in f.options(t_name):
        if p_name == f.reference:
            continue
        value = _mean(f.data, f.key(t_name, f.longest, p_name), kpi)
        if finite(value) and sign * value < best_value:
            best, best_value = p_name, sign * value
    if best is None:
        return None
    key = f.key(t_name, f.longest, best)
    d = f.data["paired"].get(key, {}).get("kpis", {}).get(kpi)
    if not (d and finite(d.get("mean"))):
        return None
    ref_value = _mean(f.data, f.key(t_name, f.longest), kpi)
    value = _mean(f.data, key, kpi)
    k_nl, k_en = labels.kpi(kpi)
    sig = significant(d)
    scale = 100 if metric_of(kpi).unit == "share" else 1
    ci = f"[{number(d.get('ci95_low', math.nan) * scale)}, {number(d.get('ci95_high', math.nan) * scale)}]"
    what_nl = "houdt eenheden het best bereikbaar" if cut_off else "haalt de opkomstnorm het vaakst"
    what_en = "keeps units reachable best" if cut_off else "meets the response-time norm most often"
    best_nl, best_en = _label(f.procedures[best], "nl"), _label(f.procedures[best], "en")
    return {
        "nl": f"{f.target(t_name, 'nl')}: '{best_nl}' {what_nl}: {k_nl} {value_text(kpi, value)} "
        f"tegen {value_text(kpi, ref_value)} met '{f.ref('nl')}' (gepaard verschil "
        f"{number(d['mean'] * scale)}{' procentpunt' if scale == 100 else ''}, 95%-BI {ci}; "
        f"{'significant' if sig else 'niet significant'}).",
        "en": f"{f.target(t_name, 'en')}: '{best_en}' {what_en}: {k_en} "
        f"{value_text(kpi, value, lang='en')} against {value_text(kpi, ref_value, lang='en')} with "
        f"'{f.ref('en')}' (paired difference {number(d['mean'] * scale)}"
        f"{' percentage points' if scale == 100 else ''}, 95% CI {ci}; "
        f"{'significant' if sig else 'not significant'}).",
    }


def _degradation_with_duration(f: _Focus, t_name: str) -> dict | None:
    """Per procedure: mean processing time at the shortest and at the longest outage."""
    if f.shortest == f.longest:
        return None
    parts_nl, parts_en = [], []
    for p_name, proc in f.options(t_name).items():
        a = _mean(f.data, f.key(t_name, f.shortest, p_name), "processing_time_mean_s")
        b = _mean(f.data, f.key(t_name, f.longest, p_name), "processing_time_mean_s")
        if finite(a) and finite(b):
            parts_nl.append(f"'{_label(proc, 'nl')}' van {number(a)} naar {number(b)} s")
            parts_en.append(f"'{_label(proc, 'en')}' from {number(a)} to {number(b)} s")
    if not parts_nl:
        return None
    return {
        "nl": f"{f.target(t_name, 'nl')} ({f.load('nl')}): van {f.shortest:g} naar {f.longest:g} min storing gaat de "
        f"gemiddelde verwerkingstijd met {'; '.join(parts_nl)}.",
        "en": f"{f.target(t_name, 'en')} ({f.load('en')}): from {f.shortest:g} to {f.longest:g} min of outage the "
        f"mean processing time goes with {'; '.join(parts_en)}.",
    }


def _share_drop(f: _Focus, t_name: str) -> dict | None:
    """Without fallback: from which duration on the 60 s share falls clearly below its no-outage value."""
    base_share = f.baseline(SHARE_KPI).get("mean")
    if not finite(base_share):
        return None
    durations = f.data["matrix"]["durations_min"]
    shares = {d: _mean(f.data, f.key(t_name, d), SHARE_KPI) for d in durations}
    below = [d for d in durations if shares[d] < base_share - SHARE_DROP]
    drop = SHARE_DROP * 100
    t_nl, t_en = f.target(t_name, "nl"), f.target(t_name, "en")
    if below:
        d0 = min(below)
        return {
            "nl": f"{t_nl} met '{f.ref('nl')}' ({f.load('nl')}): het aandeel binnen 60 s zakt meer dan {drop:.0f} "
            f"procentpunt onder de waarde zonder storing ({_pct(base_share)}) vanaf {d0:g} min storing "
            f"({_pct(shares[d0])}).",
            "en": f"{t_en} with '{f.ref('en')}' ({f.load('en')}): the share within 60 s falls more than {drop:.0f} "
            f"percentage points below its no-outage value ({_pct(base_share)}) from {d0:g} min of outage on "
            f"({_pct(shares[d0])}).",
        }
    worst = min(shares.values(), default=math.nan)
    if not finite(worst):
        return None
    return {
        "nl": f"{t_nl} met '{f.ref('nl')}' ({f.load('nl')}): het aandeel binnen 60 s blijft bij alle onderzochte "
        f"duren binnen {drop:.0f} procentpunt van de waarde zonder storing ({_pct(base_share)}; laagste: "
        f"{_pct(worst)}).",
        "en": f"{t_en} with '{f.ref('en')}' ({f.load('en')}): the share within 60 s stays within {drop:.0f} "
        f"percentage points of its no-outage value ({_pct(base_share)}; lowest: {_pct(worst)}) at every "
        f"duration studied.",
    }


def _response_effect(f: _Focus, t_name: str) -> dict | None:
    """Which durations and procedures change the response KPIs significantly against no outage, at every load."""
    matrix = f.data["matrix"]
    found = []
    for kpi in matrix.get("response_kpis", RESPONSE_KPIS):
        cells = [
            (
                f"'{_label(proc, 'nl')}' {duration:g} min, {_label(load, 'nl').lower()}",
                f"'{_label(proc, 'en')}' {duration:g} min, {_label(load, 'en')}",
                f.effect(cell_key(l_name, t_name, duration, p_name), kpi),
            )
            for l_name, load in matrix["loads"].items()
            for p_name, proc in f.options(t_name).items()
            for duration in matrix["durations_min"]
        ]
        found.append(effects.significant_cells(kpi, (f.target(t_name, "nl"), f.target(t_name, "en")), cells))
    return effects.joined(*found)


def _board_level(f: _Focus, t_name: str, kpi: str) -> dict | None:
    """A board KPI per procedure at the longest outage, heaviest load, against no outage."""
    parts = []
    for p_name, proc in f.options(t_name).items():
        key = f.key(t_name, f.longest, p_name)
        parts.append((_label(proc, "nl"), _label(proc, "en"), _summary(f.data, key, kpi), f.effect(key, kpi)))
    return effects.level_effects(kpi, f.subject(t_name), parts)


def _free_but_unknown(f: _Focus, t_name: str) -> dict | None:
    """Unit-minutes a unit was free while the room's board had it busy."""
    return _board_level(f, t_name, "idle_unknown_unit_min")


def _reinforcement_wait(f: _Focus, t_name: str) -> dict | None:
    """How long requests for more units waited, and how many never arrived."""
    return effects.joined(
        _board_level(f, t_name, "reinforcement_delay_mean_min"),
        _board_level(f, t_name, "lost_reinforcement_requests"),
    )


def _noodknop_answer(f: _Focus, t_name: str) -> dict | None:
    """Whether a noodknop was answered more slowly than without an outage."""
    return _board_level(f, t_name, "noodknop_ack_mean_s")


def _caco_decision(f: _Focus, t_name: str) -> dict | None:
    """How long the fallback decision took from noticing, per procedure: the wait for the CaCo included."""
    kpi = "caco_decision_delay_min"
    parts = []
    for p_name, proc in f.options(t_name).items():
        s = _summary(f.data, f.key(t_name, f.longest, p_name), kpi)
        if s and finite(s.get("mean")):
            parts.append((_label(proc, "nl"), _label(proc, "en"), s))
    if not parts:
        return None
    subject_nl, subject_en = f.subject(t_name)
    return {
        "nl": f"{subject_nl}: van het opmerken van de storing tot het besluit van de CaCo (de CaCo maakt eerst "
        f"af waar hij mee bezig is): " + "; ".join(f"'{nl}' {mean_pm(kpi, s)}" for nl, _, s in parts) + ".",
        "en": f"{subject_en}: from noticing the outage to the CaCo's decision (the CaCo first finishes the task "
        f"in hand): " + "; ".join(f"'{en}' {mean_pm(kpi, s, 'en')}" for _, en, s in parts) + ".",
    }


def _workload(f: _Focus) -> dict | None:
    """How busy the room is without an outage at the heaviest load: the margin an outage eats."""
    peak, whole, caco = (
        f.baseline(kpi) for kpi in ("centralist_utilisation_peak_hour", "centralist_utilisation", "caco_utilisation")
    )
    if not (peak and finite(peak.get("mean"))):
        return None
    return {
        "nl": f"Werkdruk zonder storing ({f.load('nl')}): de centralisten zijn in het drukste uur {_pm_pct(peak)} "
        f"van hun tijd bezet en over de hele periode {_pm_pct(whole)}; de CaCo {_pm_pct(caco)}. Dat is de ruimte "
        f"die een storing opeet.",
        "en": f"Workload without an outage ({f.load('en')}): the centralists are busy {_pm_pct(peak)} of their time "
        f"in the busiest hour and {_pm_pct(whole)} over the whole period; the CaCo {_pm_pct(caco)}. That is the "
        f"margin an outage eats.",
    }


def _load_matters(f: _Focus) -> dict | None:
    """The same outage on a lighter night and at the heaviest load."""
    matrix = f.data["matrix"]
    loads, targets = matrix["loads"], matrix["targets"]
    others = [load for load in loads if load != f.heavy]
    if not others:
        return None
    light = others[0]
    first_target = next(iter(targets))
    proc = next((p for p in f.options(first_target) if p != f.reference), f.reference)
    a = _summary(f.data, cell_key(light, first_target, f.longest, proc), SHARE_KPI)
    b = _summary(f.data, cell_key(f.heavy, first_target, f.longest, proc), SHARE_KPI)
    if not (a and b):
        return None
    return {
        "nl": f"Belasting telt: bij een {_duration_text(f.longest, 'nl')} {_label(targets[first_target], 'nl')} met "
        f"'{_label(f.procedures[proc], 'nl')}' wordt de 60 s-norm gehaald bij {_pm_pct(a)} "
        f"({_label(loads[light], 'nl').lower()}) tegen {_pm_pct(b)} ({f.load('nl')}).",
        "en": f"Load matters: in a {_duration_text(f.longest, 'en')} {_label(targets[first_target], 'en')} with "
        f"'{_label(f.procedures[proc], 'en')}' the 60 s norm is met for {_pm_pct(a)} "
        f"({_label(loads[light], 'en')}) against {_pm_pct(b)} ({f.load('en')}).",
    }


def _sensitivity_finding(kpi: str, rows: list[dict]) -> dict | None:
    """Which fallback parameter moves the KPI most (and which next)."""
    if not rows:
        return None
    top = rows[0]
    k_nl, k_en = labels.kpi(kpi)
    p_nl, p_en = parameter_label(top["parameter"])
    second_nl = second_en = ""
    if len(rows) > 1:
        q_nl, q_en = parameter_label(rows[1]["parameter"])
        second_nl = f"; daarna {q_nl} (bereik {value_text(kpi, rows[1]['range'])})"
        second_en = f"; next {q_en} (range {value_text(kpi, rows[1]['range'], lang='en')})"
    return {
        "nl": f"Gevoeligheid ({k_nl}): {p_nl} heeft de meeste invloed: van {top['low_value']} naar "
        f"{top['high_value']} gaat {k_nl} van {value_text(kpi, top['low'])} naar "
        f"{value_text(kpi, top['high'])} (basis {value_text(kpi, top['base'])}){second_nl}.",
        "en": f"Sensitivity ({k_en}): {p_en} matters most: from {top['low_value']} to "
        f"{top['high_value']}, {k_en} goes from {value_text(kpi, top['low'], lang='en')} to "
        f"{value_text(kpi, top['high'], lang='en')} (base {value_text(kpi, top['base'], lang='en')})"
        f"{second_en}.",
    }


#: one finding each per outage target, in the order they are listed
TARGET_FINDINGS = (
    _norm_per_procedure,
    _units_out_of_reach,
    _response_when_reachable,
    _best_procedure,
    _degradation_with_duration,
    _share_drop,
    _response_effect,
    _free_but_unknown,
    _reinforcement_wait,
    _noodknop_answer,
    _caco_decision,
)


def findings(data: dict) -> list[dict[str, str]]:
    """Plain-language findings in Dutch and English, each built from numbers in ``data``."""
    durations = data["matrix"]["durations_min"]
    focus = _Focus(data, heaviest_load(data), max(durations), min(durations), reference_procedure(data["matrix"]))
    found = [_workload(focus)]
    found += [finding(focus, t_name) for t_name in data["matrix"]["targets"] for finding in TARGET_FINDINGS]
    found.append(scope.finding(data, focus.heavy, focus.longest))
    found.append(_load_matters(focus))
    found += [_sensitivity_finding(kpi, rows) for kpi, rows in tornado_rows(data).items()]
    return [f for f in found if f is not None]


def parameter_label(path: str) -> tuple[str, str]:
    nl, en = PARAMETERS_NL.get(path, (path, path))
    return (f"{nl} [{path}]", f"{en} [{path}]") if path in PARAMETERS_NL else (nl, en)


def tornado_rows(data: dict) -> dict[str, list[dict]]:
    """Per sensitivity KPI: parameters with the KPI at low and high, sorted by the size of the swing."""
    sens = data["matrix"].get("sensitivity")
    if not sens:
        return {}
    base_key = cell_key(sens["load"], sens["target"], sens["duration_min"], sens["procedure"])
    by_param: dict[str, dict] = {}
    for key, cell in data["cells"].items():
        if cell["kind"] == "sensitivity":
            by_param.setdefault(cell["parameter"], {})[cell["level"]] = (key, cell["value"])
    out = {}
    for kpi in sens["kpis"]:
        base = _mean(data, base_key, kpi)
        rows = []
        for param, levels in by_param.items():
            if "low" not in levels or "high" not in levels:
                continue
            low, high = _mean(data, levels["low"][0], kpi), _mean(data, levels["high"][0], kpi)
            swing = abs(high - low) if finite(low) and finite(high) else math.nan
            rows.append(
                {
                    "parameter": param,
                    "low_key": levels["low"][0],
                    "high_key": levels["high"][0],
                    "low_value": _value_words(levels["low"][1]),
                    "high_value": _value_words(levels["high"][1]),
                    "low": low,
                    "high": high,
                    "base": base,
                    "base_key": base_key,
                    "range": swing,
                }
            )
        rows.sort(key=lambda r: (-(r["range"] if finite(r["range"]) else -1), r["parameter"]))
        out[kpi] = rows
    return out


def _value_words(value) -> str:
    if isinstance(value, dict):
        nl, _en = words.dist_text(value)
        return nl
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


# --- rendering -----------------------------------------------------------------------------
REPORT_CSS = """
.finding { margin: 6px 0; }
.finding .en { display: block; }
table.results td, table.results th { font-size: 8.5pt; }
.question { font-size: 13pt; font-weight: 600; }
.md table td, .md table th { font-size: 8.5pt; }
.md h1 { font-size: 13pt; } .md h2 { font-size: 12pt; border: none; } .md h3 { font-size: 11pt; }
.md ul li { font-size: 9pt; }
.toc a { margin-right: 12px; }
table.effects .ci { color: #586069; font-size: 7pt; font-weight: normal; }
table.effects th.num { white-space: normal; }
table.effects td, table.effects th { font-size: 8pt; padding: 2px 4px; }
"""

PROC_COLOURS = ("#b3261e", "#0b5cad", "#1a7f37", "#9a6700", "#6f42c1", "#57606a")


def _markdown(name: str) -> str:
    """A bundled document (docs/NAME, shipped in the package) as HTML."""
    text = doc_text(name)
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(text)
    # images and external resources never load from the page (no network): drop <img>
    rendered = re.sub(r"<img[^>]*>", "", rendered)
    return f'<div class="md">{rendered}</div>'


def _cell_td(data: dict, key: str, kpi: str) -> str:
    s = _summary(data, key, kpi)
    mean = s.get("mean")
    attrs = f'data-cell="{esc(key)}" data-kpi="{esc(kpi)}" data-mean="{json.dumps(mean)}"'
    return f'<td class="num" {attrs}>{esc(mean_pm(kpi, s))}</td>'


def _results_table(data: dict, target: str, load: str, kpis: list[str], *, effect: bool = False) -> str:
    """Per procedure and duration (rows), the KPIs (columns): mean ± CI half-width; with ``effect`` the
    paired difference with the load's no-outage run and its 95 % CI. The first row is the no-outage
    level itself."""
    matrix = data["matrix"]
    td = _effect_td if effect else _cell_td

    def unit(k: str) -> str:
        if not effect:
            return unit_label(k)
        return "Δ " + ("procentpunt" if metric_of(k).unit == "share" else unit_label(k))

    head = "".join(
        f'<th class="num">{_t(*labels.kpi(k))}<br><span class="muted small">{esc(unit(k))}</span></th>' for k in kpis
    )
    no_outage = ("geen storing (niveau)", "no outage (level)") if effect else ("geen storing", "no outage")
    rows = [
        f"<tr><th>{_t('Procedure', 'Procedure')}</th><th class='num'>{_t('Duur (min)', 'Duration (min)')}</th>"
        f"{head}</tr>",
        f"<tr><td><em>{_t(*no_outage)}</em></td><td class='num'>0</td>"
        + "".join(_cell_td(data, f"{load}__baseline", k) for k in kpis)
        + "</tr>",
    ]
    for p_name, proc in matrix["procedures"].items():
        if not runs_for(proc, target):
            continue
        for duration in matrix["durations_min"]:
            key = cell_key(load, target, duration, p_name)
            rows.append(
                f"<tr><td>{_t(_label(proc, 'nl'), _label(proc, 'en'))}</td><td class='num'>{duration:g}</td>"
                + "".join(td(data, key, k) for k in kpis)
                + "</tr>"
            )
    return f'<table class="results{" effects" if effect else ""}">' + "\n".join(rows) + "</table>"


def _effect_td(data: dict, key: str, kpi: str) -> str:
    """A cell's paired difference with its load's no-outage run: the mean and under it the 95 % CI."""
    d = data.get("effects", {}).get(key, {}).get("kpis", {}).get(kpi) or {}
    tone = effects.tone(kpi, d)
    attrs = (
        f'data-effect="{esc(key)}" data-kpi="{esc(kpi)}" data-diff="{json.dumps(d.get("mean"))}" '
        f'data-low="{json.dumps(d.get("ci95_low"))}" data-high="{json.dumps(d.get("ci95_high"))}" '
        f'data-significant="{str(effects.significant(d)).lower()}"'
    )
    ci = effects.ci_text(kpi, d)
    return (
        f'<td class="num{" " + tone if tone else ""}" {attrs}>{esc(effects.signed(kpi, d.get("mean"), unit=False))}'
        + (f'<br><span class="ci">{esc(ci)}</span>' if ci else "")
        + "</td>"
    )


def _duration_figure(data: dict, target: str):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    matrix = data["matrix"]
    loads = list(matrix["loads"])
    kpis = matrix["figure_kpis"]
    titles = []
    for k in kpis:
        for load in loads:
            titles.append(f"{labels.kpi(k)[0]} ({unit_label(k)}) · {_label(matrix['loads'][load], 'nl')}")
    fig = make_subplots(
        rows=len(kpis), cols=len(loads), subplot_titles=titles, vertical_spacing=0.06, horizontal_spacing=0.08
    )
    durations = matrix["durations_min"]
    for p_i, (p_name, proc) in enumerate(matrix["procedures"].items()):
        colour = PROC_COLOURS[p_i % len(PROC_COLOURS)]
        if not runs_for(proc, target):
            continue
        for r, kpi in enumerate(kpis, start=1):
            scale = 100 if metric_of(kpi).unit == "share" else 1
            for c, load in enumerate(loads, start=1):
                ys, es = [], []
                for d in durations:
                    s = _summary(data, cell_key(load, target, d, p_name), kpi)
                    m, hw = s.get("mean"), half_width(s)
                    ys.append(round(m * scale, 6) if finite(m) else None)
                    es.append(round(hw * scale, 6) if finite(hw) else None)
                fig.add_trace(
                    go.Scatter(
                        x=durations,
                        y=ys,
                        error_y={"type": "data", "array": es, "visible": True, "thickness": 1, "width": 3},
                        mode="lines+markers",
                        name=f"{proc['label']}",
                        legendgroup=p_name,
                        showlegend=(r == 1 and c == 1),
                        line={"color": colour, "width": 2},
                    ),
                    row=r,
                    col=c,
                )
    for r, kpi in enumerate(kpis, start=1):
        scale = 100 if metric_of(kpi).unit == "share" else 1
        for c, load in enumerate(loads, start=1):
            m = _mean(data, f"{load}__baseline", kpi)
            if finite(m):
                fig.add_trace(
                    go.Scatter(
                        x=[durations[0], durations[-1]],
                        y=[round(m * scale, 6)] * 2,
                        mode="lines",
                        name="geen storing / no outage",
                        legendgroup="baseline",
                        showlegend=(r == 1 and c == 1),
                        line={"color": "#8c959f", "dash": "dash", "width": 1},
                    ),
                    row=r,
                    col=c,
                )
            fig.update_xaxes(
                title_text="duur storing (min)" if r == len(kpis) else None, tickvals=durations, row=r, col=c
            )
    fig.update_annotations(font_size=10)
    fig.update_layout(
        template="simple_white",
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.04, "x": 0, "yanchor": "bottom"},
        font={"size": 10},
    )
    return fig


def _tornado_figure(kpi: str, rows: list[dict]):
    import plotly.graph_objects as go

    scale = 100 if metric_of(kpi).unit == "share" else 1
    ordered = list(reversed(rows))  # biggest swing on top
    names = [PARAMETERS_NL.get(r["parameter"], (r["parameter"],))[0] for r in ordered]
    base = rows[0]["base"] * scale if rows and finite(rows[0]["base"]) else 0
    fig = go.Figure()
    for level, colour in (("low", "#0b5cad"), ("high", "#b3261e")):
        fig.add_trace(
            go.Bar(
                y=names,
                x=[round((r[level] * scale - base), 6) if finite(r[level]) else 0 for r in ordered],
                base=base,
                orientation="h",
                name=f"{'laag' if level == 'low' else 'hoog'} / {level}",
                marker_color=colour,
                text=[r[f"{level}_value"] for r in ordered],
                textposition="auto",
            )
        )
    fig.add_vline(x=base, line={"color": "#1b1f23", "width": 1})
    k_nl, _ = labels.kpi(kpi)
    fig.update_layout(
        barmode="group",
        template="simple_white",
        height=140 + 55 * len(rows),
        margin={"l": 220, "r": 10, "t": 30, "b": 40},
        xaxis_title=f"{k_nl} ({unit_label(kpi)})",
        legend={"orientation": "h", "y": 1.1},
        font={"size": 10},
    )
    return fig


def _design_section(data: dict) -> str:
    matrix = data["matrix"]
    cells = data["cells"]
    parts = []
    rows = []
    for l_name, load in matrix["loads"].items():
        base = cells.get(f"{l_name}__baseline", {})
        horizon = base.get("horizon") or {}
        incidents = _summary(data, f"{l_name}__baseline", "incidents")
        rows.append(
            f"<tr><td>{_t(load['label'], load.get('label_en') or load['label'])}</td><td>{esc(load['base'])}</td>"
            f"<td>{esc(str(horizon.get('start', '')))} + {number(horizon.get('duration_min'), 0)} min "
            f"(warm-up {number(horizon.get('warmup_min'), 0)})</td>"
            f"<td class='num'>{esc(mean_pm('incidents', incidents))}</td></tr>"
        )
    parts.append(
        f"<h3>{_t('Belastingsniveaus', 'Load levels')}</h3><table><tr><th>{_t('Niveau', 'Level')}</th>"
        f"<th>{_t('Basisscenario', 'Base scenario')}</th><th>{_t('Horizon', 'Horizon')}</th>"
        f"<th class='num'>{_t('Incidenten (geen storing)', 'Incidents (no outage)')}</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    rows = []
    for _t_name, target in matrix["targets"].items():
        r_nl, r_en = labels.regions(target.get("regions"))
        tn, te = labels.target(target["target"])
        rows.append(
            f"<tr><td>{_t(target['label'], target.get('label_en') or target['label'])}</td>"
            f"<td>{_t(tn, te)}</td><td>{_t(r_nl, r_en)}</td><td class='num'>"
            f"{target.get('capacity_factor', 0) * 100:.0f} %</td></tr>"
        )
    start = matrix["outage_start"]
    start_nl = f"Start: {start} (t.o.v. het begin van de horizon); duren: "
    start_en = f"Start: {start} (relative to the horizon start); durations: "
    parts.append(
        f"<h3>{_t('Storingen', 'Outages')}</h3><p>{_t(start_nl, start_en)}"
        f"{esc(', '.join(f'{d:g}' for d in matrix['durations_min']))} min.</p>"
        f"<table><tr><th>{_t('Soort', 'Kind')}</th><th>{_t('Doel', 'Target')}</th>"
        f"<th>{_t('Regio', 'Regions')}</th><th class='num'>{_t('Restcapaciteit', 'Capacity left')}</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    rows = []
    for p_name, proc in matrix["procedures"].items():
        texts = []
        for t_name in matrix["targets"]:
            key = cell_key(next(iter(matrix["loads"])), t_name, matrix["durations_min"][0], p_name)
            cell = cells.get(key)
            if not cell:
                continue
            nl, en = words.procedure_text(cell["procedure_spec"], cell["channels"])
            texts.append(f"<p><strong>{esc(matrix['targets'][t_name]['label'])}:</strong> {_t(nl, en)}</p>")
        rows.append(
            f"<tr><td>{_t(proc['label'], proc.get('label_en') or proc['label'])}</td><td>{''.join(texts)}</td></tr>"
        )
    parts.append(
        f"<h3>{_t('Terugvalprocedures', 'Fallback procedures')}</h3><table><tr><th>"
        f"{_t('Procedure', 'Procedure')}</th>"
        f"<th>{_t('In woorden (uit de scenario-manifesten)', 'In words (from the scenario manifests)')}</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return "\n".join(parts)


def _versions_table(data: dict) -> str:
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(str(v))}</td></tr>" for k, v in data["versions"].items())
    load = data.get("load_average_at_start")
    load_text = ", ".join(f"{x:.2f}" for x in load) if load else "–"
    n_cells = len(data["cells"])
    return (
        f"<table class='small'><tr><th>{_t('Eigenschap', 'Property')}</th><th>{_t('Waarde', 'Value')}</th></tr>"
        f"<tr><td>matrix</td><td>{esc(data['matrix_file'])}</td></tr>"
        f"<tr><td>{_t('resultaatmap', 'result directory')}</td><td>{esc(data['run_dir'])}</td></tr>"
        f"<tr><td>seed</td><td>{data['seed']}</td></tr>"
        f"<tr><td>{_t('replicaties per cel', 'replications per cell')}</td><td>{data['replications']}</td></tr>"
        f"<tr><td>{_t('cellen (scenario’s)', 'cells (scenarios)')}</td><td>{n_cells}</td></tr>"
        f"<tr><td>{_t('processen', 'processes')}</td><td>{data['jobs']} (cpu's: {data.get('cpu_count')})</td></tr>"
        f"<tr><td>{_t('rekentijd (één pool)', 'run time (one pool)')}</td><td>{number(data['wall_time_s'])} s; "
        f"load average {esc(load_text)}</td></tr>"
        f"<tr><td>SimPy events</td><td>{data.get('simpy_events')}</td></tr>"
        f"<tr><td>{_t('gestart / klaar', 'started / finished')}</td>"
        f"<td>{esc(data['started'])} / {esc(data['finished'])}</td></tr>"
        f"<tr><td>git commit</td><td>{esc(str(data['git_commit']))}</td></tr>"
        f"<tr><td>platform</td><td>{esc(str(data.get('platform')))}</td></tr>{rows}</table>"
    )


MODEL_SUMMARY_NL = (
    "meldsim is een discrete-event-simulatie (SimPy) van de brandweer/multi-tafel van Meldkamer Oost-Nederland "
    "(MKBM). Incidenten komen binnen als niet-homogeen Poissonproces per uur van de dag (normale nacht of "
    "oudejaarsnacht), verdeeld over vijf regio's en zes incidentsoorten; elk incident brengt een eerste 112-melding "
    "en herhaalmeldingen. Centralisten (volgens rooster) nemen aan, geven uit en voeren radioverkeer; P2000 "
    "alarmeert, eenheden rukken uit, rijden, zijn ter plaatse en melden status. Elk kanaal (eOCS, statusknoppen, "
    "P2000, portofoons in de meldkamer, telefoon, SMS-alarmering, ...) is een pool met een capaciteit die in de tijd "
    "verandert: een storing zet de capaciteit van kanalen die het doel niet overleven op nul, een terugvalprocedure "
    "(detectie, besluit CaCo, terugvalkanalen op volgorde, escalaties) zet kanalen aan. Een bericht dat geen kanaal "
    "vindt wacht; na het geduld van 15 min telt het als niet afgeleverd."
)
MODEL_SUMMARY_EN = (
    "meldsim is a discrete-event simulation (SimPy) of the fire/multi desk of Meldkamer Oost-Nederland (MKBM). "
    "Incidents arrive as a non-homogeneous Poisson process by hour of day (normal night or New Year's Eve), split "
    "over five regions and six incident types; each brings a first 112 call and duplicate calls. Centralists (on a "
    "roster) take calls, dispatch and handle radio traffic; P2000 alarms, units turn out, drive, work on the scene "
    "and report statuses. Every channel (eOCS, status buttons, P2000, sets in the room, telephone, SMS alarming, ...) "
    "is a pool whose capacity changes over time: an outage sets the capacity of channels that do not survive its "
    "target to zero, a fallback procedure (detection, CaCo decision, fallback channels in order, escalations) "
    "switches channels on. A message that finds no channel waits; after the 15 min patience it counts as "
    "undelivered."
)


INTRO_NL = (
    "De Inspectie JenV kijkt naar continuïteitsplannen, hoe terugvalopties werken als ze gebruikt worden, "
    "besluitvorming en coördinatie tijdens de storing, en hoe medewerkers zijn voorbereid. Dit rapport beantwoordt "
    "het kwantitatieve deel: hoe verslechteren de prestaties van de meldkamer en de communicatie met eenheden met de "
    "duur van een storing, per terugvalprocedure en belasting, en welke parameters van de terugval het meest uitmaken."
)
INTRO_EN = (
    "The Inspectorate looks at continuity plans, how fallback options work when used, decision making and "
    "coordination during the outage, and how staff are prepared. This report answers the quantitative part: how the "
    "room and its communication with units degrade with the duration of an outage, per fallback procedure and load, "
    "and which fallback parameters matter most."
)
FINDINGS_NOTE_NL = (
    "Gegenereerd uit de getallen van deze run (gemiddelde ± halve breedte van het 95%-betrouwbaarheidsinterval "
    "over replicaties)."
)
FINDINGS_NOTE_EN = (
    "Generated from the numbers of this run (mean ± half-width of the 95 % confidence interval over replications)."
)
ASSUMPTIONS_NOTE_NL = "Letterlijk uit docs/assumptions.md (E = schatting; domain §n = shared/domain.md met bronnen)."
ASSUMPTIONS_NOTE_EN = "Verbatim from docs/assumptions.md (E = estimate; domain §n = shared/domain.md with sources)."
DATA_NOTE_NL = (
    "Alle getallen komen uit de resultaatmap hieronder (summary.json per cel) en staan ook als JSON in deze pagina "
    "(script#meldsim-data). Opnieuw maken:"
)
DATA_NOTE_EN = (
    "Every number comes from the result directory below (summary.json per cell) and is also embedded as JSON in "
    "this page (script#meldsim-data). To rebuild:"
)
FIGURES_NOTE_NL = (
    "Figuren: KPI tegen de duur van de storing, per procedure (lijnen, foutbalken = halve breedte 95%-BI) en "
    "belasting (kolommen); gestreept: zonder storing. Tabellen: gemiddelde ± halve breedte 95%-BI. Tabellen "
    "'effect op de respons' en 'beeld van de meldkamer': per cel het gepaarde verschil (Δ) met dezelfde belasting "
    "zonder storing (zelfde seeds), eronder het 95%-BI; groen/rood = significant beter/slechter (het BI sluit 0 uit)."
)
FIGURES_NOTE_EN = (
    "Figures: KPI against outage duration, per procedure (lines, error bars = 95 % CI half-width) and load "
    "(columns); dashed: no outage. Tables: mean ± 95 % CI half-width. Tables 'effect on the response' and 'the "
    "room's picture of its units': per cell the paired difference (Δ) with the same load without an outage (same "
    "seeds), under it the 95 % CI; green/red = significantly better/worse (the CI excludes 0)."
)


def render(data: dict) -> str:
    """The report page from ``collect``'s data (plus the findings built from it)."""
    matrix = data["matrix"]
    figures = Figures()
    found = findings(data)
    title_nl = matrix.get("title") or f"Onderzoeksrapport {matrix['name']}"
    sections = []
    sections.append(
        f"<h1>{esc(title_nl)}</h1><p class='muted'>{esc(matrix.get('description') or '')}</p>"
        f"<p class='noprint toc small'>"
        + "".join(
            f"<a href='#{i}'>{esc(n)}</a>"
            for i, n in (
                ("vraag", "Vraag"),
                ("bevindingen", "Bevindingen"),
                ("methode", "Methode"),
                ("resultaten", "Resultaten"),
                ("gevoeligheid", "Gevoeligheid"),
                ("aannames", "Aannames"),
                ("stress-des", "STRESS-DES"),
                ("gegevens", "Gegevens"),
            )
        )
        + "</p>"
    )
    sections.append(
        f"<section id='vraag'><h2>{_t('1. Onderzoeksvraag', '1. Research question')}</h2>"
        f"<p class='question'>{esc(QUESTION_NL)}</p><p class='en'>{esc(QUESTION_EN)}</p>"
        f"<p>{_t(INTRO_NL, INTRO_EN)}</p></section>"
    )
    items = "".join(
        f"<li class='finding' data-finding='{i}'>{esc(f['nl'])}<span class='en'>{esc(f['en'])}</span></li>"
        for i, f in enumerate(found)
    )
    sections.append(
        f"<section id='bevindingen'><h2>{_t('2. Bevindingen', '2. Findings')}</h2>"
        f"<p class='small muted'>{_t(FINDINGS_NOTE_NL, FINDINGS_NOTE_EN)}</p>"
        f"<ul>{items}</ul></section>"
    )
    sections.append(_method_section(data))
    sections.append(_results_section(data, figures))
    sections.append(_sensitivity_section(data, figures))
    sections.append(
        f"<section id='aannames'><h2>{_t('6. Aannames en bronnen', '6. Assumptions and sources')}</h2>"
        f"<p class='small'>{_t(ASSUMPTIONS_NOTE_NL, ASSUMPTIONS_NOTE_EN)}</p>"
        + _markdown("assumptions.md")
        + "</section>"
    )
    sections.append(
        f"<section id='stress-des'><h2>{_t('7. STRESS-DES-checklist', '7. STRESS-DES checklist')}</h2>"
        + _stress_run_table(data)
        + _markdown("stress_des.md")
        + "</section>"
    )
    blob = json.dumps(_clean({**data, "findings": found}), sort_keys=True, allow_nan=False).replace("</", "<\\/")
    sections.append(
        f"<section id='gegevens'><h2>{_t('8. Gegevens en reproductie', '8. Data and reproduction')}</h2>"
        f"<p>{_t(DATA_NOTE_NL, DATA_NOTE_EN)}</p>"
        f"<pre class='small'>meldsim report {esc(data['matrix_file'])} --seed {data['seed']} "
        f"--replications {data['replications']} --out report.html\n"
        f"meldsim report {esc(data['matrix_file'])} --from-run {esc(data['run_dir'])} --out report.html</pre>"
        f"<script type='application/json' id='meldsim-data'>{blob}</script></section>"
    )
    return document(title_nl, "\n".join(sections), lang="nl", css=REPORT_CSS)


def _method_section(data: dict) -> str:
    """Section 3: the model, the experiment (cells, seeds, one pool), versions and run time."""
    reps, seed = data["replications"], data["seed"]
    experiment_nl = (
        f"Elke cel van de matrix (belasting × storing × duur × procedure, plus een run zonder storing per "
        f"belasting en de gevoeligheidspunten) draait {reps} replicaties met seed {seed}: replicatie i "
        f"gebruikt in elke cel dezelfde toevalsstromen (common random numbers), zodat verschillen tussen "
        f"procedures gepaard worden geschat. Alle cellen draaien in één procespool."
    )
    experiment_en = (
        f"Every cell of the matrix (load × outage × duration × procedure, plus a no-outage run per load "
        f"and the sensitivity points) runs {reps} replications with seed {seed}: replication i uses the "
        f"same random streams in every cell (common random numbers), so differences between procedures "
        f"are estimated paired. All cells run in one process pool."
    )
    return (
        f"<section id='methode'><h2>{_t('3. Methode', '3. Method')}</h2>"
        f"<h3>{_t('Model', 'Model')}</h3><p>{esc(MODEL_SUMMARY_NL)}</p><p class='en'>{esc(MODEL_SUMMARY_EN)}</p>"
        f"<h3>{_t('Experiment', 'Experiment')}</h3>"
        f"<p>{_t(experiment_nl, experiment_en)}</p>"
        + _design_section(data)
        + _validation_section(data)
        + f"<h3>{_t('Versies en rekentijd', 'Versions and run time')}</h3>"
        + _versions_table(data)
        + "</section>"
    )


def _validation_section(data: dict) -> str:
    """Issue 15: the response times of priority-1 fires per region beside CBS 2019, from the
    lightest load's no-outage run (New Year's Eve is no year's average)."""
    loads = [name for name in data["matrix"]["loads"] if f"{name}__baseline" in data["cells"]]
    if not loads:
        return ""
    light = min(loads, key=lambda name: _mean(data, f"{name}__baseline", "incidents"))
    key = f"{light}__baseline"
    regions = data["cells"][key].get("regions") or list(validation.CBS_83123NED_2019)
    rows = validation.response_rows(lambda kpi: _summary(data, key, kpi), regions)
    if not any(finite(c.model.get("mean")) for _, cells in rows for c in cells.values()):
        return ""
    label_nl, label_en = _label(data["matrix"]["loads"][light], "nl"), _label(data["matrix"]["loads"][light], "en")
    note_nl = (
        f"Gemiddelden over replicaties met 95%-BI, run zonder storing bij belasting '{label_nl}', naast CBS 2019 "
        f"(jaargemiddelde). {validation.DEFINITIONS_NL} Tolerantie: responstijd ±10 %, uitruk en rij ±15 % "
        "(✓/✗). De posten zijn bij benadering gereconstrueerd en de rij- en uitrukfactoren per regio zijn op "
        "deze CBS-cijfers gefit; de toets over een heel etmaal staat in docs/calibration.md."
    )
    note_en = (
        f"Means over replications with 95 % CI, no-outage run at load '{label_en}', beside CBS 2019 (a year's "
        f"average). {validation.DEFINITIONS_EN} Tolerance: response ±10 %, uitruk and rij ±15 % (✓/✗). The posts "
        "are an approximate reconstruction and the per-region drive and turnout factors are fitted to these CBS "
        "figures; the whole-day check is in docs/calibration.md."
    )
    title = _t(
        "Validatie: responstijd prio-1-branden tegen CBS 2019",
        "Validation: response time of priority-1 fires against CBS 2019",
    )
    return f"<h3 id='validatie'>{title}</h3><p>{_t(note_nl, note_en)}</p>" + validation.html_table(rows)


def _results_section(data: dict, figures: Figures) -> str:
    """Section 4: per outage target, the KPIs against the duration and the tables per load."""
    matrix = data["matrix"]
    results = [
        f"<section id='resultaten'><h2>{_t('4. Resultaten per storingssoort', '4. Results per outage type')}</h2>"
        f"<p class='small'>{_t(FIGURES_NOTE_NL, FIGURES_NOTE_EN)}</p>"
    ]
    for t_name, target in matrix["targets"].items():
        results.append(
            f"<h3 id='target-{esc(t_name)}'>{_t(target['label'], target.get('label_en') or target['label'])}</h3>"
        )
        fig = _duration_figure(data, t_name)
        results.append(
            figures.html(fig, f"fig-duration-{t_name}", width=760, height=230 * len(matrix["figure_kpis"]) + 80)
        )
        for l_name, load in matrix["loads"].items():
            results.append(
                f"<h4>{_t(load['label'] + ': meldkamer', (load.get('label_en') or load['label']) + ': the room')}</h4>"
            )
            results.append(_results_table(data, t_name, l_name, matrix["room_kpis"]))
            load_en = load.get("label_en") or load["label"]
            results.append(f"<h4>{_t(load['label'] + ': communicatie', load_en + ': communication')}</h4>")
            results.append(_results_table(data, t_name, l_name, matrix["communication_kpis"]))
            for kpis, what_nl, what_en in (
                (matrix.get("response_kpis", RESPONSE_KPIS), "effect op de respons", "effect on the response"),
                (matrix.get("board_kpis", BOARD_KPIS), "beeld van de meldkamer", "the room's picture of its units"),
            ):
                results.append(f"<h4>{_t(load['label'] + ': ' + what_nl, load_en + ': ' + what_en)}</h4>")
                results.append(_results_table(data, t_name, l_name, list(kpis), effect=True))
    results.append(scope.section(data))
    results.append("</section>")
    return "\n".join(results)


def _sensitivity_section(data: dict, figures: Figures) -> str:
    """Section 5: a tornado figure and table per sensitivity KPI."""
    sens = data["matrix"].get("sensitivity")
    sens_html = [
        f"<section id='gevoeligheid'>"
        f"<h2>{_t('5. Welke terugvalparameters tellen het meest', '5. Which fallback parameters matter most')}</h2>"
    ]
    if sens:
        base_key = cell_key(sens["load"], sens["target"], sens["duration_min"], sens["procedure"])
        oat_nl = (
            f"Eén-voor-één-gevoeligheid (tornado) rond de cel {base_key}: elke parameter op een lage en een hoge "
            f"waarde, de rest op de basis; dezelfde seeds."
        )
        oat_en = (
            f"One-at-a-time sensitivity (tornado) around cell {base_key}: each parameter at a low and a high value, "
            f"the rest at base; the same seeds."
        )
        sens_html.append(f"<p>{_t(oat_nl, oat_en)}</p>")
        for kpi, rows in tornado_rows(data).items():
            k_nl, k_en = labels.kpi(kpi)
            sens_html.append(f"<h3>{_t(k_nl, k_en)}</h3>")
            if rows:
                sens_html.append(figures.html(_tornado_figure(kpi, rows), f"fig-tornado-{kpi}", width=760))
            sens_html.append(_tornado_table(data, kpi, rows, base_key))
    else:
        sens_html.append(
            f"<p>{_t('Deze matrix heeft geen gevoeligheidsanalyse.', 'This matrix has no sensitivity analysis.')}</p>"
        )
    sens_html.append("</section>")
    return "\n".join(sens_html)


def _tornado_table(data: dict, kpi: str, rows: list[dict], base_key: str) -> str:
    """Each parameter's low and high cell, its range and the paired difference high − low."""
    k_nl, _ = labels.kpi(kpi)
    table = [
        f"<table class='results'><tr><th>{_t('Parameter', 'Parameter')}</th><th>{_t('laag', 'low')}</th>"
        f"<th class='num'>{esc(k_nl)} ({_t('laag', 'low')})</th><th>{_t('hoog', 'high')}</th>"
        f"<th class='num'>{esc(k_nl)} ({_t('hoog', 'high')})</th><th class='num'>{_t('bereik', 'range')}</th>"
        f"<th class='num'>{_t('gepaard hoog − laag [95%-BI]', 'paired high − low [95 % CI]')}</th></tr>"
    ]
    oat = {r["param"]: r for r in (data.get("oat") or {}).get(kpi, [])}
    for r in rows:
        d = oat.get(r["parameter"])
        paired = (
            (
                f"{value_text(kpi, d['diff_mean'], unit=False)} [{value_text(kpi, d['diff_ci95_low'], unit=False)}"
                f", {value_text(kpi, d['diff_ci95_high'], unit=False)}]"
            )
            if d
            else "–"
        )
        table.append(
            f"<tr><td>{_t(*parameter_label(r['parameter']))}</td><td>{esc(r['low_value'])}</td>"
            f"{_cell_td(data, r['low_key'], kpi)}<td>{esc(r['high_value'])}</td>"
            f"{_cell_td(data, r['high_key'], kpi)}<td class='num'>{esc(value_text(kpi, r['range']))}</td>"
            f"<td class='num'>{esc(paired)}</td></tr>"
        )
    table.append(
        f"<tr><td><em>{_t('basis', 'base')}</em></td><td></td>{_cell_td(data, base_key, kpi)}"
        f"<td></td><td></td><td></td><td></td></tr></table>"
    )
    return "".join(table)


def _stress_run_table(data: dict) -> str:
    """The checklist items whose answers depend on this run."""
    matrix = data["matrix"]
    horizons = {load: (data["cells"].get(f"{load}__baseline") or {}).get("horizon") or {} for load in matrix["loads"]}
    init = "; ".join(
        f"{matrix['loads'][load]['label']}: warm-up {number(h.get('warmup_min'), 0)} min, "
        f"horizon {number(h.get('duration_min'), 0)} min from {h.get('start')}"
        for load, h in horizons.items()
    )
    rows = [
        (
            "1.3",
            "Experimentation aims",
            f"Scenario matrix {matrix['name']}: {len(matrix['loads'])} load levels × "
            f"{len(matrix['targets'])} outage targets × {len(matrix['durations_min'])} durations × "
            f"{len(matrix['procedures'])} procedures; one-at-a-time sensitivity on "
            f"{len((matrix.get('sensitivity') or {}).get('parameters') or {})} fallback parameters.",
        ),
        ("4.1", "Initialisation", f"Terminating (one night). Empty and idle at the start. {init}."),
        (
            "4.2",
            "Run length",
            "; ".join(
                f"{matrix['loads'][load]['label']}: {number(h.get('duration_min'), 0)} min"
                for load, h in horizons.items()
            ),
        ),
        (
            "4.3",
            "Estimation approach",
            f"{data['replications']} independent replications per cell, seed "
            f"{data['seed']}; mean and t-based 95 % CI; procedures compared by paired differences (CRN).",
        ),
        ("5.1", "Software", ", ".join(f"{k} {v}" for k, v in data["versions"].items()) + f"; {data.get('platform')}"),
        (
            "5.4",
            "System specification",
            f"{data['jobs']} worker processes on {data.get('cpu_count')} CPUs; "
            f"{number(data['wall_time_s'])} s for the matrix; load average at start "
            f"{', '.join(f'{x:.2f}' for x in (data.get('load_average_at_start') or []))} (shared machine).",
        ),
    ]
    body = "".join(f"<tr><td>{esc(n)}</td><td>{esc(t)}</td><td>{esc(a)}</td></tr>" for n, t, a in rows)
    return (
        f"<h3>{_t('Deze run', 'This run')}</h3><table class='small'><tr><th>Item</th><th>Onderdeel / item</th>"
        f"<th>{_t('Antwoord voor deze run', 'Answer for this run')}</th></tr>{body}</table>"
        "<h3>"
        f"{_t('Checklist voor het model (docs/stress_des.md)', 'Checklist for the model (docs/stress_des.md)')}</h3>"
    )


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return _clean(value.item())
    return value


def unusable_cells(run_dir: Path) -> list[str]:
    """``CELL_DIR: what is wrong`` for every cell of a finished matrix run that is damaged or unreadable,
    so a report is never rebuilt from a swapped or edited file."""
    cells = Path(run_dir) / "cells"
    if not cells.is_dir():
        return [f"{cells}: missing"]
    return [f"{d}: {info.error}" for d in sorted(cells.iterdir()) if d.is_dir() and (info := read_run_info(d)).error]


def build_report(run_dir: Path, html_path: Path) -> Path:
    """Render the report of a finished matrix run to ``html_path`` (written atomically)."""
    from sim.experiments.results import write_text_atomic

    return write_text_atomic(html_path, render(collect(run_dir)))


# --- command line --------------------------------------------------------------------------
def add_report_command(subparsers) -> argparse.ArgumentParser:
    """Register ``meldsim report`` on the sub-command set of sim/cli.py's parser."""
    p = subparsers.add_parser(
        "report", help="run a scenario matrix and write the research-question report (one self-contained HTML file)"
    )
    p.add_argument(
        "matrix",
        nargs="?",
        metavar="MATRIX",
        help="a matrix file or the name of a bundled one (default: inspectie, the standard matrix)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="REPORT.html")
    p.add_argument("--replications", "-n", type=_positive_int, help="override the matrix's replications")
    p.add_argument("--seed", type=_non_negative_int, help="override the matrix's seed")
    p.add_argument("--jobs", "-j", type=_positive_int, default=runner.default_jobs())
    p.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="root for the result directory (default results/, under reports/<matrix name>/)",
    )
    p.add_argument("--run-dir", type=Path, help="result directory for the matrix run (must not exist)")
    p.add_argument(
        "--from-run",
        type=Path,
        metavar="RUN",
        help="do not run: rebuild the report from a finished matrix result directory",
    )
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(handler=cmd_report)
    return p


def cmd_report(args) -> int:
    clock = time.perf_counter()
    if args.from_run is not None:
        if not (args.from_run / "matrix.json").is_file():
            print(f"--from-run: {args.from_run} is not a matrix result directory (no matrix.json)", file=sys.stderr)
            return 2
        problems = unusable_cells(args.from_run)
        for problem in problems:
            print(f"--from-run: {problem}", file=sys.stderr)
        if problems:
            return 2
        run_dir = args.from_run
    else:
        matrix_file = matrix_path(args.matrix)
        matrix = load_matrix(matrix_file)
        build_cells(matrix, matrix_file)  # every problem before anything runs
        if args.run_dir is not None and args.run_dir.exists():
            print(f"--run-dir: {args.run_dir} already exists; choose a new directory", file=sys.stderr)
            return 2
        options = Options(
            replications=args.replications or matrix.replications,
            seed=matrix.seed if args.seed is None else args.seed,
            jobs=args.jobs,
            keep_records=0,
        )
        progress = None if args.quiet else _progress_printer()
        run_dir = run_matrix(
            matrix_file, options, out=args.run_dir, results_root=args.results, progress=progress, matrix=matrix
        )
        if progress:
            print(file=sys.stderr)
    path = build_report(run_dir, args.out)
    print(f"report built in {time.perf_counter() - clock:.1f} s; results in {run_dir}", file=sys.stderr)
    print(path)
    return 0


def _progress_printer():
    state = {"last": -1.0, "start": time.perf_counter()}

    def update(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - state["last"] >= 2:
            state["last"] = now
            elapsed = now - state["start"]
            eta = elapsed / done * (total - done) if done else math.nan
            print(
                f"\rreport: {done}/{total} replications, {elapsed:.0f} s, ETA {eta:.0f} s   ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    return update
