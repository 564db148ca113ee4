"""The debrief (issue 17): the team's timings against the procedure's, with common random numbers.

A debrief with the planned timings differs by exactly nothing; a later detection never makes a
KPI better on average; a bad file is named per row and field, exits 2 and writes nothing; and
an exercise filled in goes through ``meldsim debrief`` to a page and its JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re

import numpy as np
import pytest
from helpers import SCENARIOS, build, raw, write_yaml

from sim import cli
from sim.experiments.debrief import (
    DEBRIEF_KPIS,
    alone,
    arm_scenario,
    fill_csv,
    observed_minute,
    own_delays,
    read_debrief,
    replay,
    run_debrief,
)
from sim.experiments.kpis import compute
from sim.experiments.metrics import metric_of
from sim.model.loading import ScenarioError
from sim.model.procedure import ACTIVATED, DECIDED, DETECTED
from sim.model.room import STATUS_NOT_NOTED, simulate
from sim.outputs.exercise import first_response, make_exercise

SEED = 4
REPLICATION = 1
EXTERNAL = re.compile(r"<script[^>]+src\s*=\s*[\"']?https?:|<link[^>]+href\s*=\s*[\"']?https?:|@import", re.I)


def short_night(**overrides):
    """New Year's Eve 23:35-00:35 with eOCS down 23:40-00:10 and today's fallback (handhelds, then phones)."""
    return build(
        raw(SCENARIOS / "nye_eocs_outage.yaml"),
        horizon={"start": "2024-12-31T23:35:00", "duration_min": 60, "warmup_min": 5},
        replace={"outages": [{"target": "eocs", "start": "2024-12-31T23:40:00", "duration_min": 30}]},
        **overrides,
    )


@pytest.fixture(scope="module")
def scenario():
    return short_night()


@pytest.fixture(scope="module")
def exercise(scenario):
    return make_exercise(scenario, SEED, pick=REPLICATION)


def step_rows(text: str) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    e = rows[0].index("event")
    return {r[e]: r for r in rows[1:] if r[e]}


def on_time(exercise) -> dict[str, str]:
    """Every step at the clock time the script plans it."""
    return {i.event: exercise.clock(i.minute) for i in exercise.steps()}


def read(exercise, actual: dict[str, str], source: str = "x.csv"):
    return read_debrief(fill_csv(exercise.to_csv(), actual), source, exercise.to_json())


# --- the CSV carries what the debrief needs ------------------------------------------------
def test_the_script_marks_the_first_response_and_leaves_actual_empty(exercise):
    rows = step_rows(exercise.to_csv())
    response = first_response(exercise.outcome)
    assert list(rows) == ["outage_start", *(e for e, _ in response.steps), "statuses_lost", "statuses_wrong"]
    assert [e for e, _ in response.steps] == ["detected", "decided", "activated:handhelds", "activated:telephone"]
    for event, minute in response.steps:
        assert float(rows[event][1]) == pytest.approx(minute, abs=0.05)
        assert rows[event][-1] == ""  # actual
    timeline = {(e, s): m for m, e, s, _ in exercise.outcome.timeline if e in (DETECTED, DECIDED, ACTIVATED)}
    assert dict(response.steps)["activated:handhelds"] == timeline[(ACTIVATED, "handhelds")]
    info = exercise.to_json()
    assert (info["seed"], info["replication"], info["scenario_name"]) == (SEED, REPLICATION, "nye_eocs_outage")
    assert [s["event"] for s in info["steps"]] == [e for e, _ in response.steps]
    page = exercise.to_html()  # the printed script has a form for the team's times, one line per event
    form = page[page.index('<table class="debrief">') :]
    assert all(f"<code>{e}</code>" in form for e in rows if e != "outage_start")


def test_clock_times_are_read_against_the_row_they_are_written_on():
    # the row plans 23:58 at minute 358.4; "00:03" is five minutes after 23:58, past midnight
    assert observed_minute("00:03", "23:58", 358.4) == 363.0
    assert observed_minute("23:55", "23:58", 358.4) == 355.0
    assert observed_minute("23:58", "23:58", 358.4) == 358.4  # the planned clock: on time, exactly
    assert observed_minute("23:58:30", "23:58", 358.4) == 358.5
    assert observed_minute("0:03", "23:58", 358.4) == observed_minute("00.03", "23:58", 358.4) == 363.0


# --- the acceptance properties ---------------------------------------------------------------
def test_a_sheet_saved_by_excel_reads_the_same(exercise):
    """Excel saves UTF-8 with a byte-order mark, and in a Dutch locale with ``;`` between fields."""
    import csv
    import io

    first = first_response(exercise.outcome)
    actual = {event: exercise.clock(minute + 3) for event, minute in first.steps}
    filled = fill_csv(exercise.to_csv(), actual)
    semicolons = io.StringIO()
    csv.writer(semicolons, delimiter=";", lineterminator="\r\n").writerows(csv.reader(io.StringIO(filled)))
    plain = read_debrief(filled, "x.csv", exercise.to_json())
    for text in ("\ufeff" + filled, "\ufeff" + semicolons.getvalue()):
        assert read_debrief(text, "x.csv", exercise.to_json()) == plain


def test_planned_timings_give_exactly_zero(scenario, exercise):
    debrief = read(exercise, on_time(exercise))
    assert all(not s.changed for s in debrief.steps)
    result = run_debrief(scenario, debrief, replications=8)
    for kpi in DEBRIEF_KPIS:
        d = result.difference[kpi]
        assert d["n"] >= 1 and d["mean"] == d["sd"] == d["ci95_low"] == d["ci95_high"] == 0.0, kpi
        np.testing.assert_array_equal(result.values["planned"][kpi], result.values["observed"][kpi])
    assert result.costliest is None and not any(s.ran for s in result.steps)
    assert result.runs == 8  # one arm: the observed one is the planned one


def test_the_planned_arm_repeats_the_exercise_night(scenario, exercise):
    """Fixed delays that reproduce the night played, the CaCo's wait for the decision included."""
    debrief = read(exercise, on_time(exercise))
    night = replay(scenario, debrief, SEED, REPLICATION)
    assert night.caco_wait >= 0
    times = dict(night.planned)
    from sim.experiments.debrief import Arm

    planned = arm_scenario(scenario, night, Arm(tuple(times.items()), 0.0, 0.02))
    again = first_response(simulate(planned, SEED, REPLICATION))
    assert again.start == night.start
    for (event, minute), (event2, minute2) in zip(again.steps, first_response(exercise.outcome).steps, strict=True):
        assert event == event2 and minute == pytest.approx(minute2, abs=1e-9)


