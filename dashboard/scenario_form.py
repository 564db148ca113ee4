"""Scenario files for the Scenarios page: their validation status, the resolved parameters,
and the form that saves a new ``base:`` overlay. Pure functions over files; no Dash.

The form shows the base scenario's current values as text (a number, or a distribution in
YAML flow style such as ``{dist: triangular, low: 2, mode: 5, high: 15}``). A field whose
text the user changed goes into the overlay; the merged scenario is validated with
:func:`sim.model.loading.scenario_from_dict` before anything is written, and each problem is
mapped back to the field it came from.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sim.experiments.results import scenario_json
from sim.model.loading import (
    ScenarioError,
    deep_merge,
    load_scenario,
    read_yaml_mapping,
    resolve_file,
    safe_load_text,
    scenario_from_dict,
)
from sim.model.scenario import OUTAGE_TARGETS

from .jobs import problem_text, scenario_files, scenario_path

#: used with fullmatch: ``$`` in ``match`` would let a name end in a newline
FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


# --- the list --------------------------------------------------------------------------------
def scenario_statuses(scenarios_dir: Path) -> list[dict]:
    """Per file: name, base, description, whether it validates and its problems."""
    out = []
    for path in scenario_files(scenarios_dir):
        status = {"file": path.name, "name": None, "base": None, "description": "", "valid": False, "problems": []}
        try:
            raw = read_yaml_mapping(path, path.name, "a scenario file")  # the limited loader, as for running
            status["base"] = raw.get("base") if isinstance(raw.get("base"), str) else None
        except ScenarioError:
            pass
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            status["problems"] = [f"{p.path or '(top level)'}: {p.message}" for p in exc.problems]
        except Exception as exc:  # noqa: BLE001 - a file must never break the page
            status["problems"] = [f"{type(exc).__name__}: {exc}"]
        else:
            status.update(name=scenario.name, description=scenario.description, valid=True)
        out.append(status)
    return out


# --- resolved parameters ---------------------------------------------------------------------
def compact(value):
    """Distribution specs as users write them: a bare number for a constant, no empty fields."""
    if isinstance(value, dict):
        if "dist" in value and isinstance(value["dist"], str):
            if value["dist"] == "constant" and value.get("value") is not None:
                return _tidy(value["value"])
            return {k: _tidy(v) for k, v in value.items() if v is not None}
        return {k: compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return _tidy(value)


def _tidy(x):
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, list):
        return [_tidy(v) for v in x]
    return x


def as_text(value) -> str:
    """A value as one line the form (and YAML) can read back."""
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True).strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten(value, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted path, value text) for every leaf; distribution specs stay one leaf."""
    if isinstance(value, dict) and not ("dist" in value and prefix):
        rows = []
        for k, v in value.items():
            rows += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        rows = []
        for i, v in enumerate(value):
            rows += flatten(v, f"{prefix}.{i}")
        return rows
    return [(prefix, as_text(value))]


