#!/usr/bin/env python
"""The fast engine against the plain-SimPy reference engine and a plain SimPy loop, in one run.

    python bench/bench_engines.py [--replications N] [--rounds R] [--scenario NAME ...]

For each scenario (default: New Year's Eve without and with the eOCS outage) it times
``simulate`` on the fast engine (``sim.model.engine``) and on the reference engine
(``sim.model.engine_simpy``, SimPy's public API only) for the same replications, interleaved
round by round in alternating order so that drift of the machine cancels, and a plain SimPy
M/M/c loop sized to schedule about as many events per run as one fast replication (the loop
of ``bench_run.py``). It prints CPU time per replication (medians over rounds), the ratio
reference/fast (how much the shortcuts buy) and events per CPU-second against plain SimPy.
Results go to bench/out/engines-*.json. A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_run import PlainLoop  # noqa: E402
from benchlib import machine, write_json  # noqa: E402

from sim.model.loading import load_scenario  # noqa: E402
from sim.model.room import ENGINES, simulate  # noqa: E402


def engine_round(scenario, engine: str, seed: int, replications: range) -> dict:
    cpu = time.process_time
    times, events = [], 0
    for r in replications:
        c0 = cpu()
        outcome = simulate(scenario, seed, r, engine)
        times.append(cpu() - c0)
        events += outcome.events
    return {
        "cpu_per_replication_s": statistics.median(times),
        "events_per_cpu_s": events / sum(times),
        "events_per_replication": events / len(times),
    }


def compare(name: str, seed: int, replications: int, rounds: int) -> dict:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    reps = range(replications)
    for engine in ENGINES:  # warm-up: imports, caches, allocator
        engine_round(scenario, engine, seed, range(2))
    fast_events = engine_round(scenario, "fast", seed, reps)["events_per_replication"]
    plain = PlainLoop(fast_events)
    plain.round(3)
    results: dict[str, list[dict]] = {"fast": [], "simpy": [], "plain": []}
    for k in range(rounds):
        gc.collect()
        order = ["fast", "simpy", "plain"] if k % 2 == 0 else ["plain", "simpy", "fast"]
        for who in order:
            if who == "plain":
                p = plain.round(replications)
                results["plain"].append({"events_per_cpu_s": p["events_per_cpu_s"]})
            else:
                results[who].append(engine_round(scenario, who, seed, reps))
        f, s = results["fast"][-1], results["simpy"][-1]
        print(
            f"  {name} round {k + 1}/{rounds}: fast {f['cpu_per_replication_s'] * 1e3:.1f} ms, "
            f"simpy {s['cpu_per_replication_s'] * 1e3:.1f} ms per replication (CPU)",
            file=sys.stderr,
        )

    def med(who: str, key: str) -> float:
        return statistics.median(r[key] for r in results[who])

    ratio = statistics.median(
        s["cpu_per_replication_s"] / f["cpu_per_replication_s"]
        for f, s in zip(results["fast"], results["simpy"], strict=False)
    )
    return {
        "scenario": name,
        "replications_per_round": replications,
        "rounds": rounds,
        "fast_cpu_per_replication_s": med("fast", "cpu_per_replication_s"),
        "simpy_cpu_per_replication_s": med("simpy", "cpu_per_replication_s"),
        "ratio_simpy_over_fast": ratio,
        "fast_events_per_replication": fast_events,
        "simpy_events_per_replication": results["simpy"][0]["events_per_replication"],
        "events_per_cpu_s": {who: med(who, "events_per_cpu_s") for who in results},
        "plain_loop": plain.describe(),
        "rounds_data": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=8, help="replications per round (default 8)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", nargs="+", default=["nye", "nye_eocs_outage"])
    args = parser.parse_args(argv)
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = [compare(name, args.seed, args.replications, args.rounds) for name in args.scenario]
    print(f"\nEngines, one process, {args.rounds} interleaved rounds x {args.replications} replications; medians")
    print(
        f"  {'scenario':18}{'fast ms':>9}{'simpy ms':>10}{'simpy/fast':>11}"
        f"{'events fast':>12}{'events simpy':>13}{'ev/CPU-s fast':>14}{'simpy':>10}{'plain':>10}"
    )
    for r in rows:
        e = r["events_per_cpu_s"]
        print(
            f"  {r['scenario']:18}{r['fast_cpu_per_replication_s'] * 1e3:>9.1f}"
            f"{r['simpy_cpu_per_replication_s'] * 1e3:>10.1f}{r['ratio_simpy_over_fast']:>11.2f}"
            f"{r['fast_events_per_replication']:>12,.0f}{r['simpy_events_per_replication']:>13,.0f}"
            f"{e['fast']:>14,.0f}{e['simpy']:>10,.0f}{e['plain']:>10,.0f}"
        )
    print("  (fast schedules fewer events for the same night, so compare time per replication, not events/s)")
    write_json(
        {"started": started, "machine": machine(), "args": vars(args), "scenarios": rows},
        f"engines-{started.replace(':', '')}",
        latest="engines-latest",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
