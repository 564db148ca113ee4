"""``base:`` overlays: deep merge of mappings, lists replaced whole, paths relative to their file."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from sim.model.loading import ScenarioError, deep_merge, load_scenario, read_trace, resolve_file

ROOT = Path(__file__).resolve().parents[1]
WEEKDAY = ROOT / "scenarios" / "weekday.yaml"


@pytest.fixture
def tree(tmp_path):
    """tmp/base/weekday.yaml (a copy); overlays go in tmp/, above it (a base must be in the
    folder tree of the file that names it)."""
    (tmp_path / "base").mkdir()
    shutil.copy(WEEKDAY, tmp_path / "base" / "weekday.yaml")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def without(data: dict, *paths: str) -> dict:
    """A copy of ``data`` with the dotted paths removed, to compare everything else."""
    data = copy.deepcopy(data)
    for path in paths:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]
    return data


def test_overlay_changes_one_nested_value_and_keeps_the_rest(tree):
    base = resolve_file(tree / "base" / "weekday.yaml")
    assert base["room"]["intake_min"]["dist"] == "triangular"
    high = base["room"]["intake_min"]["high"] + 1.5
    overlay = write(tree / "slow_intake.yaml", f"base: base/weekday.yaml\nroom:\n  intake_min: {{high: {high}}}\n")
    merged = resolve_file(overlay)
    # the one value changed, its siblings kept
    assert merged["room"]["intake_min"] == {**base["room"]["intake_min"], "high": high}
    assert "base" not in merged
    assert without(merged, "room.intake_min.high") == without(base, "room.intake_min.high")
    scenario = load_scenario(overlay)
    assert scenario.room.intake_min.high == high
    assert scenario.room.dispatch_min == load_scenario(tree / "base" / "weekday.yaml").room.dispatch_min


def test_overlay_merges_inside_named_entries(tree):
    """As nye.yaml does: changing one incident type's share keeps its other fields and the other types."""
    original = load_scenario(WEEKDAY)
    first, *middle, last = original.load.incident_types  # move 0.05 of the share from first to last
    less, more = original.load.incident_types[first].share - 0.05, original.load.incident_types[last].share + 0.05
    overlay = write(
        tree / "shares.yaml",
        (
            "base: base/weekday.yaml\n"
            f"load:\n  incident_types:\n    {first}: {{share: {less}}}\n    {last}: {{share: {more}}}\n"
        ),
    )
    types = load_scenario(overlay).load.incident_types
    assert list(types) == list(original.load.incident_types)
    assert types[first].share == less and types[last].share == more
    assert types[first] == original.load.incident_types[first].model_copy(update={"share": less})
    assert all(types[name] == original.load.incident_types[name] for name in middle)


def test_lists_are_replaced_whole(tree):
    overlay = write(
        tree / "one_block.yaml",
        (
            "base: base/weekday.yaml\n"
            "room:\n  roster:\n    - {start: '00:00', end: '24:00', centralists: 3}\n"
            "units:\n  stations:\n"
            "    - {name: Zwolle, region: IJsselland, crew: professional, units: 5, lat: 52.51, lon: 6.09}\n"
        ),
    )
    scenario = load_scenario(overlay)
    assert [(b.start, b.end, b.centralists) for b in scenario.room.roster] == [("00:00", "24:00", 3)]
    assert [s.name for s in scenario.units.stations] == ["Zwolle"]
    assert scenario.units.stations[0].units == 5


def test_nearest_overlay_wins_along_a_chain(tree):
    write(tree / "base" / "middle.yaml", "base: weekday.yaml\nname: middle\nload: {load_factor: 2}\n")
    top = write(tree / "top.yaml", "base: base/middle.yaml\nload: {load_factor: 3}\n")
    scenario = load_scenario(top)
    assert scenario.name == "middle"
    assert scenario.load.load_factor == 3
    assert scenario.load.base_rate_per_hour == load_scenario(WEEKDAY).load.base_rate_per_hour


def test_an_overlay_with_only_a_base_is_the_base(tree):
    overlay = write(tree / "same.yaml", "base: base/weekday.yaml\n")
    assert load_scenario(overlay) == load_scenario(tree / "base" / "weekday.yaml")


def test_shipped_nye_overlay_keeps_weekday_values():
    """scenarios/nye.yaml sets a few fields of some incident types; the rest comes from weekday.yaml."""
    own = yaml.safe_load((ROOT / "scenarios" / "nye.yaml").read_text(encoding="utf-8"))
    assert own["base"] == "weekday.yaml"
    nye, weekday = load_scenario(ROOT / "scenarios" / "nye.yaml"), load_scenario(WEEKDAY)
    assert nye.name == own["name"]
    for name, fields in own["load"]["incident_types"].items():
        mine, theirs = nye.load.incident_types[name], weekday.load.incident_types[name]
        assert mine.share == fields["share"]
        for field in type(mine).model_fields:
            if field not in fields:
                assert getattr(mine, field) == getattr(theirs, field), f"{name}.{field} not kept"
    for section in ("room", "units"):
        for field in type(getattr(nye, section)).model_fields:
            if field not in (own.get(section) or {}):
                mine, theirs = getattr(getattr(nye, section), field), getattr(getattr(weekday, section), field)
                if field == "stations":  # the same posts; units.pre_staffed_share changes their crews
                    mine = [s.model_copy(update={"crew": "volunteer"}) if s.crew == "pre_staffed" else s for s in mine]
                assert mine == theirs, f"{section}.{field} not kept"


