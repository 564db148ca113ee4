"""Model behaviour: conservation of work, common random numbers, extremes, trace input.

Row layouts are the model's own (``sim.model.rows.CALL_COLUMNS`` and friends); the tests index
rows through those names so a reordered layout fails loudly rather than silently.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict

import numpy as np
import pytest
import simpy
from helpers import SCENARIOS, WEEKDAY, flat_roster, mmc_scenario, nye, scenario

import sim.model.room
from sim.experiments import kpis
from sim.model.arrivals import generate_incidents
from sim.model.engine import Pool
from sim.model.loading import ScenarioError, load_scenario
from sim.model.room import (
    CACO,
    DESK,
    EXTRA,
    FIRST,
    NOODKNOP,
    NOT_REACHED,
    OTHER_DESK,
    OTHER_DISCIPLINE,
    REALARM,
    REINFORCEMENT,
    ROLL_CALL,
    ROOM_WORK,
    ROOM_WORK_CHANNELS,
    STATUSES,
    simulate,
)
from sim.model.rows import CALL_COLUMNS, DISPATCH_COLUMNS, MESSAGE_COLUMNS
from sim.model.streams import make_streams

C = {name: i for i, name in enumerate(CALL_COLUMNS)}
M = {name: i for i, name in enumerate(MESSAGE_COLUMNS)}
D = {name: i for i, name in enumerate(DISPATCH_COLUMNS)}

INCIDENT_STATES = {"completed", "abandoned", "open"}
CALL_STATES = {"completed", "abandoned", "open"}
MESSAGE_STATES = {"delivered", "undelivered", "open"}
DISPATCH_STATES = {"completed", "open", NOT_REACHED}
REQUESTS = (REINFORCEMENT, OTHER_DISCIPLINE)  # kept up until the commander leaves the scene
EPS = 1e-9
LATE = getattr(sim.model.room, "LATE", "_late")  # suffix of a status reported after it went undelivered
DISPATCH_TIMES = ("t_dispatched", "t_alarm", "t_departed", "t_on_scene", "t_clear", "t_available")


def nan(x) -> bool:
    return x is None or x != x


def test_row_layouts_are_the_ones_the_tests_rely_on():
    assert C["t_arrival"] == 4 and C["t_answered"] == 5 and C["state"] == 8
    assert CALL_COLUMNS[:4] == ("call", "incident", "caller", "attempt")


# --- conservation -------------------------------------------------------------------------
def check_conservation(outcome) -> Counter:
    """Assert every invariant of one replication's records; return what was seen."""
    sc = outcome.scenario
    end = sc.horizon.duration_min
    seen = Counter()
    incidents = outcome.incidents
    calls_by_incident = defaultdict(list)
    for pos, row in enumerate(outcome.calls):
        assert row[C["call"]] == pos
        calls_by_incident[row[C["incident"]]].append(row)
    dispatches_by_incident = defaultdict(list)
    for row in outcome.dispatches:
        dispatches_by_incident[row[D["incident"]]].append(row)
    messages_by_incident = defaultdict(list)
    for pos, row in enumerate(outcome.messages):
        assert row[M["message"]] == pos
        messages_by_incident[row[M["incident"]]].append(row)
    assert [i.id for i in incidents] == list(range(len(incidents)))
    referenced = set(calls_by_incident) | set(dispatches_by_incident) | set(messages_by_incident)
    # -1: work not about one incident (the CaCo's routine and decision, the other desks)
    assert referenced <= set(range(-1, len(incidents)))

    # calls: one terminal state each, consistent with its times
    for row in outcome.calls:
        state = row[C["state"]]
        assert state in CALL_STATES, row
        seen[f"call_{state}"] += 1
        t_arr, t_ans, t_end = row[C["t_arrival"]], row[C["t_answered"]], row[C["t_end"]]
        assert 0 <= t_arr < end
        if state == "completed":
            assert row[C["handled_as"]] in ("intake", "desk", "duplicate")
            assert t_arr <= t_ans <= t_end <= end
        elif state == "abandoned":
            assert row[C["handled_as"]] == "" and nan(t_ans)
            assert t_arr <= t_end <= end
        else:  # open: still waiting, or being answered, when the horizon ends
            assert nan(t_end)
            if not nan(t_ans):
                assert row[C["handled_as"]] in ("intake", "desk", "duplicate")
                seen["call_open_in_service"] += 1

    for inc in incidents:
        assert inc.state in INCIDENT_STATES
        seen[f"incident_{inc.state}"] += 1
        calls = calls_by_incident[inc.id]
        dispatches = dispatches_by_incident[inc.id]

        # calls per incident = first attempts (1 + duplicates, those inside the horizon) + redials
        inside = [k for k, off in enumerate(inc.call_offsets_min) if inc.minute + off < end]
        first = {row[C["caller"]]: row for row in calls if row[C["attempt"]] == 1}
        assert sorted(first) == inside
        assert len(inc.call_offsets_min) == len(inc.call_patience_min) >= 1
        for k, row in first.items():
            assert row[C["t_arrival"]] == pytest.approx(inc.minute + inc.call_offsets_min[k], abs=EPS)
        redials = [row for row in calls if row[C["attempt"]] > 1]
        assert len(calls) == len(inside) + len(redials)
        seen["redials"] += len(redials)
        # each caller's attempts are 1..m; every attempt but the last was abandoned and was
        # followed by exactly one further attempt, after it ended
        by_caller = defaultdict(list)
        for row in calls:
            by_caller[row[C["caller"]]].append(row)
        for attempts in by_caller.values():
            attempts.sort(key=lambda r: r[C["attempt"]])
            assert [r[C["attempt"]] for r in attempts] == list(range(1, len(attempts) + 1))
            for before, after in zip(attempts, attempts[1:], strict=False):
                assert before[C["state"]] == "abandoned"
                assert after[C["t_arrival"]] >= before[C["t_end"]] - EPS
        abandoned = sum(row[C["state"]] == "abandoned" for row in calls)
        assert len(redials) <= abandoned

        # exactly one call reports the incident (the first one answered)
        intake = [row for row in calls if row[C["handled_as"]] == ("desk" if inc.desk else "intake")]
        answered = [row[C["t_answered"]] for row in calls if not nan(row[C["t_answered"]])]
        if inc.t_answered is None:
            assert not intake and not answered
        else:
            assert len(intake) == 1
            assert intake[0][C["t_answered"]] == inc.t_answered == min(answered)
            assert inc.minute <= inc.t_answered + EPS  # env.now + (minute - now) may lose an ulp

        # dispatches: one row per unit sent: at most the units needed first, the extra units
        # asked for once the room had the request, and a next unit per silent one
        assert len(dispatches) == inc.units_assigned
        roles = Counter(d[D["role"]] for d in dispatches)
        assert roles[FIRST] <= inc.units_needed
        asked = [m for m in messages_by_incident[inc.id] if m[M["kind"]] == REINFORCEMENT]
        delivered = [m for m in asked if m[M["state"]] == "delivered"]
        assert roles[EXTRA] <= inc.reinforcement_units * len(delivered)
        assert roles[REALARM] <= roles[FIRST] + roles[EXTRA]
        if roles[EXTRA]:
            first_extra = min(d[D["t_dispatched"]] for d in dispatches if d[D["role"]] == EXTRA)
            assert first_extra >= delivered[0][M["t_end"]] - EPS, "extra units only once the request arrived"
        if inc.t_answered is None:
            assert not dispatches
        if inc.t_alarm is None:
            assert all(nan(d[D["t_alarm"]]) for d in dispatches)
        else:
            assert dispatches, f"incident {inc.id} alarmed without a dispatch row"
            assert inc.t_answered is not None and inc.t_answered <= inc.t_alarm
            assert min(d[D["t_alarm"]] for d in dispatches if not nan(d[D["t_alarm"]])) == pytest.approx(
                inc.t_alarm, abs=EPS
            )
            seen["alarmed"] += 1
        if inc.t_on_scene is not None:
            assert inc.t_alarm <= inc.t_on_scene
            assert min(d[D["t_on_scene"]] for d in dispatches if not nan(d[D["t_on_scene"]])) == inc.t_on_scene

        # terminal state of the incident agrees with its calls and units
        if inc.state == "abandoned":
            assert inc.t_answered is None and inc.t_alarm is None and not dispatches
            assert calls and all(row[C["state"]] == "abandoned" for row in calls)
            assert len(inside) == len(inc.call_offsets_min)  # every caller had come and gone
            assert inc.t_closed is not None
        elif inc.desk:  # handled at the desk (slower by hand while GMS is down): no unit
            assert not dispatches and inc.t_alarm is None
            if inc.state == "completed":
                assert inc.t_closed >= inc.t_answered + inc.intake_min - EPS
            else:
                assert inc.t_closed is None
        elif inc.state == "completed":
            cleared = [d for d in dispatches if not nan(d[D["t_clear"]])]
            engaged = [d for d in dispatches if d[D["state"]] != NOT_REACHED and not nan(d[D["t_alarm"]])]
            assert len(cleared) == len(engaged) == inc.units_engaged == inc.units_cleared >= inc.units_needed
            assert inc.t_closed == pytest.approx(max(d[D["t_clear"]] for d in cleared), abs=EPS)
            assert inc.t_on_scene <= inc.t_closed <= end
        else:
            assert inc.t_closed is None
            assert inc.units_cleared < max(inc.units_engaged, inc.units_needed)

        # planned messages (to the room, and among units on the scene): one per planned
        # moment of the first unit's on-scene time that fell inside the horizon
        for kind, fractions in (("voice", inc.message_fractions), ("scene", inc.scene_fractions)):
            sent = [m for m in messages_by_incident[inc.id] if m[M["kind"]] == kind]
            if inc.t_on_scene is None:
                assert not sent
                continue
            planned = sorted(inc.t_on_scene + f * inc.on_scene_min for f in fractions)
            expected = [t for t in planned if t < end]
            assert len(sent) == len(expected) <= len(fractions)
            assert sorted(m[M["t_created"]] for m in sent) == pytest.approx(expected, abs=1e-7)

    # dispatch rows: terminal state and time order; a unit is never in two places at once
    by_unit = defaultdict(list)
    for row in outcome.dispatches:
        state = row[D["state"]]
        assert state in DISPATCH_STATES
        seen[f"dispatch_{state}"] += 1
        times = [row[D[k]] for k in DISPATCH_TIMES]
        done = [t for t in times if not nan(t)]
        assert done == times[: len(done)], "times fill in order"
        assert done == sorted(done) and done[-1] <= end
        assert (state == "completed") == (len(done) == len(DISPATCH_TIMES))
        assert nan(row[D["t_alarm"]]) or row[D["alarm_channel"]] in sc.channels
        assert row[D["alarms"]] == (0 if nan(row[D["t_alarm"]]) else row[D["alarms"]]) >= (not nan(row[D["t_alarm"]]))
        if not nan(row[D["t_ack"]]):
            assert row[D["t_alarm"]] <= row[D["t_ack"]] <= end and state != NOT_REACHED
        if state == NOT_REACHED:  # the alarm found the unit busy elsewhere: it never moved
            assert len(done) == 2
            continue
        # a unit reached only by a re-alarm (busy at the first) took the job at the latest by departing
        taken = row[D["t_dispatched"]] if row[D["alarms"]] <= 1 else row[D["t_departed"]]
        if not nan(taken):
            by_unit[row[D["unit"]]].append((taken, row[D["t_available"]]))
    for spans in by_unit.values():
        spans.sort()
        for (_, free), (taken, _) in zip(spans, spans[1:], strict=False):
            assert not nan(free) and free <= taken + EPS

    # messages: one terminal state each; one status message per status a unit reached; an
    # undelivered status is reported late, by a report of its unit still waiting then
    patience = sc.room.message_patience_min
    instant = {name for name, ch in sc.channels.items() if ch.purpose == "status"}
    statuses = Counter()
    late_reports, undelivered_statuses = defaultdict(list), defaultdict(list)  # per unit, in row order
    for row in outcome.messages:
        state, kind = row[M["state"]], row[M["kind"]]
        assert state in MESSAGE_STATES
        if row[M["channel"]] in ROOM_WORK_CHANNELS or kind.startswith(OTHER_DESK):
            seen[f"room_work_{state}"] += 1
            assert kind in ROOM_WORK or kind.startswith(OTHER_DESK), kind
            assert state in ("delivered", "open") or kind.startswith(OTHER_DESK), "room work is never given up"
            if state == "delivered":
                assert row[M["t_created"]] <= row[M["t_start"]] <= row[M["t_end"]] <= end
            continue
        assert (
            kind in STATUSES
            or kind in ("voice", "scene", NOODKNOP, ROLL_CALL, *REQUESTS)
            or kind.removesuffix(LATE) in STATUSES
        ), kind
        t_created, t_start, t_end = row[M["t_created"]], row[M["t_start"]], row[M["t_end"]]
        key = (row[M["incident"]], row[M["unit"]])
        if kind in STATUSES:
            statuses[key] += 1
        elif kind.endswith(LATE):
            late_reports[row[M["unit"]]].append(row)
        if row[M["channel"]] in instant:  # a button press
            assert kind in STATUSES and state == "delivered"
            assert t_created == t_start == t_end
            continue
        seen[f"message_{state}"] += 1
        assert row[M["attempts"]] >= (state == "delivered")
        if state == "delivered":
            assert row[M["channel"]] in sc.channels
            assert t_created <= t_start <= t_end <= end
        elif state == "undelivered":
            assert not kind.endswith(LATE) and kind not in (NOODKNOP, ROLL_CALL), "these have no deadline"
            if kind in REQUESTS:
                inc = incidents[row[M["incident"]]]
                deadline = inc.t_on_scene + inc.on_scene_min
            else:
                deadline = t_created + patience
            # given up at the deadline, or when a last attempt that ran past it failed
            if nan(t_start):
                assert t_end == pytest.approx(deadline, abs=1e-7)
            else:
                assert t_end >= deadline - 1e-7
            if kind in STATUSES:
                undelivered_statuses[row[M["unit"]]].append(row)
        else:
            assert nan(t_end)
    reached = Counter()
    for row in outcome.dispatches:
        reached[row[D["incident"]], row[D["unit"]]] += sum(
            not nan(row[D[k]]) for k in ("t_departed", "t_on_scene", "t_available")
        )
    assert statuses == +reached
    assert set(late_reports) == set(undelivered_statuses)
    for unit, reports in late_reports.items():
        covered = defaultdict(list)  # late report -> the undelivered statuses it carries
        for status in sorted(undelivered_statuses[unit], key=lambda r: r[M["t_end"]]):
            gave_up = status[M["t_end"]]
            report = [r for r in reports if r[M["t_created"]] <= gave_up][-1]  # the newest by then
            assert nan(report[M["t_start"]]) or report[M["t_start"]] >= gave_up - EPS, "it was still waiting"
            covered[report[M["message"]]].append(status)
        for report in reports:
            last = covered[report[M["message"]]][-1]  # every report carries at least one status
            assert report[M["kind"]] == last[M["kind"]] + LATE, "the latest status is the one reported"
            assert report[M["incident"]] == last[M["incident"]]

    # the monitored levels agree with the rows at the end and never go negative
    levels = outcome.levels
    for name, level in levels.items():
        assert min(level.values) >= 0, name
        assert level.times == sorted(level.times), name
    on_a_job = sum(r[D["state"]] == "open" and not nan(r[D["t_alarm"]]) for r in outcome.dispatches)
    assert levels["units_busy_true"].value == on_a_job
    waiting_calls = sum(nan(r[C["t_answered"]]) and r[C["state"]] == "open" for r in outcome.calls)
    assert levels["calls_waiting"].value == waiting_calls
    radio = [r for r in outcome.messages if r[M["channel"]] not in ROOM_WORK_CHANNELS]
    radio = [r for r in radio if not r[M["kind"]].startswith(OTHER_DESK)]
    waiting_msgs = sum(r[M["state"]] == "open" and nan(r[M["t_start"]]) for r in radio)
    assert levels["messages_waiting"].value == waiting_msgs
    # every task started is finished or open at the horizon: the people busy now are the
    # calls, conversations and desk work in progress
    at_work = {
        label: sum(
            r[M["state"]] == "open" and not nan(r[M["t_start"]]) and r[M["channel"]] == label for r in outcome.messages
        )
        for label in ROOM_WORK_CHANNELS
    }
    assert levels["caco_busy"].value == at_work[CACO]
    # without outages every room conversation is on a channel that needs a centralist and
    # gets through at the first attempt; scene traffic needs none
    if not (sc.outages or sc.random_outages):
        talking = sum(r[M["state"]] == "open" and not nan(r[M["t_start"]]) and r[M["kind"]] != "scene" for r in radio)
        assert levels["centralists_busy"].value == seen["call_open_in_service"] + talking + at_work[DESK]
    return seen


