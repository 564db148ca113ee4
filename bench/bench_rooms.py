#!/usr/bin/env python
"""meldsim benchmark for issue 16: what partner rooms cost a New Year's Eve replication.

    python bench/bench_rooms.py [--replications 20]

Times ``sim.model.room.simulate`` (CPU, seed 1) for the two-room local takeover
(``nye_eocs_local_takeover``: MKON and MKNN) and the ten-room national one
(``nye_eocs_national_takeover``), beside the one-room ``nye_eocs_outage``, interleaved replication
by replication. Targets (issue 16): two rooms <= 0.25 s, ten rooms <= 1.5 s median. Writes
bench/out/rooms-<timestamp>.json and exits 0: a benchmark informs, CI does not gate on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchlib import machine, write_json  # noqa: E402

from sim.model.loading import load_scenario  # noqa: E402
from sim.model.room import simulate  # noqa: E402

SCENARIOS = {  # name -> target seconds (None: the reference)
    "nye_eocs_outage": None,
    "nye_eocs_local_takeover": 0.25,
    "nye_eocs_national_takeover": 1.5,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    loaded = {name: load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS}
    for sc in loaded.values():
        simulate(sc, 1, 0)  # warm imports and caches
    times: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    for rep in range(args.replications):
        for name, sc in loaded.items():
            t0 = time.process_time()
            simulate(sc, 1, rep)
            times[name].append(time.process_time() - t0)
    results = []
    for name, target in SCENARIOS.items():
        median = statistics.median(times[name])
        verdict = "    " if target is None else ("PASS" if median <= target else "FAIL")
        goal = "" if target is None else f"; target <= {target * 1000:.0f} ms"
        print(f"{verdict}  {name}: {median * 1000:.0f} ms median per replication (CPU, {args.replications}{goal})")
        results.append({"scenario": name, "median_s": median, "target_s": target})
    write_json({"machine": machine(), "results": results}, f"rooms-{dt.datetime.now():%Y%m%d-%H%M%S}", "rooms-latest")


if __name__ == "__main__":
    main()
