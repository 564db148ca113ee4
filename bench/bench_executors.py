#!/usr/bin/env python
"""meldsim benchmark: the same 1,000-replication job sequentially, on a process pool and on Dask.

    python bench/bench_executors.py [--replications N] [--scenario FILE] [--rounds R] [--only 1,2,dask,dask1]

Runs ``meldsim run SCENARIO --replications N --seed 1 --out <tmp> --quiet`` (the default
``--keep-records``, i.e. record tables for the first 20 replications) as a subprocess with

* ``--jobs 1``                            (sequential: one process, no pool),
* ``--jobs 2``                            (the local process pool),
* ``--executor dask --jobs 2``            (a 2-worker Dask ``LocalCluster`` started by meldsim),
* ``--executor dask --jobs 1``            (``--only dask1``: one worker, for Dask's own scaling),

and times each with ``time.perf_counter`` around the subprocess (so interpreter start-up,
imports and, for Dask, starting the LocalCluster are included). The run's own
``manifest.json`` ``wall_time_s`` (replications only) is reported next to it as "in-run".
With ``--rounds R`` the three configurations are run R times, interleaved, and the median
is used. The load average and the CPU time other processes used meanwhile (from
``/proc/stat``) are recorded: on a shared machine a low speed-up usually means the second
core was busy with something else.

Targets (issue 4): speed-up of ``--jobs 2`` over ``--jobs 1`` at least 1.7x; Dask's
throughput at least 80 % of the process pool's. Printed as PASS/FAIL lines; the script
always exits 0 (a benchmark, not a test). Numbers are written as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import OUT_DIR, ROOT, loadavg, machine, read, write_json

TARGET_SPEEDUP = 1.7  # --jobs 2 over --jobs 1, on 2 cores
TARGET_DASK_RATIO = 0.8  # Dask LocalCluster (2 workers) throughput over the process pool's

CONFIGS = {
    "1": ("sequential (--jobs 1)", ["--jobs", "1"]),
    "2": ("process pool (--jobs 2)", ["--jobs", "2"]),
    "dask": ("Dask LocalCluster (2 workers)", ["--executor", "dask", "--jobs", "2"]),
    "dask1": ("Dask LocalCluster (1 worker)", ["--executor", "dask", "--jobs", "1"]),
}


def _cpu_busy() -> float | None:
    """Seconds of CPU the whole machine has been busy (user+nice+system+irq+softirq)."""
    text = read("/proc/stat") or ""
    if not text.startswith("cpu "):
        return None
    f = [int(x) for x in text.splitlines()[0].split()[1:]]
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / os.sysconf("SC_CLK_TCK")


def meldsim_command() -> list[str]:
    exe = Path(sys.executable).with_name("meldsim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.cli"]


def one_run(key: str, scenario: str, replications: int, seed: int, scratch: Path) -> dict:
    label, extra = CONFIGS[key]
    out = scratch / f"run-{key}-{time.monotonic_ns()}"
    command = [
        *meldsim_command(),
        "run",
        scenario,
        "--replications",
        str(replications),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]
    code_sha = _code_sha()
    load_before, busy0 = loadavg(), _cpu_busy()
    usage0 = os.times()
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    usage1 = os.times()
    busy1 = _cpu_busy()
    own_cpu = (usage1.children_user - usage0.children_user) + (usage1.children_system - usage0.children_system)
    row = {
        "config": key,
        "label": label,
        "command": " ".join(command),
        "returncode": proc.returncode,
        "wall_s": wall,
        "replications": replications,
        "replications_per_s": replications / wall,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "cpu_s": own_cpu,
    }
    if busy0 is not None and busy1 is not None:
        # CPUs' worth of time the rest of the machine was busy meanwhile. Dask's worker
        # processes are not our waited-for children until they exit, so for Dask this also
        # counts its workers; it is indicative only.
        row["others_cpus"] = max(0.0, (busy1 - busy0 - own_cpu) / wall)
    if proc.returncode != 0:
        row["error"] = proc.stderr[-2000:]
    else:
        manifest = json.loads((out / "manifest.json").read_text())
        row["manifest_wall_s"] = manifest["wall_time_s"]
        row["in_run_replications_per_s"] = replications / manifest["wall_time_s"]
        row["summary_sha"] = _sha(out / "summary.json")
        # other people may change the code or the scenario between two runs of this script:
        # then the results differ for that reason, not because of the executor
        row["scenario_sha256"] = manifest["scenario_sha256"][:16]
        row["git_commit"] = manifest.get("git_commit")
        row["code_sha"] = code_sha
    shutil.rmtree(out, ignore_errors=True)
    return row


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _code_sha() -> str:
    """A hash of the simulator's source as it is now (uncommitted edits included)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def medians(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["returncode"] == 0]
    if not ok:
        return {"wall_s": math.nan, "manifest_wall_s": math.nan, "runs": 0}
    return {
        "wall_s": statistics.median(r["wall_s"] for r in ok),
        "manifest_wall_s": statistics.median(r["manifest_wall_s"] for r in ok),
        "runs": len(ok),
    }


