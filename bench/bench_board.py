#!/usr/bin/env python
"""meldsim benchmark for issue 13: the cost of the room's picture of its units.

    python bench/bench_board.py [--replications 30] [--full] [SCENARIO ...]

Times ``sim.model.room.simulate`` replication by replication (seed 1, CPU time) for the New
Year's Eve eOCS outage scenarios and reports the median per replication against issue 13's
target of 0.1 s; ``--full`` also times ``meldsim run SCENARIO --replications 1000 --jobs 2``
as a subprocess against the target of 90 s wall time. Prints PASS/FAIL lines, writes
bench/out/board-<timestamp>.json and always exits 0: a benchmark informs, CI does not gate on it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_run import full_run  # noqa: E402
from benchlib import machine, write_json  # noqa: E402

from sim.model.loading import load_scenario  # noqa: E402
from sim.model.room import simulate  # noqa: E402

TARGET_REPLICATION_S = 0.1
TARGET_FULL_WALL_S = 90.0
DEFAULT = ["scenarios/nye_eocs_outage.yaml", "scenarios/nye_eocs_outage_status_buttons.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=DEFAULT)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    results = []
    for path in args.scenarios:
        sc = load_scenario(ROOT / path)
        simulate(sc, 1, 0)  # warm imports and caches
        times = []
        for rep in range(args.replications):
            t0 = time.process_time()
            simulate(sc, 1, rep)
            times.append(time.process_time() - t0)
        median = statistics.median(times)
        row = {"scenario": path, "median_s": median, "p90_s": sorted(times)[int(0.9 * (len(times) - 1))]}
        print(
            f"{'PASS' if median <= TARGET_REPLICATION_S else 'FAIL'}  {path}: {median * 1000:.0f} ms median per "
            f"replication (CPU, {args.replications} replications; target <= {TARGET_REPLICATION_S * 1000:.0f} ms)"
        )
        if args.full:
            run = full_run(path, 1000, 2, keep_output=False)
            row["full"] = run
            wall = run["wall_s"]
            print(
                f"{'PASS' if wall <= TARGET_FULL_WALL_S else 'FAIL'}  {path}: 1,000 replications with --jobs 2 in "
                f"{wall:.1f} s wall (target <= {TARGET_FULL_WALL_S:g} s)"
            )
        results.append(row)
    import datetime as dt

    write_json({"machine": machine(), "results": results}, f"board-{dt.datetime.now():%Y%m%d-%H%M%S}", "board-latest")


if __name__ == "__main__":
    main()
