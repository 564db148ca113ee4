"""The calibration table (sim/outputs/calibration.py, `meldsim calibrate`): rows from known results, the
markdown's sources, the command's atomic write and its clean failure on a bad --out."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from sim import cli
from sim.bundled import scenario_resource
from sim.model.loading import load_scenario
from sim.model.profiles import PROFILES
from sim.outputs import calibration as cal
from sim.outputs.calibration import Row, ScenarioResult

ROOT = Path(__file__).resolve().parents[1]
WEEKDAY = load_scenario(scenario_resource("weekday"))
NYE = load_scenario(scenario_resource("nye"))
REGIONS = WEEKDAY.regions


def kpis(incidents: list[float], desk: list[float], **extra) -> dict[str, list[float]]:
    n = len(incidents)
    columns = {
        "replication": list(range(n)),
        "incidents": incidents,
        "desk_handled_incidents": desk,
        "centralist_utilisation": [0.2] * n,
        "centralist_utilisation_peak_hour": [0.5] * n,
        "caco_utilisation": [0.1] * n,
        "processing_time_mean_s[priority=1]": [60.0] * n,
        **{f"processing_time_mean_s[region={r}]": [48.0] * n for r in REGIONS},
    }
    return columns | extra


def records(rows: list[tuple[int, float, str, str]]) -> dict[str, list]:
    """Incident records (replication, minute, region, type)."""
    return {k: [r[i] for r in rows] for i, k in enumerate(("replication", "minute", "region", "type"))}


@pytest.fixture
def stub() -> dict[str, ScenarioResult]:
    weekday = records(
        [
            (0, 30.0, "VNOG", "oms"),  # in the warm-up: not counted
            (0, 100.0, "VNOG", "oms"),
            (0, 200.0, "Twente", "woningbrand"),
            (0, 300.0, "VGZ", "hulpverlening_afgehandeld"),  # a desk type: no alarm
            (1, 100.0, "VNOG", "dienstverlening"),
        ]
    )
    # nye starts 31 Dec 18:00: 1 Jan 00:00 is minute 360, 08:00 minute 840
    nye = records(
        [
            (0, 359.0, "VNOG", "buitenbrand"),  # 23:59: the busiest hour, but not in the night window
            (0, 361.0, "VNOG", "buitenbrand"),
            (0, 362.0, "VNOG", "buitenbrand"),
            (0, 839.0, "Twente", "buitenbrand"),
            (0, 840.0, "Twente", "buitenbrand"),  # 08:00: outside
            (1, 370.0, "VNOG", "buitenbrand"),
            (1, 371.0, "VGZ", "buitenbrand"),
            (1, 372.0, "VGZ", "buitenbrand"),
        ]
    )
    return {
        "weekday": ScenarioResult(WEEKDAY, kpis([100.0, 120.0], [40.0, 60.0]), weekday, [0, 1]),
        "nye": ScenarioResult(NYE, kpis([300.0, 340.0], [30.0, 30.0]), nye, [0, 1]),
    }


def by_figure(found: list[Row]) -> dict[str, Row]:
    return {r.figure: r for r in found}


# --- rows from known results ------------------------------------------------------------------
def test_the_weekday_is_scaled_to_a_year_by_the_profile_not_the_clock(stub):
    weekday = PROFILES["weekday"]
    share = sum(weekday[1:]) / sum(weekday)  # the 60-min warm-up is the quiet hour 00-01
    assert cal.counted_share(WEEKDAY) == pytest.approx(share)
    assert share > 23 / 24
    row = by_figure(cal.rows(stub))["incidents at the fire desk per year"]
    assert row.model["mean"] == pytest.approx(110 * 365 / share)
    assert row.model["n"] == 2
    assert row.reference == 15_040 + 25_520


def test_desk_share_and_alarmings_come_from_the_kpis(stub):
    rows = by_figure(cal.rows(stub))
    assert rows["share handled by the desk without alarming"].model["mean"] == pytest.approx((0.4 + 0.5) / 2)
    assert rows["share handled by the desk without alarming"].reference == pytest.approx(18_600 / 40_560)
    alarmings = rows["alarmings per year (incidents with at least one alarm)"]
    assert alarmings.model["mean"] == pytest.approx(60 * cal.per_year(WEEKDAY))
    assert alarmings.reference == 21_960


def test_alarmings_per_category_count_records_after_the_warm_up(stub):
    rows = by_figure(cal.rows(stub))
    scale = cal.per_year(WEEKDAY)
    oms = rows["alarmings per year: automatic fire alarms (OMS)"]
    assert oms.model["mean"] == pytest.approx(0.5 * scale)  # replication 0: one after the warm-up; 1: none
    assert rows["alarmings per year: fires reported by phone"].model["mean"] == pytest.approx(0.5 * scale)
    assert rows["alarmings per year: assistance"].model["mean"] == pytest.approx(0.5 * scale)  # desk type left out
    assert sum(r.reference for f, r in rows.items() if f.startswith("alarmings per year:")) == 21_960


def test_every_alarmed_weekday_type_has_a_cbs_category():
    """Otherwise the category rows would not add up to the alarmings."""
    mapped = {t for _, names in cal.ALARMINGS.values() for t in names}
    alarmed = {name for name, t in WEEKDAY.load.incident_types.items() if not t.desk}
    assert alarmed == mapped


def test_new_years_night_counts_per_region_in_0_to_8(stub):
    rows = by_figure(cal.rows(stub))
    assert rows["New Year's night 00:00–08:00, VNOG"].model["mean"] == pytest.approx((2 + 1) / 2)
    assert rows["New Year's night 00:00–08:00, Twente"].model["mean"] == pytest.approx((1 + 0) / 2)
    assert rows["New Year's night 00:00–08:00, VGZ"].model["mean"] == pytest.approx((0 + 2) / 2)
    assert rows["New Year's night 00:00–08:00, VGZ"].source == "no source found"
    assert rows["New Year's night 00:00–08:00, VNOG"].reference == 102


def test_the_peak_hour_is_the_clock_hour_with_the_highest_mean(stub):
    row = by_figure(cal.rows(stub))["New Year's Eve peak hour (incidents per hour)"]
    assert "00:00–01:00" in row.model_figure
    assert row.model["mean"] == pytest.approx(2.5)  # rep 0: 2 (23:59 is the hour before); rep 1: 3
    assert row.reference == (60, 90)


def test_the_nye_range_is_cut_to_the_models_window(stub):
    row = by_figure(cal.rows(stub))["New Year's Eve incidents (fire desk)"]
    outside = (32 - 13.5) * 40_560 / 8_760  # 31 Dec 00:00-18:30 at CBS's mean rate
    assert row.reference == pytest.approx((450 - outside, 550 - outside))
    assert row.model["mean"] == 320


def test_processing_time_is_in_minutes(stub):
    row = by_figure(cal.rows(stub))["processing time (CBS: alarmering), VGZ"]
    assert row.model["mean"] == pytest.approx(0.8)
    assert row.reference == 0.9
    assert "processing_time_mean_s[region=VGZ]" in row.model_figure


# --- gaps and sources -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, reference, expected",
    [
        (110.0, 100, (10.0, 0.1)),
        (90.0, 100, (-10.0, -0.1)),
        (50.0, (60, 90), (-10.0, -1 / 6)),
        (99.0, (60, 90), (9.0, 0.1)),
        (70.0, (60, 90), (0.0, 0.0)),
    ],
)
def test_gap_is_model_minus_source_or_the_distance_to_a_range(model, reference, expected):
    assert cal.gap(model, reference) == pytest.approx(expected)


def test_no_gap_without_a_source_or_a_model_value():
    assert cal.gap(1.0, None) is None
    assert cal.gap(math.nan, 5) is None


@pytest.mark.parametrize("source", ["CBS 2019", "", "estimated by us", "estimate", "see the notes"])
def test_a_row_without_a_citation_or_an_estimate_mark_cannot_be_made(source):
    with pytest.raises(ValueError, match="must cite"):
        Row("x", "count", "1", source, 1, {"mean": 1.0, "n": 1}, "m", "why")


@pytest.mark.parametrize("source", ["estimate (range 1–2)", "no source found", "CBS, https://cbs.nl/x"])
def test_a_cited_or_marked_row_can_be_made(source):
    Row("x", "count", "1", source, 1, {"mean": 1.0, "n": 1}, "m", "why")


def table_rows(markdown: str, which: int = 0) -> list[list[str]]:
    """The body rows of the document's ``which``-th table (0: the calibration table)."""
    tables, current = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    lines = [line for line in tables[which] if not line.startswith("|---")][1:]  # without the head
    return [re.split(r"(?<!\\)\|", line)[1:-1] for line in lines]


