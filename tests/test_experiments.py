"""Experiments on top of ``meldsim run``: compare, sweep, sensitivity, --precision, interruption,
listing result directories, and the same functions called as a library (issue 4).

Every scenario here is the New Year's Eve eOCS outage cut to one hour around the start of
the outage (22:50-23:50), so a replication takes a few hundredths of a second.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from helpers import SCENARIOS, build, raw, scenario_file

import sim.experiments.runner
from sim import cli
from sim.experiments import api
from sim.experiments.kpis import METRICS
from sim.experiments.sensitivity import parse_range, sensitivity
from sim.experiments.stats import paired_difference, relative_half_width, summarise, unpaired_difference
from sim.model.loading import ScenarioError

OUTAGE = SCENARIOS / "nye_eocs_outage.yaml"
BETTER = SCENARIOS / "nye_eocs_outage_better_fallback.yaml"
HOUR = {"start": "2024-12-31T22:50:00", "duration_min": 60, "warmup_min": 5}
RUN_FILES = {"manifest.json", "summary.json", "replications.parquet"}
SUMMARY_KEYS = {"mean", "sd", "ci95_low", "ci95_high", "n"}
#: the fallback of nye_eocs_outage_better_fallback, without its other changes (units, escalation)
BETTER_FALLBACK = {
    "procedure": {
        "detection": "first_failure",
        "detection_min": {"dist": "triangular", "low": 0.5, "mode": 1, "high": 3},
        "decision_min": {"dist": "triangular", "low": 1, "mode": 2, "high": 4},
    },
    "channels": {"handhelds": {"capacity": 8}},
}


def hour(tmp_path, name="today", base=OUTAGE, **overrides) -> Path:
    """A scenario file: ``base`` cut to one hour around the start of the eOCS outage."""
    return scenario_file(tmp_path / f"{name}.yaml", base=base, name=name, horizon=HOUR, **overrides)


def meldsim(*args) -> int:
    return cli.main([str(a) for a in args])


def hidden(directory: Path) -> list[str]:
    """Staging directories (``.NAME.partial-PID``) left anywhere below ``directory``."""
    return [str(p) for p in directory.rglob(".*")] if directory.exists() else []


def kpi_columns(run_dir: Path) -> dict[str, list]:
    return pq.read_table(run_dir / "replications.parquet").to_pydict()


def same_columns(a: dict[str, list], b: dict[str, list]) -> bool:
    """Equal column by column, NaN (a KPI a replication could not observe) equal to NaN."""
    return a.keys() == b.keys() and all(
        np.array_equal(np.asarray(a[k], float), np.asarray(b[k], float), equal_nan=True) for k in a
    )


def never_runs(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a replication ran although the input was bad")

    monkeypatch.setattr(sim.experiments.runner, "run_replication", fail)


# --- compare ----------------------------------------------------------------------------------
def test_compare_writes_every_run_and_the_paired_comparison(tmp_path, capsys):
    today = hour(tmp_path, "today")
    better = hour(tmp_path, "better", base=BETTER)
    out = tmp_path / "results" / "cmp"
    assert meldsim("compare", today, better, "-n", 6, "--seed", 4, "--jobs", 1, "--out", out) == 0
    printed = capsys.readouterr().out
    assert printed.strip().splitlines()[-1] == str(out)

    assert {p.name for p in out.iterdir()} == {"runs", "comparison.json", "comparison.parquet"}
    assert {p.name for p in (out / "runs").iterdir()} == {"today", "better"}
    for name in ("today", "better"):
        assert RUN_FILES <= {p.name for p in (out / "runs" / name).iterdir()}
        manifest = json.loads((out / "runs" / name / "manifest.json").read_text())
        assert (manifest["scenario_name"], manifest["seed"], manifest["replications"]) == (name, 4, 6)
    cols = {name: kpi_columns(out / "runs" / name) for name in ("today", "better")}
    # common random numbers: the same incidents in both scenarios, replication by replication
    assert cols["today"]["incidents"] == cols["better"]["incidents"]

    data = json.loads((out / "comparison.json").read_text())
    assert (data["baseline"], data["scenarios"], data["seed"], data["replications"]) == (
        "today",
        ["today", "better"],
        4,
        6,
    )
    rows = {(r["kpi"], r["scenario"]): r for r in data["kpis"]}
    assert pq.read_table(out / "comparison.parquet").num_rows == len(data["kpis"])
    kpis = {k for k, _ in rows}
    assert {"processing_time_mean_s", "unit_minutes_unreachable", "outage_to_first_fallback_min"} <= kpis
    for kpi in kpis:
        base, other = rows[kpi, "today"], rows[kpi, "better"]
        for scenario, row in (("today", base), ("better", other)):
            s = summarise(cols[scenario][kpi])
            assert _same(row["mean"], s["mean"]) and _same(row["ci95_low"], s["ci95_low"]), (kpi, scenario)
            assert _same(row["ci95_high"], s["ci95_high"]) and row["n"] == s["n"]
        assert base["diff_mean"] is None and base["p_value"] is None  # the baseline against itself
        d = paired_difference(cols["better"][kpi], cols["today"][kpi])
        for key in ("mean", "ci95_low", "ci95_high", "p_value"):
            assert _same(other[f"diff_{key}" if key != "p_value" else key], d[key]), (kpi, key)
        if other["significant"]:
            assert other["diff_ci95_low"] > 0 or other["diff_ci95_high"] < 0

    # the table marks exactly the differences whose CI excludes zero
    significant = [k for k in METRICS if (k, "better") in rows and rows[k, "better"]["significant"]]
    not_significant = [k for k in METRICS if (k, "better") in rows and rows[k, "better"]["significant"] is False]
    # faster decision and activation of the better procedure (its faster noticing is not always
    # significant over 6 replications: the first failed transmission can take minutes to come)
    assert "outage_to_first_fallback_min" in significant
    assert not_significant, "expected some KPI not to differ (e.g. incidents)"
    lines = {line.split("│")[1].strip(): line for line in printed.splitlines() if line.count("│") > 2}
    for kpi in significant:
        assert lines[kpi].rstrip(" │").endswith("*"), lines[kpi]
    for kpi in not_significant:
        assert not lines[kpi].rstrip(" │").endswith("*"), lines[kpi]
    assert "(* = 95% CI of the difference" in printed


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and (b is None or math.isnan(b))
    return a == pytest.approx(b, rel=1e-12, abs=1e-12) or (math.isnan(a) and math.isnan(b))


def test_paired_ci_is_narrower_than_unpaired_when_only_the_fallback_differs(tmp_path):
    """Common random numbers: both scenarios see the same incidents, calls and draws, so
    the per-replication differences vary far less than either scenario on its own."""
    today = build(raw(OUTAGE), name="today", horizon=HOUR)
    better = build(raw(OUTAGE), name="better-fallback", horizon=HOUR, **BETTER_FALLBACK)
    # the pair differs in the fallback only
    a, b = today.model_dump(), better.model_dump()
    assert {k for k in a if a[k] != b[k]} == {"name", "procedure", "channels"}

    out = api.compare([today, better], api.Options(replications=10, seed=1, jobs=1), out=tmp_path / "cmp")
    base, other = kpi_columns(out / "runs" / "today"), kpi_columns(out / "runs" / "better-fallback")
    for kpi in ("processing_time_mean_s", "opkomsttijd_mean_min"):
        paired = paired_difference(other[kpi], base[kpi])
        unpaired = unpaired_difference(other[kpi], base[kpi])
        assert paired["mean"] == pytest.approx(unpaired["mean"])  # same estimate ...
        paired_width = paired["ci95_high"] - paired["ci95_low"]
        unpaired_width = unpaired["ci95_high"] - unpaired["ci95_low"]
        assert paired_width < 0.75 * unpaired_width, (kpi, paired_width, unpaired_width)  # ... sharper interval


# --- sweep ------------------------------------------------------------------------------------
def test_sweep_runs_the_full_grid(tmp_path, capsys):
    base = hour(tmp_path)
    out = tmp_path / "sweep"
    assert (
        meldsim(
            "sweep",
            base,
            "--set",
            "channels.handhelds.capacity=2,6",
            "--set",
            "procedure.revert_min=5,10,20",
            "-n",
            2,
            "--jobs",
            2,
            "--keep-records",
            0,
            "--out",
            out,
        )
        == 0
    )
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    data = json.loads((out / "sweep.json").read_text())
    assert data["settings"] == {"channels.handhelds.capacity": [2, 6], "procedure.revert_min": [5, 10, 20]}
    rows = pq.read_table(out / "sweep.parquet").to_pylist()
    assert len(rows) == len(data["rows"])
    points = sorted({r["point"] for r in rows})
    assert len(points) == 6 and sorted(p.name for p in (out / "points").iterdir()) == points
    grid = {(r["channels.handhelds.capacity"], r["procedure.revert_min"]) for r in rows}
    assert grid == {(c, v) for c in ("2", "6") for v in ("5", "10", "20")}
    kpis = {r["kpi"] for r in rows}
    assert len(rows) == len(points) * len(kpis)  # one row per point and KPI
    assert len({(r["point"], r["kpi"]) for r in rows}) == len(rows)
    for row in rows:
        assert SUMMARY_KEYS <= set(row) and row["n"] <= 2
    # each point really is its grid value, run with the same seeds
    for point in points:
        manifest = json.loads((out / "points" / point / "manifest.json").read_text())
        row = next(r for r in rows if r["point"] == point)
        assert manifest["scenario"]["channels"]["handhelds"]["capacity"] == int(row["channels.handhelds.capacity"])
        assert manifest["scenario"]["procedure"]["revert_min"]["value"] == float(row["procedure.revert_min"])
        assert manifest["seed"] == 1 and manifest["replications"] == 2
    incidents = {tuple(kpi_columns(out / "points" / p)["incidents"]) for p in points}
    assert len(incidents) == 1  # common random numbers across the grid


@pytest.mark.parametrize(
    "setting, named",
    [
        ("channels.handhelds.capcity=2,4", "channels.handhelds.capcity"),  # no such field
        ("channels.handhelds.capacity=4,-1", "channels.handhelds.capacity"),  # a bad value at one point
        ("room.roster.9.centralists=3", "room.roster.9.centralists"),  # no such list item
    ],
)
def test_sweep_validates_every_point_before_anything_runs(tmp_path, capsys, monkeypatch, setting, named):
    never_runs(monkeypatch)
    results = tmp_path / "results"
    assert meldsim("sweep", hour(tmp_path), "--set", setting, "-n", 2, "--jobs", 1, "--results", results) == 2
    err = capsys.readouterr().err
    assert named in err, err
    assert not results.exists()


# --- sensitivity ------------------------------------------------------------------------------
def test_sensitivity_one_at_a_time_gives_tornado_rows(tmp_path, capsys):
    base = hour(tmp_path)
    out = tmp_path / "oat"
    assert (
        meldsim(
            "sensitivity",
            base,
            "--param",
            "channels.handhelds.capacity=1.4:7.6",
            "--param",
            "procedure.detection_min=1:20",
            "--param",
            "room.roster.1.centralists=2:8",
            "--kpi",
            "unit_minutes_unreachable",
            "-n",
            3,
            "--jobs",
            2,
            "--keep-records",
            0,
            "--out",
            out,
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert printed.strip().splitlines()[-1] == str(out)
    assert "oat sensitivity of unit_minutes_unreachable" in printed and "swing" in printed

    rows = pq.read_table(out / "sensitivity.parquet").to_pylist()
    data = json.loads((out / "sensitivity.json").read_text())
    assert data["method"] == "oat" and data["points"] == 7 and data["replications"] == 3
    assert [r["param"] for r in rows] == [r["param"] for r in data["rows"]]
    assert {r["param"] for r in rows} == {
        "channels.handhelds.capacity",
        "procedure.detection_min",
        "room.roster.1.centralists",
    }
    swings = [r["swing"] for r in rows]
    assert swings == sorted(swings, reverse=True)
    for r in rows:
        assert r["swing"] == pytest.approx(abs(r["kpi_at_high_mean"] - r["kpi_at_low_mean"]))
        assert r["kpi_at_low_ci95_low"] <= r["kpi_at_low_mean"] <= r["kpi_at_low_ci95_high"]
        assert r["kpi_at_high_ci95_low"] <= r["kpi_at_high_mean"] <= r["kpi_at_high_ci95_high"]
    by = {r["param"]: r for r in rows}
    # noticing the outage later leaves units unreachable longer
    assert by["procedure.detection_min"]["kpi_at_high_mean"] > by["procedure.detection_min"]["kpi_at_low_mean"]
    assert (by["channels.handhelds.capacity"]["low"], by["channels.handhelds.capacity"]["high"]) == (1, 8)

    # the points: the base, then each parameter at low and at high with the others at base
    points = pq.read_table(out / "points.parquet").to_pylist()
    assert [p["point"] for p in points] == [f"point-{i:03d}" for i in range(7)]
    assert points[0]["at_base"] == sorted(points[0]["at_base"]) and len(points[0]["at_base"]) == 3

    def scenario_of(point):
        return json.loads((out / "points" / point / "manifest.json").read_text())["scenario"]

    first, second = scenario_of("point-001"), scenario_of("point-002")
    assert first["channels"]["handhelds"]["capacity"] == 1 and second["channels"]["handhelds"]["capacity"] == 8
    assert isinstance(first["channels"]["handhelds"]["capacity"], int)  # a whole number, rounded
    assert scenario_of("point-003")["procedure"]["detection_min"]["dist"] == "constant"  # number = constant
    assert scenario_of("point-003")["procedure"]["detection_min"]["value"] == 1.0
    assert scenario_of("point-006")["room"]["roster"][1]["centralists"] == 8
    assert scenario_of("point-000")["procedure"]["detection_min"]["dist"] == "triangular"  # the base as it was


def test_sobol_indices_through_salib(tmp_path):
    from SALib.sample import sobol as sobol_sample

    params = {"channels.handhelds.capacity": (1, 8), "procedure.detection_min": (1, 20)}
    options = api.Options(replications=2, seed=3, jobs=2, keep_records=5)
    seen = []
    out = sensitivity(
        hour(tmp_path),
        params,
        "unit_minutes_unreachable",
        options,
        method="sobol",
        samples=4,
        out=tmp_path / "sobol",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert out == tmp_path / "sobol" and seen[-1] == (32, 32)  # N (k + 2) = 16 points x 2 replications
    rows = pq.read_table(out / "sensitivity.parquet").to_pylist()
    assert {r["param"] for r in rows} == set(params)
    for r in rows:
        assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(r)
        assert all(math.isfinite(r[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")), r
    by = {r["param"]: r for r in rows}
    assert by["procedure.detection_min"]["ST"] > by["channels.handhelds.capacity"]["ST"]
    data = json.loads((out / "sensitivity.json").read_text())
    assert (data["method"], data["samples"], data["points"]) == ("sobol", 4, 16)

    # the points are SALib's Sobol' sample, whole-number fields rounded
    expected = sobol_sample.sample(
        {"num_vars": 2, "names": list(params), "bounds": [list(b) for b in params.values()]},
        4,
        calc_second_order=False,
        seed=3,
    )
    points = pq.read_table(out / "points.parquet")
    assert points.num_rows == 16
    assert str(points.schema.field("channels.handhelds.capacity").type) == "int64"
    assert points.column("channels.handhelds.capacity").to_pylist() == [int(round(x)) for x in expected[:, 0]]
    assert points.column("procedure.detection_min").to_pylist() == pytest.approx(expected[:, 1].tolist())
    # hundreds of points: Sobol points keep no record tables
    assert {p.name for p in (out / "points" / "sample-00000").iterdir()} == RUN_FILES


def test_sensitivity_validates_paths_and_values_before_running(tmp_path, capsys, monkeypatch):
    never_runs(monkeypatch)
    base = hour(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        sensitivity(
            base,
            {
                "channels.handhelds.capcity": (1, 4),
                "procedure.detection_min": (-5, 20),
                "name": (1, 2),
                "room.roster.1.centralists": (3.2, 3.4),
                "channels.handhelds.capacity": (4, 2),
            },
            "unit_minutes_unreachable",
            api.Options(replications=2, jobs=1),
            results_root=tmp_path / "r",
        )
    problems = {p.path: p.message for p in caught.value.problems}
    assert set(problems) == {
        "channels.handhelds.capcity",
        "procedure.detection_min",
        "name",
        "room.roster.1.centralists",
        "channels.handhelds.capacity",
    }
    assert "no such field" in problems["channels.handhelds.capcity"]
    assert (
        "negative" in problems["procedure.detection_min"]
        and "detection_min=-5.0" in problems["procedure.detection_min"]
    )
    assert "same value" in problems["room.roster.1.centralists"]
    assert "below high" in problems["channels.handhelds.capacity"]
    assert not (tmp_path / "r").exists()

    results = tmp_path / "results"
    assert (
        meldsim(
            "sensitivity",
            base,
            "--param",
            "channels.handhelds.capcity=1:4",
            "--kpi",
            "unit_minutes_unreachable",
            "--results",
            results,
        )
        == 2
    )
    assert "channels.handhelds.capcity: no such field" in capsys.readouterr().err
    assert (
        meldsim(
            "sensitivity",
            base,
            "--param",
            "channels.handhelds.capacity=4",
            "--kpi",
            "unit_minutes_unreachable",
            "--results",
            results,
        )
        == 2
    )
    assert "--param" in capsys.readouterr().err
    assert meldsim("sensitivity", base, "--param", "channels.handhelds.capacity=1:4", "--results", results) == 2
    assert "--kpi" in capsys.readouterr().err
    assert not results.exists()
    assert parse_range("a.b=-1.5:2") == ("a.b", (-1.5, 2.0))


# --- replication count (--precision) --------------------------------------------------------------
def test_precision_adds_batches_until_the_half_width_is_within_target(tmp_path):
    base = hour(tmp_path)
    # the relative half-width after one and two batches of 10, from a plain run with the same seed
    plain = tmp_path / "plain"
    assert meldsim("run", base, "-n", 20, "--jobs", 1, "--keep-records", 0, "--quiet", "--out", plain) == 0
    cols = kpi_columns(plain)
    kpi, after_10, after_20 = next(
        (k, relative_half_width(summarise(cols[k][:10])), relative_half_width(summarise(cols[k][:20])))
        for k in ("processing_time_mean_s", "opkomsttijd_mean_min", "calls", "incidents")
        if relative_half_width(summarise(cols[k][:20])) < relative_half_width(summarise(cols[k][:10])) < 0.5
    )
    adjusted = (after_10 + after_20) / 2  # reached after the second batch, not the first
    gamma = adjusted / (1 - adjusted)  # Law: gamma' = gamma / (1 + gamma)

    out = tmp_path / "precise"
    assert (
        meldsim(
            "run",
            base,
            "-n",
            60,
            "--precision",
            repr(gamma),
            "--kpi",
            kpi,
            "--jobs",
            1,
            "--keep-records",
            0,
            "--quiet",
            "--out",
            out,
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    p = manifest["precision"]
    assert (p["kpi"], p["met"], p["replications_needed"], p["maximum"]) == (kpi, True, 20, 60)
    assert p["relative_precision"] == pytest.approx(gamma) and p["adjusted_target"] == pytest.approx(adjusted)
    assert p["achieved_relative_half_width"] == pytest.approx(after_20)
    assert manifest["replications"] == 20
    assert same_columns(kpi_columns(out), cols)  # the same 20 replications as the plain run

    # an unreachable target stops at the maximum and says so
    out = tmp_path / "unreachable"
    assert (
        meldsim(
            "run",
            base,
            "-n",
            20,
            "--precision",
            "0.0001",
            "--kpi",
            kpi,
            "--jobs",
            1,
            "--keep-records",
            0,
            "--quiet",
            "--out",
            out,
        )
        == 0
    )
    p = json.loads((out / "manifest.json").read_text())["precision"]
    assert (p["met"], p["replications_needed"], p["maximum"]) == (False, 20, 20)
    assert p["achieved_relative_half_width"] > p["adjusted_target"]
    assert pq.read_table(out / "replications.parquet").num_rows == 20


def test_precision_on_compare_applies_to_every_scenario(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert (
        meldsim(
            "compare",
            hour(tmp_path, "a"),
            hour(tmp_path, "b", base=BETTER),
            "-n",
            10,
            "--precision",
            "0.001",
            "--kpi",
            "unit_minutes_unreachable",
            "--jobs",
            1,
            "--keep-records",
            0,
            "--quiet",
            "--out",
            out,
        )
        == 0
    )
    assert json.loads((out / "comparison.json").read_text())["replications"] == 10
    for name in ("a", "b"):
        p = json.loads((out / "runs" / name / "manifest.json").read_text())["precision"]
        assert (p["met"], p["replications_needed"]) == (False, 10)
    assert meldsim("run", hour(tmp_path, "c"), "--precision", "0.05", "--out", tmp_path / "x") == 2
    assert "--kpi" in capsys.readouterr().err and not (tmp_path / "x").exists()


# --- interruption -------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["compare", "sweep", "sensitivity"])
def test_interrupt_leaves_no_result_directory(tmp_path, capsys, monkeypatch, command):
    real = sim.experiments.runner.run_replication
    done = []

    def interrupted(scenario, seed, replication, keep_records, engine="fast"):
        if len(done) == 3:
            raise KeyboardInterrupt
        done.append(replication)
        return real(scenario, seed, replication, keep_records, engine)

    monkeypatch.setattr(sim.experiments.runner, "run_replication", interrupted)
    base = hour(tmp_path)
    results = tmp_path / "results"
    args = {
        "compare": ["compare", base, hour(tmp_path, "b", base=BETTER)],
        "sweep": ["sweep", base, "--set", "channels.handhelds.capacity=2,6"],
        "sensitivity": [
            "sensitivity",
            base,
            "--param",
            "channels.handhelds.capacity=2:6",
            "--kpi",
            "unit_minutes_unreachable",
        ],
    }[command]
    assert meldsim(*args, "-n", 4, "--jobs", 1, "--results", results) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted after 3 replications" in err and "no result directory was written" in err
    assert [p for p in results.rglob("*") if p.is_file()] == [] and hidden(results) == []


def test_ctrl_c_on_a_process_pool_stops_the_workers_and_leaves_nothing(tmp_path):
    """The real thing: SIGINT to the process group, as a terminal's Ctrl-C does."""
    base = hour(tmp_path)
    results = tmp_path / "results"
    out = results / "stopped"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(base), "-n", "5000", "--jobs", "2", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        deadline = time.monotonic() + 60
        while not hidden(results) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)  # replications have started once the staging directory exists
        assert hidden(results), "the run never started"
        time.sleep(1.0)
        workers = _children(proc.pid)
        assert workers, "no pool workers"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    assert "interrupted after" in err and "no result directory was written" in err
    assert not out.exists() and hidden(results) == []
    time.sleep(0.2)
    assert [pid for pid in workers if _alive(pid)] == []  # the pool's workers are gone too


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- runs and show ------------------------------------------------------------------------------
def test_runs_lists_result_directories_and_survives_broken_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    results = tmp_path / "results"
    good = api.run(
        hour(tmp_path, "listed"), api.Options(replications=2, seed=7, jobs=1, keep_records=0), results_root=results
    )
    assert good.parent == results / "listed"
    broken = results / "broken" / "20250101-000000"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json")
    (results / "nothing-here").mkdir()
    assert meldsim("runs", "--results", results) == 0
    printed = capsys.readouterr().out
    cells = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in printed.splitlines()
        if line.count("│") > 2
    }
    assert set(cells) == {str(good), str(broken)}
    summary = json.loads((good / "summary.json").read_text())
    finished = json.loads((good / "manifest.json").read_text())["finished"][:16]
    assert cells[str(good)][:3] == ["listed", finished, "2"]  # scenario, date, replications
    assert cells[str(good)][3:] == [cli._fmt(summary[k]["mean"]) for k in cli.HEADLINE_KPIS]  # key KPIs
    assert cells[str(broken)][0] == "unreadable" and "JSONDecodeError" in cells[str(broken)][1]
    assert "nothing-here" not in printed

    assert meldsim("show", good) == 0
    shown = capsys.readouterr().out
    assert "listed: 2 replications, seed 7" in shown and "processing_time_mean_s" in shown
    assert meldsim("show", broken) == 2
    assert "not a readable result directory" in capsys.readouterr().err
    assert meldsim("show", tmp_path) == 2
    assert "not a readable result directory" in capsys.readouterr().err


