"""Hostile and absurd scenario input (issue 12, "Hardening"): each test is the reproduction.

Before the fix each of these ran for minutes, took gigabytes, hung, wrote outside
``results/`` or ended in a traceback; now each ends with exit status 2 and a line
``FILE: field.path: message`` within a bounded time. Big files are generated here, never committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sim import bundled
from sim.cli import EXIT_BAD_INPUT, main
from sim.model import limits
from sim.model.loading import ScenarioError, load_scenario, resolve_file, safe_load_text

ROOT = Path(__file__).resolve().parents[1]
WEEKDAY = ROOT / "scenarios" / "weekday.yaml"


@pytest.fixture
def folder(tmp_path):
    """tmp/weekday.yaml (a copy) for overlays next to it."""
    shutil.copy(WEEKDAY, tmp_path / "weekday.yaml")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def validate(capsys, *files) -> tuple[int, str, float]:
    """``meldsim validate`` in-process: (status, stderr, seconds)."""
    started = time.perf_counter()
    status = main(["validate", *map(str, files)])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if status:
        assert ": ok" not in out
    return status, err, seconds


def alias_bomb(levels: int = 10, fanout: int = 9, indent: str = "") -> str:
    """``a0`` holds ``fanout`` scalars, each next level ``fanout`` aliases of the one before:
    fanout**levels nodes once expanded (9**10 = 3.5 billion) in a file of 300 bytes."""
    lines = [f"{indent}a0: &a0 [{', '.join(['x'] * fanout)}]"]
    for i in range(1, levels):
        lines.append(f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]")
    return "\n".join(lines) + "\n"


# --- 1. alias bombs ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        alias_bomb(),
        "base: weekday.yaml\nload:\n" + alias_bomb(indent="  "),
        "base: weekday.yaml\nextra:\n" + alias_bomb(indent="  "),
    ],
    ids=["top", "under_load", "under_unknown_key"],
)
def test_alias_bomb_is_refused_quickly(capsys, folder, text):
    bomb = write(folder / "bomb.yaml", text)
    status, err, seconds = validate(capsys, bomb)
    assert status == EXIT_BAD_INPUT
    assert f"{bomb}: (top level): line" in err and "too many aliases/nodes" in err
    assert seconds < 1.0, f"took {seconds:.2f} s"


@pytest.mark.parametrize("text", ["x: &a [*a]", "y: &b {k: *b}", "z: &c [1, [2, *c]]"])
def test_an_alias_inside_what_it_names_is_refused(capsys, folder, text):
    """A recursive structure: RecursionError when the keys were stringified."""
    loop = write(folder / "loop.yaml", f"base: weekday.yaml\n{text}\n")
    status, err, _ = validate(capsys, loop)
    assert status == EXIT_BAD_INPUT and f"{loop}: (top level): line 2: alias *" in err
    assert "inside the collection it names" in err


def test_aliases_within_the_limit_still_work():
    data = safe_load_text("a: &a {x: 1, y: 2}\nb: *a\nc: {<<: *a, y: 3}\n")
    assert data == {"a": {"x": 1, "y": 2}, "b": {"x": 1, "y": 2}, "c": {"x": 1, "y": 3}}


def test_alias_bomb_in_a_subprocess_stays_small_and_fast(folder):
    """The installed command under a 1 GB address-space limit: before the fix it needed GBs."""
    bomb = write(folder / "bomb.yaml", alias_bomb())
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "from sim.cli import main; sys.exit(main(['validate', sys.argv[1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr and "too many aliases/nodes" in result.stderr


def test_alias_bomb_in_the_dashboard_lists_as_invalid(tmp_path):
    from dashboard import scenario_form

    shutil.copy(WEEKDAY, tmp_path / "weekday.yaml")
    write(tmp_path / "bomb.yaml", "base: weekday.yaml\nload:\n" + alias_bomb(indent="  "))
    started = time.perf_counter()
    statuses = {s["file"]: s for s in scenario_form.scenario_statuses(tmp_path)}
    assert time.perf_counter() - started < 5
    assert statuses["weekday.yaml"]["valid"]
    assert not statuses["bomb.yaml"]["valid"]
    assert any("too many aliases/nodes" in p for p in statuses["bomb.yaml"]["problems"])
    rows, problems = scenario_form.resolved_parameters(tmp_path, "bomb.yaml")
    assert rows == [] and "too many aliases/nodes" in problems[0]


# --- 2. trace files -----------------------------------------------------------------------------
def test_trace_file_dev_zero_is_refused(capsys, folder):
    overlay = write(folder / "zero.yaml", "base: weekday.yaml\nload: {trace_file: /dev/zero}\n")
    status, err, seconds = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT
    assert f"{overlay}: load.trace_file: zero: cannot read trace file: not a regular file" in err
    assert seconds < 5


def test_trace_file_fifo_does_not_block(folder):
    os.mkfifo(folder / "pipe")
    overlay = write(folder / "pipe.yaml", "base: weekday.yaml\nload: {trace_file: pipe}\n")
    outcome = []

    def load():
        try:
            load_scenario(overlay)
        except ScenarioError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "loading a scenario whose trace_file is a FIFO blocked"
    assert outcome and "load.trace_file: pipe: cannot read trace file: not a regular file" in outcome[0]


def test_trace_file_over_the_size_limit(monkeypatch, folder):
    monkeypatch.setattr(limits, "MAX_TRACE_BYTES", 100)
    write(folder / "big.csv", "time,region,type\n" + "5,VGZ,oms\n" * 20)
    overlay = write(folder / "big.yaml", "base: weekday.yaml\nload: {trace_file: big.csv}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(overlay)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("load.trace_file", "big.csv: cannot read trace file: larger than 100 bytes (limit)")
    ]


def test_trace_file_with_more_incidents_than_the_limit(monkeypatch, folder):
    monkeypatch.setattr(limits, "MAX_INCIDENTS", 5)
    write(folder / "many.csv", "time,region,type\n" + "5,VGZ,oms\n" * 6)
    write(folder / "five.csv", "time,region,type\n" + "5,VGZ,oms\n" * 5)
    overlay = write(folder / "many.yaml", "base: weekday.yaml\nload: {trace_file: many.csv}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(overlay)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("load.trace_file", "many.csv: more than 5 incidents (limit)")
    ]
    overlay = write(folder / "five.yaml", "base: weekday.yaml\nload: {trace_file: five.csv}\n")
    assert load_scenario(overlay).load.trace_file.name == "five.csv"


def test_scenario_file_must_be_a_regular_file_of_limited_size(capsys, folder, monkeypatch):
    status, err, _ = validate(capsys, "/dev/zero")
    assert status == EXIT_BAD_INPUT and "/dev/zero: (top level): cannot read file: not a regular file" in err
    monkeypatch.setattr(limits, "MAX_SCENARIO_BYTES", 1000)
    status, err, _ = validate(capsys, folder / "weekday.yaml")
    assert status == EXIT_BAD_INPUT and "cannot read file: larger than 1,000 bytes (limit)" in err


# --- 3. scenarios that validate but cannot run -------------------------------------------------
EXPLOSIVE = [
    ("horizon: {duration_min: 1.0e9}", "horizon.duration_min", "less than or equal to 527040"),
    ("load: {base_rate_per_hour: 1.0e7}", "load.base_rate_per_hour", "less than or equal to 100000"),
    ("load: {load_factor: 1e308}", "load.load_factor", "less than or equal to 1000"),
    (
        "load: {incident_types: {oms: {radio_messages: {dist: poisson, mean: 1.0e12}}}}",
        "load.incident_types.oms.radio_messages",
        "mean must be at most 1e+09",
    ),
    (
        "load: {incident_types: {oms: {duplicate_calls: {dist: poisson, mean: 1.0e9}}}}",
        "load.incident_types.oms.duplicate_calls",
        "at most 10,000 per incident",
    ),
    ("load: {base_rate_per_hour: 20000}", "load.base_rate_per_hour", "incidents per replication"),
    (
        "horizon: {duration_min: 500000}\nload: {incident_types: {oms: {radio_messages: 5000}}}",
        "load.incident_types.oms.radio_messages",
        "messages per replication",
    ),
    (
        "horizon: {duration_min: 500000}\nload: {incident_types: {oms: {duplicate_calls: 1000}}}",
        "load.incident_types.oms.duplicate_calls",
        "calls per replication",
    ),
    ("channels: {handhelds: {capacity: 1000000000}}", "channels.handhelds.capacity", "less than or equal"),
    (
        "units: {stations: [{name: A, region: VGZ, crew: volunteer, units: 1000000000}]}",
        "units.stations.0.units",
        "less",
    ),
    ("room: {intake_min: {dist: exponential, mean: 1.0e300}}", "room.intake_min", "at most 1e+09"),
    (
        "random_outages: [{target: c2000, time_between_failures_min: 0, repair_min: 0}]",
        "random_outages.0.time_between_failures_min",
        "failures per replication",
    ),
]


@pytest.mark.parametrize(("text", "path", "message"), EXPLOSIVE, ids=[e[1] + "-" + e[2][:12] for e in EXPLOSIVE])
def test_work_beyond_the_limits_is_refused_by_validate(capsys, folder, text, path, message):
    overlay = write(folder / "big.yaml", f"base: weekday.yaml\nname: big\n{text}\n")
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT
    assert any(line.startswith(f"{overlay}: {path}: ") and message in line for line in err.splitlines()), err


def test_thousands_of_regions_are_refused_before_the_square_checks(folder):
    """5,000 regions made the travel-time check list 25 million missing pairs (GBs)."""
    shares = ", ".join(f"r{i}: 0.0002" for i in range(5000))
    overlay = write(folder / "regions.yaml", f"base: weekday.yaml\nload: {{region_shares: {{{shares}}}}}\n")
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(overlay)
    assert time.perf_counter() - started < 10
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("load.region_shares", f"at most {limits.MAX_REGIONS} regions (limit)")
    ]


def test_a_roster_of_thousands_of_blocks_is_refused(capsys, folder):
    blocks = ", ".join("{start: '00:00', end: '00:00', centralists: 1}" for _ in range(limits.MAX_ROSTER_BLOCKS + 1))
    overlay = write(folder / "roster.yaml", f"base: weekday.yaml\nroom: {{roster: [{blocks}]}}\n")
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT and f"{overlay}: room.roster: List should have at most 1000 items" in err


def test_every_bundled_scenario_is_far_inside_the_limits():
    """A factor 100 of room: the limits stop absurd input, not big studies."""
    for name, path in bundled.bundled_scenarios().items():
        scenario = load_scenario(path)
        types = scenario.load.incident_types.values()
        incidents = scenario.expected_incidents()
        calls = incidents * sum(t.share * (1 + t.duplicate_calls.expected) for t in types)
        messages = incidents * sum(t.share * (t.radio_messages.expected + t.scene_messages.expected) for t in types)
        assert incidents * 100 < limits.MAX_INCIDENTS, name
        assert calls * 100 < limits.MAX_CALLS, name
        assert messages * 100 < limits.MAX_MESSAGES, name
        assert scenario.horizon.duration_min * 100 < limits.MAX_DURATION_MIN, name
        assert len(scenario.regions) * 10 <= limits.MAX_REGIONS, name


def test_the_dashboard_form_refuses_the_same(tmp_path):
    from dashboard import scenario_form
    from dashboard.pages import scenarios

    shutil.copy(WEEKDAY, tmp_path / "weekday.yaml")
    messages = scenarios.messages_for("en")

    def save(load_factor):
        return scenario_form.save_overlay(
            tmp_path, "weekday.yaml", "x", None, {"load_factor": load_factor}, {}, {}, messages
        )

    assert "less than or equal to 1000" in save("1e308").errors["load_factor"]
    result = save("999")  # each field plausible, together 110,000 incidents a day: still fine
    assert result.ok
    for file in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(file, tmp_path / file.name)
    result = scenario_form.save_overlay(  # 48 hours of New Year's Eve: 515,000 incidents
        tmp_path, "power_48h.yaml", "y", None, {"load_factor": "999"}, {}, {}, messages
    )
    assert not result.ok and any("incidents per replication" in g for g in result.general)
    assert not (tmp_path / "y.yaml").exists()


# --- 4. names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".hidden", "a/b", "../up", "a..b", "", " x", "x\n", "é", "x" * 81])
def test_bad_names_are_refused(capsys, folder, name):
    overlay = write(folder / "named.yaml", f"base: weekday.yaml\nname: {name!r}\n".replace("'", '"'))
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT
    assert f"{overlay}: name: " in err


def test_a_name_in_binary_is_not_a_way_around_the_check(capsys, folder):
    overlay = write(folder / "named.yaml", "base: weekday.yaml\nname: !!binary Li4=\n")  # b".."
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT and f"{overlay}: name: " in err


@pytest.mark.parametrize("name", ["weekday", "nye-2025", "v1.2_b", "A" * 80])
def test_good_names_pass(folder, name):
    overlay = write(folder / "named.yaml", f"base: weekday.yaml\nname: {name}\n")
    assert load_scenario(overlay).name == name


def test_run_directories_never_leave_the_results_root(tmp_path):
    from dashboard.jobs import unique_run_dir
    from sim.experiments.results import default_run_dir

    for name in ("..", ".hidden", "."):
        for target in (default_run_dir(tmp_path, name), unique_run_dir(tmp_path, name)):
            assert target.resolve().is_relative_to(tmp_path.resolve())
            assert not target.relative_to(tmp_path).parts[0].startswith(".")


# --- 5. tracebacks ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a" * 5000, "a/" * 3000])
def test_file_names_too_long_for_the_file_system(capsys, name):
    from dashboard.jobs import scenario_path

    status, err, _ = validate(capsys, name)
    assert status == EXIT_BAD_INPUT and "file not found, and not the name of a bundled scenario" in err
    with pytest.raises(ScenarioError):
        scenario_path(ROOT / "scenarios", name + ".yaml")


def test_base_chain_of_a_thousand_files(capsys, folder):
    for i in range(1, 1000):
        write(folder / f"c{i}.yaml", f"base: {'weekday' if i == 1 else f'c{i - 1}'}.yaml\n")
    status, err, _ = validate(capsys, folder / "c999.yaml")
    assert status == EXIT_BAD_INPUT
    assert f"base: base chain longer than {limits.MAX_BASE_CHAIN} files (limit)" in err


def test_chains_up_to_the_limit_load(folder):
    for i in range(1, limits.MAX_BASE_CHAIN):
        write(folder / f"c{i}.yaml", f"base: {'weekday' if i == 1 else f'c{i - 1}'}.yaml\n")
    assert load_scenario(folder / f"c{limits.MAX_BASE_CHAIN - 1}.yaml").name == "weekday"


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "".join(" " * i + f"k{i}:\n" for i in range(1000)),
    ],
    ids=["flow_list", "flow_map", "block"],
)
def test_yaml_nested_five_thousand_deep(capsys, folder, text):
    deep = write(folder / "deep.yaml", text + "\n")
    status, err, seconds = validate(capsys, deep)
    assert status == EXIT_BAD_INPUT
    assert f"nested more than {limits.MAX_YAML_DEPTH} levels deep" in err
    assert seconds < 2


def test_integer_with_five_thousand_digits(capsys, folder):
    big = write(folder / "big.yaml", "base: weekday.yaml\nload: {load_factor: " + "1" * 5000 + "}\n")
    status, err, _ = validate(capsys, big)
    assert status == EXIT_BAD_INPUT
    assert f"{big}: (top level): line 2: a number with 5000 digits (at most {limits.MAX_INT_DIGITS})" in err
    quoted = write(
        folder / "quoted.yaml", 'base: weekday.yaml\nchannels: {handhelds: {capacity: "' + "1" * 5000 + '"}}\n'
    )
    status, err, _ = validate(capsys, quoted)
    assert status == EXIT_BAD_INPUT and "channels.handhelds.capacity" in err


# --- 8. strict counts, duplicate keys, where a base may be ----------------------------------------
@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("channels: {handhelds: {capacity: true}}", "channels.handhelds.capacity"),
        ("load: {incident_types: {oms: {priority: true}}}", "load.incident_types.oms.priority"),
        ("channels: {handhelds: {capacity: 2.5}}", "channels.handhelds.capacity"),
        ("units: {stations: [{name: A, region: VGZ, crew: volunteer, units: true}]}", "units.stations.0.units"),
    ],
)
def test_counts_are_whole_numbers_not_booleans(capsys, folder, text, path):
    overlay = write(folder / "b.yaml", f"base: weekday.yaml\n{text}\n")
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT and f"{overlay}: {path}: " in err


def test_duplicate_keys_are_named_with_their_lines(capsys, folder):
    overlay = write(folder / "dup.yaml", "base: weekday.yaml\nload:\n  load_factor: 2\n  load_factor: 3\n")
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT
    assert f"{overlay}: (top level): line 4: duplicate key 'load_factor' (first on line 3)" in err


def test_merge_keys_are_not_duplicates():
    assert safe_load_text("a: &a {x: 1}\nb: {<<: *a, x: 2}\n")["b"] == {"x": 2}


@pytest.mark.parametrize("base", ["/etc/passwd", "../outside.yaml", "sub/../../outside.yaml"])
def test_a_base_outside_the_folder_is_refused(capsys, tmp_path, base):
    shutil.copy(WEEKDAY, tmp_path / "outside.yaml")
    overlay = write(tmp_path / "inner" / "o.yaml", f"base: {base}\n")
    status, err, _ = validate(capsys, overlay)
    assert status == EXIT_BAD_INPUT
    assert (
        f"{overlay}: base: {base}: a base must be inside this file's folder (or below it) or a bundled scenario" in err
    )
    assert "root:" not in err


def test_a_base_may_be_a_bundled_scenario_by_name_or_path(tmp_path):
    by_name = write(tmp_path / "a.yaml", "base: nye_eocs_outage\nname: a\n")
    by_path = write(tmp_path / "b.yaml", f"base: {os.path.relpath(WEEKDAY, tmp_path)}\nname: b\n")
    assert load_scenario(by_name).outages == load_scenario(ROOT / "scenarios" / "nye_eocs_outage.yaml").outages
    assert resolve_file(by_path)["horizon"] == resolve_file(WEEKDAY)["horizon"]


def test_dashboard_problems_show_paths_relative_to_the_scenarios_folder(tmp_path):
    from dashboard import scenario_form

    shutil.copy(WEEKDAY, tmp_path / "weekday.yaml")
    write(tmp_path / "sub" / "broken.yaml", "name: [unclosed\n")
    write(tmp_path / "o.yaml", "base: sub/broken.yaml\n")
    write(tmp_path / "far.yaml", "base: /etc/passwd\n")
    for file in ("o.yaml", "far.yaml"):
        _, problems = scenario_form.resolved_parameters(tmp_path, file)
        assert problems and not any(str(tmp_path) in p for p in problems), problems
    _, problems = scenario_form.resolved_parameters(tmp_path, "o.yaml")
    assert problems[0].startswith("sub/broken.yaml: (top level): YAML syntax error")


# --- 6. the dashboard's file name -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["evil2\n.yaml", "evil2\n.yml", "a\nb", ".hidden", "../evil", "a b"])
def test_dashboard_file_names_are_matched_whole(tmp_path, name):
    from dashboard import scenario_form
    from dashboard.pages import scenarios

    shutil.copy(WEEKDAY, tmp_path / "weekday.yaml")
    messages = scenarios.messages_for("en")
    result = scenario_form.save_overlay(tmp_path, "weekday.yaml", name, None, {"load_factor": "2"}, {}, {}, messages)
    assert not result.ok and result.filename_error == messages["filename"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weekday.yaml"]


# --- 7. an overlay that changes a distribution's family ----------------------------------------------
def test_an_overlay_can_change_a_distributions_family(folder):
    """weekday.yaml's intake is triangular; an exponential overlay used to inherit low/mode/high."""
    assert load_scenario(folder / "weekday.yaml").room.intake_min.dist == "triangular"
    overlay = write(folder / "o.yaml", "base: weekday.yaml\nroom: {intake_min: {dist: exponential, mean: 0.4}}\n")
    intake = load_scenario(overlay).room.intake_min
    assert (intake.dist, intake.mean, intake.low, intake.mode, intake.high) == ("exponential", 0.4, None, None, None)


def test_an_overlay_with_the_same_family_still_merges(folder):
    overlay = write(folder / "o.yaml", "base: weekday.yaml\nroom: {intake_min: {dist: triangular, high: 9}}\n")
    base, merged = load_scenario(folder / "weekday.yaml").room.intake_min, load_scenario(overlay).room.intake_min
    assert (merged.low, merged.mode, merged.high) == (base.low, base.mode, 9)
    overlay = write(folder / "p.yaml", "base: weekday.yaml\nroom: {intake_min: {high: 9}}\n")
    assert load_scenario(overlay).room.intake_min.high == 9