def test_trace_file_resolves_relative_to_the_overlay(tree, monkeypatch):
    start = load_scenario(WEEKDAY).horizon.start
    half_past = (start + dt.timedelta(minutes=30)).isoformat()
    trace = write(tree / "data" / "trace.csv", f"time,region,type\n90,VGZ,oms\n{half_past},Twente,autobrand\n")
    overlay = write(tree / "replay.yaml", "base: base/weekday.yaml\nload:\n  trace_file: data/trace.csv\n")
    monkeypatch.chdir(tree / "base")  # somewhere else: the working directory must not matter
    assert Path(resolve_file(overlay)["load"]["trace_file"]) == trace.resolve()
    scenario = load_scenario(Path("..") / "replay.yaml")
    assert scenario.load.trace_file == trace.resolve()
    rows = read_trace(scenario)
    assert [(r.minute, r.region, r.incident_type) for r in rows] == [
        (30.0, "Twente", "autobrand"),
        (90.0, "VGZ", "oms"),
    ]


def test_trace_file_in_a_base_resolves_relative_to_the_base(tree):
    trace = write(tree / "base" / "trace.csv", "time,region,type\n5,VGZ,oms\n")
    write(tree / "base" / "replay.yaml", "base: weekday.yaml\nload: {trace_file: trace.csv}\n")
    overlay = write(tree / "busier.yaml", "base: base/replay.yaml\nload: {load_factor: 2}\n")
    scenario = load_scenario(overlay)
    assert scenario.load.trace_file == trace.resolve()
    assert scenario.load.load_factor == 2


def test_relative_base_is_relative_to_the_file_not_the_working_directory(tree, monkeypatch):
    overlay = write(tree / "o.yaml", "base: base/weekday.yaml\nname: o\n")
    monkeypatch.chdir(tree / "base")
    assert load_scenario(overlay).name == "o"
    monkeypatch.chdir(ROOT)
    assert load_scenario(overlay).name == "o"


def test_problems_after_merging_name_the_overlay(tree):
    overlay = write(tree / "bad.yaml", "base: base/weekday.yaml\nroom: {intake_min: -1}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(overlay)
    assert [(p.file, p.path) for p in caught.value.problems] == [(str(overlay), "room.intake_min")]


def test_a_broken_base_is_reported_against_the_base(tree):
    write(tree / "base" / "broken.yaml", "name: [unclosed\n")
    overlay = write(tree / "o.yaml", "base: base/broken.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(overlay)
    (problem,) = caught.value.problems
    assert Path(problem.file).resolve() == (tree / "base" / "broken.yaml").resolve()
    assert problem.message.startswith("YAML syntax error: line 2")


@pytest.mark.parametrize("base", ["[a.yaml]", "3", "{file: a.yaml}"])
def test_base_must_be_a_path(tree, base):
    overlay = write(tree / "o.yaml", f"base: {base}\n")
    with pytest.raises(ScenarioError) as caught:
        resolve_file(overlay)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("base", "must be the path of another scenario file")
    ]


def test_a_file_that_is_its_own_base(tree):
    overlay = write(tree / "self.yaml", "base: self.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        resolve_file(overlay)
    assert [(p.path, p.message) for p in caught.value.problems] == [("base", "base cycle: self.yaml -> self.yaml")]


def test_a_shared_base_is_not_a_cycle(tree):
    """Two overlays on the same base, one on top of the other: a diamond, not a loop."""
    write(tree / "a.yaml", "base: base/weekday.yaml\nname: a\n")
    top = write(tree / "b.yaml", "base: a.yaml\nname: b\n")
    assert load_scenario(top).name == "b"


def test_deep_merge_semantics():
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2, 3], "s": 1, "d": {"k": 1}}
    overlay = {"a": {"y": {"q": 20}, "z": 3}, "l": [9], "s": {"now": "a dict"}, "d": 5, "new": None}
    before = copy.deepcopy((base, overlay))
    assert deep_merge(base, overlay) == {
        "a": {"x": 1, "y": {"p": 1, "q": 20}, "z": 3},
        "l": [9],
        "s": {"now": "a dict"},
        "d": 5,
        "new": None,
    }
    assert (base, overlay) == before, "deep_merge must not change its arguments"
