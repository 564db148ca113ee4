"""Executors give the same results, bit for bit: sequential, a process pool and Dask (issue 4).

A replication's result depends only on (scenario, seed, replication), never on the worker
that ran it. These tests run the same small job on every executor, a 2-worker Dask
``LocalCluster`` included (started by meldsim, and one started here and reached through
``--scheduler``), and compare every file.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from helpers import SCENARIOS, same_table, scenario_file

from sim import cli
from sim.experiments import runner

HOUR = {"start": "2024-12-31T22:50:00", "duration_min": 60, "warmup_min": 5}
#: when and where a run happened, not what it computed
VOLATILE = ("started", "finished", "wall_time_s", "jobs", "executor", "git_commit")


def hour(tmp_path, name="today", base="nye_eocs_outage.yaml"):
    return scenario_file(tmp_path / f"{name}.yaml", base=SCENARIOS / base, name=name, horizon=HOUR)


def assert_identical(result, reference) -> None:
    """Every file of two result directories the same (manifests apart from time and executor)."""
    files = sorted(p.relative_to(reference) for p in reference.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(result) for p in result.rglob("*") if p.is_file())
    assert any(f.suffix == ".parquet" for f in files)
    for f in files:
        if f.name == "manifest.json":
            a, b = (json.loads((d / f).read_text()) for d in (result, reference))
            assert {k: v for k, v in a.items() if k not in VOLATILE} == {
                k: v for k, v in b.items() if k not in VOLATILE
            }, f
        elif f.suffix == ".parquet":
            assert same_table(pq.read_table(result / f), pq.read_table(reference / f)), f
        else:  # summary.json, comparison.json: byte for byte
            assert (result / f).read_bytes() == (reference / f).read_bytes(), f


def test_sequential_pool_and_dask_give_identical_results(tmp_path):
    file = hour(tmp_path)
    # 8 replications on 2 workers: batches of one, spread over both workers
    assert len(list(runner.batches(0, 8, 2))) == 8
    dirs = {}
    for label, extra in (
        ("sequential", ["--jobs", "1"]),
        ("pool", ["--jobs", "2"]),
        ("dask", ["--executor", "dask", "--jobs", "2"]),
    ):
        dirs[label] = tmp_path / label
        assert (
            cli.main(["run", str(file), "-n", "8", "--seed", "11", "--quiet", "--out", str(dirs[label]), *extra]) == 0
        ), label
    reference = dirs["sequential"]
    tables = {p.name for p in reference.glob("*.parquet")}
    assert {"replications.parquet", "incidents.parquet", "calls.parquet", "messages.parquet"} <= tables
    for label in ("pool", "dask"):
        assert (dirs[label] / "summary.json").read_bytes() == (reference / "summary.json").read_bytes(), label
        for name in tables:
            assert pq.read_table(dirs[label] / name).equals(pq.read_table(reference / name)) or same_table(
                pq.read_table(dirs[label] / name), pq.read_table(reference / name)
            ), (label, name)
        assert_identical(dirs[label], reference)
        manifest = json.loads((dirs[label] / "manifest.json").read_text())
        assert manifest["executor"] == ("dask" if label == "dask" else "process")


def test_compare_on_an_existing_dask_cluster_matches_sequential(tmp_path, capsys):
    """``--scheduler tcp://...``: an existing cluster (here a LocalCluster this test starts)."""
    distributed = pytest.importorskip("distributed")
    a, b = hour(tmp_path, "a"), hour(tmp_path, "b", base="nye_eocs_outage_better_fallback.yaml")
    sequential = tmp_path / "sequential"
    assert (
        cli.main(
            [
                "compare",
                str(a),
                str(b),
                "-n",
                "4",
                "--seed",
                "3",
                "--jobs",
                "1",
                "--keep-records",
                "1",
                "--quiet",
                "--out",
                str(sequential),
            ]
        )
        == 0
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = tmp_path / "dask"
        assert (
            cli.main(
                [
                    "compare",
                    str(a),
                    str(b),
                    "-n",
                    "4",
                    "--seed",
                    "3",
                    "--executor",
                    "dask",
                    "--scheduler",
                    cluster.scheduler_address,
                    "--keep-records",
                    "1",
                    "--quiet",
                    "--out",
                    str(on_dask),
                ]
            )
            == 0
        )
        # the cluster is still there for others: meldsim closes only its client
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    assert_identical(on_dask, sequential)
    # --scheduler only makes sense with --executor dask
    assert cli.main(["run", str(a), "--scheduler", "tcp://127.0.0.1:8786", "--out", str(tmp_path / "x")]) == 2
    assert "--scheduler" in capsys.readouterr().err and not (tmp_path / "x").exists()


@pytest.mark.parametrize("first, count, jobs", [(0, 1000, 2), (0, 8, 2), (20, 13, 4), (0, 3, 8), (5, 1, 1)])
def test_replications_travel_in_bounded_batches(first, count, jobs):
    chunks = list(runner.batches(first, count, jobs))
    assert [r for chunk in chunks for r in chunk] == list(range(first, first + count))  # all, in order, once
    assert max(len(c) for c in chunks) <= 25  # bounded: results stream back, memory stays small
    assert len(chunks) >= min(count, 4 * jobs)  # several batches per worker to balance the load
    if count >= 1000:
        assert len(chunks) <= count / 20  # few tasks for the scheduler, not one per replication