#: the KPIs the outage acts on directly (units cut off, statuses and requests that cannot get through)
COMMUNICATION = ("unit_minutes_unreachable", "idle_unknown_unit_min", "reinforcement_delay_mean_min")


def test_a_later_detection_never_improves_the_outcome(scenario, exercise):
    """The team noticed 2, 5 or 10 minutes after the script and did everything after it with the
    script's own delays; 30 replications with common random numbers each. "Never improves" means:

    - no KPI is significantly better: the 95 % CI of the paired difference (team - procedure)
      never lies wholly on the better side of zero;
    - the KPIs the outage acts on directly (COMMUNICATION) are worse or equal on average: mean
      paired difference >= 0, and never smaller for a later detection;
    - the unit-minutes unreachable are significantly worse (CI above zero) for every delay.

    Processing time and opkomsttijd are only required not to be significantly better: here their
    mean differences are a fraction of a second or minute either way (units cut off also stop
    calling the centralists), so a sign test on their means would test noise.
    """
    planned = {i.event: i.minute for i in exercise.steps()}
    base = read(exercise, on_time(exercise))
    means: dict[str, list[float]] = {k: [] for k in COMMUNICATION}
    for later in (2.0, 5.0, 10.0):
        debrief = base.with_observed(**{e.replace(":", "__"): m + later for e, m in planned.items()})
        result = run_debrief(scenario, debrief, replications=30)
        for kpi in DEBRIEF_KPIS:
            d = result.difference[kpi]
            better_side = d["ci95_high"] < 0 if metric_of(kpi).better == "lower" else d["ci95_low"] > 0
            assert not better_side, (kpi, later, d)
        for kpi in COMMUNICATION:
            assert result.difference[kpi]["mean"] >= 0, (kpi, later)
            means[kpi].append(result.difference[kpi]["mean"])
        assert result.difference["unit_minutes_unreachable"]["ci95_low"] > 0, later
        # only detection's own delay differs: the other steps need no run, and detection cost it all
        assert [s.item for s in result.steps if s.ran] == ["detected"] and result.costliest == "detected"
        assert result.runs == 60
    for kpi, values in means.items():
        assert values == sorted(values), (kpi, values)


