"""Whatever is in a scenario file, loading it either works or raises ScenarioError.

The shipped scenarios are resolved to their raw mappings (``base:`` applied, not yet
validated) and then damaged at random places: wrong types, non-finite and huge numbers,
flipped signs, deleted and unknown keys, garbage distributions. ``scenario_from_dict`` must
accept the result or reject it with problems that each name a field and say what is wrong;
any other exception would reach the user as a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sim.model.distributions import PARAMETERS
from sim.model.loading import ScenarioError, resolve_file, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted(
    p
    for p in ROOT.glob("scenarios/**/*.yaml")
    if not {"matrix", "meldkamers"} & set(p.relative_to(ROOT / "scenarios").parts)
)  # matrices are not scenarios
RAW = {p.stem: resolve_file(p) for p in SCENARIO_FILES}

SPECIAL_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 10**400, -(10**400), 0, -0.0, -1, 1e-300]
SPECIAL_TEXT = [
    "",
    " ",
    "07:00",
    "24:00",
    "25:61",
    "7",
    "weekday",
    "lognormal",
    "constant",
    "2025-03-12T00:00:00",
    "2025-03-12T00:00:00+01:00",
    "nan",
    "inf",
    "-1",
    "1e999",
    "null",
    "None",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # includes nan, +-inf and subnormals
    st.sampled_from(SPECIAL_NUMBERS),
    st.text(max_size=10),
    st.sampled_from(SPECIAL_TEXT),
    st.dates(),
    st.datetimes(),  # YAML turns unquoted timestamps into these
    st.datetimes().map(lambda d: d.replace(tzinfo=dt.timezone(dt.timedelta(hours=1)))),  # ...with +01:00
)
garbage = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
numbers = st.one_of(st.floats(), st.integers(-(10**6), 10**6), st.sampled_from(SPECIAL_NUMBERS))
parameters = {p: numbers | garbage for p in ("value", "mean", "sd", "low", "mode", "high")}
parameters |= {p: st.lists(numbers, max_size=5) | garbage for p in ("values", "weights")}
garbage_dists = st.fixed_dictionaries(
    {"dist": st.sampled_from(sorted(PARAMETERS)) | st.text(max_size=8) | scalars},
    optional=parameters | {"shape": numbers},
)
unknown_keys = st.text(min_size=1, max_size=12)


def _dotted(path) -> str:
    return ".".join(map(str, path)) or "(root)"


def _walk(data, root):
    """Draw a node by walking down from the root: (container, key, path), stopping at any depth."""
    node, container, key, path = root, None, None, ()
    while isinstance(node, (dict, list)) and node:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        i = data.draw(st.integers(0, len(keys)), label="child")
        if i == len(keys) and container is not None:
            break  # stop at this (container) node
        i = min(i, len(keys) - 1)
        container, key, path = node, keys[i], (*path, keys[i])
        node = node[key]
    return container, key, path


def _mutate(data, root) -> None:
    container, key, path = _walk(data, root)
    if container is None:
        return
    node = container[key]
    kind = data.draw(st.sampled_from(["replace", "number", "dist", "flip", "delete", "add"]), label="kind")
    if kind == "number":
        container[key] = data.draw(numbers, label="number")
    elif kind == "flip" and isinstance(node, (int, float)) and not isinstance(node, bool):
        container[key] = -node
    elif kind == "delete":
        del container[key]
    elif kind == "add" and isinstance(node, dict):
        node[data.draw(unknown_keys, label="unknown key")] = data.draw(garbage, label="value")
    elif kind == "add" and isinstance(node, list):
        node.append(data.draw(garbage | garbage_dists, label="element"))
    elif kind == "dist":
        container[key] = data.draw(garbage_dists, label="dist")
    else:
        kind = "replace"
        container[key] = data.draw(garbage, label="value")
    note(f"{kind} at {_dotted(path)}")


def _assert_loads_or_reports(data: dict) -> None:
    try:
        scenario_from_dict(data, "mutant.yaml")
    except ScenarioError as exc:
        assert exc.problems, "ScenarioError without problems"
        for problem in exc.problems:
            assert isinstance(problem.message, str) and problem.message.strip(), problem
            assert isinstance(problem.path, str) and problem.path.strip(), f"no field path: {problem}"
            # a bad row of a posts or places CSV is reported under that file, by row (issue 15)
            where = "mutant.yaml" if not problem.file.endswith(".csv") else problem.file
            assert str(problem).startswith(f"{where}: {problem.path}: ")
            assert where == "mutant.yaml" or problem.path.startswith("row ")


def test_shipped_scenarios_load():
    assert RAW, "no scenarios found"
    for name, raw in RAW.items():
        scenario_from_dict(copy.deepcopy(raw), name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_scenario_loads_or_raises_scenario_error(data):
    name = data.draw(st.sampled_from(sorted(RAW)), label="scenario")
    mutant = copy.deepcopy(RAW[name])
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        _mutate(data, mutant)
    _assert_loads_or_reports(mutant)


# --- a deterministic sweep: every kind of numeric field gets every troublesome number -------
def _numeric_leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numeric_leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numeric_leaves(v, (*path, i))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path


def _pattern(path, raw) -> tuple:
    """Collapse repeats so each kind of field is tried once: list items, incident types, regions,
    channels; and the parameters of distribution specs (the same Dist model checks them all)."""
    out, node = [], raw
    for i, part in enumerate(path):
        if isinstance(node, dict) and "dist" in node:
            return ("<dist>", *(("*" if isinstance(p, int) else p) for p in path[i:]))
        parent = path[i - 1] if i else None
        repeated = (
            isinstance(part, int)
            or parent
            in ("incident_types", "region_shares", "travel_min", "turnout_min", "channels", "capacity_factors")
            or (i >= 2 and path[i - 2] == "travel_min")
        )
        out.append("*" if repeated else part)
        node = node[part]
    return tuple(out)


def _sweep_cases():
    """(scenario, path) for the first occurrence of each kind of numeric field in any shipped scenario."""
    seen, cases = set(), []
    for name, raw in sorted(RAW.items(), key=lambda item: item[0] != "weekday"):
        for path in _numeric_leaves(raw):
            if _pattern(path, raw) not in seen:
                seen.add(_pattern(path, raw))
                cases.append((name, path))
    return cases


SWEEP_VALUES = [math.nan, math.inf, 1e308]  # -inf and negatives: the hypothesis test flips signs


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # 1e308 weights in np.average
@pytest.mark.parametrize(("scenario", "path"), _sweep_cases(), ids=lambda x: _dotted(x) if isinstance(x, tuple) else x)
def test_troublesome_numbers_at_every_numeric_field(scenario, path):
    for value in SWEEP_VALUES:
        mutant = copy.deepcopy(RAW[scenario])
        node = mutant
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        try:
            _assert_loads_or_reports(mutant)
        except Exception as exc:
            pytest.fail(f"{scenario}: {_dotted(path)} = {value!r}: {exc!r}", pytrace=False)


def test_datetime_values_where_numbers_belong():
    """YAML turns unquoted timestamps into datetime objects; they must be rejected cleanly."""
    mutant = copy.deepcopy(RAW["weekday"])
    mutant["horizon"]["duration_min"] = dt.datetime(2025, 3, 12)
    mutant["room"]["alarm_min"] = dt.date(2025, 3, 12)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(mutant, "mutant.yaml")
    assert {p.path for p in caught.value.problems} >= {"horizon.duration_min", "room.alarm_min"}
