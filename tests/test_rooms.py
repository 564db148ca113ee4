"""Several meldkamers in one night (issue 16): partner rooms, national and local outages, takeover."""

from __future__ import annotations

import json
import math

import pyarrow.parquet as pq
import pytest
from helpers import SCENARIOS, build, mmc_scenario, raw, same_table

from sim.experiments import api, records
from sim.experiments.kpis import compute
from sim.experiments.results import RECORD_TABLES, verify_files
from sim.experiments.stats import paired_difference
from sim.model.loading import ScenarioError, load_scenario
from sim.model.room import MAIN_ROOM, room_views, simulate
from sim.model.rows import CallRow as C

LOCAL = SCENARIOS / "nye_eocs_local_takeover.yaml"
NATIONAL = SCENARIOS / "nye_eocs_national_takeover.yaml"
SHORT = {"horizon": {"start": "2024-12-31T22:00:00", "duration_min": 300, "warmup_min": 15}}
PARTNER = {
    "incidents_per_year": 20000,
    "staff_factor": 0.8,
    "volunteer_units": 90,
    "drive_min": {"dist": "lognormal", "mean": 4.5, "sd": 2},
}


def short(path, **overrides):
    return build(raw(path), **SHORT, **overrides)


def test_partners_never_change_the_room_itself_without_a_takeover():
    """Own streams per room: the same night with nine partners gives MKON exactly the same KPIs."""
    alone = build(raw(SCENARIOS / "nye_eocs_outage.yaml"), **SHORT)
    with_partners = short(NATIONAL, replace={"procedure.escalations": []})
    for rep in range(2):
        a, b = compute(simulate(alone, 5, rep)), compute(simulate(with_partners, 5, rep))
        mine = {k: v for k, v in b.items() if "[room=" not in k}
        assert mine.keys() == a.keys()
        for key, value in a.items():
            assert mine[key] == pytest.approx(value, nan_ok=True), key


def test_national_systems_fail_everywhere_and_local_ones_at_home():
    sc = short(
        NATIONAL,
        replace={
            "outages": [
                {"target": "eocs", "start_min": 60, "duration_min": 60},
                {"target": "gms", "start_min": 70, "duration_min": 10},
                {"target": "power", "start_min": 80, "duration_min": 10, "rooms": ["MKNN", "main"]},
            ]
        },
    )
    views = room_views(sc)
    assert [o.target for o in views[MAIN_ROOM].outages] == ["eocs", "gms", "power"]
    assert [o.target for o in views["MKNN"].outages] == ["eocs", "power"]
    assert [o.target for o in views["MKL"].outages] == ["eocs"]
    # its incidents in its own region; its channels also reach MKON's regions (for a takeover)
    assert views["MKL"].load.region_shares == {"MKL": 1.0, **{r: 0.0 for r in sc.regions}}
    assert views["MKL"].procedure.escalations == []


def test_calls_are_conserved_across_rooms():
    """Every call is answered, abandoned or waiting in exactly one room (or on its way to one): a
    handed-over call is on its own room's record from the moment it is made, with the partner's name."""
    sc = short(NATIONAL)
    out = simulate(sc, 2, 0)
    end = sc.horizon.duration_min
    rooms = {MAIN_ROOM: out, **out.partners}
    seen = set()
    for owner, outcome in rooms.items():
        for row in outcome.calls:
            key = (owner, row[C.INCIDENT], row[C.CALLER], row[C.ATTEMPT])
            assert key not in seen
            seen.add(key)
            assert row[C.STATE] in ("completed", "abandoned", "open")
            assert (row[C.STATE] == "completed") <= (not math.isnan(row[C.T_ANSWERED]))
            assert row[C.ROOM] in ("", *out.partners)
            assert owner == MAIN_ROOM or row[C.ROOM] == ""  # only MKON hands calls over here
        first_calls = sum(
            1 for inc in outcome.incidents for offset in inc.call_offsets_min if inc.minute + offset < end
        )
        assert sum(1 for row in outcome.calls if row[C.ATTEMPT] == 1) == first_calls, owner

    # who waits where: the rows still waiting for a centralist are each room's backlog at the end
    def answering(owner, row):
        return row[C.ROOM] or owner

    for name, outcome in rooms.items():
        waiting = sum(
            1
            for owner, o in rooms.items()
            for row in o.calls
            if answering(owner, row) == name and row[C.STATE] == "open" and math.isnan(row[C.T_ANSWERED])
        )
        # a call handed over in the last half minute may still be on its way to the partner
        on_the_way = sum(1 for row in out.calls if row[C.ROOM] == name and row[C.T_ARRIVAL] >= end - 0.5)
        level = outcome.levels["calls_waiting"].values[-1]
        assert level <= waiting <= level + on_the_way, name
    taken = [row for row in out.calls if row[C.ROOM]]
    assert taken and all(row[C.ROOM] == "MKNN" for row in taken)
    kpi = compute(out)
    warm = sc.horizon.warmup_min
    assert kpi["calls_taken_over"] == sum(1 for row in taken if row[C.T_ARRIVAL] >= warm)


