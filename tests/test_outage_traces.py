"""Exact event traces of outages and the fallback procedure (deterministic durations).

In the style of SimPy's own resource tests: every delay is a constant, so the timeline of
detection → decision → activation → stand-down has exact, hand-checked times.
"""

from __future__ import annotations

import pytest
from helpers import scenario, write_yaml

from sim.model.room import BOARD_EVENTS, simulate

# no incidents and a CaCo with nothing else to do: the procedure alone
QUIET = {"load": {"base_rate_per_hour": 0}, "room": {"caco": {"background_tasks_per_hour": 0}}}


def procedure_events(outcome) -> list:
    """The timeline without the room's board events (re-alarms, roll calls): these tests are about the procedure."""
    return [row for row in outcome.timeline if row[1] not in BOARD_EVENTS]


def timeline(sc, seed=1):
    return [(round(t, 6), event, subject) for t, event, subject, _ in procedure_events(simulate(sc, seed, 0))]


def procedure(**overrides):
    base = {
        "detection": "delay",
        "detection_min": 5,
        "decision_min": 3,
        "steps": ["handhelds", "telephone"],
        "revert_min": 10,
    }
    return {**base, **overrides}


CONSTANT_ACTIVATION = {"handhelds": {"activation_min": 2}, "telephone": {"activation_min": 4}}


def test_detection_decision_activation_revert():
    sc = scenario(
        **QUIET,
        channels=CONSTANT_ACTIVATION,
        outages=[{"target": "eocs", "start_min": 100, "duration_min": 60}],
        procedure=procedure(),
    )
    assert timeline(sc) == [
        (100, "outage_start", "eocs"),
        (105, "detected", ""),
        (108, "decided", "CaCo"),
        (110, "activated", "handhelds"),
        (114, "activated", "telephone"),
        (160, "outage_end", "eocs"),
        (170, "stood_down", "handhelds"),
        (170, "stood_down", "telephone"),
    ]


def test_channel_capacity_follows_the_procedure():
    sc = scenario(
        **QUIET,
        channels=CONSTANT_ACTIVATION,
        outages=[{"target": "eocs", "start_min": 100, "duration_min": 60}],
        procedure=procedure(),
    )
    levels = simulate(sc, 1, 0).levels
    eocs = list(zip(levels["eocs_capacity"].times, levels["eocs_capacity"].values, strict=False))
    handhelds = list(zip(levels["handhelds_capacity"].times, levels["handhelds_capacity"].values, strict=False))
    assert eocs == [(0, 12), (100, 0), (160, 12)]
    assert handhelds == [(0, 0), (110, 4), (170, 0)]


def test_recovery_before_detection_declares_nothing():
    sc = scenario(**QUIET, outages=[{"target": "eocs", "start_min": 100, "duration_min": 2}], procedure=procedure())
    assert timeline(sc) == [(100, "outage_start", "eocs"), (102, "outage_end", "eocs")]


def test_new_outage_during_revert_keeps_fallbacks_up():
    outages = [
        {"target": "eocs", "start_min": 100, "duration_min": 20},
        {"target": "eocs", "start_min": 125, "duration_min": 10},
    ]
    sc = scenario(**QUIET, channels=CONSTANT_ACTIVATION, outages=outages, procedure=procedure())
    assert timeline(sc) == [
        (100, "outage_start", "eocs"),
        (105, "detected", ""),
        (108, "decided", "CaCo"),
        (110, "activated", "handhelds"),
        (114, "activated", "telephone"),
        (120, "outage_end", "eocs"),
        (125, "outage_start", "eocs"),  # inside the 10-min revert: no second response
        (135, "outage_end", "eocs"),
        (145, "stood_down", "handhelds"),
        (145, "stood_down", "telephone"),
    ]


def test_zero_delays_happen_in_the_same_instant():
    channels = {"handhelds": {"activation_min": 0}, "telephone": {"activation_min": 0}}
    sc = scenario(
        **QUIET,
        channels=channels,
        outages=[{"target": "eocs", "start_min": 50, "duration_min": 10}],
        procedure=procedure(detection_min=0, decision_min=0, revert_min=0),
    )
    assert [t for t, *_ in timeline(sc)] == [50, 50, 50, 50, 50, 60, 60, 60]


def test_relocation_after_long_outage_reduces_then_restores_the_room():
    proc = procedure(
        steps=[],
        escalations=[{"when_outage_longer_than_min": 30, "targets": ["power"], "action": "relocate"}],
        relocation={"move_min": 60, "room_factor_during_move": 0.5, "escapes": ["power"]},
    )
    sc = scenario(
        **QUIET,
        resilience={"generator_failure_probability": 1.0, "generator_switch_min": 0.5},
        outages=[{"target": "power", "start_min": 100, "duration_min": 600}],
        procedure=proc,
    )
    out = simulate(sc, 1, 0)
    events = [(round(t, 6), e) for t, e, *_ in out.timeline]
    assert events[:6] == [
        (100, "generator_failed"),
        (100, "outage_start"),
        (105, "detected"),
        (108, "decided"),
        (130, "relocation_start"),
        (190, "relocated"),
    ]
    duty = out.levels["centralists_on_duty"]
    on_duty = dict(zip(duty.times, duty.values, strict=False))  # 00:00-07:00 roster block: 3 centralists
    assert on_duty[130] == round(3 * 0.5) and on_duty[190] == 3
    eocs = dict(zip(out.levels["eocs_capacity"].times, out.levels["eocs_capacity"].values, strict=False))
    assert eocs[100] == 0 and eocs[190] == 12  # the backup room has power