CONSERVATION_CASES = {
    "nye": lambda: nye(),
    "nye_two_centralists": lambda: nye(replace={"room.roster": flat_roster(2)}),
    "weekday_one_centralist_busy": lambda: scenario(load={"load_factor": 4}, replace={"room.roster": flat_roster(1)}),
}


@pytest.mark.parametrize("case", sorted(CONSERVATION_CASES))
def test_conservation(case):
    sc = CONSERVATION_CASES[case]()
    seen = Counter()
    for replication in range(2):
        seen += check_conservation(simulate(sc, 7, replication))
    # the checks only mean something when the states actually occur
    assert seen["incident_completed"] > 0 and seen["call_completed"] > 0 and seen["dispatch_completed"] > 0
    assert seen["incident_open"] + seen["dispatch_open"] > 0
    if case != "nye":
        assert seen["call_abandoned"] > 0
        assert seen["redials"] > 0
        assert seen["incident_abandoned"] > 0
    if case == "weekday_one_centralist_busy":
        assert seen["message_undelivered"] > 0 and seen["message_delivered"] > 0


SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_conservation_in_every_shipped_scenario(name):
    """Outages, fallbacks and relocation included: no work is lost or counted twice."""
    check_conservation(simulate(load_scenario(SCENARIOS / name), 7, 0))


