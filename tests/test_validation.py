"""``meldsim validate``: bad scenario files end with exit status 2 and one line per problem.

Each line has the form ``FILE: dotted.path.to.field: what is wrong`` (the path is
``(top level)`` for problems with the file as a whole), and no input may produce a traceback.
The bad files live in ``tests/bad_scenarios/``; most are small ``base:`` overlays on
``scenarios/weekday.yaml`` that break one thing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import EXIT_BAD_INPUT, main

ROOT = Path(__file__).resolve().parents[1]
BAD = Path("tests/bad_scenarios")  # relative to ROOT: the tests chdir there so messages show short paths
# scenarios/matrix/ holds report matrices, not scenarios (tests/test_report.py validates those)
SCENARIOS = sorted(
    p.relative_to(ROOT)
    for p in ROOT.glob("scenarios/**/*.yaml")
    if not {"matrix", "meldkamers"} & set(p.relative_to(ROOT / "scenarios").parts)
)

# (file, substring of the field path, substring of the message); the path and message must be
# on the same problem line. ``(top level)`` is how a problem without a field path is shown.
CASES = [
    ("region_shares_sum.yaml", "load.region_shares", "region shares must sum to 1"),
    ("type_shares_sum.yaml", "load.incident_types", "incident type shares must sum to 1"),
    ("warmup_equals_duration.yaml", "horizon", "warmup_min (60) must be shorter than duration_min (60)"),
    ("horizon_shorter_than_warmup.yaml", "horizon", "must be shorter than duration_min (30)"),
    ("roster_gap.yaml", "room.roster", "no block covers 00:00"),
    ("roster_overlap.yaml", "room.roster", "blocks overlap at 18:00"),
    ("roster_bad_clock.yaml", "room.roster.0.end", "'25:00' is not a clock time"),
    ("station_unknown_region.yaml", "units.stations.1.region", "unknown region 'Drenthe'"),
    ("duplicate_station.yaml", "units.stations", "station names must be unique: Zwolle"),
    ("unknown_key.yaml", "room.intake_mn", "unknown field"),
    ("negative_intake.yaml", "room.intake_min", "must not produce negative values"),
    ("lognormal_missing_sd.yaml", "room.alarm_min", "lognormal needs sd"),
    ("triangular_low_above_mode.yaml", "room.redial_delay_min", "low <= mode <= high"),
    ("unknown_family.yaml", "room.alarm_min.dist", "'exponential'"),
    ("dist_extra_parameter.yaml", "room.alarm_min", "exponential takes no sd"),
    ("wrong_type.yaml", "load.base_rate_per_hour", "valid number"),
    ("missing_required.yaml", "load.incident_types.schoorsteenbrand.on_scene_min", "Field required"),
    ("missing_sections.yaml", "horizon", "Field required"),
    ("not_a_mapping.yaml", "(top level)", "must be a mapping"),
    ("yaml_syntax.yaml", "(top level)", "YAML syntax error: line 4, column 14"),
    ("yaml_unclosed.yaml", "(top level)", "YAML syntax error: line 4"),
    ("does_not_exist.yaml", "(top level)", "file not found"),
    ("missing_base.yaml", "base", "base file not found: no_such_base.yaml"),
    ("cycle_a.yaml", "base", "base cycle: cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml"),
    ("cycle_b.yaml", "base", "base cycle: cycle_b.yaml -> cycle_a.yaml -> cycle_b.yaml"),
    ("profile_wrong_length.yaml", "load.profile", "24 hourly factors"),
    ("travel_missing_pair.yaml", "units.travel_min.IJsselland.Drenthe", "missing travel time"),
    ("priority_out_of_range.yaml", "load.incident_types.oms.priority", "less than or equal to 3"),
    ("trace_missing.yaml", "load.trace_file", "cannot read trace file"),
    ("trace_unknown_region.yaml", "load.trace_file", "trace_unknown_region.csv line 3: unknown region 'Drenthe'"),
    ("trace_unknown_type.yaml", "load.trace_file", "unknown incident type 'vliegtuigcrash'"),
    ("trace_missing_column.yaml", "load.trace_file", "missing column(s) type"),
    ("trace_bad_time.yaml", "load.trace_file", "line 3: time 'half past two' is neither minutes nor an ISO datetime"),
    # The seven below fail today: each is a bug in sim/ (see the report that came with these tests).
    ("duration_infinite.yaml", "horizon.duration_min", "finite"),  # OverflowError in roster_gap
    ("region_share_nan.yaml", "load.region_shares", "finite"),  # accepted: NaN passes the sum check
    ("load_factor_infinite.yaml", "load.load_factor", "finite"),  # accepted, then `run` crashes
    ("trace_timezone.yaml", "load.trace_file", "trace_timezone.csv line 2"),  # TypeError naive - aware
    ("outage_timezone.yaml", "outages.0.start", "UTC offset"),  # TypeError naive - aware
    ("horizon_start_number.yaml", "horizon.start", "date and time"),  # 0 = 1970 UTC: TypeError as above
    ("trace_not_utf8.yaml", "load.trace_file", "UTF-8"),  # UnicodeDecodeError is not an OSError
]


def problem_lines(text: str) -> list[tuple[str, str, str]]:
    """``FILE: path: message`` lines split into their three parts (messages may contain ': ')."""
    return [tuple(line.split(": ", 2)) for line in text.splitlines() if line.strip()]


def same_file(shown: str, expected: str | Path) -> bool:
    """Problems in a ``base:`` chain name the file as the chain reached it (possibly absolute)."""
    return os.path.normcase(Path(shown).resolve()) == os.path.normcase((ROOT / expected).resolve())


def validate(capsys, *files) -> tuple[int, str, str]:
    """``meldsim validate FILES`` in-process; a crash fails the test with the exception it raised."""
    try:
        status = main(["validate", *map(str, files)])
    except Exception as exc:  # noqa: BLE001 - any exception is the failure being tested for
        out, err = capsys.readouterr()
        pytest.fail(f"validate crashed instead of reporting a problem: {exc!r}\n{err}", pytrace=False)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("name", "path", "message"), CASES, ids=[c[0].removesuffix(".yaml") for c in CASES])
def test_bad_scenario_is_reported_with_its_field(capsys, name, path, message):
    file = BAD / name
    status, out, err = validate(capsys, file)
    assert status == EXIT_BAD_INPUT, f"expected exit status 2, got {status}; stdout: {out!r}"
    assert "Traceback" not in out + err
    assert ": ok" not in out
    lines = problem_lines(err)
    assert lines, "no problem was reported"
    for line in lines:
        assert len(line) == 3 and all(part.strip() for part in line), f"not 'FILE: path: message': {line}"
    assert any(same_file(f, file) and path in p and message in m for f, p, m in lines), (
        f"no line for {path!r} saying {message!r}; got:\n{err}"
    )


def test_every_bad_scenario_file_has_a_case():
    listed = {name for name, _, _ in CASES}
    on_disk = {p.name for p in (ROOT / BAD).glob("*.yaml")}
    assert on_disk - listed == set(), "add these files to CASES"
    assert {n for n in listed if not (ROOT / BAD / n).exists()} == {"does_not_exist.yaml"}


def test_problem_lines_name_the_file_as_given(capsys):
    """Problems of the scenario itself start with the path exactly as typed on the command line."""
    status, _, err = validate(capsys, BAD / "unknown_key.yaml")
    assert status == EXIT_BAD_INPUT
    assert err.startswith(f"{BAD / 'unknown_key.yaml'}: room.intake_mn: unknown field")


def test_yaml_syntax_error_reports_line_and_column(capsys):
    _, _, err = validate(capsys, BAD / "yaml_syntax.yaml")
    # the pure-Python and libyaml parsers word the problem differently but agree on the place
    assert err.startswith(
        f"{BAD / 'yaml_syntax.yaml'}: (top level): YAML syntax error: line 4, column 14: mapping values are not allowed"
    )


def test_several_problems_in_one_file_are_all_reported(capsys):
    """Field errors are collected, not reported one at a time."""
    status, _, err = validate(capsys, BAD / "missing_sections.yaml")
    assert status == EXIT_BAD_INPUT
    paths = {p for _, p, _ in problem_lines(err)}
    assert {"horizon", "load", "room", "units", "channels"} <= paths


def test_good_and_bad_files_together(capsys):
    """Every file is checked; one bad file makes the exit status 2 but good ones still say ok."""
    status, out, err = validate(
        capsys, "scenarios/weekday.yaml", BAD / "region_shares_sum.yaml", BAD / "does_not_exist.yaml"
    )
    assert status == EXIT_BAD_INPUT
    assert out.strip() == "scenarios/weekday.yaml: ok"
    files = {f for f, _, _ in problem_lines(err)}
    assert files == {str(BAD / "region_shares_sum.yaml"), str(BAD / "does_not_exist.yaml")}


@pytest.mark.parametrize("file", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_validates(capsys, file):
    status, out, err = validate(capsys, file)
    assert status == 0, err
    assert out.strip() == f"{file}: ok"
    assert err == ""


def test_scenarios_were_found():
    assert Path("scenarios/weekday.yaml") in SCENARIOS and len(SCENARIOS) >= 2


def _meldsim() -> list[str]:
    script = Path(sys.executable).with_name("meldsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def test_command_line_exit_status_and_messages():
    """The installed ``meldsim`` script in a subprocess (one call: the import takes seconds)."""
    bad_files = [
        BAD / "yaml_syntax.yaml",
        BAD / "station_unknown_region.yaml",
        BAD / "cycle_a.yaml",
        BAD / "trace_unknown_region.yaml",
        BAD / "does_not_exist.yaml",
    ]
    good_files = [Path("scenarios/weekday.yaml"), Path("scenarios/nye.yaml")]
    result = subprocess.run(
        [*_meldsim(), "validate", *map(str, good_files), *map(str, bad_files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout.splitlines() == [f"{f}: ok" for f in good_files], result.stderr
    lines = problem_lines(result.stderr)
    assert all(len(line) == 3 for line in lines), result.stderr
    assert {(Path(f).name, p) for f, p, _ in lines} >= {
        ("yaml_syntax.yaml", "(top level)"),
        ("station_unknown_region.yaml", "units.stations.1.region"),
        ("cycle_a.yaml", "base"),
        ("trace_unknown_region.yaml", "load.trace_file"),
        ("does_not_exist.yaml", "(top level)"),
    }


@pytest.mark.parametrize(
    ("trace_file", "csv_text", "message"),
    [
        ("huge_field.csv", 'time,region,type\n1,Twente,"' + "x" * 200_000 + '"\n', "huge_field.csv"),  # csv.Error
        ("nul\\0byte.csv", None, ""),  # ValueError: embedded null byte, from Path.resolve() / open()
    ],
    ids=["csv_field_too_large", "nul_in_path"],
)
def test_unreadable_trace_files_are_reported(capsys, tmp_path, trace_file, csv_text, message):
    """Trace files that make the csv module or the OS layer raise something other than OSError."""
    if csv_text is not None:
        (tmp_path / trace_file).write_text(csv_text, encoding="utf-8")
    weekday = (ROOT / "scenarios" / "weekday.yaml").as_posix()
    scenario = tmp_path / "replay.yaml"
    scenario.write_text(f'base: "{weekday}"\nload: {{trace_file: "{trace_file}"}}\n', encoding="utf-8")
    status, out, err = validate(capsys, scenario)
    assert status == EXIT_BAD_INPUT, out
    assert any(p == "load.trace_file" and message in m for _, p, m in problem_lines(err)), err
