"""The dashboard without a browser: data readers, figure builders, page layouts and the
callbacks as plain functions, the scenario form, starting runs, the CLI entry."""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import threading
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from dashboard_support import ROOT, component_ids, make_world, texts

from dashboard import data, figures, i18n, ids, jobs, scenario_form
from dashboard.app import create_app
from dashboard.cli import add_dashboard_command, cmd_dashboard
from dashboard.components import Config, figure_html
from dashboard.norms import NORMS
from dashboard.pages import compare, run, scenarios, timeline
from sim import cli, labels
from sim.experiments.kpis import METRICS
from sim.experiments.stats import paired_difference
from sim.model.loading import load_scenario


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture(scope="module")
def cfg(world):
    return Config(world.results, world.scenarios)


@pytest.fixture
def scenario_dir(world, tmp_path):
    """A private copy of the scenario files, for tests that write into it."""
    target = tmp_path / "scenarios"
    shutil.copytree(world.scenarios, target)
    return target


# --- reading result directories ----------------------------------------------------------------
def test_listing_shows_broken_and_half_written_runs_as_errors(world):
    entries = {e.key: e for e in data.list_run_entries(world.results)}
    assert {world.baseline, world.better, world.no_records} <= set(entries)
    assert not entries[world.baseline].error and entries[world.baseline].seed == 1
    assert entries[world.broken].error.startswith("JSONDecodeError")
    assert entries[world.half_written].error
    assert not any(".partial" in k or ".dash-cache" in k for k in entries)  # staging and cache are hidden
    assert data.list_run_entries(world.root / "nowhere") == []


def test_run_keys_from_browsers_stay_inside_the_results(world):
    with pytest.raises(data.DataError):
        data.resolve_run(world.results, "../scenarios")
    with pytest.raises(data.DataError):
        data.resolve_run(world.results, "/etc")
    with pytest.raises(data.DataError):
        data.load_run(world.results, world.broken)
    runs, errors = data.load_runs(world.results, [world.baseline, world.broken, "nope"])
    assert [r.key for r in runs] == [world.baseline] and len(errors) == 2


def test_kpi_differences_are_paired_by_replication(world):
    runs, _ = data.load_runs(world.results, [world.baseline, world.better])
    rows = data.kpi_rows(runs)
    by = {(r["kpi"], r["letter"]): r for r in rows}
    base = runs[0].table("replications")
    other = runs[1].table("replications")
    for kpi in ("outage_to_detection_min", "opkomsttijd_mean_min", "radio_message_delay_mean_min"):
        expected = paired_difference(other[kpi], base[kpi])
        row = by[kpi, "B"]
        assert row["paired"] is True and row["diff_n"] == 3
        assert row["diff_mean"] == pytest.approx(expected["mean"])
        assert row["diff_ci95_low"] == pytest.approx(expected["ci95_low"])
        assert row["significant"] == (expected["ci95_low"] > 0 or expected["ci95_high"] < 0)
        assert by[kpi, "A"]["diff_mean"] is None
        summary = json.loads((runs[1].path / "summary.json").read_text())[kpi]
        assert row["mean"] == pytest.approx(summary["mean"])
    for row in rows:  # a significant change is better or worse by the registry's direction
        if row["significant"]:
            better = METRICS[row["kpi"].split("[")[0]].better
            up = row["diff_ci95_low"] > 0
            assert row["change"] == ("neutral" if not better else "better" if up == (better == "higher") else "worse")
        else:
            assert row["change"] is None


