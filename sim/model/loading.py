"""Scenario files: YAML, ``base:`` overlays, and errors a user can act on.

Every problem becomes a :class:`Problem` (file, dotted field path, message), never a
traceback: ``meldsim validate`` prints them one per line.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.model.scenario import Problems, Scenario


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top level)'}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def deep_merge(base: dict, overlay: dict) -> dict:
    """Overlay wins; dicts merge key by key, anything else (lists too) is replaced whole."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_file(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict:
    """The scenario's raw mapping with its ``base:`` chain applied (no validation yet)."""
    path = Path(path)
    shown = str(path)
    real = path.resolve()
    if real in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, real))
        raise ScenarioError([Problem(shown, "base", f"base cycle: {cycle}")])
    data = read_yaml_mapping(real, shown, "a scenario file")
    data = _stringify_keys(data)
    trace = data.get("load", {}).get("trace_file") if isinstance(data.get("load"), dict) else None
    if isinstance(trace, str) and not Path(trace).is_absolute():
        try:
            data["load"]["trace_file"] = str((real.parent / trace).resolve())
        except (OSError, ValueError, RuntimeError) as exc:  # NUL byte, symlink loop
            raise ScenarioError([Problem(shown, "load.trace_file", f"not a usable path: {exc}")]) from None
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError([Problem(shown, "base", "must be the path of another scenario file")])
    base_path = real.parent / base
    if not base_path.is_file():
        raise ScenarioError([Problem(shown, "base", f"base file not found: {base}")])
    parent = resolve_file(base_path, (*_chain, real))
    return deep_merge(parent, data)


def read_yaml_mapping(path: Path, shown: str, what: str) -> dict:
    """A YAML file's top-level mapping (``yaml.safe_load``); every failure as a Problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(shown, "", f"cannot read file: {exc}")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(shown, "", f"YAML syntax error: {where}{reason}")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(shown, "", f"{what} must be a mapping of fields")])
    return data


def _stringify_keys(value: Any) -> Any:
    """YAML turns keys like ``1`` or ``yes`` into non-strings; field names are strings."""
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def validation_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"])
        original = err.get("ctx", {}).get("error")
        if isinstance(original, Problems):
            problems += [Problem(file, ".".join(filter(None, (path, p))), m) for p, m in original.problems]
            continue
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(Problem(file, path, message))
    return problems


def scenario_from_dict(data: dict, file: str = "<scenario>") -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(file, exc)) from None
    if scenario.load.trace_file is not None:
        read_trace(scenario, file)  # fail at load time, not mid-run
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve ``base:`` and validate one scenario file."""
    return scenario_from_dict(resolve_file(path), str(path))


@dataclass(frozen=True)
class TraceRow:
    minute: float
    region: str
    incident_type: str


def read_trace(scenario: Scenario, file: str = "<scenario>") -> list[TraceRow]:
    """Incidents from the trace CSV (``time,region,type``), sorted by time.

    ``time`` is an ISO datetime or minutes after the horizon start.
    """
    path = scenario.load.trace_file
    field = "load.trace_file"
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"time", "region", "type"} - set(reader.fieldnames or ())
            if missing:
                raise ScenarioError(
                    [Problem(file, field, f"{path.name}: missing column(s) {', '.join(sorted(missing))}")]
                )
            rows = []
            for line, row in enumerate(reader, start=2):
                rows.append(_trace_row(scenario, row, f"{path.name} line {line}", file))
    except OSError as exc:
        raise ScenarioError([Problem(file, field, f"cannot read trace file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(file, field, f"{path.name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8")]
        ) from None
    except (csv.Error, ValueError) as exc:  # a field over the csv size limit, a NUL byte in the path
        raise ScenarioError([Problem(file, field, f"{path.name}: cannot read trace file: {exc}")]) from None
    return sorted(rows, key=lambda r: r.minute)


def _trace_row(scenario: Scenario, row: dict, where: str, file: str) -> TraceRow:
    def fail(msg):
        raise ScenarioError([Problem(file, "load.trace_file", f"{where}: {msg}")])

    text = (row["time"] or "").strip()
    try:
        minute = float(text)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            fail(f"time '{text}' is neither minutes nor an ISO datetime")
        if when.tzinfo is not None:
            fail(f"time '{text}' has a UTC offset; give local time like horizon.start")
        minute = scenario.horizon.minute_of(when)
    if row["region"] not in scenario.load.region_shares:
        fail(f"unknown region '{row['region']}'")
    if row["type"] not in scenario.load.incident_types:
        fail(f"unknown incident type '{row['type']}'")
    return TraceRow(minute, row["region"], row["type"])