def targets(summary: dict, replications: int) -> list[dict]:
    out = []
    seq, pool, dask = (summary.get(k) for k in ("1", "2", "dask"))
    if seq and pool and seq["runs"] and pool["runs"]:
        speedup = seq["wall_s"] / pool["wall_s"]
        in_run = seq["manifest_wall_s"] / pool["manifest_wall_s"]
        out.append(
            {
                "name": f"{replications:,} replications: --jobs 2 at least {TARGET_SPEEDUP}x faster than --jobs 1",
                "measured": f"{speedup:.2f}x wall (in-run {in_run:.2f}x)",
                "value": speedup,
                "pass": speedup >= TARGET_SPEEDUP,
            }
        )
    if pool and dask and pool["runs"] and dask["runs"]:
        ratio = pool["wall_s"] / dask["wall_s"]  # throughput ratio = inverse wall-time ratio
        in_run = pool["manifest_wall_s"] / dask["manifest_wall_s"]
        out.append(
            {
                "name": f"Dask 2-worker LocalCluster at least {TARGET_DASK_RATIO:.0%} of the pool's throughput",
                "measured": f"{ratio:.0%} wall (in-run {in_run:.0%})",
                "value": ratio,
                "pass": ratio >= TARGET_DASK_RATIO,
            }
        )
    one, two = summary.get("dask1"), summary.get("dask")
    if one and two and one["runs"] and two["runs"]:
        # issue 16: "1,000 of them on a Dask cluster of local workers scale with the workers"
        speedup = one["wall_s"] / two["wall_s"]
        out.append(
            {
                "name": f"Dask scales with the workers: 2 workers at least {TARGET_SPEEDUP}x faster than 1",
                "measured": f"{speedup:.2f}x wall (in-run {one['manifest_wall_s'] / two['manifest_wall_s']:.2f}x)",
                "value": speedup,
                "pass": speedup >= TARGET_SPEEDUP,
            }
        )
    return out


def report(data: dict) -> None:
    env = data["env"]
    print(
        f"\nmeldsim executors: {data['args']['replications']:,} replications of {data['args']['scenario']}, "
        f"seed {data['args']['seed']}, {data['args']['rounds']} round(s)"
    )
    print(
        f"  {env['cpus']} CPUs ({env['cpu']}), Python {env['python']}; load average {env['loadavg_start']} at start, "
        f"{env['loadavg_end']} at end"
    )
    print(
        f"\n  {'configuration':<32} {'wall s':>8} {'in-run s':>8} {'rep/s':>7} {'speed-up':>8} {'vs pool':>8} "
        f"{'others CPUs':>11} {'load before':>16}"
    )
    summary = data["summary"]
    seq_wall = summary.get("1", {}).get("wall_s")
    pool_wall = summary.get("2", {}).get("wall_s")
    for row in data["runs"]:
        if row["returncode"] != 0:
            print(
                f"  {row['label']:<32} FAILED (exit {row['returncode']}): "
                f"{(row.get('error') or '').strip().splitlines()[-1:]}"
            )
            continue
        speed = f"{seq_wall / row['wall_s']:.2f}x" if seq_wall else "–"
        vs_pool = f"{pool_wall / row['wall_s']:.0%}" if pool_wall else "–"
        print(
            f"  {row['label']:<32} {row['wall_s']:>8.1f} {row['manifest_wall_s']:>8.1f} "
            f"{row['replications_per_s']:>7.1f} {speed:>8} {vs_pool:>8} {row.get('others_cpus', math.nan):>11.2f} "
            f"{row['loadavg_before'] or '':>16}"
        )
    ok = [r for r in data["runs"] if r["returncode"] == 0]
    same = {r["summary_sha"] for r in ok}
    inputs = {(r["scenario_sha256"], r["code_sha"]) for r in ok}
    print(
        f"\n  summary.json identical across all runs: {'yes' if len(same) == 1 else 'NO'}"
        + (
            " (the scenario or sim/ source changed between runs, which may explain it)"
            if len(same) > 1 and len(inputs) > 1
            else ""
        )
    )
    if any(r.get("others_cpus", 0) > 0.3 for r in data["runs"] if r["config"] != "dask"):
        print("  WARNING: other processes used CPU during the runs; the speed-up is understated")
    print("\nTargets")
    for t in data["targets"]:
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['name']}: {t['measured']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=1000)
    parser.add_argument("--scenario", default="scenarios/nye_eocs_outage.yaml", help="relative to the repository root")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds of all configurations (median)")
    parser.add_argument("--only", default="1,2,dask", help="configurations to run, comma-separated (1, 2, dask, dask1)")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/out/*.json")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in CONFIGS]
    if unknown:
        parser.error(f"--only: unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")

    started = dt.datetime.now().astimezone()
    data = {"started": started.isoformat(timespec="seconds"), "env": machine(), "args": vars(args), "runs": []}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="executors-", dir=OUT_DIR))
    try:
        for round_ in range(args.rounds):
            # alternate the order so slow drift on the machine hits every configuration
            order = keys if round_ % 2 == 0 else keys[::-1]
            for key in order:
                print(f"round {round_ + 1}: {CONFIGS[key][0]} ...", file=sys.stderr, flush=True)
                row = one_run(key, args.scenario, args.replications, args.seed, scratch)
                row["round"] = round_ + 1
                data["runs"].append(row)
                print(
                    f"  {row['wall_s']:.1f} s (exit {row['returncode']}, load {row['loadavg_after']})",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    data["env"]["loadavg_end"] = loadavg()
    data["summary"] = {k: medians([r for r in data["runs"] if r["config"] == k]) for k in keys}
    data["targets"] = targets(data["summary"], args.replications)
    report(data)
    if not args.no_json:
        write_json(data, f"executors-{started:%Y%m%d-%H%M%S}", latest="executors-latest")
    return 0  # a benchmark, not a test: targets are reported, never enforced


if __name__ == "__main__":
    sys.exit(main())