def test_an_instant_unloaded_equally_fast_partner_is_no_outage_for_the_calls():
    """An eOCS outage from the start with the calls handed at once, without routing time or slowing,
    to a partner with the same roster and no calls of its own: every call as without the outage."""
    base = mmc_scenario(20, 6, 2, hours=6)
    data = base.model_dump(mode="json")
    quiet = {**PARTNER, "incidents_per_year": 1e-6, "staff_factor": 1.0}
    takeover = build(
        data,
        partners={"P": quiet},
        replace={
            "outages": [{"target": "eocs", "start_min": 0, "duration_min": 360, "rooms": ["main"]}],
            "procedure": {
                "escalations": [
                    {
                        "action": "take_over",
                        "partner": "P",
                        "when_outage_longer_than_min": 0,
                        "routing_delay_min": 0,
                        "time_factor": 1.0,
                    }
                ]
            },
        },
    )
    for rep in range(3):
        plain, handed = simulate(base, 9, rep), simulate(takeover, 9, rep)
        assert len(plain.calls) == len(handed.calls) > 50
        assert all(row[C.ROOM] == "P" for row in handed.calls)
        for a, b in zip(plain.calls, handed.calls, strict=True):
            assert a[: C.ROOM] == pytest.approx(b[: C.ROOM], nan_ok=True) or a[: C.ROOM] == b[: C.ROOM]
        ka, kb = compute(plain), compute(handed)
        for key in ("answer_wait_mean_s", "answer_wait_p90_s", "abandoned_calls", "calls"):
            assert kb[key] == pytest.approx(ka[key], nan_ok=True), key


def test_a_national_outage_is_never_better_for_mkon_than_the_same_outage_local_with_takeover():
    """Common random numbers, 30 replications: the partner that takes MKON's calls, alarms and radio
    has its own outage too when it is national. Measured (5-hour night): opkomsttijd +5.0 min
    [4.8, 5.2], undelivered messages +690, answer wait +0.6 s [0.2, 1.0], the partner busier
    (0.98 against 0.95); processing and abandoned calls equal within their CIs."""
    local, national = short(LOCAL), short(NATIONAL)
    rows = {name: [compute(simulate(sc, 4, r)) for r in range(30)] for name, sc in (("l", local), ("n", national))}
    worse_if_higher = (
        "answer_wait_mean_s",
        "processing_time_mean_s",
        "abandoned_calls",
        "opkomsttijd_mean_min",
        "undelivered_messages",
    )
    worse_if_lower = ("processing_within_60s_share", "opkomsttijd_within_norm_share")
    for key in worse_if_higher + worse_if_lower:
        diff = paired_difference([k[key] for k in rows["n"]], [k[key] for k in rows["l"]])
        better = diff["ci95_high"] < 0 if key in worse_if_higher else diff["ci95_low"] > 0
        assert not better, (key, diff)
    busy = paired_difference(
        [k["partner_utilisation"] for k in rows["n"]], [k["partner_utilisation"] for k in rows["l"]]
    )
    assert busy["ci95_low"] > 0, busy


def test_takeover_kpis_follow_the_timeline():
    sc = short(LOCAL)
    out = simulate(sc, 3, 0)
    kpi = compute(out)
    starts = [m for m, e, *_ in out.timeline if e == "takeover_start"]
    outage = [m for m, e, *_ in out.timeline if e == "outage_start"]
    assert starts and kpi["takeover_delay_min"] == pytest.approx(starts[0] - outage[0])
    assert kpi["takeover_delay_min"] == pytest.approx(45)
    assert 0 < kpi["partner_utilisation"] <= 1
    assert kpi["calls[room=all]"] == kpi["calls"] + kpi["calls[room=MKNN]"]