def test_different_seeds_give_an_unpaired_difference(world, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(world.results / world.better, copy / "other")
    shutil.copytree(world.results / world.baseline, copy / "base")
    manifest = json.loads((copy / "other" / "manifest.json").read_text())
    manifest["seed"] = 99
    (copy / "other" / "manifest.json").write_text(json.dumps(manifest))
    runs, _ = data.load_runs(copy, ["base", "other"])
    row = next(r for r in data.kpi_rows(runs) if r["kpi"] == "opkomsttijd_mean_min" and r["letter"] == "B")
    assert row["paired"] is False and row["diff_n"] is None and row["diff_mean"] is not None


def test_norms_are_checked_on_the_mean(world):
    runs, _ = data.load_runs(world.results, [world.baseline])
    for row in data.kpi_rows(runs):
        norm = NORMS.get(row["kpi"])
        assert row["norm_broken"] == bool(norm and row["mean"] is not None and row["mean"] < norm.minimum)
    assert all(n.source for n in NORMS.values())


def test_time_series_are_means_over_replications_downsampled(world):
    run = data.load_run(world.results, world.baseline)
    full = data.mean_timeseries(run, max_points=10_000)
    table = run.table("timeseries")
    minute5 = table["minute"] == 5
    assert full["calls_waiting"][5] == pytest.approx(table["calls_waiting"][minute5].mean())
    small = data.mean_timeseries(run, max_points=20)
    assert len(small["minute"]) <= 20 and small["step"] == 6
    assert small["centralists_busy"][0] == pytest.approx(full["centralists_busy"][:6].mean())
    assert data.mean_timeseries(data.load_run(world.results, world.no_records)) is None


# --- utilisation by clock hour -------------------------------------------------------------------
def test_span_utilisation_is_busy_time_over_present_time():
    minute = np.arange(6)
    busy = np.array([1.0, 2.0, 2.0, 0.0, 1.0, 0.0])
    on_duty = np.array([2.0, 2.0, 2.0, 0.0, 0.0, 0.0])  # off duty from minute 3; one call runs on in minute 4
    shares = data.span_utilisation(minute, busy, on_duty, [(0, 3), (3, 5), (5, 6), (0.5, 1.5)])
    assert shares[0] == pytest.approx(5 / 6)
    assert shares[1] == 1.0  # busy beyond the shift counts as present, as in the KPI
    assert np.isnan(shares[2])  # nobody there
    assert shares[3] == pytest.approx((0.5 * 1 + 0.5 * 2) / (0.5 * 2 + 0.5 * 2))  # part minutes weigh by their part


def _synthetic_run(path: Path) -> data.RunData:
    """Two replications of 10:30-12:30 (no warm-up) with centralists only, as older runs have them:
    replication 0 has 2 of 4 busy until 11:30 and 4 of 4 after; replication 1 has 1 of 4 busy
    throughout, and nobody on duty from 12:00."""
    minute = np.arange(120)
    busy = [np.where(minute < 60, 2.0, 4.0), np.where(minute < 90, 1.0, 0.0)]
    on_duty = [np.full(120, 4.0), np.where(minute < 90, 4.0, 0.0)]
    table = {
        "replication": np.repeat([0, 1], 120),
        "minute": np.tile(minute, 2),
        "centralists_busy": np.concatenate(busy),
        "centralists_on_duty": np.concatenate(on_duty),
    }
    path.mkdir()
    pq.write_table(pa.table(table), path / "timeseries.parquet")
    horizon = {"start": "2025-03-12T10:30:00", "duration_min": 120, "warmup_min": 0}
    return data.RunData("synthetic", path, "A", {"scenario": {"horizon": horizon}}, {})


def test_hourly_utilisation_by_hand(tmp_path):
    run = _synthetic_run(tmp_path / "run")
    hours = data.hourly_utilisation(run)
    assert list(hours["start"]) == [0, 30, 90] and list(hours["end"]) == [30, 90, 120]  # 10:30, 11:00, 12:00
    assert hours["n"] == 2 and "caco_utilisation" not in hours  # a run from before the CaCo
    first = [(2 * 30 / (4 * 30)), (2 * 30 + 4 * 30) / (4 * 60), 1.0]  # replication 0
    second = [0.25, 0.25, np.nan]  # replication 1: nobody on duty from 12:00
    shares = hours["centralist_utilisation"]
    assert shares["mean"][:2] == pytest.approx([(a + b) / 2 for a, b in zip(first[:2], second[:2], strict=True)])
    assert shares["mean"][2] == 1.0 and shares["low"][2] == 1.0  # NaN is left out of mean, lowest and highest
    assert shares["low"][1] == 0.25 and shares["high"][1] == 0.75
    one = data.hourly_utilisation(run, 1)
    assert one["n"] == 1 and one["centralist_utilisation"]["mean"][:2] == pytest.approx(second[:2])
    assert np.isnan(one["centralist_utilisation"]["mean"][2]) and np.isnan(one["centralist_utilisation"]["high"][2])
    assert data.hourly_utilisation(run, 7) is None


def test_hourly_utilisation_of_a_run_agrees_with_the_busiest_hour_kpi(world):
    run = data.load_run(world.results, world.baseline)
    hours = data.hourly_utilisation(run)
    assert list(hours["start"]) == [5, 15, 75] and list(hours["end"]) == [15, 75, 120]  # from the warm-up, 22:50
    peak = run.table("replications", ["replication", "centralist_utilisation_peak_hour"])
    for rep, expected in zip(peak["replication"], peak["centralist_utilisation_peak_hour"], strict=True):
        one = data.hourly_utilisation(run, int(rep))
        assert one["centralist_utilisation"]["mean"][1] == pytest.approx(expected)  # 23:00-00:00, the one whole hour
        assert 0 <= one["caco_utilisation"]["mean"].min() <= one["caco_utilisation"]["mean"].max() <= 1
    assert hours["centralist_utilisation"]["mean"][1] == pytest.approx(peak["centralist_utilisation_peak_hour"].mean())
    assert data.hourly_utilisation(data.load_run(world.results, world.no_records)) is None


def test_utilisation_by_hour_figures(cfg, world, tmp_path):
    fig = compare.hours_view(cfg, [world.baseline, world.better], "nl")
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert [tr.name for tr in bars] == ["A: tiny", "A: tiny", "B: tiny_better", "B: tiny_better"]  # centralists, CaCo
    assert all(tr.error_y.array is not None for tr in bars) and len(bars[0].x) == 3 and max(bars[0].y) <= 100
    a, b = bars[0], bars[2]
    assert list(b.offset) == pytest.approx(list(np.array(a.offset) + np.array(a.width)))  # side by side in the hour
    assert a.width[1] == pytest.approx(0.45 * 3_600_000)  # 23:00-00:00: half of 90 % of the hour
    assert [x.text for x in fig.layout.annotations[:2]] == ["Bezetting centralisten", "Bezetting CaCo"]
    assert fig.layout.yaxis.title.text == "Bezetting (%)" and fig.layout.yaxis2.range == (0, 102)
    one = timeline.hours_view(cfg, world.baseline, 1, "en")
    assert [tr.error_y.array for tr in one.data] == [None, None] and not any(tr.showlegend for tr in one.data)
    assert [x.text for x in one.layout.annotations[:2]] == ["Centralist utilisation", "CaCo utilisation"]
    assert "replication 1" in one.layout.title.text
    no_records = compare.hours_view(cfg, [world.no_records], "nl"), timeline.hours_view(cfg, world.no_records, 0, "nl")
    assert [f.layout.annotations[0].text for f in no_records] == [
        i18n.t(k, "nl") for k in ("empty.no_records", "empty.no_data")
    ]
    older = data.hourly_utilisation(_synthetic_run(tmp_path / "run"))  # no CaCo: its panel says so
    group = {"label": "A", "colour": "#000", "origin": np.datetime64("2025-03-12T10:30"), **older}
    no_caco = figures.utilisation_figure([group], "nl")
    assert len(no_caco.data) == 1 and no_caco.layout.annotations[-1].text == "Geen gegevens"


def test_procedure_windows_from_timeline_events():
    events = [
        (0, 10.0, "outage_start", "eocs"),
        (0, 15.0, "detected", ""),
        (0, 20.0, "decided", "CaCo"),
        (0, 25.0, "activated", "handhelds"),
        (0, 27.0, "activated", "telephone"),
        (0, 30.0, "relocation_start", "uitwijk"),
        (0, 50.0, "relocated", "uitwijk"),
        (0, 40.0, "call_in_requested", "centralists"),
        (0, 70.0, "centralists_arrived", "centralists"),
        (0, 60.0, "outage_end", "eocs"),
        (0, 70.0, "stood_down", "handhelds"),
        (0, 70.0, "stood_down", "telephone"),
        (0, 60.0, "roll_call_start", "board"),
        (0, 75.0, "roll_call_end", "board"),
        (1, 100.0, "outage_start", "p2000"),
        (1, 110.0, "roll_call_start", "board"),
        (0, 55.0, "takeover_start", "MKNN"),
        (0, 80.0, "takeover_end", "MKNN"),
        (1, 105.0, "takeover_start", "MKNN"),
    ]
    timeline = {
        "replication": np.array([e[0] for e in events]),
        "minute": np.array([e[1] for e in events]),
        "event": np.array([e[2] for e in events], dtype=object),
        "subject": np.array([e[3] for e in events], dtype=object),
    }
    windows = data.procedure_windows(timeline, end=120.0)
    spans = {(w.replication, w.kind, w.subject): (w.start, w.end) for w in windows}
    assert spans[0, "outage", "eocs"] == (10.0, 60.0)
    assert spans[0, "detection", ""] == (10.0, 15.0)
    assert spans[0, "decision", "CaCo"] == (15.0, 20.0)
    assert spans[0, "activation", "handhelds"] == (20.0, 25.0)
    assert spans[0, "activation", "telephone"] == (25.0, 27.0)  # steps come up one after the other
    assert spans[0, "fallback", "telephone"] == (27.0, 70.0)
    assert spans[0, "relocating", "uitwijk"] == (30.0, 50.0) and spans[0, "relocated", "uitwijk"] == (50.0, 120.0)
    assert spans[0, "call_in", "centralists"] == (40.0, 70.0)
    assert spans[1, "outage", "p2000"] == (100.0, 120.0)  # still open at the end
    assert spans[0, "roll_call", ""] == (60.0, 75.0) and spans[1, "roll_call", ""] == (110.0, 120.0)
    assert spans[0, "takeover", "MKNN"] == (55.0, 80.0) and spans[1, "takeover", "MKNN"] == (105.0, 120.0)
    typical = data.typical_windows(windows, replications=2)
    assert {(w["kind"], w["subject"]) for w in typical} == {("outage", "eocs"), ("outage", "p2000"), ("fallback", "")}
    assert next(w for w in typical if w["kind"] == "fallback")["start"] == 25.0
    assert data.typical_windows(windows, replications=3) == []  # each in fewer than half of 3


def test_unit_board_of_an_eocs_outage(world):
    run = data.load_run(world.results, world.baseline)
    outage = slice(15, 75)  # 23:00-00:00 in a horizon from 22:45
    for rep in data.replications_with_records(run):
        board = data.unit_board(run, rep)
        assert set(data.BOARD_SERIES) <= set(board) and len(board["minute"]) == 120
        assert board["units_idle_unknown"][outage].max() > 0  # units back whose status never reached the room
        assert board["units_idle_unknown"][:15].max() == 0  # before the outage the board is right
        assert np.allclose(board["units_busy"][:15], board["units_busy_true"][:15], atol=1.0)
        # in truth no more units are busy than the board shows, but for a unit's "beschikbaar"
        # noted on another unit of its post (that one is free on the board and busy in truth)
        events = data.board_events(run, rep)
        misnoted = sum(e["event"] == "status_misnoted" for e in events)
        assert (board["units_busy_true"] <= board["units_busy"] + misnoted + 1e-6).all()
        assert events and {e["event"] for e in events} <= set(data.BOARD_EVENTS)
        assert [e["minute"] for e in events] == sorted(e["minute"] for e in events)
    assert data.unit_board(run, 99) is None
    assert data.unit_board(data.load_run(world.results, world.no_records), 0) is None


def test_ecdf_counts_never_reached_in_the_denominator():
    x, y = data.ecdf([3.0, 1.0, np.nan, 2.0])
    assert list(x) == [1.0, 2.0, 3.0] and list(y) == [0.25, 0.5, 0.75]
    x, y = data.ecdf(np.arange(10_000.0), max_points=50)
    assert len(x) <= 50 and y[-1] == 1.0 and x[0] == 0.0
    assert len(data.ecdf([])[0]) == 0


def test_response_times_and_regions(world):
    run = data.load_run(world.results, world.baseline)
    times = data.response_times(run)
    assert len(times["processing_s"]) > 50 and 8.0 in times["norms_min"]
    assert np.nanmedian(times["processing_s"]) > 10
    assert data.response_times(data.load_run(world.results, world.no_records)) is None
    assert "opkomsttijd_within_norm_share" in data.grouped_bases([run])
    stats = data.region_stats(run, "opkomsttijd_mean_min")
    assert set(stats) == {"IJsselland", "Twente", "VNOG", "VGGM", "VGZ"} and stats["VNOG"]["mean"] > 0
    rates = data.arrival_rates(run, 0)
    assert rates["calls"].sum() >= rates["incidents"].sum() > 0


def test_csv_of_rows():
    text = data.to_csv([{"a": 1, "b": None}, {"a": 2.5, "b": "x,y"}])
    assert text.splitlines() == ["a,b", "1,", '2.5,"x,y"']


# --- figures -------------------------------------------------------------------------------------
def test_figures_have_their_parts(world):
    runs, _ = data.load_runs(world.results, [world.baseline, world.better])
    fig = compare.timeseries_view(Config(world.results, world.scenarios), [world.baseline, world.better], "nl")
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    assert len(lines) == 2 * 5  # 4 panels + centralists on duty, per run
    assert any(s.fillcolor == figures.OUTAGE_COLOUR for s in fig.layout.shapes)
    assert {"storing eocs", "terugval A", "terugval B"} <= {tr.name for tr in fig.data}
    assert fig.layout.annotations[0].text == "Wachtende 112-meldingen"

    processing, opkomst = compare.ecdf_view(Config(world.results, world.scenarios), [world.baseline], "en")
    assert [s.x0 for s in processing.layout.shapes if s.type == "line" and s.x0 == s.x1] == [60.0]
    assert {8.0, 10.0} <= {s.x0 for s in opkomst.layout.shapes if s.type == "line" and s.x0 == s.x1}
    assert opkomst.layout.xaxis.title.text == "Opkomsttijd (min)"

    regions = compare.regions_view(
        Config(world.results, world.scenarios), [world.baseline, world.better], "opkomsttijd_within_norm_share", "nl"
    )
    assert [tr.type for tr in regions.data] == ["bar", "bar"] and regions.data[0].error_y.array is not None
    assert any(s.y0 == 90.0 for s in regions.layout.shapes)  # the norm, as a percentage

    run0 = runs[0]
    gantt = figures.gantt_figure(
        data.replication_windows(run0, 0), run0.start, run0.duration, data.arrival_rates(run0, 0), "nl"
    )
    names = {y for tr in gantt.data if tr.orientation == "h" for y in tr.y}
    assert {"Storing: eocs", "Opmerken", "Besluit CaCo", "Terugval: handhelds", "Terugval: telephone"} <= names
    assert gantt.layout.xaxis.type == "date"
    assert figures.empty_figure("niets").layout.annotations[0].text == "niets"


def test_timeline_shows_the_board_against_the_truth(cfg, world):
    gantt, board = (view(cfg, world.baseline, 0, "nl") for view in (timeline.gantt_view, timeline.board_view))
    assert "Statuscontrole eenheden" in {y for tr in gantt.data if tr.orientation == "h" for y in tr.y}
    lines = {tr.name: tr for tr in board.data if tr.mode == "lines"}
    names = [i18n.heading(i18n.pick(labels.series(s), "nl")) for s in data.BOARD_SERIES]
    assert set(names) <= set(lines)
    idle = lines["Vrije eenheden onbekend in GMS"]
    assert idle.fill == "tozeroy"
    in_outage = (np.asarray(idle.x) >= np.datetime64("2024-12-31T23:00")) & (
        np.asarray(idle.x) < np.datetime64("2025-01-01T00:00")
    )
    assert np.asarray(idle.y)[in_outage].max() > 0 and np.asarray(idle.y)[~in_outage].min() >= 0
    assert board.layout.yaxis.rangemode == "tozero"
    markers = {tr.name for tr in board.data if tr.mode == "markers" and tr.x[0] is not None}
    assert "Herhaalalarmering" in markers
    swatches = {tr.name for tr in board.data if tr.mode == "markers" and tr.x[0] is None}
    assert {"Storing: eocs", "Statuscontrole eenheden"} <= swatches
    colours = {s.fillcolor for s in board.layout.shapes}
    assert {figures.OUTAGE_COLOUR, figures.KIND_COLOURS["roll_call"]} <= colours
    english = timeline.board_view(cfg, world.baseline, 0, "en")
    assert {"Units busy on the board", "Units busy in truth", "Units free but not known to be"} <= {
        tr.name for tr in english.data
    }
    assert [a.text for a in english.layout.annotations[:3]] == ["Units busy", "Where the board is wrong", "Events"]
    assert timeline.board_view(cfg, None, None, "nl").layout.annotations[0].text == "Kies een run…"
    assert timeline.board_view(cfg, world.broken, 0, "en").layout.annotations
    no_records = timeline.board_view(cfg, world.no_records, 0, "nl")
    assert no_records.layout.annotations[0].text == i18n.t("empty.no_data", "nl")


# --- rooms side by side (issue 16) --------------------------------------------------------------
def test_a_run_reads_as_each_of_its_rooms(world):
    run = data.load_run(world.results, world.rooms)
    assert run.partners == ["MKNN"] and run.rooms_with_records() == ["main", "MKNN"]
    mknn = run.in_room("MKNN")
    assert mknn.in_room("MKNN") is mknn and mknn.in_room("main").room == "main"
    assert set(mknn.table("incidents", ["region"])["region"]) == {"MKNN"}  # its own incidents, one region
    assert not set(run.table("incidents", ["region"])["region"]) & {"MKNN"}
    assert data.replications_with_records(mknn) == [0, 1] and mknn.summary is run.summary
    with pytest.raises(data.DataError):
        run.in_room("MKXX")
    with pytest.raises(data.DataError):
        run.in_room("../..")
    alone = data.load_run(world.results, world.baseline)
    assert alone.partners == [] and alone.rooms_with_records() == ["main"]
    assert data.summary_rooms([alone]) == [] and data.room_rows(alone) == []
    # the takeover, on the main room's timeline and seen from the partner
    for rep in (0, 1):
        handed = [w for w in data.replication_windows(run, rep) if w.kind == "takeover"]
        taking = [w for w in data.replication_windows(mknn, rep) if w.kind == "taking_over"]
        assert [(w.subject, w.start, w.end) for w in handed] == [("MKNN", 60.0, w.end) for w in handed]
        assert [(w.start, w.end) for w in taking] == [(w.start, w.end) for w in handed] and taking
        assert all(w.subject == "main" for w in taking)
    # the partner's queue: the calls it took over wait in its line
    load = data.replication_series(mknn, 0, ["calls_waiting", "nonexistent"])
    assert set(load) == {"minute", "calls_waiting"} and len(load["minute"]) == 150


def test_rooms_side_by_side_table(cfg, world):
    run = data.load_run(world.results, world.rooms)
    rows = data.room_rows(run)
    assert list(dict.fromkeys(r["room"] for r in rows)) == ["main", "MKNN", "all"]
    cell = {(r["kpi"], r["room"]): r for r in rows}
    for kpi, room, key in (
        ("calls", "main", "calls"),
        ("calls", "MKNN", "calls[room=MKNN]"),
        ("calls", "all", "calls[room=all]"),
    ):
        assert cell[kpi, room]["mean"] == pytest.approx(run.summary[key]["mean"])
    assert cell["calls", "all"]["mean"] == pytest.approx(cell["calls", "main"]["mean"] + cell["calls", "MKNN"]["mean"])
    assert {r["kpi"] for r in rows} >= {
        "incidents",
        "answer_wait_mean_s",
        "opkomsttijd_mean_min",
        "centralist_utilisation",
    }
    assert cell["processing_within_60s_share", "main"]["norm"] == "≥ 0.9"

    style, options, chosen, table, csv = compare.rooms_view(cfg, [world.baseline, world.rooms], None, "nl")
    assert style == {} and [o["value"] for o in options] == [world.rooms] and chosen == world.rooms
    words = texts(table)
    assert {"MKBM", "MKNN", "Alle meldkamers", "112-meldingen", "Bezetting centralisten"} <= set(words)
    assert csv["filename"] == "meldsim-rooms.csv" and len(csv["rows"]) == len(rows)
    english = texts(compare.rooms_view(cfg, [world.rooms], world.rooms, "en")[3])
    assert {"All rooms", "112 calls"} <= set(english)
    assert compare.rooms_view(cfg, [world.baseline, world.better], None, "nl")[0] == {"display": "none"}

    # whose KPIs the comparison table shows: the main room by default, as without partners
    options, value, style = compare.room_choices_view(cfg, [world.baseline, world.rooms], "MKNN", "en")
    assert [o["label"] for o in options] == ["MKBM", "MKNN", "all rooms"] and value == "MKNN" and style == {}
    assert compare.room_choices_view(cfg, [world.baseline], "MKNN", "nl")[1:] == ("main", {"display": "none"})
    _, main_csv, _ = compare.table_view(cfg, [world.baseline, world.rooms], "nl")
    _, mknn_csv, _ = compare.table_view(cfg, [world.baseline, world.rooms], "nl", "MKNN")
    assert {r["kpi"] for r in main_csv["rows"]} >= {"calls", "calls_taken_over", "opkomsttijd_p90_min"}
    assert not any("[room=" in r["kpi"] for r in main_csv["rows"])
    mknn = {(r["kpi"], r["letter"]): r for r in mknn_csv["rows"]}
    assert {k for k, _ in mknn} == {f"{b}[room=MKNN]" for b in data.grouped_bases([run], "room")}
    assert mknn["calls[room=MKNN]", "B"]["mean"] == pytest.approx(run.summary["calls[room=MKNN]"]["mean"])
    assert mknn["calls[room=MKNN]", "A"]["mean"] is None  # a run of one room has no MKNN
    table, _, _ = compare.table_view(cfg, [world.rooms], "nl", "all")
    assert "112-meldingen (alle meldkamers)" in texts(table)
    _, unknown, _ = compare.table_view(cfg, [world.rooms], "nl", "MKXX")  # not in the runs: the main room
    assert {r["kpi"] for r in unknown["rows"]} == {r["kpi"] for r in main_csv["rows"]}


def test_timeline_shows_two_rooms_on_one_time_axis(cfg, world):
    key = world.rooms
    options, value, style = timeline.rooms_choices_view(cfg, key, ["main", "MKNN", "MKXX"], "nl")
    assert [o["label"] for o in options] == ["MKBM", "MKNN"] and value == ["main", "MKNN"] and style == {}
    assert timeline.rooms_choices_view(cfg, key, [], "nl")[1] == ["main"]  # never none
    assert timeline.rooms_choices_view(cfg, world.baseline, ["main"], "nl")[2] == {"display": "none"}

    gantt = timeline.gantt_view(cfg, key, 0, "nl", ["main", "MKNN"])
    assert gantt.layout.title.text == "tiny_rooms · MKBM + MKNN · replicatie 0"
    panels = [a.text for a in gantt.layout.annotations][:4]
    assert panels == ["MKBM", "MKNN", "Incidenten per uur", "112-meldingen per uur"]
    bars: dict[str, set] = {}
    for tr in gantt.data:
        if tr.orientation == "h":
            bars.setdefault(tr.yaxis, set()).update(tr.y)
    assert "112 overgenomen door MKNN" in bars["y"] and "Storing: eocs" in bars["y"]
    assert bars["y2"] == {"Neemt 112 over van MKBM"}  # MKNN: no outage of its own
    rates = [tr for tr in gantt.data if tr.orientation != "h"]
    assert [(tr.name, tr.yaxis) for tr in rates] == [("MKBM", "y3"), ("MKBM", "y4"), ("MKNN", "y3"), ("MKNN", "y4")]
    assert rates[0].marker.color != rates[2].marker.color
    assert [s.yref for s in gantt.layout.shapes] == ["y domain"]  # the local outage, in MKBM's panel only
    one = timeline.gantt_view(cfg, key, 0, "en", ["MKNN"])
    assert one.layout.title.text == "tiny_rooms · MKNN · replication 0"
    assert {y for tr in one.data if tr.orientation == "h" for y in tr.y} == {"Takes over MKBM's 112 calls"}

    load = timeline.load_view(cfg, key, 0, "nl", ["main", "MKNN"])
    lines = {(tr.name, tr.yaxis) for tr in load.data if tr.mode == "lines"}
    assert {("MKBM", "y"), ("MKNN", "y"), ("MKNN", "y2"), ("MKNN", "y3"), ("MKNN", "y4")} <= lines
    swatches = {tr.name for tr in load.data if tr.mode == "markers"}
    assert {"storing eocs (MKBM)", "112 overgenomen door MKNN"} <= swatches
    assert timeline.load_view(cfg, world.baseline, 0, "nl").layout.title.text == "tiny · replicatie 0"

    board = timeline.board_view(cfg, key, 1, "en", ["main", "MKNN"])
    titles = [a.text for a in board.layout.annotations if a.text and ":" in a.text]
    assert titles[:6] == [
        f"{r}: {p}" for r in ("MKBM", "MKNN") for p in ("Units busy", "Where the board is wrong", "Events")
    ]
    assert board.layout.height > timeline.board_view(cfg, key, 1, "en").layout.height
    hours = timeline.hours_view(cfg, key, 1, "en", ["MKNN", "main"])
    assert [tr.name for tr in hours.data if tr.showlegend] == ["MKNN", "MKBM"]
    assert timeline.hours_view(cfg, key, 1, "en", ["main", "MKNN", "MKXX", "main"]).data  # unknown rooms left out

    # the map stays the main room's, and says so when a partner is shown
    figure, _, note = timeline.map_view(cfg, key, 0, None, "nl", rooms=["main", "MKNN"])
    assert "tiny_rooms · MKBM · replicatie 0" in figure.layout.title.text
    assert "De kaart toont MKBM: partnermeldkamers (MKNN) hebben in het model geen geografie." in texts(note)
    _, _, plain = timeline.map_view(cfg, key, 0, None, "nl", rooms=["main"])
    assert not any("partnermeldkamers" in w for w in texts(plain))


def test_figure_html_is_standalone():
    page = figure_html(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])).to_plotly_json())
    assert "<html>" in page[:100] and '<script src="https://cdn.plot.ly' not in page and len(page) > 1_000_000


