"""Staff preparedness (issue 17): the mapping from drills to factors, the reference team that
changes nothing, the learning curve and fatigue on their own, the two staff errors it adds, bad
input, and what an unprepared team costs under common random numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import ROOT, nye, scenario

from sim.experiments.kpis import compute
from sim.experiments.stats import paired_difference
from sim.experiments.step_functions import time_average
from sim.model import preparedness as prep
from sim.model.comms import Comms, Effect
from sim.model.engine import Environment
from sim.model.loading import ScenarioError, load_scenario
from sim.model.procedure import DETECTED, OUTAGE_START
from sim.model.room import DOUBLE_ALARM, STATUS_MISNOTED, STATUS_NOT_NOTED, STATUSES, room_views, simulate
from sim.model.rows import DispatchRow as D
from sim.model.rows import MessageRow as M

MONTHS = (0, 0.5, 1, 3, 6, 9, 12, 18, 24, 36, 60, 120, 600)
DRILLS = (0, 0.25, 0.5, 1, 2, 4, 6, 12)
WORK_MIN = (0, 5, 15, 30, 60, 120, 240, 480, 1440, 5000)


# --- the mapping ------------------------------------------------------------------------------------
def _outputs(months: float, drills: float) -> list[float]:
    """Every factor preparedness sets, at several moments into the outage."""
    return [
        prep.delay_factor(months, drills),
        *(prep.pace_factor(months, drills, w) for w in WORK_MIN),
        *(prep.error_factor(months, drills, w) for w in WORK_MIN),
    ]


def test_less_practice_never_lowers_a_delay_a_time_factor_or_an_error_probability():
    """Older last drill (months up) or fewer drills (drills down): no factor goes down, on a grid."""
    grid = {(m, d): _outputs(m, d) for m in MONTHS for d in DRILLS}
    for d in DRILLS:
        for older, newer in zip(MONTHS[1:], MONTHS, strict=False):
            assert all(a >= b - 1e-12 for a, b in zip(grid[older, d], grid[newer, d], strict=True)), (older, d)
    for m in MONTHS:
        for fewer, more in zip(DRILLS, DRILLS[1:], strict=False):
            assert all(a >= b - 1e-12 for a, b in zip(grid[m, fewer], grid[m, more], strict=True)), (m, fewer)
    low, medium, high = (_outputs(*prep.LEVELS[k]) for k in ("low", "medium", "high"))
    assert all(lo > me > hi for lo, me, hi in zip(low, medium, high, strict=True))
    # the named levels in numbers (docs/assumptions.md quotes them)
    assert prep.delay_factor(*prep.LEVELS["low"]) == pytest.approx(1.32, abs=0.01)
    assert prep.delay_factor(*prep.LEVELS["high"]) == pytest.approx(0.59, abs=0.01)
    assert prep.error_factor(*prep.LEVELS["low"]) == pytest.approx(2.67, abs=0.01)


def test_the_mapping_stays_inside_its_anchors():
    """A novice makes at most SPAR-H's x3 errors, the best team at least x0.5; delays and paces stay positive."""
    for m in MONTHS:
        for d in DRILLS:
            for w in WORK_MIN:
                e = prep.error_factor(m, d, w)
                assert prep.BEST_ERROR_FACTOR - 1e-12 <= e <= prep.NOVICE_ERROR_FACTOR + 1e-12
                assert 0 < prep.pace_factor(m, d, w) and 0 < prep.delay_factor(m, d)
    assert prep.error_factor(600, 0) == pytest.approx(prep.NOVICE_ERROR_FACTOR)
    assert prep.error_factor(0, prep.MAX_DRILLS_PER_YEAR) == pytest.approx(prep.BEST_ERROR_FACTOR)


def test_the_reference_team_has_every_factor_exactly_one():
    team = prep.Team(*prep.REFERENCE)
    assert prep.LEVELS["medium"] == prep.REFERENCE
    assert team.delay() == 1.0
    for w in WORK_MIN:
        assert team.pace(w, w) == 1.0 and team.errors(w) == 1.0
    for factor in (0.5, 1.0, 1.1, 1.75, 12.0):
        assert prep.paced(factor, 1.0) == factor  # bit for bit, so the scenario's values stand


