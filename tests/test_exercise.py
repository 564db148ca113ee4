"""Exercise scripts (issue 6): deterministic for a seed, ordered by time, and carrying the
outage and the procedure's actions at exactly the times the model produced them; since
issue 13 also the room's unit board, alarms and requests (statuses not received, re-alarms,
lost reinforcement requests, the noodknop, the roll call) at the times of their records."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import re

import numpy as np
import pytest
from helpers import SCENARIOS, build, nye, raw, write_yaml

from sim.experiments import runner
from sim.experiments.kpis import unreachable_intervals
from sim.model import procedure
from sim.model.loading import ScenarioError, load_scenario
from sim.model.room import CACO_DECISION, NOODKNOP, NOT_REACHED, REINFORCEMENT, STATUSES, simulate
from sim.model.rows import DispatchRow as D
from sim.model.rows import MessageRow as M
from sim.outputs.exercise import (
    CATEGORIES,
    REQUEST_WAIT_MIN,
    add_exercise_command,
    build_injects,
    make_exercise,
    pick_replication,
    write_exercise,
)

SEED = 5
#: the timeline events of the outage and the procedure's answer (sim.model.procedure)
PROCEDURE_EVENTS = {
    procedure.OUTAGE_START,
    procedure.OUTAGE_END,
    procedure.DETECTED,
    procedure.DECIDED,
    procedure.ACTIVATED,
    procedure.STOOD_DOWN,
    procedure.RELOCATION_START,
    procedure.RELOCATED,
    procedure.CALL_IN,
    procedure.CALLED_IN,
    procedure.GENERATOR_FAILED,
}
EXTERNAL = re.compile(
    r"<script[^>]+src\s*=\s*[\"']?https?:|<link[^>]+href\s*=\s*[\"']?https?:|@import|"
    r"url\(\s*[\"']?https?:",
    re.I,
)


def short_outage_night():
    """Two hours from 23:00 on New Year's Eve: eOCS down 20-60, P2000 down 30-50, a procedure for both."""
    return nye(
        name="exercise_test",
        horizon={"start": "2024-12-31T23:00:00", "duration_min": 120, "warmup_min": 10},
        outages=[
            {"target": "eocs", "start_min": 20, "duration_min": 40},
            {"target": "p2000", "start_min": 30, "duration_min": 20},
        ],
        procedure={
            "detection_min": 3,
            "decision_min": 2,
            "revert_min": 5,
            "steps": ["handhelds", "telephone", "phone_station", "sms_alarm"],
        },
    )


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    return write_yaml(tmp_path_factory.mktemp("exercise") / "night.yaml", short_outage_night())


@pytest.fixture(scope="module")
def exercise(scenario_file):
    return make_exercise(scenario_file, SEED, pick="median", replications=6, jobs=1, start=0, end=120)


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_same_seed_same_bytes_whatever_the_jobs(scenario_file, exercise, tmp_path):
    again = make_exercise(scenario_file, SEED, pick="median", replications=6, jobs=2, start=0, end=120)
    assert again.replication == exercise.replication
    a, _ = write_exercise(exercise, tmp_path / "a")
    b, _ = write_exercise(again, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / "exercise.html").read_bytes() == (tmp_path / "b" / "exercise.html").read_bytes()


def test_command_registration_writes_csv_and_html(scenario_file, tmp_path):
    parser = argparse.ArgumentParser()
    add_exercise_command(parser.add_subparsers())
    outputs = []
    for name in ("one", "two"):
        args = parser.parse_args(
            [
                "exercise",
                str(scenario_file),
                "--seed",
                str(SEED),
                "--pick",
                "worst",
                "--kpi",
                "unit_minutes_unreachable",
                "-n",
                "5",
                "-j",
                "1",
                "--out",
                str(tmp_path / name),
            ]
        )
        assert args.handler(args) == 0
        outputs.append((tmp_path / name / "exercise.csv").read_bytes())
        assert (tmp_path / name / "exercise.html").stat().st_size > 0
    assert outputs[0] == outputs[1]


def test_ordered_by_time_with_bilingual_header(exercise):
    rows = rows_of(exercise.to_csv())
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Tijd / Time", "Minuut / Minute", "Datum / Date", "Soort / Category"]
    assert "Gebeurtenis (NL)" in header and "What happens (EN)" in header
    assert len(body) > 20
    minutes = [float(r[1]) for r in body]
    assert minutes == sorted(minutes)
    start = exercise.scenario.horizon.start
    for r in body:  # the clock is the horizon start + the minute
        m = float(r[1])
        when = start + dt.timedelta(minutes=math.floor(m + 1e-9))
        assert (r[0], r[2]) == (when.strftime("%H:%M"), when.strftime("%Y-%m-%d"))