# --- pages as plain functions -------------------------------------------------------------------------
def test_layouts_in_both_languages_have_unique_ids(cfg):
    builders = {
        "compare": lambda lang: compare.build_layout(cfg, lang),
        "run": lambda lang: run.build_layout(cfg, lang),
        "timeline": lambda lang: timeline.build_layout(cfg, lang),
        "scenarios": lambda lang: scenarios.build_layout(cfg, lang),
    }
    expected = {
        "nl": {
            "compare": "Vergelijken",
            "run": "Scenario's simuleren",
            "timeline": "Tijdlijn van één replicatie",
            "scenarios": "Scenario's",
        },
        "en": {
            "compare": "Compare",
            "run": "Run scenarios",
            "timeline": "Timeline of one replication",
            "scenarios": "Scenarios",
        },
    }
    for lang in ("nl", "en"):
        for name, build in builders.items():
            page = build(lang)
            found = component_ids(page)
            keys = [json.dumps(i, sort_keys=True) if isinstance(i, dict) else i for i in found]
            assert len(keys) == len(set(keys)), f"duplicate ids on {name}"
            assert expected[lang][name] in texts(page)


def test_compare_layout_selects_the_newest_comparison_baseline_first(cfg, world):
    page = compare.build_layout(cfg, "nl")
    dropdown = _find(page, ids.CMP_RUNS)
    assert dropdown.value == [world.baseline, world.better]
    disabled = [o for o in dropdown.options if o["disabled"]]
    assert {o["value"] for o in disabled} == {world.broken, world.half_written}
    assert "Onleesbare resultaatmappen: 2" in texts(page)
    preset = compare.build_layout(cfg, "en", runs=f"{world.better},{world.no_records},../x")
    assert _find(preset, ids.CMP_RUNS).value == [world.better, world.no_records]