def test_one_step_late_written_to_the_second_runs_two_arms(scenario, exercise):
    """Detection 3 min late, the rest with the script's own delays, written as HH:MM:SS: the other
    steps' own delays match to the second, so they need no run, and detection alone is the observed night."""
    start = exercise.scenario.horizon.start
    times = {
        i.event: (start + dt.timedelta(seconds=round((i.minute + 3) * 60))).strftime("%H:%M:%S")
        for i in exercise.steps()
    }
    result = run_debrief(scenario, read(exercise, times), replications=2)
    assert [s.item for s in result.steps if s.ran] == ["detected"] and result.runs == 4
    detected = next(s for s in result.steps if s.item == "detected")
    for kpi in DEBRIEF_KPIS:
        assert detected.difference[kpi] == result.difference[kpi]


def test_each_step_alone_moves_the_later_steps_with_it(scenario, exercise):
    debrief = read(exercise, on_time(exercise))
    night = replay(scenario, debrief, SEED, REPLICATION)
    delays = own_delays(night, night.planned)
    moved = alone(night, delays, "decided", delays["decided"] + 4)
    assert moved["detected"] == night.planned["detected"]
    for event in ("decided", "activated:handhelds", "activated:telephone"):
        assert moved[event] == pytest.approx(night.planned[event] + 4)
    never = alone(night, delays, "decided", None)
    assert never["decided"] is None and never["activated:handhelds"] is None
    skipped = alone(night, delays, "activated:handhelds", None)
    assert skipped["activated:telephone"] == pytest.approx(night.planned["decided"] + delays["activated:telephone"])
    # a team that ran the phones before the sets: the phones have no delay of their own
    swapped = dict(night.planned, **{"activated:telephone": night.planned["decided"] + 1})
    assert own_delays(night, swapped)["activated:telephone"] == 0.0


def test_status_counts_become_rates_per_spoken_status(scenario, exercise):
    debrief = read(exercise, {**on_time(exercise), "statuses_lost": "4", "statuses_wrong": "0"})
    assert (debrief.statuses_lost, debrief.statuses_wrong) == (4, 0)
    result = run_debrief(scenario, debrief, replications=3)
    spoken = result.rates["spoken_statuses_in_script"]
    assert spoken > 0
    assert result.rates["observed_missed"] == pytest.approx(4 / spoken)
    assert result.rates["observed_wrong"] == 0.0 and result.rates["planned_wrong"] == 0.02
    assert [s.item for s in result.steps if s.ran] == ["statuses"]


