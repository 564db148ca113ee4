"""Sensitivity of one KPI to scenario parameters: one-at-a-time swings and Sobol indices.

``sensitivity(base, {path: (low, high)}, kpi, options)`` writes one result directory (or
nothing, like every command in :mod:`sim.experiments.api`):

* ``method="oat"``: the base scenario, then every parameter at its low and at its high
  value with the others at base (2k + 1 points, the same seeds at every point). The table
  has one row per parameter: the KPI's mean and 95 % CI at low and at high and the swing
  ``|high - low|`` (plus the paired CI of high - low), sorted by swing: the data of a
  tornado plot.
* ``method="sobol"``: Saltelli/Sobol' sampling of the box ``[low, high]^k`` with SALib
  (``N = samples``, first and total order only: ``N (k + 2)`` points), every point run with
  ``options.replications`` replications; the mean KPI per point goes into SALib's Sobol
  analysis, which gives S1, ST and their 95 % confidence half-widths per parameter.

A parameter is a dotted path into the scenario (``channels.handhelds.capacity``,
``room.roster.0.centralists``). Where the scenario holds a whole number (a capacity, a
head count) the values are rounded; where it holds a distribution spec
(``procedure.detection_min``) the number given replaces the spec by a constant. Every point
is built and validated before anything runs; bad paths or values raise
:class:`~sim.model.loading.ScenarioError` naming the path.

Files: ``sensitivity.json`` and ``sensitivity.parquet`` (the table), ``points.parquet`` (one
row per point: parameter values and the KPI's mean and CI) and ``points/<point>/`` with each
point's run directory (manifest, summary, replications). Sobol points keep no record tables
(there are hundreds of points); OAT points keep ``options.keep_records`` as usual.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.api import Options, Progress, run_group, set_path
from sim.experiments.metrics import METRICS
from sim.experiments.results import default_run_dir, publish_dir, staged, versions, write_json
from sim.experiments.stats import paired_difference, summarise
from sim.model.loading import Problem, ScenarioError, resolve_file, scenario_from_dict

METHODS = ("oat", "sobol")
_MISSING = object()


@dataclasses.dataclass(frozen=True)
class Param:
    path: str
    low: float
    high: float
    base: object  # the value in the validated base scenario (a number or a distribution spec)
    integer: bool  # values are rounded to whole numbers

    def value(self, x: float):
        return int(round(x)) if self.integer else float(x)


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    """``path.to.field=low:high`` → (path, (low, high))."""
    path, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    if not sep or not path or not colon:
        raise ValueError(f"'{text}' is not path.to.field=low:high")
    try:
        return path.strip(), (float(low), float(high))
    except ValueError:
        raise ValueError(f"{path}: '{bounds}' is not low:high with two numbers") from None


@dataclasses.dataclass
class Plan:
    """Every point of an analysis, built and validated."""

    file: str
    name: str
    method: str
    params: list[Param]
    keys: list[str]
    settings: list[dict]
    scenarios: dict
    sobol_problem: dict | None = None


def plan(
    base: str | Path,
    params: dict[str, tuple[float, float]],
    kpi: str,
    *,
    method: str = "oat",
    samples: int = 64,
    seed: int = 1,
) -> Plan:
    """Build and validate every point; raises ScenarioError naming each bad path, nothing runs."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not '{method}'")
    if kpi.split("[", 1)[0] not in METRICS:
        raise ValueError(f"unknown KPI '{kpi}' (see sim/kpis.py)")
    if method == "sobol" and samples < 1:
        raise ValueError("samples must be at least 1")
    file = str(base)
    raw = resolve_file(base)
    base_scenario = scenario_from_dict(raw, file)
    checked, problems = check_params(base_scenario.model_dump(mode="json"), params, file)
    # the ends of every range first: their problems read best ("... (with path=high)")
    settings = [{}] + [{p.path: p.value(x)} for p in checked for x in (p.low, p.high)]
    keys = [f"point-{i:03d}" for i in range(len(settings))]
    try:
        scenarios = build_points(raw, file, settings, keys)
    except ScenarioError as exc:
        problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    if method == "oat":
        return Plan(file, base_scenario.name, method, checked, keys, settings, scenarios)
    problem = {
        "num_vars": len(checked),
        "names": [p.path for p in checked],
        "bounds": [[p.low, p.high] for p in checked],
    }
    settings = [
        {p.path: p.value(x) for p, x in zip(checked, row, strict=False)}
        for row in _sobol_sample(problem, samples, seed)
    ]
    keys = [f"sample-{i:05d}" for i in range(len(settings))]
    return Plan(
        file, base_scenario.name, method, checked, keys, settings, build_points(raw, file, settings, keys), problem
    )