def test_compare_table_has_numbers_colours_and_csv(cfg, world):
    table, csv, messages = compare.table_view(cfg, [world.baseline, world.better], "nl")
    words = texts(table)
    assert "Opkomsttijd, gemiddeld" in words and "Gealarmeerd binnen 60 s" in words
    assert any(w[:1].isdigit() and "," in w for w in words)  # Dutch decimal commas
    classes = _classes(table)
    assert any("cell-sig-better" in c for c in classes)
    rows = csv["rows"]
    assert csv["filename"] == "meldsim-kpis.csv" and {r["letter"] for r in rows} == {"A", "B"}
    assert "diff_ci95_low" in csv["columns"] and data.to_csv(rows, csv["columns"]).count("\n") == len(rows) + 1
    assert messages == []
    english, _, _ = compare.table_view(cfg, [world.baseline, world.better], "en")
    assert "Opkomsttijd, mean" in texts(english)
    _, _, errors = compare.table_view(cfg, [world.baseline, world.broken], "en")
    assert any("cannot be read" in w for w in texts(errors))
    empty, payload, _ = compare.table_view(cfg, [], "nl")
    assert payload is None and "Kies hierboven één of meer runs." in texts(empty)


def test_compare_table_has_the_unit_board_kpis(cfg, world):
    board_kpis = (
        "double_dispatches",
        "idle_unknown_unit_min",
        "realarms",
        "alarm_ack_mean_min",
        "reinforcement_delay_mean_min",
        "lost_reinforcement_requests",
        "noodknop_ack_mean_s",
        "board_reconciliation_min",
    )
    assert set(board_kpis) <= set(METRICS)
    runs, _ = data.load_runs(world.results, [world.baseline, world.better])
    observed = [k for k in board_kpis if any((r.summary.get(k) or {}).get("n") for r in runs)]
    assert {"idle_unknown_unit_min", "realarms", "board_reconciliation_min"} <= set(observed)
    listed = data.table_kpis(runs)
    assert [k for k in listed if k in board_kpis] == observed  # registry order
    for lang in ("nl", "en"):
        table, csv, _ = compare.table_view(cfg, [world.baseline, world.better], lang)
        words = texts(table)
        for kpi in observed:
            assert i18n.kpi_label(kpi, lang) in words, kpi
        assert {kpi for kpi in observed} <= {r["kpi"] for r in csv["rows"]}
    # a KPI no replication could measure (no noodknop pressed) is left out, as every other is
    fake = data.RunData("x", world.results, "A", {}, {k: {"mean": 1.0, "n": 3} for k in board_kpis})
    assert [k for k in data.table_kpis([fake]) if k in board_kpis] == list(board_kpis)