# --- common random numbers ----------------------------------------------------------------
def _incident_draws(inc) -> dict:
    """Everything drawn for an incident (the model-filled fields are still at their defaults)."""
    return dataclasses.asdict(inc)


def _first_attempts(outcome) -> dict:
    return {(r[C["incident"]], r[C["caller"]]): r[C["t_arrival"]] for r in outcome.calls if r[C["attempt"]] == 1}


def test_staffing_change_keeps_incidents_and_calls():
    base = scenario()
    lean = scenario(
        replace={
            "room.roster": [
                {"start": "07:00", "end": "19:00", "centralists": 2},
                {"start": "19:00", "end": "07:00", "centralists": 1},
            ]
        }
    )
    for replication in range(3):
        a = generate_incidents(base, make_streams(11, replication))
        b = generate_incidents(lean, make_streams(11, replication))
        assert len(a) > 50
        assert [_incident_draws(i) for i in a] == [_incident_draws(i) for i in b]

        run_a, run_b = simulate(base, 11, replication), simulate(lean, 11, replication)
        assert _first_attempts(run_a) == _first_attempts(run_b)
        assert len(_first_attempts(run_a)) > 50
        # the staffing change did change what happened to those calls
        wait_a, wait_b = kpis.compute(run_a)["answer_wait_mean_s"], kpis.compute(run_b)["answer_wait_mean_s"]
        assert wait_b > wait_a


