#!/usr/bin/env python
"""meldsim benchmark: how long a debrief of a New Year's Eve outage exercise takes.

    python bench/bench_debrief.py [--replications 100] [--jobs 2] [--rounds 3] [--scenario nye_eocs_outage]

The exercise is replication 0 of seed 1 of ``scenarios/nye_eocs_outage.yaml`` (made once, not
timed). Two debriefs of it are timed, each as the dashboard page runs it (in this process:
``sim.experiments.debrief.debrief_exercise`` from the filled CSV's text and exercise.json, with
a process pool of ``--jobs`` workers, pool start-up and the exercise night's replay included):

- **paired**: only detection late (+4 min, everything after it with the script's own delays):
  the planned and the observed arm, no per-step runs (the other steps kept their own delays);
- **full**: every step late by its own amount (detection +3, decision +5, handhelds +7, phones
  +4 min on top of the one before): the two arms and one run per step (six arms).

Reported per case: the median wall time over the rounds, the CPU time of the workers, the runs
(arms x replications) and the load average. Issue 17's target: the full debrief of 100 paired
replications in at most 15 s on 2 cores (PASS/FAIL line). Writes
``bench/out/debrief-<timestamp>.json`` and ``bench/out/debrief-latest.json``; always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchlib import loadavg, machine, write_json  # noqa: E402

from sim.experiments.api import Options  # noqa: E402
from sim.experiments.debrief import debrief_exercise, fill_csv  # noqa: E402
from sim.outputs.exercise import make_exercise  # noqa: E402

TARGET_S = 15.0
SEED, REPLICATION = 1, 0
#: the team's extra own delay per step, minutes
CASES = {
    "paired": {"detected": 4.0},
    "full": {"detected": 3.0, "decided": 5.0, "activated:handhelds": 7.0, "activated:telephone": 4.0},
}


def team_times(exercise, extra: dict[str, float]) -> dict[str, str]:
    """Clock times (HH:MM:SS) with each step's own delay longer by ``extra``; later steps move with it."""
    shift, out = 0.0, {}
    start = exercise.scenario.horizon.start
    for inj in exercise.steps():
        shift += extra.get(inj.event, 0.0)
        when = start + dt.timedelta(seconds=round((inj.minute + shift) * 60))
        out[inj.event] = when.strftime("%H:%M:%S")
    return out


def one(csv_text: str, info: dict, replications: int, jobs: int) -> dict:
    before, load = os.times(), loadavg()
    wall = time.perf_counter()
    result = debrief_exercise(csv_text, info, replications=replications, options=Options(jobs=jobs))
    wall = time.perf_counter() - wall
    after = os.times()
    return {
        "wall_s": wall,
        "cpu_parent_s": (after.user + after.system) - (before.user + before.system),
        "cpu_workers_s": (after.children_user + after.children_system)
        - (before.children_user + before.children_system),
        "runs": result.runs,
        "arms": result.runs // replications,
        "steps_run": [s.item for s in result.steps if s.ran],
        "costliest": result.costliest,
        "unreachable_diff": result.difference["unit_minutes_unreachable"]["mean"],
        "loadavg_before": load,
        "loadavg_after": loadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "nye_eocs_outage.yaml"))
    parser.add_argument("--replications", "-n", type=int, default=100)
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    exercise = make_exercise(args.scenario, SEED, pick=REPLICATION)
    info = exercise.to_json()
    texts = {name: fill_csv(exercise.to_csv(), team_times(exercise, extra)) for name, extra in CASES.items()}
    print(
        f"debrief of {Path(args.scenario).name}, seed {SEED} replication {REPLICATION}: "
        f"{args.replications} replications, --jobs {args.jobs}, {args.rounds} rounds"
    )
    rounds: dict[str, list[dict]] = {name: [] for name in CASES}
    for r in range(args.rounds):
        for name in CASES if r % 2 == 0 else reversed(CASES):
            row = one(texts[name], info, args.replications, args.jobs)
            rounds[name].append(row)
            print(
                f"  round {r + 1} {name:<6} {row['wall_s']:6.1f} s wall, {row['cpu_workers_s']:6.1f} s worker CPU, "
                f"{row['runs']} runs ({row['arms']} arms), load {row['loadavg_before']}"
            )
    summary = {}
    for name, rows in rounds.items():
        wall = statistics.median(r["wall_s"] for r in rows)
        cpu = statistics.median(r["cpu_workers_s"] for r in rows)
        runs = rows[0]["runs"]
        summary[name] = {
            "median_wall_s": wall,
            "median_worker_cpu_s": cpu,
            "runs": runs,
            "cpu_per_run_s": cpu / runs,
            "wall_on_2_idle_cores_estimate_s": cpu / 2,
            "steps_run": rows[0]["steps_run"],
            "costliest": rows[0]["costliest"],
        }
        print(
            f"{name:<6} median {wall:.1f} s wall; worker CPU {cpu:.1f} s = {cpu / runs * 1000:.0f} ms per "
            f"replication, {cpu / 2:.1f} s if both cores were ours; steps run: {', '.join(rows[0]['steps_run'])}"
        )
    full = summary["full"]["median_wall_s"]
    print(
        f"\n{'PASS' if full <= TARGET_S else 'FAIL'}  full debrief, {args.replications} paired replications with the "
        f"per-step attribution: {full:.1f} s (target <= {TARGET_S:g} s on 2 cores)"
    )
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    write_json(
        {
            "benchmark": "debrief",
            "scenario": args.scenario,
            "seed": SEED,
            "exercise_replication": REPLICATION,
            "replications": args.replications,
            "jobs": args.jobs,
            "cases": CASES,
            "target_s": TARGET_S,
            "pass": full <= TARGET_S,
            "summary": summary,
            "rounds": rounds,
            "machine": machine(),
        },
        f"debrief-{stamp}",
        "debrief-latest",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