def inject_source(event: str, subject: str) -> str:
    """The source an inject made from a timeline row carries."""
    plain = PROCEDURE_EVENTS - {procedure.ACTIVATED, procedure.STOOD_DOWN}
    return event if event in plain else f"{event} {subject}"


def test_outage_and_procedure_actions_at_the_model_times(exercise):
    """Every outage and procedure event of the outcome's timeline is an inject at its minute.

    The timeline also has the room's own events since issue 13 (re-alarms, statuses noted on
    the wrong unit, the roll call ...); those are injects of their own categories, checked
    below and in the board tests."""
    outcome = simulate(exercise.scenario, SEED, exercise.replication)
    assert [tuple(r) for r in outcome.timeline] == [tuple(r) for r in exercise.outcome.timeline]
    events = [(round(m, 1), e, s) for m, e, s, _ in outcome.timeline if e in PROCEDURE_EVENTS]
    assert {"outage_start", "outage_end", "detected", "decided", "activated", "stood_down"} <= {e for _, e, _ in events}
    rows = rows_of(exercise.to_csv())[1:]
    timeline_rows = [r for r in rows if r[3] in ("storing / outage", "procedure")]
    assert len(timeline_rows) == len(events)
    injected = [(float(r[1]), r) for r in timeline_rows]
    for (minute, _event, _subject), (got, _row) in zip(sorted(events, key=lambda x: x[0]), injected, strict=False):
        assert got == pytest.approx(minute, abs=1e-9)
    texts = " | ".join(r[4] + " " + r[5] for r in timeline_rows)
    assert "eOCS (radiobediensysteem) valt uit" in texts and "eOCS (radio console system) falls out" in texts
    assert "P2000 (alarmering) valt uit" in texts
    assert "CaCo kondigt de terugvalprocedure af" in texts
    actions = " | ".join(r[6] + " " + r[7] for r in timeline_rows)
    assert "Hand out the handheld and vehicle sets" in actions
    assert "Switch the alarm path" in actions
    # every timeline row, the room's own events included, sits exactly where the model logged it
    by_source = {(i.source, round(i.minute, 6)) for i in exercise.injects}
    for minute, event, subject, _ in outcome.timeline:
        assert (inject_source(event, subject), round(minute, 6)) in by_source


def test_units_unreachable_and_failed_alarms(exercise):
    outcome = exercise.outcome
    gaps = unreachable_intervals(outcome)
    assert gaps, "an eOCS outage at midnight must cut units off until the sets are up"
    first = min(a for _, a, _ in gaps)
    unreachable = [i for i in exercise.injects if i.category == "unreachable" and i.source == "unreachable"]
    assert unreachable and unreachable[0].minute == pytest.approx(first)
    assert {math.floor(a) for _, a, _ in gaps} == {math.floor(i.minute) for i in unreachable}
    # P2000 alarm failures (not the re-alarms, which come from the eOCS outage at 20)
    alarms = [i for i in exercise.injects if i.category == "alarm" and i.source == "alarm"]
    assert alarms and all(30 <= i.minute for i in alarms[:1])
    assert any("P2000 alarm fails" in i.what_en for i in alarms)


def test_model_predictions_come_from_the_minute_series(exercise):
    rows = rows_of(exercise.to_csv())
    header = rows[0]
    col = header.index("Model: wachtende 112-meldingen / Model: 112 calls waiting")
    unreachable_col = header.index("Model: onbereikbare eenheden / Model: units unreachable")
    last = len(exercise.series["calls_waiting"]) - 1
    debrief = ",".join(CATEGORIES["debrief"]).replace(",", " / ")
    for r in rows[1:]:
        if r[3] == debrief:  # the trainer's counts for the debrief: no prediction
            assert r[col] == r[unreachable_col] == ""
            continue
        # an inject at the very end of the horizon shows the state of its last minute
        minute = min(int(math.floor(float(r[1]))), last)
        assert r[col] == f"{exercise.series['calls_waiting'][minute]:.1f}"
        assert r[unreachable_col] == f"{exercise.series['units_unreachable'][minute]:.1f}"