def test_different_seeds_or_replications_differ():
    sc = scenario()
    minutes = lambda s, r: [i.minute for i in generate_incidents(sc, make_streams(s, r))]  # noqa: E731
    assert minutes(1, 0) == minutes(1, 0)
    assert minutes(1, 0) != minutes(1, 1)
    assert minutes(1, 0) != minutes(2, 0)


# --- extremes -------------------------------------------------------------------------------
def test_no_arrivals():
    sc = scenario(
        load={"base_rate_per_hour": 0}, room={"caco": {"background_tasks_per_hour": 0}}, replace={"other_desks": {}}
    )
    outcome = simulate(sc, 1, 0)
    assert outcome.incidents == [] and outcome.calls == [] and outcome.messages == [] and outcome.dispatches == []
    k = kpis.compute(outcome)
    for name, value in k.items():
        unit = kpis.metric_of(name).unit
        if unit in ("count", "calls", "unit-min") or name in (
            "centralist_utilisation",
            "centralist_utilisation_peak_hour",
            "caco_utilisation",
            "board_reconciliation_min",
        ):
            assert value == 0, f"{name} = {value}: nothing happened, so zero"
        elif name == "longest_unreachable_gap_min":
            assert value == 0 or math.isnan(value)
        else:
            assert math.isnan(value), f"{name} = {value}: nothing was observed, so NaN"
    series = kpis.minute_series(outcome)
    assert len(series["minute"]) == 1440
    assert np.all(series["calls_waiting"] == 0) and np.all(series["centralists_busy"] == 0)


