"""``meldsim run`` end to end, in-process: result directory, determinism, failure handling."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from helpers import same_table, scenario_file

import sim.experiments.runner
from sim import cli
from sim.experiments import records
from sim.experiments.kpis import METRICS, metric_of
from sim.experiments.records import to_arrow
from sim.experiments.results import RECORD_TABLES

RECORDS = RECORD_TABLES  # incidents, calls, messages, dispatches, ..., timeseries
FILES = {"manifest.json", "summary.json", "replications.parquet", *(f"{t}.parquet" for t in RECORDS)}
REQUIRED = {
    "manifest.json",
    "summary.json",
    "replications.parquet",
    "incidents.parquet",
    "calls.parquet",
    "messages.parquet",
    "dispatches.parquet",
    "timeseries.parquet",
}
SUMMARY_KEYS = {"mean", "sd", "ci95_low", "ci95_high", "n"}
LEVELS = ("calls_waiting", "messages_waiting", "centralists_busy", "centralists_on_duty", "units_busy")
#: facts about when and where a run happened, not what it computed (the commit can move
#: between two runs while someone works in the checkout)
VOLATILE = ("started", "finished", "wall_time_s", "jobs", "git_commit")


def small(tmp_path, name="small.yaml", **overrides):
    """Six hours of the weekday scenario (one hour warm-up)."""
    return scenario_file(tmp_path / name, horizon={"duration_min": 360}, **overrides)


def run(*args) -> int:
    return cli.main(["run", *map(str, args), "--quiet"])


def hidden(directory):
    return [p.name for p in directory.iterdir() if p.name.startswith(".")] if directory.exists() else []


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def tables(run_dir) -> dict:
    return {p.name: pq.read_table(p) for p in sorted(run_dir.glob("*.parquet"))}


# --- the result directory ---------------------------------------------------------------
def test_run_writes_a_complete_result_directory(tmp_path, capsys):
    file = small(tmp_path)
    out = tmp_path / "runs" / "first"
    assert run(file, "-n", 3, "--seed", 5, "--jobs", 1, "--out", out) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)

    assert REQUIRED <= FILES
    assert {p.name for p in out.iterdir()} == FILES
    assert hidden(out.parent) == [] and hidden(out) == []

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["replications"] == 3 and manifest["records_kept_for"] == 3
    assert manifest["scenario"]["horizon"]["duration_min"] == 360
    assert len(manifest["scenario_sha256"]) == 64

    found = tables(out)
    for name in RECORDS:
        table = found[f"{name}.parquet"]
        if name in records.SCHEMAS:
            assert table.schema.names == records.SCHEMAS[name].names, name
        if name not in ("timeline", "unreachable"):  # a quiet day may have no timeline events, no outage
            assert set(table.column("replication").to_pylist()) == {0, 1, 2}, name
    series = found["timeseries.parquet"]
    assert {"replication", "minute", *LEVELS} <= set(series.schema.names)
    assert series.num_rows == 3 * 360
    for r in range(3):
        assert sorted(
            m
            for rep, m in zip(
                series.column("replication").to_pylist(), series.column("minute").to_pylist(), strict=False
            )
            if rep == r
        ) == list(range(360))
    for name in ("incidents", "calls"):
        assert found[f"{name}.parquet"].num_rows > 0

    kpi_table = found["replications.parquet"]
    assert kpi_table.column("replication").to_pylist() == [0, 1, 2]
    kpi_names = [c for c in kpi_table.schema.names if c != "replication"]
    # every registered KPI is there, alone or in groups (fallback_utilisation[channel=...])
    assert set(METRICS) == {name.split("[", 1)[0] for name in kpi_names}
    for name in kpi_names:
        metric_of(name)  # every column is a registered KPI (grouped ones through their base)

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == set(kpi_names)
    for name, s in summary.items():
        assert set(s) == SUMMARY_KEYS, name
        values = np.array(kpi_table.column(name).to_pylist(), dtype=float)
        observed = values[~np.isnan(values)]
        assert s["n"] == observed.size <= 3
        if observed.size:
            assert s["mean"] == pytest.approx(observed.mean())
        else:
            assert s["mean"] is None
        if s["ci95_low"] is not None:
            assert s["ci95_low"] <= s["mean"] <= s["ci95_high"]
    assert summary["incidents"]["n"] == 3 and summary["incidents"]["mean"] > 0

    # records agree with the KPI per replication
    calls = found["calls.parquet"]
    warmup = manifest["scenario"]["horizon"]["warmup_min"]
    for r in range(3):
        n = sum(
            rep == r and t >= warmup
            for rep, t in zip(
                calls.column("replication").to_pylist(), calls.column("t_arrival").to_pylist(), strict=False
            )
        )
        assert kpi_table.column("calls").to_pylist()[r] == n


def test_keep_records_limits_the_record_tables(tmp_path):
    out = tmp_path / "kept"
    assert run(small(tmp_path), "-n", 3, "--jobs", 1, "--keep-records", 1, "--out", out) == 0
    found = tables(out)
    for name in RECORDS:
        assert set(found[f"{name}.parquet"].column("replication").to_pylist()) <= {0}, name
    for name in ("incidents", "calls", "messages", "dispatches", "timeseries"):
        assert set(found[f"{name}.parquet"].column("replication").to_pylist()) == {0}, name
    assert found["replications.parquet"].num_rows == 3
    assert json.loads((out / "manifest.json").read_text())["records_kept_for"] == 1


# --- determinism --------------------------------------------------------------------------
def _manifest_without_clock(run_dir) -> dict:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return {k: v for k, v in manifest.items() if k not in VOLATILE}


def test_same_seed_same_results_whatever_the_jobs(tmp_path):
    file = small(tmp_path)
    # six replications with two jobs: six batches of one, so the pool really is used
    assert len(list(sim.experiments.runner.batches(0, 6, 2))) > 1
    dirs = {}
    for label, jobs in (("a", 1), ("b", 1), ("pool", 2)):
        dirs[label] = tmp_path / label
        assert run(file, "-n", 6, "--seed", 42, "--jobs", jobs, "--out", dirs[label]) == 0
    reference = tables(dirs["a"])
    assert set(reference) == {f"{t}.parquet" for t in (*RECORDS, "replications")}
    for label in ("b", "pool"):
        assert (dirs[label] / "summary.json").read_bytes() == (dirs["a"] / "summary.json").read_bytes(), label
        other = tables(dirs[label])
        assert set(other) == set(reference)
        for name, table in reference.items():
            assert same_table(other[name], table), f"{label}: {name} differs"
        assert _manifest_without_clock(dirs[label]) == _manifest_without_clock(dirs["a"])

    # a different seed does change the results
    assert run(file, "-n", 6, "--seed", 43, "--jobs", 1, "--out", tmp_path / "c") == 0
    assert (tmp_path / "c" / "summary.json").read_bytes() != (dirs["a"] / "summary.json").read_bytes()
    assert not tables(tmp_path / "c")["calls.parquet"].equals(reference["calls.parquet"])


def test_replication_results_do_not_depend_on_the_batching():
    """Replication r is the same whether run alone or after others."""
    from helpers import scenario

    sc = scenario(horizon={"duration_min": 360})
    together = list(sim.experiments.runner.iterate(sc, 9, 4, jobs=1, keep_records=4))
    alone = [next(sim.experiments.runner.iterate(sc, 9, 1, jobs=1, keep_records=4, first=r)) for r in range(4)]
    for a, b in zip(together, alone, strict=False):
        assert a.replication == b.replication
        assert a.events == b.events
        assert a.tables.keys() == b.tables.keys()
        for name in a.tables:
            assert same_table(to_arrow(name, a.tables[name]), to_arrow(name, b.tables[name])), name
        assert all(
            x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a.kpis.values(), b.kpis.values(), strict=False)
        )


# --- refusing and failing ---------------------------------------------------------------------
def test_existing_out_directory_is_refused(tmp_path, capsys):
    out = tmp_path / "exists"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert run(small(tmp_path), "-n", 1, "--jobs", 1, "--out", out) == 2
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert hidden(tmp_path) == []


def test_failure_mid_run_leaves_nothing(tmp_path, monkeypatch):
    real = sim.experiments.runner.run_replication
    calls = []

    def failing(scenario, seed, replication, keep_records, engine="fast"):
        calls.append(replication)
        if replication >= 1:
            raise RuntimeError(f"boom in replication {replication}")
        return real(scenario, seed, replication, keep_records, engine)

    monkeypatch.setattr(sim.experiments.runner, "run_replication", failing)
    parent = tmp_path / "runs"
    out = parent / "failed"
    with pytest.raises(RuntimeError, match="boom"):
        run(small(tmp_path), "-n", 4, "--jobs", 1, "--out", out)
    assert calls == [0, 1]
    assert not out.exists()
    assert leftovers(parent) == []
    assert hidden(parent) == [] and hidden(tmp_path) == []


def test_interrupt_mid_run_leaves_nothing(tmp_path, monkeypatch, capsys):
    real = sim.experiments.runner.run_replication

    def interrupted(scenario, seed, replication, keep_records, engine="fast"):
        if replication == 2:
            raise KeyboardInterrupt
        return real(scenario, seed, replication, keep_records, engine)

    monkeypatch.setattr(sim.experiments.runner, "run_replication", interrupted)
    parent = tmp_path / "runs"
    assert run(small(tmp_path), "-n", 4, "--jobs", 1, "--out", parent / "stopped") == cli.EXIT_INTERRUPTED
    assert not (parent / "stopped").exists()
    assert leftovers(parent) == []


def test_bad_scenario_is_exit_2_and_writes_nothing(tmp_path, capsys):
    file = scenario_file(tmp_path / "bad.yaml", horizon={"duration_min": 30, "warmup_min": 60})
    out = tmp_path / "runs" / "never"
    assert run(file, "-n", 1, "--jobs", 1, "--out", out) == 2
    err = capsys.readouterr().err
    assert "horizon" in err and "warmup" in err
    assert not out.exists() and not (tmp_path / "runs").exists()


# --- extremes through the CLI ---------------------------------------------------------------
def test_no_arrivals_through_the_cli(tmp_path):
    file = small(
        tmp_path,
        load={"base_rate_per_hour": 0},
        room={"caco": {"background_tasks_per_hour": 0}},
        other_desks={name: {"coordination_per_hour": 0} for name in ("police", "ambulance")},
    )
    out = tmp_path / "quiet"
    assert run(file, "-n", 2, "--jobs", 1, "--out", out) == 0
    assert {p.name for p in out.iterdir()} == FILES
    found = tables(out)
    for name in RECORDS:
        if name in records.SCHEMAS:
            table = found[f"{name}.parquet"]
            assert table.num_rows == 0 and table.schema.names == records.SCHEMAS[name].names, name
    assert found["timeseries.parquet"].num_rows == 2 * 360
    summary = json.loads((out / "summary.json").read_text())
    for name in ("incidents", "calls", "abandoned_calls", "backlog_peak", "centralist_utilisation"):
        assert summary[name] == {"mean": 0.0, "sd": 0.0, "ci95_low": 0.0, "ci95_high": 0.0, "n": 2}, name
    unobserved = (
        "answer_wait_mean_s",
        "processing_time_mean_s",
        "opkomsttijd_mean_min",
        "radio_message_delay_mean_min",
    )
    for name in unobserved:
        assert summary[name] == {"mean": None, "sd": None, "ci95_low": None, "ci95_high": None, "n": 0}, name