def test_paced_scales_only_the_extra_work():
    assert prep.paced(1.75, 2.0) == pytest.approx(2.5)
    assert prep.paced(1.75, 0.5) == pytest.approx(1.375)
    assert prep.paced(1.0, 3.0) == 1.0 and prep.paced(0.8, 3.0) == 0.8  # nothing extra to scale


# --- the learning curve and fatigue, each on its own -------------------------------------------------
def test_the_learning_curve_lowers_every_teams_own_deficit_with_fallback_work():
    for m in MONTHS:
        for d in DRILLS:
            for half_life in (prep.SPEED_HALF_LIFE_MONTHS, prep.ACCURACY_HALF_LIFE_MONTHS):
                deficits = [prep.deficit(m, d, half_life, w) for w in WORK_MIN]
                assert all(a >= b for a, b in zip(deficits, deficits[1:], strict=False)), (m, d)


def test_the_gap_to_the_reference_narrows_as_the_outage_goes_on():
    """The reference team learns too: a poorly drilled team's factor falls towards 1, a well drilled
    team's rises towards 1 (the advantage of drilling shrinks, practice on the night catches up)."""
    low = [prep.pace_factor(*prep.LEVELS["low"], w) for w in WORK_MIN]
    high = [prep.pace_factor(*prep.LEVELS["high"], w) for w in WORK_MIN]
    assert all(a > b > 1 for a, b in zip(low, low[1:], strict=False))
    assert all(a < b < 1 for a, b in zip(high, high[1:], strict=False))
    errors = [prep.error_factor(*prep.LEVELS["low"], w) for w in WORK_MIN]
    assert all(a > b > 1 for a, b in zip(errors, errors[1:], strict=False))


def test_practice_on_a_channel_adds_up_over_activations_and_speeds_it_up():
    sc = scenario(preparedness={"level": "low"})
    env = Environment()
    comms = Comms(env, sc)
    handhelds, eocs = comms.channels["handhelds"], comms.channels["eocs"]
    assert comms.pace(eocs) == eocs.spec.time_factor  # a primary channel keeps its pace
    paces = []
    for start, stop in ((0, 30), (50, 60), (100, 200)):
        if start > env.now:
            env.run(until=start)
        comms.activate("handhelds")
        paces.append(comms.pace(handhelds))
        env.run(until=stop)
        comms.activate("handhelds", False)
    assert handhelds.practice_min() == pytest.approx(30 + 10 + 100)
    assert paces[0] > paces[1] > paces[2] > handhelds.spec.time_factor
    assert paces[0] == pytest.approx(prep.paced(handhelds.spec.time_factor, prep.pace_factor(24, 0.5, 0)))


def test_fatigue_doubles_every_doubling_time_after_its_onset():
    assert [prep.fatigue_factor(h, 4, 4) for h in (0, 2, 4, 8, 12)] == [1, 1, 1, 2, 4]
    hours = np.linspace(0, 24, 97)
    f = [prep.fatigue_factor(h, 3, 2) for h in hours]
    assert all(a <= b for a, b in zip(f, f[1:], strict=False))
    tired = prep.Team(*prep.REFERENCE, fatigue_after_h=2, fatigue_doubling_h=3)
    assert tired.errors(60) == 1.0 and tired.pace(0, 60) == 1.0
    assert tired.errors(5 * 60) == pytest.approx(2.0) and tired.pace(0, 5 * 60) == pytest.approx(2.0)


def test_fatigue_counts_from_the_outage_and_an_error_chance_stays_a_probability():
    sc = scenario(preparedness={"level": "medium", "fatigue": {"after_h": 1, "doubling_h": 1}})
    env = Environment()
    comms = Comms(env, sc)
    assert comms.error_chance(0.3) == 0.3  # no outage: no hours into one
    env.run(until=100)
    comms.add(Effect("eocs", None, 0.0))
    env.run(until=100 + 180)
    assert comms.error_chance(0.1) == pytest.approx(0.4)  # 3 h in: two doublings after the first hour
    assert comms.error_chance(0.3) == 1.0
    assert comms.error_chance(0.0) == 0.0


# --- the scenario section -------------------------------------------------------------------------
def test_a_level_fills_in_both_inputs_and_a_field_overrides_it():
    p = scenario(preparedness={"level": "high"}).preparedness
    assert (p.months_since_last_drill, p.drills_per_year) == prep.LEVELS["high"]
    p = scenario(preparedness={"level": "high", "months_since_last_drill": 10}).preparedness
    assert (p.months_since_last_drill, p.drills_per_year) == (10, prep.LEVELS["high"][1])
    p = scenario(preparedness={"months_since_last_drill": 3, "drills_per_year": 2}).preparedness
    assert p.level is None and p.fatigue is None