def test_saturation_backlog_grows_and_utilisation_stays_at_most_one():
    # 120 calls an hour, 2 min each, one centralist who never gives up: rho = 4
    sc = mmc_scenario(120, 2, 1, hours=6, warmup_share=0.05)
    outcome = simulate(sc, 3, 0)
    k = kpis.compute(outcome)
    assert 0.99 < k["centralist_utilisation"] <= 1 + 1e-9
    waiting = kpis.minute_series(outcome)["calls_waiting"]
    hourly = waiting.reshape(6, 60).mean(axis=1)
    assert np.all(np.diff(hourly) > 0)
    assert outcome.levels["calls_waiting"].value > 300  # about 720 arrivals, 180 served
    assert outcome.levels["calls_waiting"].value > 5 * hourly[0]
    assert k["backlog_peak"] == outcome.levels["calls_waiting"].value
    check_conservation(outcome)


def test_saturation_with_full_model_one_centralist():
    sc = scenario(
        horizon={"start": "2025-03-12T10:00:00", "duration_min": 360, "warmup_min": 30},
        load={"load_factor": 15},
        replace={"room.roster": flat_roster(1)},
    )
    outcome = simulate(sc, 3, 0)
    k = kpis.compute(outcome)
    assert 0.95 < k["centralist_utilisation"] <= 1 + 1e-9
    assert k["abandoned_calls"] > 0 and k["undelivered_messages"] > 0
    busy = kpis.minute_series(outcome)["centralists_busy"]
    assert busy.max() <= 1 + 1e-9


