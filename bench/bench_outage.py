#!/usr/bin/env python
"""meldsim benchmark: how much slower is a run with an outage than the same run without?

    python bench/bench_outage.py [--replications N] [--rounds R] [SCENARIO ...]
    python bench/bench_outage.py --full [--full-replications 1000] [--full-jobs 2] [--full-rounds 2] [SCENARIO ...]

For each outage scenario (default: every scenario file with outages) the "same scenario
without one" is the scenario with ``outages`` and ``random_outages`` emptied (its procedure,
channels and horizon unchanged). Both run ``sim.model.room.simulate`` for replications 0..N-1 of
seed 1, replication by replication in alternating order, timed in process CPU time
(``time.process_time``: less sensitive to other load than wall time) and wall time.
Reported per scenario: median over rounds of the time per replication, SimPy events per
replication and the ratios with outage / without (median of the per-round ratios). \
Issue 3's target: a ratio of at most 1.5 (CPU time). The
script prints PASS/FAIL lines, writes bench/out/outage-<timestamp>.json and always exits 0.

``--full`` times whole runs instead: ``meldsim run SCENARIO --replications 1000 --jobs 2``
and the same for the scenario without outages (a temporary overlay file with ``outages: []``
and ``random_outages: []``), in alternating order, each as a subprocess (bench_run's
``full_run``: wall time, CPU time of the process tree). Reported: per pair the wall and CPU
ratios, and whether the run with the outage stays under the foundation's 60 s for 1,000
replications with two jobs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_run import full_run  # noqa: E402
from benchlib import machine, write_json  # noqa: E402

from sim.experiments.runner import run_replication  # noqa: E402
from sim.model.loading import load_scenario  # noqa: E402
from sim.model.room import simulate  # noqa: E402

FULL_TARGET_S = 60.0  # the foundation's 1,000 replications with --jobs 2

TARGET_RATIO = 1.5
STAGES = ("model", "replication")


def outage_scenarios() -> list[Path]:
    return [
        p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if (s := load_scenario(p)).outages or s.random_outages
    ]


def time_one(scenario, seed: int, rep: int, stage: str) -> tuple[float, float, int]:
    """(CPU s, wall s, SimPy events) of one replication."""
    cpu, wall = time.process_time(), time.perf_counter()
    if stage == "model":
        events = simulate(scenario, seed, rep).events
    else:
        events = run_replication(scenario, seed, rep, keep_records=False).events
    return time.process_time() - cpu, time.perf_counter() - wall, events


def measure(path: Path, replications: int, rounds: int, seed: int, stage: str) -> dict:
    """Per round, replication by replication, with and without in alternating order.

    The CPU of a shared machine changes speed within seconds; pairing each replication with
    its twin keeps both sides of a ratio under the same conditions.
    """
    with_outage = load_scenario(path)
    without = with_outage.model_copy(update={"outages": [], "random_outages": []})
    totals = {"with": [], "without": []}  # per round: [cpu, wall, events] summed over replications
    for r in range(rounds):
        sums = {"with": [0.0, 0.0, 0], "without": [0.0, 0.0, 0]}
        for rep in range(replications):
            pair = (("with", with_outage), ("without", without))
            for label, scenario in pair if (r + rep) % 2 == 0 else pair[::-1]:
                for i, value in enumerate(time_one(scenario, seed, rep, stage)):
                    sums[label][i] += value
        for label in totals:
            totals[label].append(sums[label])
    result = {"scenario": path.name, "stage": stage, "replications_per_round": replications, "rounds": rounds}
    for label, rows in totals.items():
        result[label] = {
            "cpu_ms": 1000 * statistics.median(row[0] for row in rows) / replications,
            "wall_ms": 1000 * statistics.median(row[1] for row in rows) / replications,
            "events": rows[0][2] // replications,
        }
    result["cpu_ratio"] = statistics.median(
        w[0] / wo[0] for w, wo in zip(totals["with"], totals["without"], strict=False)
    )
    result["wall_ratio"] = statistics.median(
        w[1] / wo[1] for w, wo in zip(totals["with"], totals["without"], strict=False)
    )
    result["events_ratio"] = result["with"]["events"] / result["without"]["events"]
    return result


def measure_full(path: Path, replications: int, jobs: int, rounds: int) -> dict:
    """Whole ``meldsim run`` jobs with and without the outages, alternating which goes first."""
    with tempfile.TemporaryDirectory() as tmp:
        without = Path(tmp) / f"{path.stem}_without_outages.yaml"
        without.write_text(
            f"base: {path.resolve().as_posix()}\nname: {path.stem}_without_outages\noutages: []\nrandom_outages: []\n",
            encoding="utf-8",
        )
        pairs = []
        for r in range(rounds):
            order = (("with", path), ("without", without))
            runs = {
                label: full_run(str(p), replications, jobs, keep_output=False)
                for label, p in (order if r % 2 == 0 else order[::-1])
            }
            for run in runs.values():
                if "error" in run:
                    raise SystemExit(f"meldsim run failed: {run['error']}")
                times = run.get("time_v", {})
                run["cpu_s"] = times.get("user_s", 0.0) + times.get("system_s", 0.0)
            pairs.append(runs)
    wall = [p["with"]["wall_s"] / p["without"]["wall_s"] for p in pairs]
    cpu = [p["with"]["cpu_s"] / p["without"]["cpu_s"] for p in pairs if p["without"]["cpu_s"]]
    return {
        "scenario": path.name,
        "stage": "full",
        "replications": replications,
        "jobs": jobs,
        "rounds": rounds,
        "with_wall_s": statistics.median(p["with"]["wall_s"] for p in pairs),
        "without_wall_s": statistics.median(p["without"]["wall_s"] for p in pairs),
        "wall_ratio": statistics.median(wall),
        "cpu_ratio": statistics.median(cpu) if cpu else None,
        "pairs": pairs,
    }


def main_full(args, paths: list[Path]) -> None:
    results = []
    print(f"{'scenario':38} {'wall s with':>11} {'without':>8} {'wall ratio':>10} {'cpu ratio':>9}")
    for path in paths:
        r = measure_full(path, args.full_replications, args.full_jobs, args.full_rounds)
        results.append(r)
        print(
            f"{r['scenario']:38} {r['with_wall_s']:11.1f} {r['without_wall_s']:8.1f} {r['wall_ratio']:10.2f} "
            f"{r['cpu_ratio'] or float('nan'):9.2f}",
            flush=True,
        )
    for r in results:
        ratio = r["cpu_ratio"] if r["cpu_ratio"] is not None else r["wall_ratio"]
        print(
            f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}  {r['scenario']} (full run): with outage {ratio:.2f}x "
            f"the run without, CPU time (target <= {TARGET_RATIO}; wall {r['wall_ratio']:.2f}x)"
        )
        if r["replications"] == 1000 and r["jobs"] == 2:
            print(
                f"{'PASS' if r['with_wall_s'] < FULL_TARGET_S else 'FAIL'}  {r['scenario']}: 1,000 replications "
                f"with --jobs 2 in {r['with_wall_s']:.1f} s (target < {FULL_TARGET_S:g} s)"
            )
    if not args.no_json:
        write_json({"env": machine(), "results": results}, f"outage-full-{dt.datetime.now():%Y%m%d-%H%M%S}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", type=Path, help="default: every scenario file with outages")
    parser.add_argument("--replications", "-n", type=int, default=8, help="replications per round (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--stage",
        choices=STAGES,
        action="append",
        help="model: simulate() only; replication: simulate() + KPIs, what `meldsim run` "
        "does per replication (default: both)",
    )
    parser.add_argument("--no-json", action="store_true")
    parser.add_argument("--full", action="store_true", help="time whole `meldsim run` jobs instead (subprocesses)")
    parser.add_argument("--full-replications", type=int, default=1000)
    parser.add_argument("--full-jobs", type=int, default=2)
    parser.add_argument("--full-rounds", type=int, default=2, help="pairs of runs per scenario (default 2)")
    args = parser.parse_args()
    paths = args.scenarios or outage_scenarios()
    if args.full:
        main_full(args, paths)
        return
    results = []
    print(f"{'scenario':38} {'stage':11} {'cpu ms with':>11} {'without':>8} {'ratio':>6} {'wall':>6} {'events':>7}")
    for path in paths:
        for stage in args.stage or STAGES:
            r = measure(path, args.replications, args.rounds, args.seed, stage)
            results.append(r)
            print(
                f"{r['scenario']:38} {stage:11} {r['with']['cpu_ms']:11.1f} {r['without']['cpu_ms']:8.1f} "
                f"{r['cpu_ratio']:6.2f} {r['wall_ratio']:6.2f} {r['events_ratio']:7.2f}",
                flush=True,
            )
    for r in results:
        verdict = "PASS" if r["cpu_ratio"] <= TARGET_RATIO else "FAIL"
        print(
            f"{verdict}  {r['scenario']} ({r['stage']}): with outage {r['cpu_ratio']:.2f}x the run without "
            f"(target <= {TARGET_RATIO})"
        )
    if not args.no_json:
        write_json({"env": machine(), "results": results}, f"outage-{dt.datetime.now():%Y%m%d-%H%M%S}")


if __name__ == "__main__":
    main()