def test_compare_table_has_the_workload_kpis(cfg, world):
    workload = (
        "desk_handled_incidents",
        "centralist_utilisation_peak_hour",
        "caco_utilisation",
        "caco_decision_delay_min",
    )
    runs, _ = data.load_runs(world.results, [world.baseline, world.better])
    listed = data.table_kpis(runs)
    assert [k for k in listed if k in workload] == list(workload)  # each observed, in registry order
    for lang in ("nl", "en"):
        table, csv, _ = compare.table_view(cfg, [world.baseline, world.better], lang)
        words = texts(table)
        for kpi in workload:
            assert i18n.kpi_label(kpi, lang) in words, kpi
        assert set(workload) <= {r["kpi"] for r in csv["rows"]}
    row = next(r for r in data.kpi_rows(runs) if r["kpi"] == "caco_utilisation" and r["letter"] == "A")
    assert row["unit"] == "share" and 0 < row["mean"] < 1


def test_runs_without_records_degrade_gracefully(cfg, world):
    keys = [world.no_records]
    table, _, _ = compare.table_view(cfg, keys, "nl")
    assert "Opkomsttijd, gemiddeld" in texts(table)
    assert compare.timeseries_view(cfg, keys, "nl").layout.annotations[0].text == i18n.t("empty.no_records", "nl")
    processing, _ = compare.ecdf_view(cfg, keys, "nl")
    assert processing.layout.annotations[0].text == i18n.t("empty.no_records", "nl")
    options, value, note = timeline.replication_choices_view(cfg, world.no_records, None, "nl")
    assert options == [] and value is None and i18n.t("empty.no_records", "nl") in texts(note)
    options, value, note = timeline.replication_choices_view(cfg, world.baseline, 2, "nl")
    assert [o["value"] for o in options] == [0, 1, 2] and value == 2 and note is None
    _, _, note = timeline.replication_choices_view(cfg, world.broken, None, "en")
    assert any("cannot be read" in w for w in texts(note))
    assert len(timeline.gantt_view(cfg, world.baseline, 1, "nl").data) > 3


