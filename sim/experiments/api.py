"""The experiment library: one function per command, for the CLI, the dashboard and notebooks.

Every function writes a complete result directory or nothing (see :mod:`sim.experiments.results`), runs
all scenarios with the same seeds (common random numbers) and takes a ``progress`` callback
``(done, total)`` instead of printing.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments import runner
from sim.experiments.debrief import (  # noqa: F401 (the debrief's entry points, for the dashboard)
    Debrief,
    DebriefResult,
    debrief_exercise,
    fill_csv,
    read_debrief,
    run_debrief,
)
from sim.experiments.metrics import METRICS, metric_of
from sim.experiments.records import ROOMS_DIR
from sim.experiments.results import (
    RunWriter,
    default_run_dir,
    discard,
    git_commit,
    publish_dir,
    scenario_json,
    scenario_sha256,
    staged,
    verify_files,
    versions,
    write_json,
)
from sim.experiments.stats import paired_difference, relative_half_width, summarise
from sim.model.loading import (
    Problem,
    ScenarioError,
    load_scenario,
    resolve_file,
    safe_load_text,
    scenario_from_dict,
)
from sim.model.scenario import ALL_ROOMS, MAIN_ROOM, PARTNER_NAME, Scenario

Progress = Callable[[int, int], None]
DEFAULT_KEEP_RECORDS = 20


@dataclass
class Options:
    """How replications run; shared by every command."""

    replications: int = 30
    seed: int = 1
    jobs: int = field(default_factory=runner.default_jobs)
    keep_records: int = DEFAULT_KEEP_RECORDS
    executor: str = "process"
    scheduler: str | None = None
    precision: float | None = None  # relative CI half-width target; replications is then the maximum
    precision_kpi: str | None = None
    engine: str = "fast"  # "simpy": the plain-SimPy reference engine (slower; same KPIs within their CIs)


def as_scenario(source: str | Path | Scenario) -> Scenario:
    return source if isinstance(source, Scenario) else load_scenario(source)


# --- run ---------------------------------------------------------------------------------
def run(
    source: str | Path | Scenario,
    options: Options | None = None,
    *,
    out: Path | None = None,
    results_root: Path = Path("results"),
    progress: Progress | None = None,
) -> Path:
    """Replications of one scenario into one result directory; returns its path."""
    options = options or Options()
    scenario = as_scenario(source)
    target = Path(out) if out else default_run_dir(Path(results_root), scenario.name)
    with staged(target, results_root) as staging:
        group = run_group({scenario.name: scenario}, options, {scenario.name: staging}, staging, progress)
        group.writers[scenario.name].finish(group.manifest(scenario.name, _source_name(source)))
        return publish_dir(staging, target)


@dataclass
class RunGroup:
    """Several scenarios run side by side with the same seeds, each to its own writer."""

    writers: dict[str, RunWriter]
    scenarios: dict[str, Scenario]
    options: Options
    replications: int
    started: dt.datetime
    wall: float
    events: dict[str, int]
    precision: dict | None

    def manifest(self, name: str, source: str) -> dict:
        scenario = self.scenarios[name]
        return {
            "scenario_name": scenario.name,
            "scenario_file": source,
            "scenario_sha256": scenario_sha256(scenario),
            "seed": self.options.seed,
            "replications": self.replications,
            "records_kept_for": min(self.options.keep_records, self.replications),
            "jobs": self.options.jobs,
            "executor": self.options.executor,
            "engine": self.options.engine,
            "precision": self.precision,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "wall_time_s": round(self.wall, 3),
            "simpy_events": self.events[name],
            "versions": versions(),
            "git_commit": git_commit(),
            "scenario": scenario_json(scenario),
        }


def run_group(
    scenarios: dict[str, Scenario],
    options: Options,
    directories: dict[str, Path],
    staging: Path,
    progress: Progress | None,
) -> RunGroup:
    """Run every scenario into its directory inside ``staging``, all with the same seeds in one pool.

    The one runner behind run, compare, sweep, the sensitivity points and the report matrix,
    so paired comparisons always share their random streams. On any failure (Ctrl-C
    included) ``staging`` is removed, so no half-written result directory is left behind.
    """
    writers = {name: RunWriter(directories[name]) for name in scenarios}
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    events = dict.fromkeys(scenarios, 0)
    try:
        done, precision = _replicate(scenarios, writers, options, events, progress)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        discard(staging)
        raise
    return RunGroup(writers, scenarios, options, done, started, time.perf_counter() - clock, events, precision)


def _replicate(scenarios, writers, options: Options, events, progress) -> tuple[int, dict | None]:
    total = options.replications
    if options.precision is None:
        _batch(scenarios, writers, options, 0, total, events, progress, total)
        return total, None
    # Law's sequential procedure: add replications until the CI half-width is within
    # gamma' = gamma / (1 + gamma) of |mean| for the chosen KPI in every scenario
    target = options.precision / (1 + options.precision)
    step = max(10, 4 * options.jobs)
    done, achieved = 0, math.inf
    while done < total:
        count = min(step, total - done)
        _batch(scenarios, writers, options, done, count, events, progress, total)
        done += count
        achieved = max(relative_half_width(summarise(w.column(options.precision_kpi))) for w in writers.values())
        if achieved <= target:
            break
    return done, {
        "kpi": options.precision_kpi,
        "relative_precision": options.precision,
        "adjusted_target": target,
        "achieved_relative_half_width": achieved,
        "met": achieved <= target,
        "replications_needed": done,
        "maximum": total,
    }


def _batch(scenarios, writers, options: Options, first: int, count: int, events, progress, total) -> None:
    tasks = [
        runner.Task(name, sc, count, first, options.keep_records, options.engine) for name, sc in scenarios.items()
    ]
    done = first * len(scenarios)
    for name, result in runner.iterate_tasks(
        tasks, options.seed, jobs=options.jobs, executor=options.executor, scheduler=options.scheduler
    ):
        writers[name].add(result)
        events[name] += result.events
        done += 1
        if progress:
            progress(done, total * len(scenarios))


def _source_name(source) -> str:
    return str(source) if not isinstance(source, Scenario) else f"<{source.name}>"


# --- compare -----------------------------------------------------------------------------
def compare(
    sources: Sequence[str | Path | Scenario],
    options: Options | None = None,
    *,
    out: Path | None = None,
    results_root: Path = Path("results"),
    progress: Progress | None = None,
) -> Path:
    """Run scenarios with the same seeds and compare each with the first, pairwise per replication."""
    options = options or Options()
    scenarios = {}
    for source in sources:
        scenario = as_scenario(source)
        name = scenario.name
        for n in itertools.count(2):
            if name not in scenarios:
                break
            name = f"{scenario.name}-{n}"
        scenarios[name] = scenario
    target = Path(out) if out else default_run_dir(Path(results_root) / "comparisons", "-vs-".join(scenarios)[:80])
    with staged(target, results_root) as staging:
        group = run_group(scenarios, options, {name: staging / "runs" / name for name in scenarios}, staging, progress)
        for name, source in zip(scenarios, sources, strict=False):
            group.writers[name].finish(group.manifest(name, _source_name(source)))
        rows = comparison_rows({name: w.kpi_rows for name, w in group.writers.items()})
        pq.write_table(pa.Table.from_pylist(rows), staging / "comparison.parquet")
        write_json(
            staging / "comparison.json",
            {
                "baseline": next(iter(scenarios)),
                "scenarios": list(scenarios),
                "seed": options.seed,
                "replications": group.replications,
                "kpis": rows,
            },
        )
        return publish_dir(staging, target)


def comparison_rows(kpi_rows: dict[str, list[dict]]) -> list[dict]:
    """Per KPI and scenario: mean and CI, and the paired difference with the first scenario."""
    names = list(kpi_rows)
    baseline = names[0]
    kpis = [k for k in kpi_rows[baseline][0] if k != "replication"] if kpi_rows[baseline] else []
    rows = []
    for kpi in kpis:
        base = [r.get(kpi, math.nan) for r in kpi_rows[baseline]]
        for name in names:
            values = [r.get(kpi, math.nan) for r in kpi_rows[name]]
            s = summarise(values)
            row = {
                "kpi": kpi,
                "unit": metric_of(kpi).unit,
                "scenario": name,
                "mean": s["mean"],
                "ci95_low": s["ci95_low"],
                "ci95_high": s["ci95_high"],
                "n": s["n"],
            }
            if name != baseline:
                d = paired_difference(values, base)
                row.update(
                    diff_mean=d["mean"],
                    diff_ci95_low=d["ci95_low"],
                    diff_ci95_high=d["ci95_high"],
                    diff_n=d["n"],
                    p_value=d["p_value"],
                    significant=bool(d["ci95_low"] > 0 or d["ci95_high"] < 0),
                )
            else:
                row.update(
                    diff_mean=None, diff_ci95_low=None, diff_ci95_high=None, diff_n=None, p_value=None, significant=None
                )
            rows.append(row)
    return rows


# --- sweep -------------------------------------------------------------------------------
def parse_assignment(text: str) -> tuple[str, list]:
    """``path.to.field=v1,v2`` → (path, [v1, v2]); values are read as YAML (numbers, null, lists)."""
    import yaml

    path, sep, values = text.partition("=")
    if not sep or not path:
        raise ValueError(f"'{text}' is not path.to.field=value[,value...]")
    parsed = []
    for value in _split_values(values):
        try:
            parsed.append(safe_load_text(value))  # the limits of scenario files apply here too
        except yaml.YAMLError:
            raise ValueError(f"{path}: cannot read value '{value}'") from None
    return path, parsed


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so ``[a, b],[c]`` is two list values."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current]]


def set_path(data: dict, path: str, value) -> dict:
    """A copy of ``data`` with the dotted ``path`` set (list items by index)."""
    data = copy.deepcopy(data)
    *parents, leaf = path.split(".")
    node = data
    for i, key in enumerate(parents):
        if isinstance(node, list):
            node = node[_index(key, path, node)]
            continue
        if not isinstance(node, dict) or key not in node or node[key] is None:
            if isinstance(node, dict):
                node[key] = {}
            else:
                raise KeyError(f"{'.'.join(parents[: i + 1])} is not a mapping")
        node = node[key]
    if isinstance(node, list):
        node[_index(leaf, path, node)] = value
    elif isinstance(node, dict):
        node[leaf] = value
    else:
        raise KeyError(f"{path}: {'.'.join(parents)} is not a mapping")
    return data


def _index(key: str, path: str, items: list) -> int:
    try:
        index = int(key)
    except ValueError:
        raise KeyError(f"{path}: '{key}' is not a list index") from None
    if not 0 <= index < len(items):
        raise KeyError(f"{path}: no item {index} (the list has {len(items)})")
    return index


def variants(base: str | Path, settings: dict[str, list], file: str | None = None) -> list[tuple[dict, Scenario]]:
    """Every grid point of ``settings`` applied to ``base``, validated before anything runs."""
    raw = resolve_file(base)
    file = file or str(base)
    points, problems = [], []
    for combo in itertools.product(*settings.values()):
        point = dict(zip(settings, combo, strict=False))
        data = raw
        try:
            for path, value in point.items():
                data = set_path(data, path, value)
            label = ", ".join(f"{p}={v}" for p, v in point.items())
            data["name"] = f"{raw.get('name', 'scenario')} [{label}]"
            points.append((point, scenario_from_dict(data, file)))
        except KeyError as exc:
            problems.append(Problem(file, "--set", str(exc).strip("'\"")))
        except ScenarioError as exc:
            for p in exc.problems:
                if all((p.path, p.message) != (q.path, q.message.split(" (with ")[0]) for q in problems):
                    problems.append(Problem(p.file, p.path, f"{p.message} (with {label})"))
    if problems:
        raise ScenarioError(problems)
    return points


def sweep(
    base: str | Path,
    settings: dict[str, list],
    options: Options | None = None,
    *,
    out: Path | None = None,
    results_root: Path = Path("results"),
    progress: Progress | None = None,
) -> Path:
    """A full grid over ``settings``; one row per point and KPI with mean and CI."""
    options = options or Options()
    points = variants(base, settings)
    scenarios = {f"point-{i:03d}": sc for i, (_, sc) in enumerate(points)}
    name = points[0][1].name.split(" [")[0]
    target = Path(out) if out else default_run_dir(Path(results_root) / "sweeps", name)
    with staged(target, results_root) as staging:
        group = run_group(
            scenarios, options, {name: staging / "points" / name for name in scenarios}, staging, progress
        )
        rows = []
        for (point, _scenario), (key, writer) in zip(points, group.writers.items(), strict=False):
            writer.finish(group.manifest(key, str(base)))
            for kpi in writer.kpi_names():
                s = summarise(writer.column(kpi))
                rows.append(
                    {
                        "point": key,
                        **{p: json.dumps(v) for p, v in point.items()},
                        "kpi": kpi,
                        "unit": metric_of(kpi).unit,
                        **s,
                    }
                )
        pq.write_table(pa.Table.from_pylist(rows), staging / "sweep.parquet")
        write_json(
            staging / "sweep.json",
            {
                "base": str(base),
                "settings": settings,
                "seed": options.seed,
                "replications": group.replications,
                "rows": rows,
            },
        )
        return publish_dir(staging, target)


# --- reading results ---------------------------------------------------------------------
@dataclass
class RunInfo:
    path: Path
    scenario: str | None
    finished: str | None
    replications: int | None
    summary: dict
    error: str | None = None  # unreadable (a file missing, not JSON, a value of the wrong kind) or damaged
    damaged: bool = False  # files differ from what the manifest recorded (swapped, truncated, edited)


class RunError(ValueError):
    """A result file that can be read but holds something a run never writes."""


def list_runs(root: Path = Path("results")) -> list[RunInfo]:
    """Every run directory under ``root`` (newest first); broken ones with their error."""
    found = []
    for manifest in sorted(Path(root).rglob("manifest.json")):
        if any(part.startswith(".") for part in manifest.relative_to(root).parts):
            continue  # a run still being written
        found.append(read_run_info(manifest.parent))
    return sorted(found, key=lambda r: r.finished or "", reverse=True)


def read_run_info(path: Path) -> RunInfo:
    """What a listing shows of one run, after checking everything later readers rely on.

    A run that cannot be used carries ``error`` instead of raising, so one bad directory
    never hides the others.
    """
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        check_manifest(manifest)
        check_summary(summary)
    except RunError as exc:
        return RunInfo(path, None, None, None, {}, error=str(exc))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunInfo(path, None, None, None, {}, error=f"{type(exc).__name__}: {exc}")
    problems = verify_files(path, manifest)
    info = RunInfo(path, manifest["scenario_name"], manifest.get("finished"), manifest["replications"], summary)
    if problems:
        info.error, info.damaged = "damaged: " + "; ".join(problems), True
    return info


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def check_manifest(manifest) -> None:
    """Raise :class:`RunError` for a manifest whose fields are not of the kinds a run writes."""
    if not isinstance(manifest, dict):
        raise RunError("manifest.json: not a JSON object")
    if not isinstance(manifest.get("scenario_name"), str):
        raise RunError("manifest.json: scenario_name: missing or not text")
    for key in ("replications", "seed", "records_kept_for"):
        value = manifest.get(key)
        if (key == "replications" or value is not None) and (not isinstance(value, int) or isinstance(value, bool)):
            raise RunError(f"manifest.json: {key}: {value!r} is not a whole number")
    if not isinstance(manifest.get("finished"), str | None):
        raise RunError("manifest.json: finished: not text")
    scenario = manifest.get("scenario")
    horizon = scenario.get("horizon") if isinstance(scenario, dict) else None
    if scenario is not None and not isinstance(scenario, dict) or horizon is not None and not isinstance(horizon, dict):
        raise RunError("manifest.json: scenario.horizon: not a mapping")
    horizon = horizon or {}
    start = horizon.get("start")
    if start is not None:
        try:
            dt.datetime.fromisoformat(start)
        except (TypeError, ValueError):
            raise RunError(f"manifest.json: scenario.horizon.start: {start!r} is not a date and time") from None
    for key in ("warmup_min", "duration_min"):
        if not _is_number(horizon.get(key)):
            raise RunError(f"manifest.json: scenario.horizon.{key}: {horizon.get(key)!r} is not a number")


def check_summary(summary) -> None:
    """Raise :class:`RunError` for a summary whose statistics are not numbers."""
    if not isinstance(summary, dict):
        raise RunError("summary.json: not a JSON object")
    for kpi, stats in summary.items():
        if not isinstance(stats, dict):
            raise RunError(f"summary.json: {kpi}: not a mapping")
        for key in ("mean", "sd", "ci95_low", "ci95_high", "n"):
            if not _is_number(stats.get(key)):
                raise RunError(f"summary.json: {kpi}.{key}: {stats[key]!r} is not a number")


# --- rooms (issue 16) ----------------------------------------------------------------------
def partner_rooms(manifest: dict) -> list[str]:
    """The partner rooms a run simulated beside its own, in the scenario's order (none for a
    run of one room, or one written before issue 16)."""
    scenario = manifest.get("scenario") if isinstance(manifest, dict) else None
    partners = scenario.get("partners") if isinstance(scenario, dict) else None
    if not isinstance(partners, dict):
        return []
    return [name for name in partners if isinstance(name, str) and PARTNER_NAME.fullmatch(name)]


def room_records(run_dir: Path, room: str = MAIN_ROOM) -> Path:
    """The folder with room ``room``'s record tables: the run directory itself for the main room,
    ``rooms/NAME`` for a partner (results/README.md). ``room`` may come from a browser, so only a
    partner's name is accepted, never a path."""
    if room == MAIN_ROOM:
        return Path(run_dir)
    if not isinstance(room, str) or room == ALL_ROOMS or not PARTNER_NAME.fullmatch(room):
        raise ValueError(f"{room!r}: not a room")
    return Path(run_dir) / ROOMS_DIR / room


def kpi_names() -> Iterable[str]:
    return METRICS