def test_a_missed_status_leaves_the_unit_busy_on_the_board():
    night = build(
        raw(SCENARIOS / "nye_eocs_outage.yaml"),
        horizon={"start": "2024-12-31T22:30:00", "duration_min": 180, "warmup_min": 10},
        replace={"outages": [{"target": "eocs", "start": "2024-12-31T23:00:00", "duration_min": 120}]},
    )
    missed = night.model_copy(
        update={"resilience": night.resilience.model_copy(update={"spoken_status_missed_probability": 0.5})}
    )
    outcome = simulate(missed, SEED, 0)
    assert any(e == STATUS_NOT_NOTED for _, e, *_ in outcome.timeline)
    assert compute(outcome)["idle_unknown_unit_min"] > compute(simulate(night, SEED, 0))["idle_unknown_unit_min"]


# --- bad files ---------------------------------------------------------------------------------
def problems_of(exercise, actual: dict[str, str]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        read(exercise, actual, "bad.csv")
    return [str(p) for p in info.value.problems]


def test_every_problem_is_named_by_row_and_field(exercise):
    line = dict(zip(step_rows(exercise.to_csv()), _lines(exercise), strict=True))
    start = exercise.to_json()["outage_start_min"]
    before = exercise.clock(start - 3)
    detected = exercise.clock(exercise.steps()[0].minute + 6)
    got = problems_of(
        exercise,
        {
            "detected": detected,
            "decided": exercise.clock(exercise.steps()[0].minute - 1),
            "activated:handhelds": "12h30",
            "activated:telephone": "",
            "statuses_wrong": "three",
        },
    )
    assert got == [
        f"bad.csv: row {line['decided']}: actual: {exercise.clock(exercise.steps()[0].minute - 1)} is before "
        f"detected ({detected}, row {line['detected']})",
        f"bad.csv: row {line['activated:handhelds']}: actual: '12h30' is not a clock time HH:MM (or HH:MM:SS), "
        "nor 'never'",
        f"bad.csv: row {line['activated:telephone']}: actual: missing: the clock time the team had this done "
        "(HH:MM), or 'never'",
        f"bad.csv: row {line['statuses_wrong']}: actual: 'three' is not a count (a whole number, 0 or more)",
    ]
    early = problems_of(exercise, {**on_time(exercise), "detected": before})
    assert early == [
        f"bad.csv: row {line['detected']}: actual: {before} is before the outage started (minute {start:.1f})"
    ]
    never = problems_of(exercise, {**on_time(exercise), "detected": "never"})
    assert never == [f"bad.csv: row {line['decided']}: actual: decided at a time, but detected is 'never'"]


def _lines(exercise) -> list[int]:
    """CSV line numbers (header = 1) of the rows with an event."""
    rows = list(csv.reader(io.StringIO(exercise.to_csv())))
    e = rows[0].index("event")
    return [n for n, r in enumerate(rows, start=1) if n > 1 and r[e]]


def test_a_csv_without_the_columns_or_of_another_night(scenario, exercise):
    with pytest.raises(ScenarioError, match=r"x.csv: row 1: missing column\(s\) event, actual"):
        read_debrief("Tijd / Time,Minuut / Minute\n23:40,10.0\n", "x.csv")
    rows = list(csv.reader(io.StringIO(fill_csv(exercise.to_csv(), on_time(exercise)))))
    e = rows[0].index("event")
    n = {r[e]: i for i, r in enumerate(rows) if r[e]}
    rows[n["activated:telephone"]][e] = "kettle"
    rows[n["decided"]][e] = "detected"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    with pytest.raises(ScenarioError) as info:
        read_debrief(buffer.getvalue(), "x.csv")
    got = [str(p) for p in info.value.problems]
    assert got[0] == f"x.csv: row {n['decided'] + 1}: event: 'detected' appears twice"
    assert got[1].startswith(f"x.csv: row {n['activated:telephone'] + 1}: event: unknown 'kettle' (steps: detected,")
    assert got[2:] == ["x.csv: event: no row with event 'decided' (was the script's window cut before it?)"]
    debrief = read(exercise, on_time(exercise))
    with pytest.raises(
        ScenarioError, match=r"x.csv: row \d+: minute: .* but nye_eocs_outage, seed 4, replication 2 has"
    ):
        replay(scenario, debrief, SEED, REPLICATION + 1)


# --- the command ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def script(tmp_path_factory):
    folder = tmp_path_factory.mktemp("debrief")
    path = write_yaml(folder / "night.yaml", short_night())
    out = folder / "script"
    assert cli.main(["exercise", str(path), "--seed", str(SEED), "--pick", str(REPLICATION), "--out", str(out)]) == 0
    return out


def test_exercise_to_debrief_through_the_command_line(script, tmp_path, capsys):
    text = (script / "exercise.csv").read_text(encoding="utf-8")
    info = json.loads((script / "exercise.json").read_text(encoding="utf-8"))
    steps = {s["event"]: s for s in info["steps"]}
    late = {
        "detected": steps["detected"]["time"],
        "decided": _plus(steps["decided"]["time"], 4),
        "activated:handhelds": _plus(steps["activated:handhelds"]["time"], 9),
        "activated:telephone": "never",
        "statuses_wrong": "2",
    }
    (script / "filled.csv").write_text(fill_csv(text, late), encoding="utf-8")
    out = tmp_path / "debrief"
    assert cli.main(["debrief", str(script / "filled.csv"), "-n", "4", "-j", "1", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["debrief.html", "debrief.json"]
    result = json.loads((out / "debrief.json").read_text(encoding="utf-8"))
    assert (result["seed"], result["exercise_replication"], result["replications"]) == (SEED, REPLICATION, 4)
    assert [k["kpi"] for k in result["kpis"]] == list(DEBRIEF_KPIS)
    ran = {a["item"] for a in result["attribution"] if a["ran"]}
    assert ran == {"decided", "activated:handhelds", "activated:telephone", "statuses"}
    assert result["costliest"] in ran
    unreachable = next(k for k in result["kpis"] if k["kpi"] == "unit_minutes_unreachable")
    assert unreachable["difference"]["mean"] > 0
    page = (out / "debrief.html").read_text(encoding="utf-8")
    assert "Nabespreking" in page and "@page" in page and not EXTERNAL.search(page)
    assert "Kostte het meest" in page and "nooit / never" in page
    err = capsys.readouterr().err
    assert "4 paired replications" in err


def _plus(clock: str, minutes: int) -> str:
    h, m = map(int, clock.split(":"))
    total = (h * 60 + m + minutes) % 1440
    return f"{total // 60:02d}:{total % 60:02d}"


def test_a_bad_file_exits_2_and_writes_nothing(script, tmp_path, capsys):
    text = (script / "exercise.csv").read_text(encoding="utf-8")
    bad = script / "bad.csv"
    bad.write_text(fill_csv(text, {"detected": "25:00", "decided": "never"}), encoding="utf-8")
    out = tmp_path / "nothing"
    assert cli.main(["debrief", str(bad), "-n", "2", "-j", "1", "--out", str(out)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert any(re.fullmatch(rf"{re.escape(str(bad))}: row \d+: actual: '25:00' is not a clock time .*", e) for e in err)
    assert any(re.fullmatch(rf"{re.escape(str(bad))}: row \d+: actual: missing: .*", e) for e in err)  # handhelds
    assert not out.exists()
    assert not (script / "debrief.json").exists() and not (script / "debrief.html").exists()
    lonely = tmp_path / "alone.csv"
    lonely.write_text(text, encoding="utf-8")
    assert cli.main(["debrief", str(lonely), "-n", "2"]) == cli.EXIT_BAD_INPUT
    assert "exercise.json: (top level): not found: give --scenario, --seed and --replication" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.csv"]


def test_nan_is_not_in_the_json(scenario, exercise):
    debrief = read(exercise, on_time(exercise))
    data = run_debrief(scenario, debrief, replications=1).to_dict()
    text = json.dumps(data, allow_nan=False)  # raises on NaN
    assert "NaN" not in text and data["kpis"][0]["difference"]["ci95_low"] is None
    assert math.isfinite(data["outage_start_min"])