def test_utilisation_at_most_one_under_saturation_with_a_shift_roster():
    """18:00-24:00 on a weekday: the roster steps down 6 -> 5 (19:00) -> 4 (23:00).

    Saturated (30-minute intakes, callers who never hang up), every centralist on duty is
    always busy. A shift change lets people finish the call they hold, so for a while more
    centralists are busy than are on duty; the utilisation must still not exceed 1.
    """
    sc = scenario(
        horizon={"start": "2025-03-12T18:00:00", "duration_min": 360, "warmup_min": 30},
        load={"load_factor": 6},  # the desk types' own handling is shorter than 30 minutes
        room={"intake_min": 30, "caller_patience_min": 1e9, "redial_probability": 0.0},
    )
    outcome = simulate(sc, 3, 0)
    assert outcome.levels["calls_waiting"].value > 10  # saturated to the end
    k = kpis.compute(outcome)
    assert k["centralist_utilisation"] <= 1 + 1e-9


def test_horizon_shorter_than_warmup_is_rejected():
    for warmup in (360, 500):
        with pytest.raises(ScenarioError) as err:
            scenario(horizon={"duration_min": 360, "warmup_min": warmup})
        paths = [p.path for p in err.value.problems]
        assert paths and all(p in ("horizon", "horizon.warmup_min", "horizon.duration_min") for p in paths), paths
        assert "warmup" in str(err.value)