@pytest.mark.parametrize(
    ("section", "path", "words"),
    [
        ({"months_since_last_drill": -1, "drills_per_year": 1}, "preparedness.months_since_last_drill", "equal to 0"),
        ({"months_since_last_drill": 6}, "preparedness.drills_per_year", "Field required"),
        ({"months_since_last_drill": 6, "drills_per_year": 52}, "preparedness.drills_per_year", "or equal to 12"),
        ({"level": "expert"}, "preparedness.level", "'low', 'medium' or 'high'"),
        ({"level": "low", "fatigue": {"doubling_h": 0}}, "preparedness.fatigue.doubling_h", "greater than 0"),
        ({"level": "low", "drills": 2}, "preparedness.drills", "unknown field"),
        ("low", "preparedness", "dictionary"),
    ],
)
def test_bad_preparedness_is_named_by_its_field(section, path, words):
    with pytest.raises(ScenarioError) as err:
        scenario(preparedness=section) if isinstance(section, dict) else scenario(replace={"preparedness": section})
    problems = [(p.path, p.message) for p in err.value.problems]
    assert any(p == path and words in m for p, m in problems), problems


def test_bad_error_probabilities_are_named_by_their_field():
    with pytest.raises(ScenarioError, match=r"resilience\.double_alarm_probability: .*less than or equal to 1"):
        scenario(resilience={"double_alarm_probability": 1.5})
    with pytest.raises(ScenarioError, match=r"resilience\.spoken_status_missed_probability: .*or equal to 0"):
        scenario(resilience={"spoken_status_missed_probability": -0.1})


def test_partner_rooms_keep_the_reference_team():
    sc = load_scenario(ROOT / "scenarios" / "nye_eocs_local_takeover.yaml")
    sc = sc.model_copy(update={"preparedness": scenario(preparedness={"level": "low"}).preparedness})
    views = room_views(sc)
    assert views["main"].preparedness == sc.preparedness
    assert all(v.preparedness is None for name, v in views.items() if name != "main")


# --- in the model ---------------------------------------------------------------------------------
# a short New Year's Eve night around an eOCS outage with spoken statuses and a P2000 outage (alarms by hand)
SHORT = {"horizon": {"start": "2024-12-31T23:00:00", "duration_min": 150, "warmup_min": 10}}
EOCS = {"target": "eocs", "start": "2024-12-31T23:15:00", "duration_min": 90}
P2000 = {"target": "p2000", "start": "2024-12-31T23:15:00", "duration_min": 90}
TODAY = {
    "detection": "delay",
    "detection_min": {"dist": "triangular", "low": 2, "mode": 5, "high": 15},
    "decision_min": {"dist": "triangular", "low": 3, "mode": 5, "high": 15},
    "steps": ["handhelds", "telephone", "phone_station", "phone_commander", "sms_alarm"],
    "revert_min": 10,
}
SPOKEN = {"c2000_status": {"survives": ["p2000", "telephone"]}}  # status buttons die with eOCS


def _night(preparedness=None, outages=(EOCS,), **resilience):
    extra = {} if preparedness is None else {"preparedness": preparedness}
    return nye(**SHORT, **extra, outages=list(outages), procedure=TODAY, channels=SPOKEN, resilience=resilience)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        x == y or (math.isnan(x) and math.isnan(y)) for x, y in ((a[k], b[k]) for k in a)
    )


def test_the_reference_team_gives_the_same_night_as_no_preparedness():
    """Every factor exactly 1: the same records and KPIs, also with the two new errors switched on."""
    errors = {"spoken_status_missed_probability": 0.05, "double_alarm_probability": 0.05}
    for rep in (0, 1):
        none = simulate(_night(None, (EOCS, P2000), **errors), 4, rep)
        reference = simulate(_night({"level": "medium"}, (EOCS, P2000), **errors), 4, rep)
        assert reference.timeline == none.timeline
        assert len(reference.messages) == len(none.messages) and len(reference.dispatches) == len(none.dispatches)
        assert _same(compute(reference), compute(none))
        assert compute(none)["double_alarms"] > 0 and compute(none)["statuses_not_noted"] > 0


