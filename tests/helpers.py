"""Shared scenario builders for the model-behaviour tests.

Scenarios are built from ``scenarios/weekday.yaml`` (resolved, never edited) with overrides
deep-merged on top and validated like a file would be, so a test scenario is always one the
CLI would accept too.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from sim.model.loading import deep_merge, resolve_file, scenario_from_dict
from sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
WEEKDAY = SCENARIOS / "weekday.yaml"
NYE = SCENARIOS / "nye.yaml"


def raw(path: Path = WEEKDAY) -> dict:
    """The resolved (base-applied, unvalidated) mapping of a scenario file."""
    return resolve_file(path)


def build(data: dict, *, replace: dict | None = None, **overrides) -> Scenario:
    """Validate ``data`` with ``overrides`` deep-merged and ``replace`` set whole.

    ``replace`` maps dotted paths (``"load.incident_types"``) to values that replace the
    existing value instead of merging into it (deep_merge merges dicts key by key, which
    would keep e.g. the other incident types).
    """
    data = deep_merge(copy.deepcopy(data), overrides)
    # a distribution spec is one value: {dist: exponential, mean: 2} over a triangular
    # must not keep the triangular's low/mode/high, so such specs replace whole
    replace = {**dict(_dist_specs(overrides)), **(replace or {})}
    for dotted, value in replace.items():
        *parents, leaf = dotted.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = copy.deepcopy(value)
    return scenario_from_dict(data, "<test>")


def _dist_specs(overrides: dict, prefix: str = ""):
    for key, value in overrides.items():
        if isinstance(value, dict):
            if "dist" in value:
                yield prefix + key, value
            else:
                yield from _dist_specs(value, f"{prefix}{key}.")


def scenario(*, replace: dict | None = None, **overrides) -> Scenario:
    """weekday.yaml with ``overrides`` deep-merged (and ``replace`` paths set whole)."""
    return build(raw(WEEKDAY), replace=replace, **overrides)


def nye(*, replace: dict | None = None, **overrides) -> Scenario:
    return build(raw(NYE), replace=replace, **overrides)


def flat_roster(centralists: int) -> list[dict]:
    """One block covering the whole day ("00:00" to "00:00" wraps to 24 hours)."""
    return [{"start": "00:00", "end": "00:00", "centralists": centralists}]


def mmc_scenario(
    arrival_rate_per_hour: float,
    mean_service_min: float,
    c: int,
    hours: float,
    warmup_share: float = 0.1,
    roster: list[dict] | None = None,
    **overrides,
) -> Scenario:
    """The centralist queue reduced to M/M/c.

    Poisson incidents at a flat rate, one incident type, one call per incident (no
    duplicates), no spoken radio messages (status presses take no centralist time),
    exponential intake, zero dispatch time, callers who never hang up, ``c`` centralists
    around the clock (or ``roster``), no crew calls and no other desks (no follow-up either:
    the one type has none). Only 112 calls use centralists, so their queue is exactly M/M/c.
    """
    duration = hours * 60
    one_type = {
        "call": {
            "share": 1.0,
            "priority": 1,
            "norm_min": 10,
            "units_needed": 1,
            "on_scene_min": 1e9,
            "radio_messages": 0,
            "duplicate_calls": 0,
        }
    }
    # one unit that never returns: after the first incident every dispatch waits for a unit
    # and costs no events, which makes long M/M/c runs several times cheaper; units never
    # touch the centralists, so the queue is the same
    one_unit = [
        {"name": "Zwolle", "region": "IJsselland", "crew": "professional", "units": 1, "lat": 52.51, "lon": 6.09}
    ]
    base = {
        "name": f"mmc-{arrival_rate_per_hour:g}-{mean_service_min:g}-{c}",
        "horizon": {"start": "2025-03-12T00:00:00", "duration_min": duration, "warmup_min": warmup_share * duration},
        "load": {"base_rate_per_hour": arrival_rate_per_hour, "profile": [1.0] * 24, "load_factor": 1.0},
        "room": {
            "intake_min": {"dist": "exponential", "mean": mean_service_min},
            "dispatch_min": 0,
            "caller_patience_min": 1e9,
            "redial_probability": 0.0,
            "crew_calls_per_incident": 0,
        },
    }
    merged = deep_merge(base, overrides)
    return scenario(
        replace={
            "load.incident_types": one_type,
            "room.roster": roster or flat_roster(c),
            "units.stations": one_unit,
            "other_desks": {},  # their requests would take centralists too
        },
        **merged,
    )


def scenario_file(path: Path, base: Path = WEEKDAY, **overrides) -> Path:
    """A scenario file overlaying ``base`` (by absolute path) with ``overrides``.

    The overlay goes through the same ``base:`` mechanism users have, so what the CLI loads
    is exactly ``deep_merge(base, overrides)``.
    """
    data = {"base": str(base.resolve()), **overrides}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_yaml(path: Path, scenario_obj: Scenario) -> Path:
    """A scenario object as a YAML file the CLI can load."""
    path.write_text(yaml.safe_dump(scenario_obj.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    return path


def same_table(a: pa.Table, b: pa.Table) -> bool:
    """``Table.equals``, except that NaN equals NaN: result tables store unobserved KPIs and
    unlimited capacities as NaN, and Arrow's equality, like IEEE, says NaN != NaN. Nulls must
    still sit in the same places."""
    if a.equals(b):
        return True
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for name in a.schema.names:
        x, y = a.column(name), b.column(name)
        if not x.is_null().equals(y.is_null()):
            return False
        if pa.types.is_floating(x.type):
            if not np.array_equal(x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False), equal_nan=True):
                return False
        elif not x.equals(y):
            return False
    return True