def test_generator_carries_the_room_after_switch_over():
    sc = scenario(
        **QUIET,
        resilience={"generator_failure_probability": 0.0, "generator_switch_min": 0.5},
        outages=[{"target": "power", "start_min": 100, "duration_min": 600}],
        procedure=procedure(),
    )
    assert timeline(sc) == [(100, "outage_start", "power"), (100.5, "outage_end", "power")]


REGIONS = ("IJsselland", "Twente", "VNOG", "VGGM", "VGZ")


def test_first_failure_detection_and_phone_alarm_exact_times(tmp_path):
    trace = tmp_path / "one.csv"
    trace.write_text("time,region,type\n110,IJsselland,oms\n")
    sc = scenario(
        load={"trace_file": str(trace), "incident_types": {"oms": {"intake_min": 0.5}}},
        room={"dispatch_min": 0.25, "alarm_min": 0.1, "caco": {"background_tasks_per_hour": 0}},
        units={"turnout_min": {"professional": 1}, "travel_min": {r: {q: 4 for q in REGIONS} for r in REGIONS}},
        geography=None,  # a fixed 4-minute drive
        channels={"phone_station": {"activation_min": 1}},
        outages=[{"target": "p2000", "start_min": 100, "duration_min": 60}],
        procedure=procedure(detection="first_failure", detection_min=1, decision_min=2, steps=["phone_station"]),
    )
    out = simulate(sc, 1, 0)
    events = [(round(t, 6), e, s) for t, e, s, _ in out.timeline]
    assert events[:4] == [
        (100, "outage_start", "p2000"),
        (111.75, "detected", ""),
        (113.75, "decided", "CaCo"),
        (114.75, "activated", "phone_station"),
    ]
    (incident,) = out.incidents
    assert incident.t_answered == 110
    assert incident.t_alarm == pytest.approx(114.75 + 0.1 * 8)  # phone_station: time factor 8
    (row,) = out.dispatches
    assert row[5] == "phone_station" and row[3] == pytest.approx(110.75)
    assert incident.t_on_scene == pytest.approx(incident.t_alarm + 1 + 4)  # Zwolle: professional


def test_trace_scenario_file_round_trip(tmp_path):
    """The trace scenarios above are valid files too (the CLI would accept them)."""
    sc = scenario(**QUIET, outages=[{"target": "eocs", "start_min": 100, "duration_min": 60}], procedure=procedure())
    from sim.model.loading import load_scenario

    assert load_scenario(write_yaml(tmp_path / "s.yaml", sc)) == sc


def backlog(tmp_path, first_call_min: float):
    """Six OMS calls 0.2 min apart from ``first_call_min``, 10 min each, three centralists on
    duty (23:00-07:00), an eOCS outage at minutes 100-160, and 2 more centralists called in
    (5 min) once more than 2 calls wait."""
    trace = tmp_path / "calls.csv"
    trace.write_text("time,region,type\n" + "".join(f"{first_call_min + 0.2 * k:g},IJsselland,oms\n" for k in range(6)))
    escalation = {"when_calls_waiting_above": 2, "action": "call_in_centralists", "centralists": 2, "call_in_min": 5}
    return scenario(
        load={"trace_file": str(trace), "incident_types": {"oms": {"intake_min": 10}}},
        room={"dispatch_min": 0, "caller_patience_min": 100, "caco": {"background_tasks_per_hour": 0}},
        outages=[{"target": "eocs", "start_min": 100, "duration_min": 60}],
        procedure=procedure(steps=[], escalations=[escalation]),
    )


def test_backlog_escalation_calls_in_centralists_the_moment_the_backlog_passes_its_threshold(tmp_path):
    """The fourth, fifth and sixth call wait; the sixth makes three waiting > 2."""
    out = simulate(backlog(tmp_path, 110), 1, 0)
    assert [(round(t, 6), e) for t, e, *_ in procedure_events(out)] == [
        (100, "outage_start"),
        (105, "detected"),
        (108, "decided"),
        (111, "call_in_requested"),
        (116, "centralists_arrived"),
        (160, "outage_end"),
    ]
    duty = out.levels["centralists_on_duty"]
    assert dict(zip(duty.times, duty.values, strict=False))[116] == 3 + 2
    answered = sorted(round(r[5], 6) for r in out.calls)
    assert answered == [110, 110.2, 110.4, 116, 116, 120]  # two by the newcomers, one at the first free desk


def test_a_backlog_outside_every_outage_escalates_nothing(tmp_path):
    events = [e for _, e, *_ in procedure_events(simulate(backlog(tmp_path, 200), 1, 0))]
    assert events == ["outage_start", "detected", "decided", "outage_end"]