def test_preparedness_scales_the_drawn_detection_delay_exactly():
    """The same draws (common random numbers) times the team's factor: low >= medium >= high per night."""
    detected = {}
    for level in ("low", "medium", "high"):
        sc = scenario(
            horizon={"start": "2025-03-12T02:00:00", "duration_min": 120, "warmup_min": 0},
            outages=[{"target": "eocs", "start_min": 20, "duration_min": 60}],
            procedure={**TODAY, "steps": ["handhelds"]},
            preparedness={"level": level},
        )
        detected[level] = []
        for rep in range(4):
            times = {e: t for t, e, *_ in simulate(sc, 2, rep).timeline if e in (OUTAGE_START, DETECTED)}
            detected[level].append(times[DETECTED] - times[OUTAGE_START])
    for rep in range(4):
        base = detected["medium"][rep]
        for level in ("low", "high"):
            assert detected[level][rep] == pytest.approx(base * prep.delay_factor(*prep.LEVELS[level]))
        assert detected["low"][rep] > base > detected["high"][rep]


def test_a_status_heard_but_not_noted_leaves_the_board_as_it_was():
    """With every spoken status missed: no spoken status acknowledges or frees a unit, none is
    misnoted, and the board is put right only by later statuses and the roll call."""
    missed = _night(None, spoken_status_missed_probability=1.0)
    noted = _night(None)
    out = simulate(missed, 6, 0)
    spoken = [
        m
        for m in out.messages
        if m[M.STATE] == "delivered" and m[M.KIND].removesuffix("_late") in STATUSES and m[M.CHANNEL] != "c2000_status"
    ]
    not_noted = [row for row in out.timeline if row[1] == STATUS_NOT_NOTED]
    assert len(not_noted) == len(spoken) > 0
    assert not any(row[1] == STATUS_MISNOTED for row in out.timeline)
    k_missed, k_noted = compute(out), compute(simulate(noted, 6, 0))
    assert k_missed["statuses_not_noted"] > 0 and k_noted["statuses_not_noted"] == 0
    assert k_missed["idle_unknown_unit_min"] > k_noted["idle_unknown_unit_min"]
    assert k_missed["realarms"] >= k_noted["realarms"]  # an unnoted 'uitgerukt' looks like silence


def test_an_alarm_by_hand_sent_twice_costs_the_channel_but_sends_nobody_twice():
    twice = _night(None, (P2000,), double_alarm_probability=1.0)
    once = _night(None, (P2000,))
    out, ref = simulate(twice, 8, 0), simulate(once, 8, 0)
    standby = {n for n, ch in twice.channels.items() if ch.purpose == "alarm" and ch.standby}
    first_by_hand = {
        (d[D.INCIDENT], d[D.STATION], d[D.T_ALARM]) for d in out.dispatches if d[D.ALARM_CHANNEL] in standby
    }
    repeats = [row for row in out.timeline if row[1] == DOUBLE_ALARM]
    realarms = compute(out)["realarms"]
    assert len(first_by_hand) <= len(repeats) <= len(first_by_hand) + realarms + 1
    assert not any(row[1] == DOUBLE_ALARM for row in ref.timeline)
    pairs = [(d[D.INCIDENT], d[D.UNIT]) for d in out.dispatches]
    assert len(pairs) == len(set(pairs))  # no unit alarmed into a second response to one incident
    end = twice.horizon.duration_min

    def busy(o):
        return sum(time_average(o.levels[f"{n}_busy"], 0, end) for n in standby)

    assert busy(out) > busy(ref)


def test_an_unprepared_team_is_not_better_on_average():
    """Common random numbers, 20 short nights: a low team leaves units unreachable longer than a high
    one, and its opkomsttijd is not significantly better."""
    low, high = _night({"level": "low"}), _night({"level": "high"})
    kl = [compute(simulate(low, 3, r)) for r in range(20)]
    kh = [compute(simulate(high, 3, r)) for r in range(20)]
    unreachable = paired_difference(
        [k["unit_minutes_unreachable"] for k in kl], [k["unit_minutes_unreachable"] for k in kh]
    )
    assert unreachable["mean"] > 0, unreachable
    response = paired_difference([k["opkomsttijd_mean_min"] for k in kl], [k["opkomsttijd_mean_min"] for k in kh])
    assert response["mean"] >= 0 or response["ci95_high"] >= 0, response