def test_surge_rows():
    scenario = short_outage_night()
    outcome = simulate(scenario, SEED, 0)
    injects = build_injects(outcome, surge_calls=3)
    surges = [i for i in injects if i.category == "surge"]
    assert surges
    arrivals = np.sort([c[4] for c in outcome.calls])
    for s in surges:
        count = int(((arrivals > s.minute - 5) & (arrivals <= s.minute)).sum())
        assert count >= 3 and f"{count} 112" in s.what_nl


def test_pick_rules():
    values = [5.0, 1.0, 9.0, 3.0, 7.0, math.nan, 2.0, 8.0, 4.0, 6.0, 10.0]
    # closest to 5.5: 5.0 (index 0) and 6.0 (index 9) are equally close; the lower index wins
    assert pick_replication(values, "median") == 0
    p90 = np.percentile([v for v in values if v == v], 90)
    assert values[pick_replication(values, "worst", "lower")] == min(
        (v for v in values if v == v), key=lambda v: abs(v - p90)
    )
    p10 = np.percentile([v for v in values if v == v], 10)
    assert values[pick_replication(values, "worst", "higher")] == min(
        (v for v in values if v == v), key=lambda v: abs(v - p10)
    )
    with pytest.raises(ValueError):
        pick_replication([math.nan, math.nan], "median")


def test_worst_pick_is_the_bad_90th_percentile(scenario_file):
    kpi = "unit_minutes_unreachable"
    ex = make_exercise(scenario_file, SEED, pick="worst", kpi=kpi, replications=5, jobs=1)
    values = [r.kpis[kpi] for r in runner.iterate(ex.scenario, SEED, 5)]
    assert ex.kpi_values == values
    target = np.percentile(values, 90)
    assert ex.replication == int(np.argmin(np.abs(np.array(values) - target)))
    assert ex.kpi_value == values[ex.replication]


def test_explicit_replication_and_language(scenario_file):
    ex = make_exercise(scenario_file, SEED, pick=3, lang="en")
    assert ex.replication == 3 and ex.kpi_values == []
    header = rows_of(ex.to_csv())[0]
    assert header[:4] == ["Time", "Minute", "Date", "Category"] and not any("(NL)" in h for h in header)
    assert "Gebeurtenis" not in ex.to_html()


def test_unknown_kpi_is_a_scenario_error(scenario_file):
    with pytest.raises(ScenarioError, match="unknown KPI"):
        make_exercise(scenario_file, SEED, kpi="no_such_kpi", replications=2)


def test_html_is_printable_and_offline(exercise):
    page = exercise.to_html()
    assert "@page" in page and "A4" in page and "@media print" in page
    assert not EXTERNAL.search(page)
    assert page.count('<table class="injects">') == 1
    assert page.count('id="exercise-timeline"') == 1
    for code, (_nl, _en) in CATEGORIES.items():
        if any(i.category == code for i in exercise.injects):
            assert f"cat-{code}" in page


# --- the room's board, alarms and requests (issue 13) -----------------------------------------
BOARD_SEED = 5
BOARD_EVENTS = {"realarm", "next_unit_alarmed", "status_misnoted", "roll_call_start", "reinforcement_lost"}


def board_night():
    """nye_eocs_outage.yaml cut to 22:30-01:30 with eOCS down 23:00-00:30, and more noodknop presses,
    reinforcement requests and spoken statuses noted on the wrong unit than the bundled night,
    so a few short replications hold every kind of board inject."""
    return build(
        raw(SCENARIOS / "nye_eocs_outage.yaml"),
        horizon={"start": "2024-12-31T22:30:00", "duration_min": 180, "warmup_min": 10},
        resilience={"spoken_status_error_probability": 0.2},
        load={"incident_types": {"buitenbrand": {"noodknop_probability": 0.1, "reinforcement": {"probability": 0.3}}}},
        replace={"outages": [{"target": "eocs", "start": "2024-12-31T23:00:00", "duration_min": 90}]},
    )


def has_every_kind(outcome) -> bool:
    events = {e for _, e, *_ in outcome.timeline}
    kinds = {(m[M.KIND], m[M.STATE]) for m in outcome.messages}
    delayed = any(
        m[M.KIND] == REINFORCEMENT and m[M.STATE] == "delivered" and m[M.T_START] - m[M.T_CREATED] > REQUEST_WAIT_MIN
        for m in outcome.messages
    )
    return (
        BOARD_EVENTS <= events
        and any(k in STATUSES and s == "undelivered" for k, s in kinds)
        and any(k == NOODKNOP for k, _ in kinds)
        and any(d[D.STATE] == NOT_REACHED for d in outcome.dispatches)
        and delayed
    )