def test_the_markdown_has_every_row_with_its_source(stub):
    found = cal.rows(stub)
    page = cal.render(
        found, command="meldsim calibrate --replications 2", commit="abc123", date="2025-01-01", wall_s=1, jobs=2
    )
    cells = table_rows(page)
    assert [c[0].strip() for c in cells] == [r.figure for r in found]
    assert all(len(c) == 7 for c in cells)
    for c in cells:
        assert cal.sourced(c[2].strip()), c
    assert "`meldsim calibrate --replications 2`" in page and "abc123" in page and "2025-01-01" in page
    assert "edit sim/outputs/calibration.py" in page
    required = (
        "incidents at the fire desk per year",
        "share handled by the desk without alarming",
        "alarmings per year (incidents with at least one alarm)",
        "New Year's Eve incidents (fire desk)",
        "New Year's Eve peak hour (incidents per hour)",
        "centralist occupancy, normal day (mean over the day)",
        "centralist occupancy, New Year's Eve busiest hour",
        "CaCo occupancy, normal day",
        "CaCo occupancy, New Year's Eve",
        *(f"processing time (CBS: alarmering), {r}" for r in REGIONS),
        *(f"New Year's night 00:00–08:00, {r}" for r in REGIONS),
    )
    assert set(required) <= {r.figure for r in found}