def test_damaged_files_never_break_a_page(world, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(world.results / world.baseline, results / "damaged")
    for name in ("replications", "timeseries", "incidents", "timeline", "calls"):
        (results / "damaged" / f"{name}.parquet").write_bytes(b"PAR1 not really parquet")
    local = Config(results, world.scenarios)
    table, _, messages = compare.table_view(local, ["damaged"], "en")
    assert any("damaged: calls.parquet" in w and "replications.parquet" in w for w in texts(messages))
    # a run written before manifests recorded their files cannot be checked: its pages degrade instead
    manifest = json.loads((results / "damaged" / "manifest.json").read_text())
    del manifest["files"]
    (results / "damaged" / "manifest.json").write_text(json.dumps(manifest))
    table, _, messages = compare.table_view(local, ["damaged"], "en")
    assert "Opkomsttijd, mean" in texts(table) and any("replications.parquet" in w for w in texts(messages))
    assert compare.timeseries_view(local, ["damaged"], "nl").layout.annotations
    assert all(f.layout.annotations for f in compare.ecdf_view(local, ["damaged"], "nl"))
    assert compare.regions_view(local, ["damaged"], None, "nl").data
    options, value, note = timeline.replication_choices_view(local, "damaged", None, "en")
    assert options == [] and any("cannot be read" in w for w in texts(note))
    assert timeline.gantt_view(local, "damaged", 0, "nl").layout.annotations


def test_runs_list_and_scenario_options(cfg, world):
    table, csv = run.runs_list_view(cfg, "nl")
    words = texts(table)
    assert world.baseline in words and "in orde" in words and any(w.startswith("onleesbaar") for w in words)
    assert {r["run"] for r in csv["rows"]} >= {world.baseline, world.broken}
    options = {o["value"]: o for o in run.scenario_options_view(cfg, "en")}
    assert not options["tiny.yaml"]["disabled"] and options["zz_broken.yaml"]["disabled"]


def test_start_view_checks_inputs_and_runs(cfg, world, tmp_path):
    local = Config(tmp_path / "results", world.scenarios)
    note, done = run.start_view(local, None, [], 3, 1, 1, "nl")
    assert "Kies eerst een scenario." in texts(note)
    note, _ = run.start_view(local, None, ["tiny.yaml"], 0, 1, 1, "en")
    assert any("Replications" in w for w in texts(note))
    note, _ = run.start_view(local, None, ["../tiny.yaml"], 2, 1, 1, "en")
    assert any("no such scenario file" in w for w in texts(note))
    progress = []
    note, done = run.start_view(local, progress.append, ["tiny.yaml"], 2, 1, 1, "nl")
    assert progress[-1][:2] == ("2", "2") and "2 van 2 replicaties" == progress[-1][2]
    assert len(done["runs"]) == 1 and (local.results_root / done["runs"][0] / "summary.json").exists()


def test_two_users_starting_the_same_run_at_once_both_get_results(world, tmp_path):
    results, keys, errors = tmp_path / "results", [], []

    def start():
        try:
            keys.extend(jobs.start_runs(results, world.scenarios, ["tiny.yaml"], 2, 1, 1))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(set(keys)) == 2
    assert all(not data.load_run(results, k).summary == {} for k in keys)


def test_several_scenarios_run_as_one_comparison(world, tmp_path):
    seen = []
    keys = jobs.start_runs(
        tmp_path, world.scenarios, ["tiny.yaml", "tiny_better.yaml"], 2, 3, 1, progress=lambda d, n: seen.append((d, n))
    )
    assert [k.rsplit("/", 1)[-1] for k in keys] == ["tiny", "tiny_better"] and keys[0].startswith("comparisons/")
    assert seen[-1] == (4, 4)
    assert json.loads((tmp_path / keys[0] / "manifest.json").read_text())["seed"] == 3


def test_numbers_and_throttled_progress():
    assert jobs.check_number(3, 1, 5) == 3 and jobs.check_number("4", 1, 5) == 4
    assert jobs.check_number(2.5, 1, 5) is None and jobs.check_number(None, 1, 5) is None
    assert jobs.check_number(0, 1, 5) is None and jobs.check_number(True, 0, 5) is None
    calls = []
    progress = jobs.throttled(lambda d, n: calls.append(d), steps=10)
    for i in range(1, 1001):
        progress(i, 1000)
    assert len(calls) <= 11 and calls[-1] == 1000


# --- the Scenarios page ---------------------------------------------------------------------------------
def test_scenario_statuses_and_parameters(cfg):
    statuses = {s["file"]: s for s in scenario_form.scenario_statuses(cfg.scenarios_dir)}
    assert statuses["tiny.yaml"]["valid"] and statuses["tiny.yaml"]["base"] == "nye_eocs_outage.yaml"
    assert not statuses["zz_broken.yaml"]["valid"] and statuses["zz_broken.yaml"]["problems"]
    rows = dict(scenario_form.resolved_parameters(cfg.scenarios_dir, "tiny.yaml")[0])
    assert rows["horizon.duration_min"] == "120" and rows["procedure.detection_min"].startswith("{dist: triangular")
    assert rows["room.roster.1.centralists"] == "10"
    details, csv = scenarios.details_view(cfg, "zz_broken.yaml", "nl")
    assert "Problemen" in texts(details) and csv["rows"]
    details, csv = scenarios.details_view(cfg, "tiny.yaml", "en")
    assert any(r["parameter"] == "horizon.start" for r in csv["rows"])


def test_form_defaults_show_the_base(cfg):
    d = scenario_form.form_defaults(cfg.scenarios_dir, "nye_eocs_outage.yaml")
    assert (d.outage_target, d.outage_start, d.outage_duration) == ("eocs", "2024-12-31 23:00", "360")
    assert d.detection == "{dist: triangular, low: 2, mode: 5, high: 15}"
    assert d.capacities["handhelds"] == "4" and d.capacities["sms_alarm"] == "null"
    assert d.roster[1] == ("22:00", "04:00", "10") and d.load_factor == "1"
    page = scenarios.form_fields(d, "nl")
    assert {json.dumps(ids.sc_capacity("handhelds"), sort_keys=True), json.dumps(ids.sc_roster(2), sort_keys=True)} <= {
        json.dumps(i, sort_keys=True) for i in component_ids(page) if isinstance(i, dict)
    }
    none = scenario_form.form_defaults(cfg.scenarios_dir, "weekday.yaml")
    assert not none.has_outage and not none.has_procedure


MESSAGES = scenarios.messages_for("en")


def _save(directory, name="variant", **fields):
    single = {k: v for k, v in fields.items() if k in ids.SC_FIELD_PATHS}
    return scenario_form.save_overlay(
        directory,
        fields.get("base", "nye_eocs_outage.yaml"),
        name,
        fields.get("description"),
        single,
        fields.get("capacities", {}),
        fields.get("roster", {}),
        MESSAGES,
    )


def test_saving_a_valid_overlay_writes_only_what_differs(scenario_dir):
    d = scenario_form.form_defaults(scenario_dir, "nye_eocs_outage.yaml")
    result = _save(
        scenario_dir,
        "eocs_3h_fast",
        outage_start="2024-12-31 23:30",
        outage_duration="180",
        detection="2",
        decision=d.decision,
        load_factor="1.2",
        capacities={"handhelds": "8", "dares": "1"},
        roster={1: "7", 0: "4"},
        description="three hours, quick detection",
    )
    assert result.ok and result.path.name == "eocs_3h_fast.yaml"
    written = yaml.safe_load(result.path.read_text())
    assert written["base"] == "nye_eocs_outage.yaml" and written["name"] == "eocs_3h_fast"
    assert written["procedure"] == {"detection_min": 2}
    assert written["channels"] == {"handhelds": {"capacity": 8}}
    assert written["outages"] == [{"target": "eocs", "start": "2024-12-31T23:30:00", "duration_min": 180}]
    assert [b["centralists"] for b in written["room"]["roster"]] == [4, 7, 5]
    scenario = load_scenario(result.path)
    assert scenario.load.load_factor == 1.2 and scenario.channels["handhelds"].capacity == 8
    assert scenario.outages[0].duration_min.expected == 180


def test_a_bad_value_shows_at_its_field_and_writes_nothing(scenario_dir):
    before = sorted(p.name for p in scenario_dir.iterdir())
    result = _save(scenario_dir, "bad", capacities={"handhelds": "-3"})
    assert not result.ok and "greater than or equal to 0" in result.capacity_errors["handhelds"]
    result = _save(scenario_dir, "bad", detection="{dist: triangular, low: 5, mode: 2, high: 1}")
    assert "low <= mode <= high" in result.errors["detection"]
    result = _save(scenario_dir, "bad", outage_start="2025-01-03 10:00")
    assert "inside the horizon" in result.errors["outage_start"]
    result = _save(scenario_dir, "bad", outage_start="tomorrow")
    assert result.errors["outage_start"] == MESSAGES["datetime"]
    result = _save(scenario_dir, "bad", load_factor="{")
    assert result.errors["load_factor"].startswith("not a valid value")
    result = _save(scenario_dir, "bad", roster={0: "lots"})
    assert "integer" in result.roster_errors[0]
    result = _save(scenario_dir, "bad", load_factor="-1")
    assert "greater than or equal to 0" in result.errors["load_factor"]
    result = _save(scenario_dir, "../evil", load_factor="2")
    assert result.filename_error == MESSAGES["filename"]
    result = _save(scenario_dir, "tiny", load_factor="2")
    assert result.filename_error == MESSAGES["exists"].format(file="tiny.yaml")
    result = _save(scenario_dir, "same")
    assert result.general == [MESSAGES["nothing"]]
    result = _save(scenario_dir, "noop", base=None)
    assert result.general == [MESSAGES["choose_base"]]
    assert sorted(p.name for p in scenario_dir.iterdir()) == before


def test_save_view_puts_errors_in_the_order_of_the_fields(scenario_dir):
    cfg = Config(Path("unused"), scenario_dir)
    result = scenarios.save_view(
        cfg,
        "nye_eocs_outage.yaml",
        "x",
        "",
        {"outage_duration": "-1"},
        {"handhelds": "4", "telephone": "abc"},
        {},
        "nl",
        error_keys=("outage_start", "outage_duration"),
        capacity_keys=("handhelds", "telephone"),
        roster_keys=(0,),
    )
    note, filename_error, errors, capacity_errors, roster_errors, saved = result
    assert errors[0] is None and errors[1] and capacity_errors[0] is None and "integer" in capacity_errors[1]
    assert roster_errors == [None] and filename_error is None
    assert "Niet opgeslagen: zie de meldingen bij de velden." in texts(note)
    ok = scenarios.save_view(cfg, "nye_eocs_outage.yaml", "variant_ok", "", {"load_factor": "1.1"}, {}, {}, "nl")
    assert ok[-1] == {"file": "variant_ok.yaml"} and (scenario_dir / "variant_ok.yaml").exists()


def test_adding_an_outage_to_a_base_without_one(scenario_dir):
    result = _save(
        scenario_dir,
        "weekday_gms",
        base="weekday.yaml",
        outage_target="gms",
        outage_start="2025-03-12 10:00",
        outage_duration="90",
    )
    assert result.ok and load_scenario(result.path).outages[0].target == "gms"
    result = _save(scenario_dir, "weekday_half", base="weekday.yaml", outage_start="2025-03-12 10:00")
    assert result.errors["outage_duration"] == MESSAGES["incomplete_outage"]


# --- language ----------------------------------------------------------------------------------------
def test_texts_exist_in_both_languages():
    assert all(len(pair) == 2 and all(pair) for pair in i18n.TEXT.values())
    assert i18n.t("run.progress", "en", done=1, total=2) == "1 of 2 replications"
    assert i18n.t("nav.compare", "xx") == "Vergelijken"  # unknown language: Dutch
    assert i18n.kpi_label("opkomsttijd_mean_min[region=VNOG]", "nl") == "Opkomsttijd, gemiddeld (regio VNOG)"
    assert i18n.kpi_label("brand_new_kpi", "en") == "brand_new_kpi"
    assert i18n.value(0.8766, "share", "nl") == "87,7" and i18n.value(1234.5, "s", "en") == "1\u2009234"
    assert i18n.value(-0.5, "min", "nl", signed=True) == "-0,50" and i18n.value(None, "s") == "–"


# --- the app and the command -------------------------------------------------------------------------
def test_each_app_serves_its_own_results(world, tmp_path):
    other = tmp_path / "other-results"
    other.mkdir()
    app_a = create_app(world.results, world.scenarios, cache_dir=tmp_path / "cache-a")
    app_b = create_app(other, world.scenarios, cache_dir=tmp_path / "cache-b")
    with app_a.server.test_request_context():
        assert _find(compare.layout("nl"), ids.CMP_RUNS).value == [world.baseline, world.better]
    with app_b.server.test_request_context():
        assert _find(compare.layout("nl"), ids.CMP_RUNS).value == []
    client = app_a.server.test_client()
    assert client.get("/").status_code == 200 and client.get("/_dash-layout").status_code == 200


def test_runs_start_in_the_background_and_never_share_a_job(cfg, tmp_path):
    app = create_app(cfg.results_root, cfg.scenarios_dir, cache_dir=tmp_path / "cache")
    (start,) = [v for k, v in app.callback_map.items() if "run-result.children" in k and v.get("background")]
    assert start["background"]["cancel_inputs"] and len(start["background"]["progress"]) == 3
    assert ids.RUN_NONCE in [s["id"] for s in start["state"]]  # part of the job key: one job per page load
    nonces = {_find(run.build_layout(cfg, "nl"), ids.RUN_NONCE).data for _ in range(3)}
    assert len(nonces) == 3


def test_dashboard_command_registers_with_loopback_defaults():
    parser = argparse.ArgumentParser(prog="meldsim")
    add_dashboard_command(parser.add_subparsers())
    args = parser.parse_args(["dashboard"])
    assert (args.host, args.port, args.results, args.scenarios) == (
        "127.0.0.1",
        8050,
        Path("results"),
        Path("scenarios"),
    )
    args = parser.parse_args(["dashboard", "--results", "x", "--port", "9000", "--host", "0.0.0.0"])
    assert (args.results, args.port, args.host) == (Path("x"), 9000, "0.0.0.0") and callable(args.handler)


def test_meldsim_finds_the_dashboard_command_by_entry_point():
    args = cli.build_parser().parse_args(["dashboard", "--port", "9000"])
    assert args.port == 9000 and args.handler is cmd_dashboard


def test_a_broken_plugin_command_is_skipped_with_one_line(monkeypatch, capsys):
    broken = EntryPoint("broken", "no_such_package.cli:add_command", cli.PLUGIN_GROUP)
    monkeypatch.setattr(cli, "entry_points", lambda group: [broken] if group == cli.PLUGIN_GROUP else [])
    args = cli.build_parser().parse_args(["runs"])
    assert args.handler is cli.cmd_runs
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "skipping the 'broken' command" in warning


def test_dashboard_never_imports_model_internals():
    forbidden = {
        "simpy",
        "sim.model.room",
        "sim.model.engine",
        "sim.model.comms",
        "sim.model.procedure",
        "sim.model.arrivals",
        "sim.experiments.runner",
        "sim.experiments.kpis",  # imports the model; clock hours come from sim.experiments.hours
    }
    for file in (ROOT / "dashboard").rglob("*.py"):
        names = _imports(file)
        assert not forbidden & names, f"{file.name} imports {forbidden & names}"


def test_sim_never_imports_dashboard():
    for file in (ROOT / "sim").rglob("*.py"):
        ui = {name for name in _imports(file) if name.split(".")[0] == "dashboard"}
        assert not ui, f"{file.relative_to(ROOT)} imports {ui}"


# --- helpers -----------------------------------------------------------------------------------------
def _imports(file: Path) -> set[str]:
    """Every module (and ``module.name``) a source file imports, wherever in the file."""
    names = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def _find(component, wanted):
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif hasattr(node, "_prop_names"):
            if getattr(node, "id", None) == wanted:
                found.append(node)
            for prop in node._prop_names:
                value = getattr(node, prop, None)
                if isinstance(value, (list, tuple)) or hasattr(value, "_prop_names"):
                    walk(value)

    walk(component)
    assert found, f"no component {wanted}"
    return found[0]


def _classes(component) -> list[str]:
    out = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif hasattr(node, "_prop_names"):
            if getattr(node, "className", None):
                out.append(node.className)
            walk(getattr(node, "children", None))

    walk(component)
    return out