def sensitivity(
    base: str | Path,
    params: dict[str, tuple[float, float]],
    kpi: str,
    options: Options | None = None,
    *,
    method: str = "oat",
    samples: int = 64,
    out: Path | None = None,
    results_root: Path = Path("results"),
    progress: Progress | None = None,
) -> Path:
    """Run a sensitivity analysis of ``kpi`` to ``params`` on ``base``; returns the result directory."""
    options = options or Options()
    points = plan(base, params, kpi, method=method, samples=samples, seed=options.seed)
    file, checked, keys, settings = points.file, points.params, points.keys, points.settings
    if method == "sobol":
        options = dataclasses.replace(options, keep_records=0)
    sobol_problem = points.sobol_problem
    name = points.name
    target = Path(out) if out else default_run_dir(Path(results_root) / "sensitivity", name)
    started = dt.datetime.now().astimezone()
    with staged(target, results_root) as staging:
        group = run_group(points.scenarios, options, {key: staging / "points" / key for key in keys}, staging, progress)
        columns = {}
        for key, writer in group.writers.items():
            writer.finish(group.manifest(key, file))
            columns[key] = writer.column(kpi)
        point_rows = [
            {
                "point": key,
                **{p.path: setting.get(p.path) for p in checked},
                "at_base": [p.path for p in checked if p.path not in setting],
                **{f"kpi_{k}": v for k, v in summarise(columns[key]).items()},
            }
            for key, setting in zip(keys, settings, strict=False)
        ]
        if method == "oat":
            rows = oat_rows(checked, keys, columns)
            extra = {"base_point": keys[0], "base_kpi": summarise(columns[keys[0]])}
        else:
            rows, extra = sobol_rows(checked, sobol_problem, columns, keys, options.seed)
        pq.write_table(pa.Table.from_pylist(rows), staging / "sensitivity.parquet")
        pq.write_table(_points_table(point_rows, checked), staging / "points.parquet")
        write_json(
            staging / "sensitivity.json",
            {
                "method": method,
                "base": file,
                "scenario_name": name,
                "kpi": kpi,
                "unit": METRICS[kpi.split("[")[0]].unit,
                "params": {
                    p.path: {"low": p.low, "high": p.high, "integer": p.integer, "base": p.base} for p in checked
                },
                "samples": samples if method == "sobol" else None,
                "points": len(keys),
                "seed": options.seed,
                "replications": group.replications,
                "precision": group.precision,
                "jobs": options.jobs,
                "executor": options.executor,
                "started": started.isoformat(timespec="seconds"),
                "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "wall_time_s": round(group.wall, 3),
                "versions": versions(),
                **extra,
                "rows": rows,
            },
        )
        return publish_dir(staging, target)


# --- points --------------------------------------------------------------------------------
def check_params(
    resolved: dict, params: dict[str, tuple[float, float]], file: str
) -> tuple[list[Param], list[Problem]]:
    """Every parameter's path looked up in the validated base scenario, its bounds checked."""
    if not params:
        raise ScenarioError([Problem(file, "--param", "give at least one parameter path=low:high")])
    checked, problems = [], []
    for path, bounds in params.items():
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            problems.append(Problem(file, path, f"bounds must be two numbers, not {bounds!r}"))
            continue
        value = _lookup(resolved, path)
        if value is _MISSING:
            problems.append(Problem(file, path, "no such field in the scenario"))
            continue
        spec = isinstance(value, dict) and "dist" in value
        if isinstance(value, bool) or not (spec or value is None or isinstance(value, (int, float))):
            problems.append(
                Problem(
                    file,
                    path,
                    f"not a number in the scenario (it is {json.dumps(value)}); "
                    "sensitivity varies numbers and distribution specs",
                )
            )
            continue
        integer = isinstance(value, int) and not isinstance(value, bool)
        if not (math.isfinite(low) and math.isfinite(high)):
            problems.append(Problem(file, path, f"bounds must be finite, not {low}:{high}"))
        elif not low < high:
            problems.append(Problem(file, path, f"low ({low:g}) must be below high ({high:g})"))
        elif integer and round(low) == round(high):
            problems.append(Problem(file, path, f"a whole number: {low:g} and {high:g} round to the same value"))
        else:
            base = {k: v for k, v in value.items() if v is not None} if spec else value
            checked.append(Param(path, low, high, base, integer))
    return checked, problems


def _lookup(data, path: str):
    node = data
    for key in path.split("."):
        if isinstance(node, list):
            try:
                node = node[int(key)]
            except (ValueError, IndexError):
                return _MISSING
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return _MISSING
    return node