# --- the library ---------------------------------------------------------------------------------
def test_every_command_is_a_library_function(tmp_path):
    file = hour(tmp_path)
    options = api.Options(replications=2, seed=2, jobs=1, keep_records=1)
    calls = []

    def progress(done, total):
        calls.append((done, total))

    run_dir = api.run(file, options, results_root=tmp_path / "r", progress=progress)
    assert isinstance(run_dir, Path) and run_dir.is_dir() and calls[-1] == (2, 2)
    assert RUN_FILES <= {p.name for p in run_dir.iterdir()}
    assert run_dir.relative_to(tmp_path / "r").parts[0] == "today"

    scenario = build(raw(OUTAGE), name="object", horizon=HOUR)  # a Scenario object works as well as a file
    cmp_dir = api.compare([file, scenario], options, results_root=tmp_path / "r")
    assert (cmp_dir / "comparison.json").is_file() and {p.name for p in (cmp_dir / "runs").iterdir()} == {
        "today",
        "object",
    }
    assert cmp_dir.relative_to(tmp_path / "r").parts[0] == "comparisons"
    # same file, same seed: the file's run in the comparison is the plain run
    assert same_columns(kpi_columns(cmp_dir / "runs" / "today"), kpi_columns(run_dir))

    sweep_dir = api.sweep(file, {"channels.handhelds.capacity": [2, 4]}, options, results_root=tmp_path / "r")
    assert (sweep_dir / "sweep.parquet").is_file() and sweep_dir.relative_to(tmp_path / "r").parts[0] == "sweeps"

    with pytest.raises(ScenarioError) as caught:
        api.sweep(file, {"channels.handhelds.nope": [1]}, options, results_root=tmp_path / "r2")
    assert caught.value.problems[0].path == "channels.handhelds.nope"
    assert not (tmp_path / "r2").exists()

    listed = {info.path for info in api.list_runs(tmp_path / "r")}
    assert run_dir in listed and cmp_dir / "runs" / "today" in listed and len(listed) == 1 + 2 + 2