def test_bad_partner_input_is_named(tmp_path):
    with pytest.raises(ScenarioError) as err:
        short(
            LOCAL,
            procedure={"escalations": [{"action": "take_over", "partner": "MKXX", "when_outage_longer_than_min": 5}]},
        )
    assert any(p.path == "procedure.escalations.0.partner" for p in err.value.problems)
    with pytest.raises(ScenarioError) as err:
        short(LOCAL, replace={"outages": [{"target": "eocs", "start_min": 5, "duration_min": 5, "rooms": ["MKAA"]}]})
    assert [p.path for p in err.value.problems] == ["outages.0.rooms"]
    path = tmp_path / "s.yaml"
    path.write_text(f"base: {LOCAL}\npartners: {{MKNN: nowhere.yaml}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "partners.MKNN" in str(err.value) and "no such partner file" in str(err.value)
    with pytest.raises(ScenarioError) as err:  # a partner's load counts against the work limits too
        short(LOCAL, partners={"MKNN": {**PARTNER, "incidents_per_year": 1e12}})
    assert [p.path for p in err.value.problems] == ["partners.MKNN.incidents_per_year"]
    with pytest.raises(ScenarioError) as err:
        short(LOCAL, partners={"MKNN": {"staff_factor": 0}})
    assert {p.path for p in err.value.problems} >= {"partners.MKNN.staff_factor"}


def test_a_partner_that_takes_over_also_alarms_and_talks_to_the_units():
    """A room without power (generator failed, no uitwijk) alarms nobody; once the partner has taken
    over, the incidents are alarmed over the partner's channels and the statuses reach its board."""
    horizon = {"horizon": {"start": "2024-12-31T18:00:00", "duration_min": 480, "warmup_min": 30}}
    takeover = build(raw(SCENARIOS / "power_local_takeover.yaml"), **horizon)
    alone = build(
        raw(SCENARIOS / "power_local_takeover.yaml"),
        **horizon,
        replace={"procedure.escalations": [], "partners": {}},
    )
    start = 150.0  # 20:00 power cut + 30 min
    for rep in range(2):
        handed, dark = simulate(takeover, 6, rep), simulate(alone, 6, rep)
        assert [m for m, e, *_ in handed.timeline if e == "takeover_start"] == [start]
        later = [i for i in handed.incidents if i.minute > start + 5 and not i.desk and i.t_answered is not None]
        assert later and all(i.handler == "MKNN" for i in later)
        alarmed = [i for i in later if i.t_alarm is not None and i.t_alarm < i.minute + 30]
        assert len(alarmed) >= 0.9 * len(later)
        dark_later = [i for i in dark.incidents if i.minute > start + 5 and not i.desk]
        assert not any(i.t_alarm is not None for i in dark_later)  # no power, no uitwijk: no alarm
        # the units' statuses reach the partner's board: hardly any unit free but unknown at the end
        assert handed.levels["units_idle_unknown"].values[-1] <= 2


def test_units_are_reachable_over_the_partner_while_it_has_taken_over():
    """Unit-minutes unreachable count the channels of the room that carries the traffic: with no
    fallback channel of its own, MKON's units are out of reach from the outage until the takeover
    and back within reach over MKNN's consoles after it when the outage is local; when it is national
    MKNN's consoles are down too, so they stay out of reach."""
    no_steps = {"procedure.steps": []}
    local, national = short(LOCAL, replace=no_steps), short(NATIONAL, replace=no_steps)
    for rep in range(2):
        here, everywhere = simulate(local, 8, rep), simulate(national, 8, rep)
        start = next(m for m, e, *_ in here.timeline if e == "outage_start")
        taken = next(m for m, e, *_ in here.timeline if e == "takeover_start")
        assert taken == pytest.approx(start + 45)
        for region, level in here.reachable.items():
            changes = list(zip(level.times, level.values, strict=True))
            assert (start, 0) in changes and (taken, 1) in changes, (region, changes)
        for region, level in everywhere.reachable.items():
            after = [v for t, v in zip(level.times, level.values, strict=True) if t >= start]
            assert after[0] == 0 and 1 not in after[: len(after) - 1], (region, after)
        assert compute(here)["unit_minutes_unreachable"] < compute(everywhere)["unit_minutes_unreachable"]


# --- the partner rooms' records (issue 16) ---------------------------------------------------
TWO_HOURS = {"horizon": {"start": "2024-12-31T22:45:00", "duration_min": 120, "warmup_min": 5}}
HANDED_OVER = {"outages": [{"target": "eocs", "start_min": 15, "duration_min": 60, "rooms": ["main"]}]}


def _files(run_dir) -> dict:
    return {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


def test_partner_records_are_kept_in_their_own_folder(tmp_path):
    """Each partner room's record tables under rooms/NAME/, for the kept replications only; the
    main room's tables where they always were; the manifest checks every one of them."""
    sc = build(raw(LOCAL), **TWO_HOURS, replace=HANDED_OVER)
    run_dir = api.run(sc, api.Options(replications=2, seed=4, jobs=1, keep_records=1), out=tmp_path / "two")
    main = {f"{t}.parquet" for t in RECORD_TABLES}
    partner = {f"rooms/MKNN/{t}.parquet" for t in RECORD_TABLES}
    assert set(_files(run_dir)) == {"manifest.json", "summary.json", "replications.parquet", *main, *partner}
    out = simulate(sc, 4, 0)
    expected = {"": records.tables(out, 0), "rooms/MKNN/": records.tables(out.partners["MKNN"], 0)}
    for prefix, tables in expected.items():
        for name, columns in tables.items():
            found = pq.read_table(run_dir / f"{prefix}{name}.parquet")
            assert same_table(found, records.to_arrow(name, columns)), prefix + name
            assert set(found.column("replication").to_pylist()) <= {0}, prefix + name  # the kept one only
    calls = pq.read_table(run_dir / "calls.parquet").column("room").to_pylist()
    assert "MKNN" in calls  # the handed-over calls stay on the main room's record ...
    assert set(pq.read_table(run_dir / "rooms/MKNN/calls.parquet").column("room").to_pylist()) == {""}  # ... only

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert partner <= set(manifest["files"]) and verify_files(run_dir, manifest) == []
    assert manifest["files"]["rooms/MKNN/incidents.parquet"]["rows"] == len(out.partners["MKNN"].incidents)
    (run_dir / "rooms/MKNN/calls.parquet").write_bytes(b"not parquet")
    assert verify_files(run_dir, manifest) == [
        f"rooms/MKNN/calls.parquet: not a readable Parquet file (11 bytes; the manifest says "
        f"{manifest['files']['rooms/MKNN/calls.parquet']['bytes']})"
    ]
    assert api.read_run_info(run_dir).damaged
    for name in ("rooms/../summary.json", "rooms/MKNN/../../x", "other/MKNN/calls.parquet", "rooms/.x/a", "/etc/x"):
        bad = {"files": {name: manifest["files"]["summary.json"]}}
        assert verify_files(run_dir, bad) == [f"manifest.json: files.{name}: not a file record"], name


def test_a_room_alone_writes_the_same_files_as_before_and_partners_leave_its_records_alone(tmp_path):
    """The main room's record files are byte for byte the same with or without a partner that takes
    nothing over, and a room alone writes no rooms/ folder (its files are as before issue 16)."""
    options = api.Options(replications=2, seed=8, jobs=1, keep_records=2)
    alone = build(raw(LOCAL), **TWO_HOURS, replace={**HANDED_OVER, "procedure.escalations": [], "partners": {}})
    beside = build(raw(LOCAL), **TWO_HOURS, replace={**HANDED_OVER, "procedure.escalations": []})
    a = _files(api.run(alone, options, out=tmp_path / "alone"))
    b = _files(api.run(beside, options, out=tmp_path / "beside"))
    assert not any(name.startswith("rooms/") for name in a)
    for table in RECORD_TABLES:
        assert a[f"{table}.parquet"] == b[f"{table}.parquet"], table
    assert {f"rooms/MKNN/{t}.parquet" for t in RECORD_TABLES} <= set(b)


def test_partner_names_are_safe_for_kpis_and_folders():
    for name in ("all", "main", "a/b", "-x", "MK NN", "MKNN]", "x" * 41):
        with pytest.raises(ScenarioError) as err:
            short(LOCAL, partners={name: PARTNER})
        assert f"partners.{name}" in {p.path for p in err.value.problems}, name
    with pytest.raises(ValueError):
        api.room_records(SCENARIOS, "../x")
    assert api.room_records(SCENARIOS, "MKNN") == SCENARIOS / "rooms" / "MKNN"
    assert api.room_records(SCENARIOS) == SCENARIOS