def test_a_pipe_in_a_cell_does_not_break_the_table(stub):
    row = Row("a | b", "count", "1", "no source found", None, {"mean": 1.0, "n": 1}, "m", "why")
    [cells] = table_rows(cal.table([row]))
    assert len(cells) == 7 and cells[0].strip() == "a \\| b"


def test_the_committed_table_is_generated_and_has_the_current_rows(stub):
    """docs/calibration.md is regenerated when rows change (`meldsim calibrate`), never edited by hand."""
    page = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert re.search(r"Generated by `meldsim calibrate --replications \d+ --seed \d+", page)
    cells = table_rows(page)
    assert [c[0].strip() for c in cells] == [r.figure for r in cal.rows(stub)]
    assert all(cal.sourced(c[2].strip()) for c in cells)


# --- the command ------------------------------------------------------------------------------
@pytest.fixture
def no_run(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("ran the scenarios although --out is bad")

    monkeypatch.setattr(cal, "calibrate", fail)


@pytest.mark.parametrize(
    "where, message",
    [
        (lambda tmp: tmp / "missing" / "cal.md", "no such directory"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: tmp / "file.txt" / "cal.md", "is a file, not a directory"),
    ],
)
def test_a_bad_out_fails_before_running_and_writes_nothing(tmp_path, capsys, no_run, where, message):
    (tmp_path / "file.txt").write_text("x")
    before = sorted(tmp_path.rglob("*"))
    assert cli.main(["calibrate", "--out", str(where(tmp_path))]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("--out: ") and message in err
    assert sorted(tmp_path.rglob("*")) == before


def test_the_table_replaces_the_file_in_one_step(tmp_path, capsys, monkeypatch):
    out = tmp_path / "cal.md"
    out.write_text("old")
    seen = {}

    def fake(options, command):
        seen.update(options=options, command=command)
        return "new table"

    monkeypatch.setattr(cal, "calibrate", fake)
    assert cli.main(["calibrate", "-n", "3", "--seed", "7", "-j", "1", "--out", str(out)]) == 0
    assert out.read_text() == "new table"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.md"]  # no temporary file left
    assert capsys.readouterr().out.strip() == str(out)
    assert seen["command"] == f"meldsim calibrate --replications 3 --seed 7 --jobs 1 --out {out}"
    assert (seen["options"].replications, seen["options"].seed, seen["options"].keep_records) == (3, 7, 3)


def test_a_failed_run_leaves_the_old_table(tmp_path, capsys, monkeypatch):
    out = tmp_path / "cal.md"
    out.write_text("old")

    def broken(options, command):
        raise OSError(28, "No space left on device", str(tmp_path))

    monkeypatch.setattr(cal, "calibrate", broken)
    assert cli.main(["calibrate", "--out", str(out)]) == cli.EXIT_IO
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "old"


def test_the_default_is_60_replications_into_docs():
    args = cli.build_parser().parse_args(["calibrate"])
    assert (args.replications, args.seed, args.out) == (60, 1, Path("docs/calibration.md"))


def test_end_to_end_with_two_replications(tmp_path, capsys):
    out = tmp_path / "cal.md"
    clock = time.perf_counter()
    assert cli.main(["calibrate", "-n", "2", "-j", "2", "--out", str(out)]) == 0
    assert time.perf_counter() - clock < 60
    assert capsys.readouterr().out.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    cells = table_rows(page)
    assert len(cells) >= 20 and all(cal.sourced(c[2].strip()) for c in cells)
    models = {c[0].strip(): c[3] for c in cells}
    assert "(n = 2)" in models["incidents at the fire desk per year"]
    per_year = float(models["incidents at the fire desk per year"].split()[0].replace(",", ""))
    assert 30_000 < per_year < 50_000  # CBS: 40,560
    assert np.isfinite(float(models["New Year's Eve peak hour (incidents per hour)"].split()[0]))
    assert f"--out {out}" in page and "--replications 2 --seed 1 --jobs 2" in page
    # issue 15: the response times of priority-1 fires per region beside CBS 2019
    validation = table_rows(page, 1)
    assert [c[0].strip() for c in validation] == ["IJsselland", "Twente", "VNOG", "VGGM", "VGZ"]
    assert all(" / " in cell for row in validation for cell in row[1:-1]) and "[" in page.split("issue 15")[-1]
    assert all(row[-1].strip().endswith(("%", "]", "–")) for row in validation)  # first on scene: volunteers


def test_the_validation_table_marks_each_part_against_its_tolerance():
    from sim.outputs.parts import validation

    def summary(kpi):  # 9 % over CBS (inside every tolerance), rij 20 % over (outside ±15 %)
        region = kpi.split("=")[1].rstrip("]")
        part = next((p for p, k in validation.COMPONENT_KPI.items() if kpi.startswith(k + "[")), None)
        if part is None:  # first_on_scene_volunteer_share
            return {"mean": 0.5, "ci95_low": 0.4, "ci95_high": 0.6, "n": 30}
        mean = validation.CBS_83123NED_2019[region][part] * (1.09 if part != "rij" else 1.20)
        return {"mean": mean, "ci95_low": mean - 0.1, "ci95_high": mean + 0.1, "n": 30}

    rows = validation.response_rows(summary, ["VNOG", "Drenthe"])
    assert [r for r, _ in rows] == ["VNOG"]  # CBS has no figure for a region outside MKON here
    text = validation.markdown(rows)
    assert text.count("+9 % ✓") == 2 and "+20 % ✗" in text and "+9 %)" in text  # alarmering: no mark
    html = validation.html_table(rows)
    assert html.count("class='num ok'") == 2 and html.count("class='num off'") == 1
    assert "| 50 % [40–60] |" in text


def test_fit_geography_prints_yaml_and_refuses_a_scenario_without_geography(tmp_path, capsys):
    assert cli.main(["calibrate", "--fit-geography", "-n", "2", "-j", "1", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "geography:\n  drive_factor: {IJsselland:" in out and "volunteer_turnout_factor" in out
    flat = tmp_path / "flat.yaml"
    regions = ["IJsselland", "Twente", "VNOG", "VGGM", "VGZ"]
    travel = {r: {q: 5 for q in regions} for r in regions}
    flat.write_text(
        f"base: {scenario_resource('weekday')}\ngeography: null\nunits: {{travel_min: {travel}}}\n",
        encoding="utf-8",
    )
    assert cli.main(["calibrate", "--fit-geography", str(flat), "-n", "1"]) == 2
    assert "has no geography" in capsys.readouterr().err