def build_points(raw: dict, file: str, settings: list[dict], keys: list[str]) -> dict:
    """Every point's scenario, validated before anything runs; problems of all points at once."""
    scenarios, problems, seen = {}, [], set()
    base_name = raw.get("name", "scenario")
    for key, setting in zip(keys, settings, strict=False):
        label = ", ".join(f"{p}={v}" for p, v in setting.items()) or "base"
        data = raw
        try:
            for path, value in setting.items():
                data = set_path(data, path, value)
            data["name"] = f"{base_name} [{label}]"
            scenarios[key] = scenario_from_dict(data, file)
        except (KeyError, TypeError, IndexError) as exc:
            problem = Problem(file, next(iter(setting), "--param"), f"cannot set this path: {str(exc).strip(chr(39))}")
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                problems.append(problem)
        except ScenarioError as exc:
            for p in exc.problems:
                if (p.path, p.message) not in seen:
                    seen.add((p.path, p.message))
                    problems.append(Problem(p.file, p.path, f"{p.message} (with {label})"))
    if problems:
        raise ScenarioError(problems)
    return scenarios


def _points_table(rows: list[dict], params: list[Param]) -> pa.Table:
    fields = [pa.field("point", pa.string())]
    fields += [pa.field(p.path, pa.int64() if p.integer else pa.float64()) for p in params]
    fields += [pa.field("at_base", pa.list_(pa.string()))]
    fields += [
        pa.field(f"kpi_{k}", pa.int64() if k == "n" else pa.float64())
        for k in ("mean", "sd", "ci95_low", "ci95_high", "n")
    ]
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


# --- one at a time ---------------------------------------------------------------------------
def oat_rows(params: list[Param], keys: list[str], columns: dict[str, list[float]]) -> list[dict]:
    """Tornado rows: the KPI at each parameter's low and high, the swing, largest first."""
    base = summarise(columns[keys[0]])
    rows = []
    for i, p in enumerate(params):
        at_low, at_high = columns[keys[1 + 2 * i]], columns[keys[2 + 2 * i]]
        lo, hi = summarise(at_low), summarise(at_high)
        diff = paired_difference(at_high, at_low)
        swing = abs(hi["mean"] - lo["mean"])
        rows.append(
            {
                "param": p.path,
                "low": float(p.value(p.low)),
                "high": float(p.value(p.high)),
                "base_value": float(p.base) if isinstance(p.base, (int, float)) else None,
                "base_spec": json.dumps(p.base) if isinstance(p.base, dict) else None,
                "kpi_at_base_mean": base["mean"],
                "kpi_at_low_mean": lo["mean"],
                "kpi_at_low_ci95_low": lo["ci95_low"],
                "kpi_at_low_ci95_high": lo["ci95_high"],
                "kpi_at_high_mean": hi["mean"],
                "kpi_at_high_ci95_low": hi["ci95_low"],
                "kpi_at_high_ci95_high": hi["ci95_high"],
                "swing": swing,
                # high - low, paired per replication (same seeds at both points)
                "diff_mean": diff["mean"],
                "diff_ci95_low": diff["ci95_low"],
                "diff_ci95_high": diff["ci95_high"],
                "p_value": diff["p_value"],
                "n": min(lo["n"], hi["n"]),
            }
        )
    rows.sort(key=lambda r: (math.isnan(r["swing"]), -r["swing"] if not math.isnan(r["swing"]) else 0))
    return rows


# --- Sobol ---------------------------------------------------------------------------------
def _sobol_sample(problem: dict, samples: int, seed: int):
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)


def sobol_rows(
    params: list[Param], problem: dict, columns: dict[str, list[float]], keys: list[str], seed: int
) -> tuple[list[dict], dict]:
    import numpy as np
    from SALib.analyze import sobol as sobol_analyze

    y = np.array([summarise(columns[k])["mean"] for k in keys], dtype=float)
    missing = int(np.isnan(y).sum())
    extra = {
        "kpi_mean_over_points": float(np.nanmean(y)) if missing < y.size else None,
        "kpi_var_over_points": float(np.nanvar(y)) if missing < y.size else None,
        "points_without_kpi": missing,
    }
    if missing or y.size < 2 or float(np.var(y)) == 0:
        # SALib divides by the variance of Y: without any variation there are no indices
        extra["note"] = (
            "the KPI was not observed at some points" if missing else "the KPI does not vary over the points"
        ) + "; indices are undefined"
        nan = math.nan
        rows = [
            {"param": p.path, "low": p.low, "high": p.high, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
            for p in params
        ]
        return rows, extra
    result = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
    rows = [
        {
            "param": p.path,
            "low": p.low,
            "high": p.high,
            "S1": float(result["S1"][i]),
            "S1_conf": float(result["S1_conf"][i]),
            "ST": float(result["ST"][i]),
            "ST_conf": float(result["ST_conf"][i]),
        }
        for i, p in enumerate(params)
    ]
    rows.sort(key=lambda r: -r["ST"] if math.isfinite(r["ST"]) else math.inf)
    return rows, extra
