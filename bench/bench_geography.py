#!/usr/bin/env python
"""meldsim benchmark for issue 15: what geography costs a New Year's Eve replication.

    python bench/bench_geography.py [--replications 30] [--rounds 3]

Times ``sim.model.room.simulate`` (CPU, seed 1) for the bundled ``nye`` with geography on (as
shipped) and off (the same scenario with ``geography: null`` and a travel-time table per pair of
regions), interleaved in rounds so machine noise hits both alike. Reports the median per
replication against issue 15's target of 0.1 s, the ratio on/off, and the geometry alone (the
map, the incidents' points and the drive matrix). Writes bench/out/geography-<timestamp>.json
and exits 0: a benchmark informs, CI does not gate on it.
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

from benchlib import machine, write_json  # noqa: E402

from sim.model import geography  # noqa: E402
from sim.model.arrivals import generate_incidents  # noqa: E402
from sim.model.loading import load_scenario, resolve_file, scenario_from_dict  # noqa: E402
from sim.model.room import simulate  # noqa: E402
from sim.model.streams import make_streams  # noqa: E402

TARGET_REPLICATION_S = 0.1
#: without geography: the travel table the bundled scenarios had before issue 15
LOCAL, NEIGHBOUR, FAR = (
    {"dist": "lognormal", "mean": 4.5, "sd": 2},
    {"dist": "lognormal", "mean": 15, "sd": 5},
    {"dist": "lognormal", "mean": 25, "sd": 8},
)
NEIGHBOURS = {
    "IJsselland": {"Twente", "VNOG"},
    "Twente": {"IJsselland", "VNOG"},
    "VNOG": {"IJsselland", "Twente", "VGGM"},
    "VGGM": {"VNOG", "VGZ"},
    "VGZ": {"VGGM"},
}


def without_geography(path: Path):
    data = resolve_file(path)
    regions = list(data["load"]["region_shares"])
    data["geography"] = None
    data["units"]["pre_staffed_share"] = 0.0
    data["units"]["travel_min"] = {
        a: {b: LOCAL if a == b else NEIGHBOUR if b in NEIGHBOURS.get(a, ()) else FAR for b in regions} for a in regions
    }
    return scenario_from_dict(data, str(path))


def cpu_times(scenario, replications: range) -> list[float]:
    out = []
    for rep in replications:
        t0 = time.process_time()
        simulate(scenario, 1, rep)
        out.append(time.process_time() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = ROOT / "scenarios" / "nye.yaml"
    on, off = load_scenario(path), without_geography(path)
    simulate(on, 1, 0), simulate(off, 1, 0)  # warm imports and caches
    times = {"on": [], "off": []}
    per_round = max(1, args.replications // args.rounds)
    for r in range(args.rounds):
        reps = range(r * per_round, (r + 1) * per_round)
        times["on"] += cpu_times(on, reps)
        times["off"] += cpu_times(off, reps)
    # the geometry alone: the map (once per scenario and process) and one replication's matrix
    t0 = time.process_time()
    built = geography.Map(on)
    map_s = time.process_time() - t0
    incidents = generate_incidents(on, make_streams(1, 0))
    import numpy as np

    lat, lon = np.array([i.lat for i in incidents]), np.array([i.lon for i in incidents])
    t0 = time.process_time()
    for _ in range(20):
        built.expected_drive(lat, lon, [i.region for i in incidents])
    matrix_s = (time.process_time() - t0) / 20
    median = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{'PASS' if median['on'] <= TARGET_REPLICATION_S else 'FAIL'}  nye with geography: "
        f"{median['on'] * 1000:.0f} ms median per replication (CPU, {len(times['on'])} replications; "
        f"target <= {TARGET_REPLICATION_S * 1000:.0f} ms)"
    )
    print(f"      without geography: {median['off'] * 1000:.0f} ms; ratio on/off {median['on'] / median['off']:.2f}")
    print(
        f"      geometry: map {map_s * 1000:.1f} ms once per scenario; drive matrix "
        f"{len(incidents)} incidents x {len(on.units.stations)} posts {matrix_s * 1000:.1f} ms per replication"
    )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    write_json(
        {
            "machine": machine(),
            "replications": len(times["on"]),
            "median_s": median,
            "ratio": median["on"] / median["off"],
            "map_s": map_s,
            "matrix_s": matrix_s,
            "incidents": len(incidents),
            "posts": len(on.units.stations),
            "target_s": TARGET_REPLICATION_S,
        },
        f"geography-{stamp}",
        "geography-latest",
    )


if __name__ == "__main__":
    main()