def resolved_parameters(scenarios_dir: Path, file: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(flattened parameters of the validated scenario, problems); one of them is empty."""
    try:
        scenario = load_scenario(scenario_path(scenarios_dir, file))
    except ScenarioError as exc:
        return [], [problem_text(p, scenarios_dir) for p in exc.problems]
    return flatten(compact(scenario_json(scenario))), []


# --- the form ----------------------------------------------------------------------------------
@dataclass
class FormDefaults:
    """The base scenario's values for the form, as text."""

    has_outage: bool
    outage_target: str
    outage_start: str
    outage_duration: str
    has_procedure: bool
    detection: str
    decision: str
    load_factor: str
    capacities: dict[str, str] = field(default_factory=dict)  # standby channel -> capacity
    roster: list[tuple[str, str, str]] = field(default_factory=list)  # (start, end, centralists)

    def single(self) -> dict[str, str]:
        return {
            "outage_target": self.outage_target,
            "outage_start": self.outage_start,
            "outage_duration": self.outage_duration,
            "detection": self.detection,
            "decision": self.decision,
            "load_factor": self.load_factor,
        }


def form_defaults(scenarios_dir: Path, base_file: str) -> FormDefaults:
    scenario = load_scenario(scenario_path(scenarios_dir, base_file))
    data = compact(scenario_json(scenario))
    outages = data.get("outages") or []
    first = outages[0] if outages else None
    start = ""
    if first is not None:
        when = (
            dt.datetime.fromisoformat(first["start"])
            if first.get("start")
            else scenario.horizon.start + dt.timedelta(minutes=first["start_min"])
        )
        start = when.strftime("%Y-%m-%d %H:%M")
    duration = ""
    if first is not None:
        if first.get("duration_min") is not None:
            duration = as_text(first["duration_min"])
        elif first.get("end"):
            began = dt.datetime.fromisoformat(start)
            duration = as_text(_tidy((dt.datetime.fromisoformat(first["end"]) - began).total_seconds() / 60))
    procedure = data.get("procedure")
    return FormDefaults(
        has_outage=first is not None,
        outage_target=first["target"] if first else OUTAGE_TARGETS[0],
        outage_start=start,
        outage_duration=duration,
        has_procedure=procedure is not None,
        detection=as_text(procedure["detection_min"]) if procedure else "",
        decision=as_text(procedure["decision_min"]) if procedure else "",
        load_factor=as_text(data["load"]["load_factor"]),
        capacities={name: as_text(ch.get("capacity")) for name, ch in data["channels"].items() if ch.get("standby")},
        roster=[(b["start"], b["end"], as_text(b["centralists"])) for b in data["room"]["roster"]],
    )


@dataclass
class SaveResult:
    path: Path | None = None
    filename_error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # single field key (or "roster") -> message
    capacity_errors: dict[str, str] = field(default_factory=dict)
    roster_errors: dict[int, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.path is not None


class _FieldError(Exception):
    pass


def _parse(text: str, key: str):
    try:
        return safe_load_text(text)  # alias bombs and huge numbers from a browser too
    except yaml.YAMLError as exc:
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _FieldError(reason) from None


def _changed(text, default: str) -> bool:
    return text is not None and str(text).strip() != "" and str(text).strip() != default.strip()


def build_overlay(
    base_raw: dict, defaults: FormDefaults, single: dict, capacities: dict, roster: dict, messages: dict[str, str]
) -> tuple[dict, SaveResult]:
    """The overlay (fields whose text differs from the base) and parse problems by field.

    ``messages`` holds the user-facing texts for ``yaml``, ``datetime`` and ``incomplete_outage``.
    """
    overlay: dict = {}
    result = SaveResult()

    def value(key: str, text: str):
        try:
            return _parse(str(text).strip(), key)
        except _FieldError as exc:
            result.errors[key] = messages["yaml"].format(error=exc)
            return None

    # the outage: edit the first one, or add one when the base has none
    start_text, duration_text = single.get("outage_start"), single.get("outage_duration")
    target = single.get("outage_target") or defaults.outage_target
    start_changed = _changed(start_text, defaults.outage_start)
    duration_changed = _changed(duration_text, defaults.outage_duration)
    target_changed = defaults.has_outage and target != defaults.outage_target
    if start_changed or duration_changed or target_changed:
        start = duration = None
        if start_changed:
            try:
                start = dt.datetime.fromisoformat(str(start_text).strip().replace("T", " ")).isoformat()
            except ValueError:
                result.errors["outage_start"] = messages["datetime"]
        if duration_changed:
            duration = value("outage_duration", duration_text)
        if defaults.has_outage:
            outages = copy.deepcopy(base_raw.get("outages") or [])
            first = dict(outages[0])
            if start is not None:
                first.pop("start_min", None)
                first["start"] = start
            if duration is not None:
                first.pop("end", None)
                first["duration_min"] = duration
            if target_changed:
                first["target"] = target
            outages[0] = first
            overlay["outages"] = outages
        elif start_changed and duration_changed:
            if start is not None and duration is not None:
                overlay["outages"] = [{"target": target, "start": start, "duration_min": duration}]
        elif "outage_start" not in result.errors:
            result.errors["outage_start" if not start_changed else "outage_duration"] = messages["incomplete_outage"]

    procedure = {}
    for key, path in (("detection", "detection_min"), ("decision", "decision_min")):
        if _changed(single.get(key), getattr(defaults, key)):
            parsed = value(key, single[key])
            if key not in result.errors:
                procedure[path] = parsed
    if procedure:
        overlay["procedure"] = procedure

    channels = {}
    for name, text in (capacities or {}).items():
        if name in defaults.capacities and _changed(text, defaults.capacities[name]):
            try:
                channels[name] = {"capacity": _parse(str(text).strip(), name)}
            except _FieldError as exc:
                result.capacity_errors[name] = messages["yaml"].format(error=exc)
    if channels:
        overlay["channels"] = channels

    blocks = copy.deepcopy((base_raw.get("room") or {}).get("roster") or [])
    roster_changed = False
    for index, text in (roster or {}).items():
        index = int(index)
        if index < len(defaults.roster) and index < len(blocks) and _changed(text, defaults.roster[index][2]):
            try:
                blocks[index] = {**blocks[index], "centralists": _parse(str(text).strip(), "roster")}
                roster_changed = True
            except _FieldError as exc:
                result.roster_errors[index] = messages["yaml"].format(error=exc)
    if roster_changed:
        overlay["room"] = {"roster": blocks}

    if _changed(single.get("load_factor"), defaults.load_factor):
        parsed = value("load_factor", single["load_factor"])
        if "load_factor" not in result.errors:
            overlay["load"] = {"load_factor": parsed}
    return overlay, result


def map_problem(path: str):
    """Where a validation problem at ``path`` belongs: a single field's key, ("capacity", channel),
    ("roster", index), "roster", "filename", or None (shown above the form)."""
    parts = path.split(".") if path else []
    if parts[:1] == ["outages"]:
        rest = ".".join(parts[2:])
        return (
            "outage_duration"
            if rest.startswith(("duration_min", "end"))
            else "outage_target"
            if rest.startswith("target")
            else "outage_start"
        )
    if parts[:2] == ["procedure", "detection_min"]:
        return "detection"
    if parts[:2] == ["procedure", "decision_min"]:
        return "decision"
    if parts[:2] == ["load", "load_factor"]:
        return "load_factor"
    if len(parts) >= 3 and parts[0] == "channels" and parts[2] == "capacity":
        return ("capacity", parts[1])
    if parts[:2] == ["room", "roster"]:
        if len(parts) >= 3 and parts[2].isdigit():
            return ("roster", int(parts[2]))
        return "roster"
    if parts[:1] == ["name"]:
        return "filename"
    return None


def _add(result: SaveResult, where, text: str) -> None:
    def join(old, new):
        return f"{old}; {new}" if old else new

    if where is None:
        result.general.append(text)
    elif where == "filename":
        result.filename_error = join(result.filename_error, text)
    elif isinstance(where, tuple) and where[0] == "capacity":
        result.capacity_errors[where[1]] = join(result.capacity_errors.get(where[1]), text)
    elif isinstance(where, tuple) and where[0] == "roster":
        result.roster_errors[where[1]] = join(result.roster_errors.get(where[1]), text)
    else:
        result.errors[where] = join(result.errors.get(where), text)


def save_overlay(
    scenarios_dir: Path,
    base_file: str | None,
    filename: str | None,
    description: str | None,
    single: dict,
    capacities: dict,
    roster: dict,
    messages: dict[str, str],
) -> SaveResult:
    """Validate the overlay on ``base_file`` and write ``<filename>.yaml`` only if it is valid.

    ``messages`` holds the user-facing texts keyed ``choose_base``, ``filename``, ``exists``,
    ``yaml``, ``datetime``, ``incomplete_outage`` and ``nothing``.
    """
    directory = Path(scenarios_dir)
    result = SaveResult()
    if not base_file:
        result.general.append(messages["choose_base"])
        return result
    try:
        base_path = scenario_path(directory, base_file)
        defaults = form_defaults(directory, base_file)
        base_raw = resolve_file(base_path)
    except ScenarioError as exc:
        result.general += [problem_text(p, directory) for p in exc.problems]
        return result
    stem = (filename or "").strip()
    stem = stem[:-5] if stem.endswith(".yaml") else stem[:-4] if stem.endswith(".yml") else stem
    target = directory / f"{stem}.yaml"
    if not FILENAME.fullmatch(stem):
        result.filename_error = messages["filename"]
    elif target.exists() or (directory / f"{stem}.yml").exists():
        result.filename_error = messages["exists"].format(file=target.name)

    overlay, parsed = build_overlay(base_raw, defaults, single or {}, capacities or {}, roster or {}, messages)
    result.errors.update(parsed.errors)
    result.capacity_errors.update(parsed.capacity_errors)
    result.roster_errors.update(parsed.roster_errors)
    if result.errors or result.capacity_errors or result.roster_errors or result.filename_error:
        return result
    if not overlay:
        result.general.append(messages["nothing"])
        return result

    head = {"base": base_path.name, "name": stem}
    if description and description.strip():
        head["description"] = description.strip()
    merged = deep_merge(base_raw, {**head, **overlay})
    merged.pop("base", None)
    try:
        scenario_from_dict(merged, target.name)
    except ScenarioError as exc:
        for problem in exc.problems:
            _add(result, map_problem(problem.path), problem.message)
        return result

    text = (
        f"# Made in the meldsim dashboard on {dt.date.today().isoformat()}: {base_path.name} with these "
        f"changes.\n" + yaml.safe_dump({**head, **overlay}, sort_keys=False, allow_unicode=True)
    )
    try:
        with open(target, "x", encoding="utf-8") as handle:  # never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        result.filename_error = messages["exists"].format(file=target.name)
        return result
    try:
        load_scenario(target)  # what was written loads the same way
    except ScenarioError as exc:
        target.unlink(missing_ok=True)
        result.general += [problem_text(p, directory) for p in exc.problems]
        return result
    result.path = target
    return result