# --- the roster: capacity changes take effect at once -----------------------------------------
def test_pool_capacity_raise_grants_every_waiting_request():
    """Regression: the grant loop stopped after one grant, and a roster step-up left the
    extra centralists idle until later events."""
    env = simpy.Environment()
    pool = Pool(env, 0)
    requests = [pool.request(priority=1) for _ in range(3)]

    def raise_capacity():
        yield env.timeout(1)
        pool.set_capacity(3)

    env.process(raise_capacity())
    env.run(until=2)
    assert [r.triggered for r in requests] == [True, True, True]
    assert pool.busy.value == 3


def test_roster_step_up_answers_waiting_calls_at_once():
    # nobody on duty 00:00-01:00, then three centralists; calls queue in the first hour
    sc = mmc_scenario(
        30,
        20,
        1,
        hours=3,
        warmup_share=0.0,
        roster=[
            {"start": "00:00", "end": "01:00", "centralists": 0},
            {"start": "01:00", "end": "00:00", "centralists": 3},
        ],
    )
    outcome = simulate(sc, 5, 0)
    waiting_at_60 = sum(r[C["t_arrival"]] < 60 for r in outcome.calls)
    assert waiting_at_60 >= 3
    answered_at_60 = sum(r[C["t_answered"]] == 60.0 for r in outcome.calls)
    assert answered_at_60 == 3, "all three centralists coming on duty take a waiting call at 01:00"


# --- trace input ----------------------------------------------------------------------------
def test_trace_file_replaces_the_generator(tmp_path):
    trace = tmp_path / "trace.csv"
    trace.write_text(
        "time,region,type\n"
        "30,Twente,autobrand\n"
        "5.5,VNOG,oms\n"
        "2025-03-12T02:00:00,VGZ,woningbrand\n"
        "-3,VGGM,oms\n"  # before the horizon: left out
        "1440,VGGM,oms\n"  # at the horizon end: left out
        "120.25,IJsselland,dienstverlening\n",
        encoding="utf-8",
    )
    sc = scenario(load={"trace_file": str(trace)})
    expected = [
        (5.5, "VNOG", "oms"),
        (30.0, "Twente", "autobrand"),
        (120.0, "VGZ", "woningbrand"),
        (120.25, "IJsselland", "dienstverlening"),
    ]
    for seed in (1, 2):
        incidents = generate_incidents(sc, make_streams(seed, 0))
        assert [(i.minute, i.region, i.type) for i in incidents] == expected
        assert [i.priority for i in incidents] == [sc.load.incident_types[t].priority for _, _, t in expected]
    outcome = simulate(sc, 1, 0)
    check_conservation(outcome)
    firsts = sorted(r[C["t_arrival"]] for r in outcome.calls if r[C["attempt"]] == 1 and r[C["caller"]] == 0)
    assert firsts == [m for m, _, _ in expected]

    # a relative trace path in a scenario file is relative to that file
    (tmp_path / "s.yaml").write_text(f"base: {WEEKDAY.as_posix()}\nload:\n  trace_file: trace.csv\n", encoding="utf-8")
    from_file = load_scenario(tmp_path / "s.yaml")
    assert [(i.minute, i.region, i.type) for i in generate_incidents(from_file, make_streams(1, 0))] == expected


def test_bad_trace_rows_are_rejected_at_load_time(tmp_path):
    trace = tmp_path / "bad.csv"
    trace.write_text("time,region,type\n10,Atlantis,oms\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        scenario(load={"trace_file": str(trace)})
    assert err.value.problems[0].path == "load.trace_file"
    assert "Atlantis" in str(err.value)