@pytest.fixture(scope="module")
def board_exercise():
    """The first replication of the board night that has every kind (found by simulating, so a
    change of the model's numbers moves the pick instead of breaking the test)."""
    scenario = board_night()
    rep = next((r for r in range(30) if has_every_kind(simulate(scenario, BOARD_SEED, r))), None)
    assert rep is not None, "no replication of the board night has every kind of board event"
    return make_exercise(scenario, BOARD_SEED, pick=rep, start=0, end=scenario.horizon.duration_min)


def made_at(ex, source: str, minute: float) -> list:
    """The injects of ``ex`` from ``source`` at exactly ``minute``."""
    return [i for i in ex.injects if i.source == source and i.minute == minute]


def test_board_timeline_events_are_injects_at_their_minutes(board_exercise):
    """Re-alarm, next unit, status on the wrong unit, roll call and lost reinforcement: one inject
    per timeline row, at its minute, with the expected action of the procedure."""
    categories = {
        "realarm": "alarm",
        "next_unit_alarmed": "alarm",
        "status_misnoted": "board",
        "roll_call_start": "board",
        "roll_call_end": "board",
        "reinforcement_lost": "request",
    }
    injects = board_exercise.injects
    for minute, event, subject, _detail in board_exercise.outcome.timeline:
        if event not in categories:
            continue
        made = made_at(board_exercise, f"{event} {subject}", minute)
        assert len(made) >= 1, (minute, event, subject)
        assert all(i.category == categories[event] and i.action_nl and i.action_en for i in made)
    texts = {i.source.split()[0]: i for i in injects}
    assert "Statuscontrole" in texts["roll_call_start"].action_nl
    assert "roll call" in texts["roll_call_start"].action_en
    assert "Read spoken statuses back" in texts["status_misnoted"].action_en
    assert "Re-alarm" in texts["realarm"].action_en and "Alarm the next unit" in texts["next_unit_alarmed"].action_en
    lost = texts["reinforcement_lost"]
    assert "Reinforcement request from" in lost.what_en and "lost" in lost.what_en
    assert "handheld/vehicle sets" in lost.action_en  # the procedure's voice fallback, up by then


def test_a_status_not_received_is_an_inject_at_the_minute_it_was_sent(board_exercise):
    """Exact: the first undelivered status row gives an inject at its t_created (not its t_end,
    when the unit gave up), naming the unit and the status, with the fallback channel to ask on."""
    ex = board_exercise
    names = ex.outcome.unit_names
    missing = sorted(
        (m for m in ex.outcome.messages if m[M.KIND] in STATUSES and m[M.STATE] == "undelivered"),
        key=lambda m: (m[M.T_CREATED], m[M.MESSAGE]),
    )
    row = missing[0]
    made = made_at(ex, "status not received", row[M.T_CREATED])
    assert len(made) == 1
    status = row[M.KIND].replace("_", " ")
    assert f"{names[row[M.UNIT]]} (status {status})" in made[0].what_en
    assert made[0].category == "board" and "not received" in made[0].what_en
    assert made[0].action_nl.startswith("Eenheid uitvragen") and "update its status in GMS" in made[0].action_en
    # every inject of this kind sits at the t_created of an undelivered status, and every such
    # status's unit is named in one at or before the status
    created = {m[M.T_CREATED] for m in missing}
    status_injects = [i for i in ex.injects if i.source == "status not received"]
    assert all(i.minute in created for i in status_injects)
    for m in missing:
        assert any(i.minute <= m[M.T_CREATED] and f"{names[m[M.UNIT]]} (" in i.what_en for i in status_injects)


def test_statuses_not_received_in_a_six_hour_outage_stay_readable():
    """The whole bundled night: at most one line per minute, and fewer lines than missing statuses
    (a unit is named once until the room hears from it again)."""
    outcome = simulate(load_scenario(SCENARIOS / "nye_eocs_outage.yaml"), 1, 0)
    missing = [m for m in outcome.messages if m[M.KIND] in STATUSES and m[M.STATE] == "undelivered"]
    lines = [i for i in build_injects(outcome) if i.source == "status not received"]
    assert missing and lines
    assert len({math.floor(i.minute) for i in lines}) == len(lines)
    assert len(lines) < len(missing)
    named = " ".join(i.what_en for i in lines)
    assert all(f"{outcome.unit_names[m[M.UNIT]]} (" in named for m in missing)


