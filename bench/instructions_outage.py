#!/usr/bin/env python
"""meldsim benchmark: the outage cost in instructions, steadier than time on a shared machine.

    python bench/instructions_outage.py [-n 3] [SCENARIO ...]

For each scenario (default: every scenario file with outages) valgrind's cachegrind counts
the instructions of a Python process that runs ``sim.model.room.simulate`` for replications
0..N-1 of seed 1, with the outages and without them (``outages`` and ``random_outages``
emptied, as in bench_outage.py), and of one that runs 0 replications (imports, loading, one
warm-up replication). The ratio (with − base) / (without − base) is the instruction cost of
the outage; it moves by about ±0.03 between runs, where CPU-time ratios move by ±0.15.
Instructions are not time: an outage night also misses the cache more. Needs valgrind;
takes about a minute per scenario. Writes bench/out/instructions-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_outage import outage_scenarios  # noqa: E402
from benchlib import machine, write_json  # noqa: E402

DRIVER = """
import sys
sys.path.insert(0, {root!r})
from sim.model.loading import load_scenario
from sim.model.room import simulate
scenario = load_scenario({path!r})
if {without}:
    scenario = scenario.model_copy(update={{"outages": [], "random_outages": []}})
simulate(scenario, 1, 99)  # warm-up: first-use imports and caches count in the base
for replication in range({n}):
    simulate(scenario, 1, replication)
"""


def instructions(path: Path, without: bool, n: int) -> int:
    code = DRIVER.format(root=str(ROOT), path=str(path), without=without, n=n)
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"I\s+refs:\s+([\d,]+)", done.stderr).group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", type=Path, help="default: every scenario file with outages")
    parser.add_argument("-n", "--replications", type=int, default=3)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind not found (Debian: apt-get install valgrind)")
    results = []
    print(f"{'scenario':38} {'M instr. with':>13} {'without':>8} {'ratio':>6}")
    for path in args.scenarios or outage_scenarios():
        base = instructions(path, True, 0)
        with_, without = instructions(path, False, args.replications), instructions(path, True, args.replications)
        per = {"with": (with_ - base) / args.replications, "without": (without - base) / args.replications}
        r = {
            "scenario": path.name,
            "replications": args.replications,
            "instructions_per_replication": per,
            "ratio": per["with"] / per["without"],
        }
        results.append(r)
        print(f"{path.name:38} {per['with'] / 1e6:13.1f} {per['without'] / 1e6:8.1f} {r['ratio']:6.2f}", flush=True)
    if not args.no_json:
        write_json({"env": machine(), "results": results}, f"instructions-{dt.datetime.now():%Y%m%d-%H%M%S}")


if __name__ == "__main__":
    main()
