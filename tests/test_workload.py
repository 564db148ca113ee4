"""The room's real workload (issue 14): desk incidents, follow-up, the CaCo, the other desks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from helpers import nye, scenario

from sim.experiments.hours import clock_hour_spans, clock_hours
from sim.experiments.kpis import compute, hourly_utilisation
from sim.model.loading import ScenarioError
from sim.model.room import CACO, CACO_DECISION, CACO_TASK, CLOSING, DESK, FOLLOW_UP, OTHER_DESK, simulate
from sim.model.rows import MessageRow as M

SHORT_NYE = {"horizon": {"start": "2024-12-31T22:00:00", "duration_min": 360, "warmup_min": 15}}
EOCS_2H = [{"target": "eocs", "start": "2024-12-31T23:30:00", "duration_min": 120}]
TODAY = {"detection_min": 5, "decision_min": 5, "steps": ["handhelds", "telephone"], "revert_min": 10}


def _same(a, b) -> None:
    assert a.calls == b.calls
    assert a.messages == b.messages
    assert a.dispatches == b.dispatches
    assert a.timeline == b.timeline
    ka, kb = compute(a), compute(b)
    assert ka.keys() == kb.keys()
    for name in ka:
        assert ka[name] == kb[name] or (math.isnan(ka[name]) and math.isnan(kb[name])), name


# --- desk incidents ----------------------------------------------------------------------
def test_desk_incidents_take_a_centralist_and_alarm_nobody():
    sc = scenario()
    out = simulate(sc, 3, 0)
    desk = [i for i in out.incidents if i.desk]
    assert desk and any(not i.desk for i in out.incidents)
    alarmed = {d[0] for d in out.dispatches}
    assert not alarmed & {i.id for i in desk}
    for i in desk:
        assert i.units_needed == 0 and i.t_alarm is None
        if i.t_answered is not None:
            assert i.state == "completed" and i.t_closed == pytest.approx(i.t_answered + i.intake_min)
    kpi = compute(out)
    counted = [i for i in desk if i.minute >= sc.horizon.warmup_min and i.t_answered is not None]
    assert kpi["desk_handled_incidents"] == len(counted) > 0
    assert kpi["incidents"] == sum(i.minute >= sc.horizon.warmup_min for i in out.incidents)


def test_response_kpis_count_only_alarmed_incidents():
    """A desk incident has no alarm: it must not pull the share alarmed within 60 s down."""
    sc = scenario()
    out = simulate(sc, 3, 1)
    alarmed = [i for i in out.incidents if not i.desk and i.minute >= sc.horizon.warmup_min]
    on_time = [i for i in alarmed if i.t_alarm is not None and (i.t_alarm - i.minute) * 60 <= 60]
    due = [i for i in alarmed if i.state != "abandoned" and i.minute + 1 <= sc.horizon.duration_min]
    assert compute(out)["processing_within_60s_share"] == pytest.approx(len(on_time) / len(due))


def test_an_automatic_alarm_waits_for_a_centralist_and_never_hangs_up():
    # one centralist, a heavy load, impatient callers: 112 callers give up, OMS alarms do not
    sc = scenario(
        room={"roster": [{"start": "00:00", "end": "00:00", "centralists": 1}], "caller_patience_min": 0.2},
        load={"load_factor": 3},
    )
    out = simulate(sc, 4, 0)
    oms = {i.id for i in out.incidents if i.via_oms}
    assert oms
    rows = [c for c in out.calls if c[1] in oms]
    assert rows and all(c[8] != "abandoned" for c in rows)
    assert any(c[8] == "abandoned" for c in out.calls if c[1] not in oms)


# --- follow-up and closing ---------------------------------------------------------------
def test_follow_up_and_closing_are_centralist_tasks_after_the_call_and_the_last_unit():
    out = simulate(scenario(), 5, 0)
    by_incident = {i.id: i for i in out.incidents}
    follow = [m for m in out.messages if m[M.KIND] == FOLLOW_UP]
    closing = [m for m in out.messages if m[M.KIND] == CLOSING]
    assert follow and closing
    for m in follow + closing:
        assert m[M.CHANNEL] == DESK and m[M.STATE] in ("delivered", "open")
    for m in follow:
        inc = by_incident[m[M.INCIDENT]]
        assert m[M.T_CREATED] == pytest.approx(inc.t_answered + (inc.intake_min if inc.desk else 0), abs=1e-6) or (
            not inc.desk and m[M.T_CREATED] >= inc.t_answered
        )
        if m[M.STATE] == "delivered":
            assert m[M.T_END] - m[M.T_START] == pytest.approx(inc.follow_up_min)
    for m in closing:
        inc = by_incident[m[M.INCIDENT]]
        assert not inc.desk and m[M.T_CREATED] == inc.t_closed


# --- the CaCo ------------------------------------------------------------------------------
def test_a_busy_caco_delays_the_fallback_decision():
    """Exact: the decision starts when the CaCo ends the task in hand (at once if free) and
    takes decision_min; the decision delay is that wait plus decision_min."""
    sc = nye(
        **SHORT_NYE,
        outages=EOCS_2H,
        procedure=TODAY,
        room={"caco": {"background_tasks_per_hour": 6, "task_min": 20}},
    )
    waited = 0
    for rep in range(8):
        out = simulate(sc, 11, rep)
        detected = next(t for t, e, *_ in out.timeline if e == "detected")
        decided = next(t for t, e, *_ in out.timeline if e == "decided")
        decision = next(m for m in out.messages if m[M.KIND] == CACO_DECISION)
        in_hand = [
            m
            for m in out.messages
            if m[M.CHANNEL] == CACO and m[M.KIND] != CACO_DECISION and m[M.T_START] <= detected < m[M.T_END]
        ]
        start = in_hand[0][M.T_END] if in_hand else detected
        assert len(in_hand) <= 1
        assert decision[M.T_CREATED] == detected
        assert decision[M.T_START] == pytest.approx(start)
        assert decided == pytest.approx(start + 5)
        assert compute(out)["caco_decision_delay_min"] == pytest.approx(decided - detected)
        waited += bool(in_hand)
    assert waited >= 2, "the CaCo was busy at some detections"


def test_without_caco_work_the_decision_is_the_plain_delay():
    types = nye().load.incident_types
    quiet = nye(
        **SHORT_NYE,
        outages=EOCS_2H,
        procedure=TODAY,
        room={"caco": {"background_tasks_per_hour": 0}},
        load={"incident_types": {name: {"caco_task_probability": 0} for name in types}},
    )
    out = simulate(quiet, 11, 0)
    assert compute(out)["caco_decision_delay_min"] == pytest.approx(5)
    assert not [m for m in out.messages if m[M.KIND] == CACO_TASK]


def test_caco_tasks_for_incidents_and_utilisation():
    sc = scenario(
        load={"incident_types": {"woningbrand": {"caco_task_probability": 1}}},
        room={"caco": {"task_min": 10}},
    )
    out = simulate(sc, 2, 0)
    houses = {i.id for i in out.incidents if i.type == "woningbrand" and i.t_answered is not None}
    tasks = [m for m in out.messages if m[M.KIND] == CACO_TASK]
    assert houses and {m[M.INCIDENT] for m in tasks} >= houses
    busy = sum(min(m[M.T_END], 1440) - max(m[M.T_START], 60) for m in tasks if m[M.STATE] == "delivered")
    assert compute(out)["caco_utilisation"] == pytest.approx(busy / (1440 - 60), rel=0.05, abs=0.01)


# --- the police and ambulance desks --------------------------------------------------------
def test_other_desks_at_zero_change_nothing():
    base = nye(**SHORT_NYE, outages=EOCS_2H, procedure=TODAY, replace={"other_desks": {}})
    zero = nye(
        **SHORT_NYE,
        outages=EOCS_2H,
        procedure=TODAY,
        replace={
            "other_desks": {
                "police": {"messages_per_hour": 0, "coordination_per_hour": 0, "shares": ["handhelds", "telephone"]},
                "ambulance": {"shares": ["handhelds"]},
            }
        },
    )
    for rep in range(3):
        _same(simulate(base, 6, rep), simulate(zero, 6, rep))


def test_other_desks_claim_shared_channels_only_while_those_are_up():
    sc = nye(
        **SHORT_NYE,
        outages=EOCS_2H,
        procedure=TODAY,
        replace={
            "other_desks": {
                "police": {"messages_per_hour": 60, "profile": [1] * 24, "shares": ["handhelds", "telephone"]}
            }
        },
    )
    out = simulate(sc, 6, 0)
    police = [m for m in out.messages if m[M.KIND] == OTHER_DESK + "police"]
    assert police
    up = [t for t, e, s, *_ in out.timeline if e == "activated"]
    down = [t for t, e, *_ in out.timeline if e == "stood_down"]
    assert all(min(up) <= m[M.T_CREATED] <= (down[-1] if down else math.inf) for m in police)
    assert {m[M.CHANNEL] for m in police} <= {"handhelds", "telephone"}
    for m in police:
        if m[M.STATE] == "delivered":
            assert m[M.T_START] >= m[M.T_CREATED]
    # the fire desk's KPIs do not count the other desk's rows
    without = dataclasses.replace(out, messages=[m for m in out.messages if not m[M.KIND].startswith(OTHER_DESK)])
    kpi, kpi_without = compute(out), compute(without)
    assert all(kpi[k] == kpi_without[k] or (math.isnan(kpi[k]) and math.isnan(kpi_without[k])) for k in kpi)


def test_coordination_requests_from_other_desks_take_fire_centralist_time():
    sc = scenario(replace={"other_desks": {"ambulance": {"coordination_per_hour": 2}}})
    out = simulate(sc, 1, 0)
    asked = [m for m in out.messages if m[M.INCIDENT] == -1 and m[M.CHANNEL] == DESK]
    assert 20 <= len(asked) <= 80  # about 48 in a day
    alone = simulate(scenario(replace={"other_desks": {}}), 1, 0)
    assert compute(out)["centralist_utilisation"] > compute(alone)["centralist_utilisation"]


# --- utilisation by hour -------------------------------------------------------------------------
def test_peak_hour_utilisation_is_the_busiest_whole_hour():
    out = simulate(nye(), 1, 0)
    hours = hourly_utilisation(out, out.scenario.horizon.warmup_min)
    kpi = compute(out)
    assert kpi["centralist_utilisation_peak_hour"] == max(hours)
    assert kpi["centralist_utilisation"] <= kpi["centralist_utilisation_peak_hour"] <= 1


def test_clock_hour_spans_cut_the_horizon_at_the_clock():
    """The dashboard's hours: the KPI's whole hours, with a part hour where the horizon starts or ends."""
    start = dt.datetime(2024, 12, 31, 22, 45)
    assert clock_hour_spans(start, 120, after=5) == [(5, 15), (15, 75), (75, 120)]
    assert clock_hour_spans(start, 75) == [(0, 15), (15, 75)]
    assert clock_hour_spans(start, 10) == [(0, 10)]
    assert clock_hour_spans(dt.datetime(2025, 1, 1), 120) == [(0, 60), (60, 120)]
    whole = [(a, b) for a, b in clock_hour_spans(start, 840, 30) if b - a == 60]
    assert whole == clock_hours(start, 840, 30) and len(whole) == 12  # 00:00-12:00


# --- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "overrides, path, words",
    [
        (
            {"load": {"incident_types": {"oms": {"handling": "desk", "intake_min": None}}}},
            "load.incident_types.oms.intake_min",
            "handling time",
        ),
        (
            {"load": {"incident_types": {"oms": {"on_scene_min": None}}}},
            "load.incident_types.oms.on_scene_min",
            "required",
        ),
        ({"other_desks": {"police": {"shares": ["p2000"]}}}, "other_desks.police.shares.0", "not a voice channel"),
        ({"room": {"caco": {"background_tasks_per_hour": -1}}}, "room.caco.background_tasks_per_hour", "greater"),
    ],
)
def test_bad_workload_input_names_the_field(overrides, path, words):
    with pytest.raises(ScenarioError) as err:
        scenario(**overrides)
    text = str(err.value)
    assert path in text and words in text, text


# --- where the first unit comes from (issue 15's KPI, measured before geography) ------------------
def test_first_on_scene_volunteer_share_counts_the_first_unit_crew():
    sc = scenario()
    out = simulate(sc, 4, 0)
    warmup = sc.horizon.warmup_min
    station_of = {d[1]: d[2] for d in out.dispatches}
    arrived = [i for i in out.incidents if not i.desk and i.minute >= warmup and i.t_on_scene is not None]
    volunteer = [i for i in arrived if sc.units.stations[station_of[i.commander]].crew != "professional"]
    kpi = compute(out)
    assert kpi["first_on_scene_volunteer_share"] == pytest.approx(len(volunteer) / len(arrived))
    ijssel = [i for i in arrived if i.region == "IJsselland"]
    share = sum(i in volunteer for i in ijssel) / len(ijssel)
    assert kpi["first_on_scene_volunteer_share[region=IJsselland]"] == pytest.approx(share)
    # only volunteer posts: every first unit is a volunteer crew
    posts = [s.model_dump() | {"crew": "volunteer"} for s in sc.units.stations]
    alone = compute(simulate(scenario(replace={"units.stations": posts}), 4, 0))
    assert alone["first_on_scene_volunteer_share"] == 1.0