def test_noodknop_at_the_press_with_the_time_to_answer(board_exercise):
    ex = board_exercise
    names = ex.outcome.unit_names
    presses = [m for m in ex.outcome.messages if m[M.KIND] == NOODKNOP]
    assert presses
    for m in presses:
        made = made_at(ex, f"noodknop {names[m[M.UNIT]]}", m[M.T_CREATED])
        assert len(made) == 1 and made[0].category == "noodknop"
        assert f"Noodknop from {names[m[M.UNIT]]}" in made[0].what_en
        if not math.isnan(m[M.T_START]):
            assert f"answers after {(m[M.T_START] - m[M.T_CREATED]) * 60:.0f} s" in made[0].detail_en
    on_sets = [i for i in ex.injects if i.category == "noodknop" and "handheld" in i.action_en]
    assert on_sets
    for i in on_sets:  # heard on the sets only in the incident's talkgroup (scenario noodknop.heard)
        assert "tuned to the incident's talkgroup" in i.action_en and "phone to the bevelvoerder" not in i.action_en


def test_reinforcement_requests_lost_and_delayed(board_exercise):
    ex = board_exercise
    names = ex.outcome.unit_names
    requests = [m for m in ex.outcome.messages if m[M.KIND] == REINFORCEMENT]
    for m in requests:
        unit = names[m[M.UNIT]]
        if m[M.STATE] == "undelivered":  # at the timeline minute: when the commander gave up (t_end)
            made = made_at(ex, f"reinforcement_lost {unit}", m[M.T_END])
            assert len(made) == 1 and f"asked at {ex.clock(m[M.T_CREATED])}" in made[0].detail_en
        elif m[M.T_START] - m[M.T_CREATED] > REQUEST_WAIT_MIN:  # at the request
            assert len(made_at(ex, f"reinforcement delayed {unit}", m[M.T_CREATED])) == 1
        else:
            assert not any(i.minute == m[M.T_CREATED] and i.category == "request" for i in ex.injects)


def test_alarm_to_a_busy_unit(board_exercise):
    ex = board_exercise
    names = ex.outcome.unit_names
    busy = [d for d in ex.outcome.dispatches if d[D.STATE] == NOT_REACHED]
    assert busy
    for d in busy:
        made = made_at(ex, f"double dispatch {names[d[D.UNIT]]}", d[D.T_ALARM])
        assert len(made) == 1 and made[0].category == "alarm" and "in fact busy" in made[0].what_en


def test_a_busy_caco_is_an_inject_when_the_decision_waits():
    """Found by simulating: the first replication whose decision waited for the CaCo."""
    scenario = board_night()
    for rep in range(30):
        out = simulate(scenario, BOARD_SEED, rep)
        decision = next((m for m in out.messages if m[M.KIND] == CACO_DECISION), None)
        if decision is not None and decision[M.T_START] > decision[M.T_CREATED]:
            break
    else:
        pytest.fail("the CaCo was free at every decision")
    ex = make_exercise(scenario, BOARD_SEED, pick=rep, start=0, end=scenario.horizon.duration_min)
    made = made_at(ex, CACO_DECISION, decision[M.T_CREATED])
    wait = decision[M.T_START] - decision[M.T_CREATED]
    assert len(made) == 1 and made[0].category == "procedure" and "The CaCo is busy with" in made[0].what_en
    assert made[0].detail_en == f"the decision waits {wait:.0f} min"
    # a decision taken at once gives no such inject
    free = [m for m in ex.outcome.messages if m[M.KIND] == CACO_DECISION and m[M.T_START] == m[M.T_CREATED]]
    for m in free:
        assert not made_at(ex, CACO_DECISION, m[M.T_CREATED])


def test_board_injects_in_the_csv_and_page(board_exercise):
    rows = rows_of(board_exercise.to_csv())[1:]
    categories = {r[3] for r in rows}
    assert {"noodknop", "eenheidstatus / unit status", "opschaling / reinforcement"} <= categories
    page = board_exercise.to_html()
    for code in ("noodknop", "board", "request"):
        assert f"cat-{code}" in page and f".badge.cat-{code}" in page
