#!/usr/bin/env python
"""meldsim benchmark: the NYE scenario against a plain-SimPy M/M/c loop, in one process.

    python bench/bench_run.py [--replications N] [--rounds R] [--full]

Quick mode (default) times ``sim.model.room.simulate`` on ``scenarios/nye.yaml`` for N
replications per round and, in the same process and interleaved round by round, a plain
SimPy M/M/c loop (Poisson arrivals, exponential service, one ``simpy.Resource``) sized to
schedule about as many SimPy events per run as one NYE replication. It prints both
engines' events per second, their ratio, replications per second, the time of
``kpis.compute`` and ``records.tables`` per replication and the peak memory.

``--full`` also runs ``meldsim run scenarios/nye.yaml --replications 1000 --jobs J
--out <tmp> --quiet`` as a subprocess for J = 2 and J = 1 and records wall time, CPU time,
peak memory of the process tree (sampled from /proc) and the size of the result directory.

Targets are printed as PASS/FAIL lines; the script always exits 0 (a benchmark, not a test).
Numbers are also written as JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import simpy  # noqa: E402
from benchlib import OUT_DIR, loadavg, machine, read, write_json  # noqa: E402

from sim.experiments import kpis, records  # noqa: E402
from sim.model.arrivals import generate_incidents  # noqa: E402
from sim.model.loading import load_scenario  # noqa: E402
from sim.model.room import ControlRoom, simulate  # noqa: E402
from sim.model.streams import make_streams  # noqa: E402

GIB = 1024**3
MIB = 1024**2

# targets from the issue
TARGET_RATIO = 0.5  # meldsim events/s >= half of plain SimPy's, same run
TARGET_REPLICATION_S = 0.1  # one NYE replication
TARGET_FULL_WALL_S = 60.0  # 1,000 replications with --jobs 2
TARGET_FULL_MEMORY = GIB  # ... in under 1 GiB, result files included


def median(xs):
    return statistics.median(xs) if xs else math.nan


# --------------------------------------------------------------------------------------
# engine comparison (in process)
# --------------------------------------------------------------------------------------


class LoadMeter:
    """CPU time of this process against the whole machine's over an interval (Linux /proc/stat).

    ``cpu_share``: this process's CPU time / wall time (< 1: it was preempted or blocked).
    ``others_cpus``: CPUs' worth of time the rest of the machine was busy meanwhile, and
    ``steal_cpus`` the hypervisor took; both > 0 mean the numbers are disturbed.
    """

    HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @staticmethod
    def _stat():
        text = read("/proc/stat") or ""
        f = [int(x) for x in text.splitlines()[0].split()[1:]] if text.startswith("cpu ") else []
        if len(f) < 8:
            return None
        return f[0] + f[1] + f[2] + f[5] + f[6], f[7]  # busy (user nice system irq softirq), steal

    def __enter__(self):
        self.cpu0, self.wall0, self.stat0 = time.process_time(), time.perf_counter(), self._stat()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.wall0
        cpu = time.process_time() - self.cpu0
        self.result = {"cpu_share": cpu / wall}
        stat1 = self._stat()
        if self.stat0 and stat1:
            busy = (stat1[0] - self.stat0[0]) / self.HZ
            self.result["others_cpus"] = max(0.0, (busy - cpu) / wall)
            self.result["steal_cpus"] = (stat1[1] - self.stat0[1]) / self.HZ / wall
        return False


def meldsim_round(scenario, seed: int, replications: range) -> dict:
    """One round of NYE replications, every phase of a replication timed separately.

    The phases are exactly those of ``sim.model.room.simulate`` (streams, incidents, building the
    room, ``env.run``), followed by what ``sim.experiments.runner.run_replication`` does with the outcome.
    """
    clock, cpu = time.perf_counter, time.process_time
    rows = []
    with LoadMeter() as meter:
        for r in replications:
            c0 = cpu()
            t0 = clock()
            streams = make_streams(seed, r)
            t1 = clock()
            incidents = generate_incidents(scenario, streams)
            t2 = clock()
            room = ControlRoom(scenario, streams)
            t3 = clock()
            outcome = room.run(incidents)
            t4 = clock()
            c4 = cpu()
            kpis.compute(outcome)
            t5 = clock()
            c5 = cpu()
            records.tables(outcome, r)
            t6 = clock()
            rows.append(
                {
                    "replication": r,
                    "events": outcome.events,
                    "streams": t1 - t0,
                    "incidents": t2 - t1,
                    "build": t3 - t2,
                    "run": t4 - t3,
                    "simulate": t4 - t0,
                    "kpis": t5 - t4,
                    "records": t6 - t5,
                    "simulate_cpu": c4 - c0,
                    "kpis_cpu": c5 - c4,
                }
            )
            del outcome, room, incidents, streams
    events = sum(x["events"] for x in rows)
    sim_time = sum(x["simulate"] for x in rows)
    run_time = sum(x["run"] for x in rows)
    sim_cpu = sum(x["simulate_cpu"] for x in rows)
    return {
        "events_per_cpu_s": events / sim_cpu,
        "events": events,
        "simulate_s": sim_time,
        "run_s": run_time,
        "events_per_s": events / sim_time,
        "events_per_s_run_only": events / run_time,
        "replications_per_s": len(rows) / sim_time,
        "replications_per_s_with_kpis": len(rows) / sum(x["simulate"] + x["kpis"] for x in rows),
        **meter.result,
        "per_replication": rows,
    }


def mmc(seed: int, lam: float, mu: float, c: int, horizon: float) -> int:
    """Plain SimPy M/M/c: Poisson arrivals, exponential service, one Resource. Returns events."""
    env = simpy.Environment()
    rng = random.Random(seed)
    expo = rng.expovariate
    server = simpy.Resource(env, capacity=c)

    def customer():
        with server.request() as req:
            yield req
            yield env.timeout(expo(mu))

    def source():
        while True:
            yield env.timeout(expo(lam))
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    return next(env._eid)  # events scheduled, counted as sim/model.py counts them


class PlainLoop:
    """The M/M/c loop sized so one run schedules about ``target_events`` SimPy events."""

    def __init__(self, target_events: float, c: int = 8, rho: float = 0.85, mu: float = 1.0):
        self.c, self.rho, self.mu = c, rho, mu
        self.lam = rho * c * mu
        pilot_horizon = 2000.0
        pilot = statistics.mean(mmc(10_000 + k, self.lam, mu, c, pilot_horizon) for k in range(3))
        self.horizon = pilot_horizon * target_events / pilot
        self.target_events = target_events

    def describe(self) -> dict:
        return {
            "c": self.c,
            "rho": self.rho,
            "arrival_rate_per_min": self.lam,
            "service_mean_min": 1 / self.mu,
            "horizon_min": self.horizon,
            "target_events_per_run": self.target_events,
            "random": "stdlib random.Random.expovariate",
        }

    def round(self, runs: int) -> dict:
        clock = time.perf_counter
        times, events = [], []
        with LoadMeter() as meter:
            c0 = time.process_time()
            for k in range(runs):
                t0 = clock()
                events.append(mmc(k, self.lam, self.mu, self.c, self.horizon))
                times.append(clock() - t0)
            cpu = time.process_time() - c0
        return {
            "events": sum(events),
            "seconds": sum(times),
            "events_per_s": sum(events) / sum(times),
            "events_per_cpu_s": sum(events) / cpu,
            **meter.result,
            "runs_per_s": runs / sum(times),
            "median_run_s": median(times),
            "median_events": median(events),
        }


def traced_peak(fn) -> int:
    """Peak bytes allocated by Python while ``fn`` runs (tracemalloc; slows it down, so not timed)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def engine_comparison(scenario_path: Path, seed: int, replications: int, rounds: int) -> dict:
    scenario = load_scenario(scenario_path)
    rss_before = maxrss_bytes()
    # the phased timing must be simulate() itself
    check = simulate(scenario, seed, 0)
    phased = meldsim_round(scenario, seed, range(0, 1))
    assert phased["events"] == check.events, "phased replication differs from sim.model.room.simulate"

    reps = range(replications)
    # warm-up round (imports, caches, allocator) and the size of a replication in events
    warm = meldsim_round(scenario, seed, reps)
    events_per_rep = median([x["events"] for x in warm["per_replication"]])
    plain = PlainLoop(events_per_rep)
    plain.round(max(3, replications // 4))

    m_rounds, p_rounds = [], []
    for k in range(rounds):
        gc.collect()
        # interleaved, alternating order so drift (thermal, frequency, noisy neighbours) cancels
        if k % 2 == 0:
            m_rounds.append(meldsim_round(scenario, seed, reps))
            p_rounds.append(plain.round(replications))
        else:
            p_rounds.append(plain.round(replications))
            m_rounds.append(meldsim_round(scenario, seed, reps))
        m, p = m_rounds[-1], p_rounds[-1]
        print(
            f"  round {k + 1}/{rounds}: meldsim {m['events_per_s']:,.0f} ev/s "
            f"(cpu {m['cpu_share']:.0%}, others {m.get('others_cpus', math.nan):.2f} CPUs), "
            f"plain {p['events_per_s']:,.0f} ev/s (cpu {p['cpu_share']:.0%}, "
            f"others {p.get('others_cpus', math.nan):.2f} CPUs)",
            file=sys.stderr,
        )

    rss_after = maxrss_bytes()

    def one_replication():
        outcome = simulate(scenario, seed, 0)
        kpis.compute(outcome)
        records.tables(outcome, 0)

    peak_meldsim = traced_peak(one_replication)
    peak_plain = traced_peak(lambda: mmc(0, plain.lam, plain.mu, plain.c, plain.horizon))

    per_rep = [x for r in m_rounds for x in r["per_replication"]]
    phase = {
        name: median([x[name] for x in per_rep])
        for name in ("streams", "incidents", "build", "run", "simulate", "kpis", "records")
    }
    ratios = [m["events_per_s"] / p["events_per_s"] for m, p in zip(m_rounds, p_rounds, strict=False)]
    ratios_run = [m["events_per_s_run_only"] / p["events_per_s"] for m, p in zip(m_rounds, p_rounds, strict=False)]
    ratios_cpu = [m["events_per_cpu_s"] / p["events_per_cpu_s"] for m, p in zip(m_rounds, p_rounds, strict=False)]
    m_eps = median([r["events_per_s"] for r in m_rounds])
    p_eps = median([r["events_per_s"] for r in p_rounds])
    return {
        "scenario": str(scenario_path),
        "seed": seed,
        "replications_per_round": replications,
        "rounds": rounds,
        "meldsim": {
            "events_per_replication_median": median([x["events"] for x in per_rep]),
            "events_per_s_median": m_eps,
            "events_per_s_run_only_median": median([r["events_per_s_run_only"] for r in m_rounds]),
            "events_per_cpu_s_median": median([r["events_per_cpu_s"] for r in m_rounds]),
            "replication_cpu_median_s": median([x["simulate_cpu"] for x in per_rep]),
            "replication_with_kpis_cpu_median_s": median([x["simulate_cpu"] + x["kpis_cpu"] for x in per_rep]),
            "replications_per_s_median": median([r["replications_per_s"] for r in m_rounds]),
            "replications_per_s_with_kpis_median": median([r["replications_per_s_with_kpis"] for r in m_rounds]),
            "phase_median_s": phase,
            "replication_median_s": phase["simulate"],
            "replication_with_kpis_median_s": median([x["simulate"] + x["kpis"] for x in per_rep]),
            "replication_with_kpis_records_median_s": median(
                [x["simulate"] + x["kpis"] + x["records"] for x in per_rep]
            ),
            "replication_min_s": min(x["simulate"] for x in per_rep),
            "replication_max_s": max(x["simulate"] for x in per_rep),
            "tracemalloc_peak_bytes_one_replication": peak_meldsim,
            "rounds": [{k: v for k, v in r.items() if k != "per_replication"} for r in m_rounds],
        },
        "plain": {
            "loop": plain.describe(),
            "events_per_run_median": median([r["median_events"] for r in p_rounds]),
            "events_per_s_median": p_eps,
            "events_per_cpu_s_median": median([r["events_per_cpu_s"] for r in p_rounds]),
            "runs_per_s_median": median([r["runs_per_s"] for r in p_rounds]),
            "run_median_s": median([r["median_run_s"] for r in p_rounds]),
            "tracemalloc_peak_bytes_one_run": peak_plain,
            "rounds": p_rounds,
        },
        "ratio_events_per_s_median_of_rounds": median(ratios),
        "ratio_events_per_s_of_medians": m_eps / p_eps,
        "ratio_events_per_s_run_only_median": median(ratios_run),
        "ratio_events_per_cpu_s_median": median(ratios_cpu),
        "ratios_per_round": ratios,
        "cpu_share_median": median([r["cpu_share"] for r in m_rounds + p_rounds]),
        "cpu_share_min": min(r["cpu_share"] for r in m_rounds + p_rounds),
        "others_cpus_median": median([r.get("others_cpus", math.nan) for r in m_rounds + p_rounds]),
        "steal_cpus_median": median([r.get("steal_cpus", math.nan) for r in m_rounds + p_rounds]),
        "maxrss_bytes_before": rss_before,
        "maxrss_bytes_after": rss_after,
    }


# --------------------------------------------------------------------------------------
# the full job (subprocess)
# --------------------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, comm) for every visible process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read(f"/proc/{entry}/stat")
        if not stat:
            continue
        head, _, tail = stat.rpartition(")")
        try:
            table[int(entry)] = (int(tail.split()[1]), head.partition("(")[2])
        except (IndexError, ValueError):
            continue
    return table


def _kib_field(text: str | None, field: str) -> int:
    if not text:
        return 0
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) * 1024 if m else 0


class TreeSampler(threading.Thread):
    """Polls /proc for a process and its descendants; records peak summed RSS and PSS.

    Summed RSS counts pages shared between the forked workers and their parent once per
    process (an upper bound); PSS splits shared pages between them (the fair share).
    """

    def __init__(self, root_pid: int, skip_root: bool, interval: float = 0.05):
        super().__init__(daemon=True)
        self.root_pid, self.skip_root, self.interval = root_pid, skip_root, interval
        self.stop_event = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.peak_rss_one_process = 0
        self.samples = 0
        self.seen: dict[int, tuple[int, str]] = {}
        self.peak_count = 0

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def sample(self):
        table = process_table()
        tree, frontier = [], [self.root_pid]
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            pid = frontier.pop()
            tree.append(pid)
            frontier += children.get(pid, [])
        rss = pss = count = 0
        for pid in tree:
            if pid == self.root_pid and self.skip_root:
                continue
            r = _kib_field(read(f"/proc/{pid}/status"), "VmRSS")
            if not r:
                continue  # gone, or a zombie
            count += 1
            self.seen.setdefault(pid, table.get(pid, (0, "?")))
            p = _kib_field(read(f"/proc/{pid}/smaps_rollup"), "Pss") or r
            rss += r
            pss += p
            self.peak_rss_one_process = max(self.peak_rss_one_process, r)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_count = max(self.peak_count, count)
        self.samples += 1


def meldsim_command() -> list[str]:
    script = Path(sys.executable).parent / "meldsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


def parse_time_v(text: str) -> dict:
    out = {}
    patterns = {
        "max_rss_bytes": r"Maximum resident set size \(kbytes\): (\d+)",
        "user_s": r"User time \(seconds\): ([\d.]+)",
        "system_s": r"System time \(seconds\): ([\d.]+)",
        "cpu_percent": r"Percent of CPU this job got: (\d+)%",
    }
    for key, pattern in patterns.items():
        m = re.search(pattern, text)
        if m:
            out[key] = float(m.group(1)) * (1024 if key == "max_rss_bytes" else 1)
    return out


def dir_size(path: Path) -> tuple[int, int, int]:
    """(bytes, bytes allocated on disk, files)."""
    size = blocks = files = 0
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            size += st.st_size
            blocks += st.st_blocks * 512
            files += 1
    return size, blocks, files


def full_run(scenario: str, replications: int, jobs: int, keep_output: bool) -> dict:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"full-j{jobs}-", dir=OUT_DIR))
    target = work / "run"
    cmd = meldsim_command() + [
        "run",
        scenario,
        "--replications",
        str(replications),
        "--jobs",
        str(jobs),
        "--out",
        str(target),
        "--quiet",
    ]
    time_v = shutil.which("time") and Path("/usr/bin/time").exists()
    time_file = work / "time-v.txt"
    full_cmd = (["/usr/bin/time", "-v", "-o", str(time_file)] if time_v else []) + cmd
    stdout, stderr = open(work / "stdout.txt", "w+"), open(work / "stderr.txt", "w+")
    load_before, stat0 = loadavg(), LoadMeter._stat()
    t0 = time.perf_counter()
    # the meldsim of this tree, not whatever the editable install points at
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    proc = subprocess.Popen(full_cmd, cwd=ROOT, stdout=stdout, stderr=stderr, env=env)
    sampler = TreeSampler(proc.pid, skip_root=bool(time_v))
    sampler.start()
    if time_v:
        proc.wait()
        rusage = None
    else:  # the meldsim process itself: its max RSS and that of its reaped children
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    stat1 = LoadMeter._stat()
    sampler.stop_event.set()
    sampler.join()
    stdout.seek(0), stderr.seek(0)
    result = {
        "jobs": jobs,
        "replications": replications,
        "command": " ".join(cmd),
        "returncode": proc.returncode,
        "wall_s": wall,
        "replications_per_s": replications / wall,
        "tree_peak_rss_sum_bytes": sampler.peak_rss,
        "tree_peak_pss_sum_bytes": sampler.peak_pss,
        "peak_rss_one_process_bytes": sampler.peak_rss_one_process,
        "samples": sampler.samples,
        "max_processes_at_once": sampler.peak_count,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }
    if time_v and time_file.exists():
        result["time_v"] = parse_time_v(time_file.read_text())
    elif rusage is not None:
        result["time_v"] = {
            "max_rss_bytes": rusage.ru_maxrss * 1024,
            "user_s": rusage.ru_utime,
            "system_s": rusage.ru_stime,
        }
    tree_cpu = result.get("time_v", {}).get("user_s", 0) + result.get("time_v", {}).get("system_s", 0)
    if stat0 and stat1 and tree_cpu:
        busy = (stat1[0] - stat0[0]) / LoadMeter.HZ
        result["others_cpus"] = max(0.0, (busy - tree_cpu) / wall)
        result["steal_cpus"] = (stat1[1] - stat0[1]) / LoadMeter.HZ / wall
    # who ran: the meldsim main process, its pool workers, anything else (git for the manifest)
    main = proc.pid
    if time_v:
        main = next((pid for pid, (ppid, _) in sampler.seen.items() if ppid == proc.pid), proc.pid)
    kids = {pid: comm for pid, (ppid, comm) in sampler.seen.items() if ppid == main}
    result["worker_processes"] = sorted(pid for pid, comm in kids.items() if comm != "git")
    result["other_children"] = sorted(comm for comm in kids.values() if comm == "git")
    if proc.returncode != 0 or not target.exists():
        result["error"] = stderr.read()[-2000:] or stdout.read()[-2000:]
    else:
        manifest = json.loads((target / "manifest.json").read_text())
        result["manifest_wall_s"] = manifest.get("wall_time_s")
        result["simpy_events"] = manifest.get("simpy_events")
        result["events_per_s"] = manifest["simpy_events"] / wall
        size, allocated, files = dir_size(target)
        result.update(result_bytes=size, result_allocated_bytes=allocated, result_files=files)
        result["tree_peak_rss_plus_results_bytes"] = sampler.peak_rss + allocated
    stdout.close(), stderr.close()
    if keep_output:
        result["output"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return result


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------


def fmt_bytes(n) -> str:
    return "–" if n is None else f"{n / MIB:,.0f} MiB"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a "}[ok]


def report(data: dict) -> None:
    e = data["engines"]
    m, p = e["meldsim"], e["plain"]
    ph = m["phase_median_s"]
    print(
        f"\nmeldsim benchmark  {data['started']}  python {data['env']['python']}  simpy {data['env']['simpy']}  "
        f"numpy {data['env']['numpy']}  cpus {data['env']['cpus']}  commit {data['env']['git_commit']}"
        + (f"  [{data['args']['label']}]" if data["args"].get("label") else "")
    )
    print(
        f"\nEngine comparison, one process: {e['rounds']} interleaved rounds x {e['replications_per_round']} runs "
        f"each; medians over rounds"
    )
    print(f"  {'':34}{'meldsim (NYE)':>16}{'plain M/M/c':>16}")
    print(
        f"  {'SimPy events per run':34}{m['events_per_replication_median']:>16,.0f}{p['events_per_run_median']:>16,.0f}"
    )
    print(f"  {'events/s (whole simulate())':34}{m['events_per_s_median']:>16,.0f}{p['events_per_s_median']:>16,.0f}")
    print(f"  {'events/s (env.run only)':34}{m['events_per_s_run_only_median']:>16,.0f}{'':>16}")
    print(f"  {'events per CPU-second':34}{m['events_per_cpu_s_median']:>16,.0f}{p['events_per_cpu_s_median']:>16,.0f}")
    print(f"  {'runs/s':34}{m['replications_per_s_median']:>16,.1f}{p['runs_per_s_median']:>16,.1f}")
    print(f"  {'median time per run':34}{ph['simulate'] * 1e3:>14.1f}ms{p['run_median_s'] * 1e3:>14.1f}ms")
    print(
        f"  {'tracemalloc peak, one run':34}{m['tracemalloc_peak_bytes_one_replication'] / MIB:>12.2f} MiB"
        f"{p['tracemalloc_peak_bytes_one_run'] / MIB:>12.2f} MiB"
    )
    print(
        f"  ratio meldsim/plain events/s: {e['ratio_events_per_s_median_of_rounds']:.3f} (median of per-round ratios), "
        f"{e['ratio_events_per_s_of_medians']:.3f} (ratio of medians), "
        f"{e['ratio_events_per_s_run_only_median']:.3f} (env.run only), "
        f"{e['ratio_events_per_cpu_s_median']:.3f} (CPU time)"
    )
    print(
        "  (events/s counts every scheduled event, including ones that do no work, such as a patience timeout "
        "that is never waited for;\n   a change that removes such events lowers events/s while the replication "
        "gets faster, so read the ratio next to the time per replication)"
    )
    print("\n  one NYE replication, median per phase:")
    for name, label in (
        ("streams", "make_streams"),
        ("incidents", "generate_incidents"),
        ("build", "ControlRoom()"),
        ("run", "ControlRoom.run (env.run)"),
        ("simulate", "= simulate()"),
        ("kpis", "kpis.compute"),
        ("records", "records.tables"),
    ):
        share = f"{ph[name] / ph['simulate']:6.1%} of simulate" if name not in ("simulate",) else ""
        print(f"    {label:28}{ph[name] * 1e3:8.2f} ms  {share}")
    print(
        f"    {'simulate + kpis':28}{m['replication_with_kpis_median_s'] * 1e3:8.2f} ms   "
        f"(+ records: {m['replication_with_kpis_records_median_s'] * 1e3:.2f} ms); "
        f"simulate min/max {m['replication_min_s'] * 1e3:.1f}/{m['replication_max_s'] * 1e3:.1f} ms"
    )
    print(
        f"    {'in CPU time':28}{m['replication_cpu_median_s'] * 1e3:8.2f} ms simulate, "
        f"{m['replication_with_kpis_cpu_median_s'] * 1e3:.2f} ms simulate + kpis"
    )
    print(
        f"  CPU share of the rounds (process CPU time / wall): median {e['cpu_share_median']:.0%}, "
        f"lowest {e['cpu_share_min']:.0%}; other processes used {e['others_cpus_median']:.2f} CPUs "
        f"(median), steal {e['steal_cpus_median']:.2f}; load average {data['env']['loadavg_start']} at start, "
        f"{data['env'].get('loadavg_end')} at end"
    )
    if e["cpu_share_min"] < 0.9 or e["others_cpus_median"] > 0.25:
        print(
            "  WARNING: the benchmark was preempted (other load on the machine); wall times are inflated, "
            "CPU-time figures and ratios less so"
        )
    print(
        f"  peak RSS of this process: {fmt_bytes(e['maxrss_bytes_after'])} "
        f"(after imports and scenario load: {fmt_bytes(e['maxrss_bytes_before'])})"
    )

    full = data.get("full") or []
    if full:
        print(
            f"\nFull job: meldsim run {full[0]['command'].split(' run ', 1)[1].split(' --jobs')[0]} --jobs J "
            f"(one run each; in-run = manifest wall_time_s, without interpreter start-up and imports)"
        )
        print(
            f"  {'jobs':>4} {'wall s':>8} {'in-run s':>8} {'rep/s':>7} {'speed-up':>8} {'CPU s':>7} "
            f"{'peak RSS sum':>13} {'peak PSS sum':>13} {'max 1 proc':>11} {'results':>9} {'workers':>7}"
        )
        base = next((r["wall_s"] for r in full if r["jobs"] == 1), None)
        for r in full:
            tv = r.get("time_v", {})
            cpu = tv.get("user_s", math.nan) + tv.get("system_s", math.nan)
            speed = f"{base / r['wall_s']:.2f}x" if base else "–"
            inrun = r.get("manifest_wall_s") or math.nan
            print(
                f"  {r['jobs']:>4} {r['wall_s']:>8.1f} {inrun:>8.1f} {r['replications_per_s']:>7.1f} {speed:>8} "
                f"{cpu:>7.1f} {fmt_bytes(r['tree_peak_rss_sum_bytes']):>13} "
                f"{fmt_bytes(r['tree_peak_pss_sum_bytes']):>13} "
                f"{fmt_bytes(tv.get('max_rss_bytes')):>11} {fmt_bytes(r.get('result_allocated_bytes')):>9} "
                f"{len(r['worker_processes']):>7}"
            )
            print(
                f"       other processes meanwhile: {r.get('others_cpus', math.nan):.2f} CPUs, "
                f"load average {r['loadavg_before']} -> {r['loadavg_after']}; in-process sampler: "
                f"{r['samples']} samples, at most {r['max_processes_at_once']} processes at once"
            )
            if r.get("error"):
                print(f"       exit {r['returncode']}: {r['error'].strip().splitlines()[-1:]}")

    print("\nTargets")
    for t in data["targets"]:
        print(f"  {verdict(t['pass'])}  {t['name']}: {t['measured']}")


def targets(data: dict, full_replications: int) -> list[dict]:
    e = data["engines"]
    m = e["meldsim"]
    out = [
        {
            "name": f"meldsim events/s >= {TARGET_RATIO} x plain SimPy (same run, whole simulate())",
            "measured": f"ratio {e['ratio_events_per_s_median_of_rounds']:.3f} "
            f"(in CPU time {e['ratio_events_per_cpu_s_median']:.3f})",
            "pass": e["ratio_events_per_s_median_of_rounds"] >= TARGET_RATIO,
        },
        {
            "name": f"one NYE replication (simulate + kpis.compute, median) < {TARGET_REPLICATION_S} s",
            "measured": f"{m['replication_with_kpis_median_s'] * 1e3:.1f} ms "
            f"(simulate alone {m['replication_median_s'] * 1e3:.1f} ms; "
            f"in CPU time {m['replication_with_kpis_cpu_median_s'] * 1e3:.1f} ms)",
            "pass": m["replication_with_kpis_median_s"] < TARGET_REPLICATION_S,
        },
    ]
    j2 = next((r for r in data.get("full") or [] if r["jobs"] == 2), None)
    label = f"{full_replications:,} replications --jobs 2"
    if j2 is None or j2.get("error"):
        why = "not measured (run with --full)" if j2 is None else f"run failed (exit {j2['returncode']})"
        for name in (
            f"{label} < {TARGET_FULL_WALL_S:.0f} s wall",
            f"{label} < 1 GiB (tree peak + result files)",
            f"{label}: one process pool",
        ):
            out.append({"name": name, "measured": why, "pass": None})
        return out
    out += [
        {
            "name": f"{label} < {TARGET_FULL_WALL_S:.0f} s wall",
            "measured": f"{j2['wall_s']:.1f} s",
            "pass": j2["wall_s"] < TARGET_FULL_WALL_S,
        },
        {
            "name": f"{label} < 1 GiB (summed RSS of the process tree at its peak + result files)",
            "measured": f"{fmt_bytes(j2['tree_peak_rss_sum_bytes'])} + {fmt_bytes(j2['result_allocated_bytes'])} = "
            f"{j2['tree_peak_rss_plus_results_bytes'] / GIB:.3f} GiB",
            "pass": j2["tree_peak_rss_plus_results_bytes"] < TARGET_FULL_MEMORY,
        },
        {
            "name": f"{label}: one process pool, not a process per replication",
            "measured": f"{len(j2['worker_processes'])} worker processes for {full_replications} replications",
            "pass": 0 < len(j2["worker_processes"]) <= j2["jobs"],
        },
    ]
    return out


def environment() -> dict:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            raise OSError("not a git checkout")
        commit = head.stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        commit += "-dirty" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {**machine(), "simpy": simpy.__version__, "numpy": np.__version__, "git_commit": commit}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=20, help="NYE replications per round (default 20)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per engine (default 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="scenarios/nye.yaml", help="relative to the repository root")
    parser.add_argument("--full", action="store_true", help="also time the 1,000-replication job with --jobs 2 and 1")
    parser.add_argument("--full-replications", type=int, default=1000)
    parser.add_argument("--full-jobs", default="2,1", help="comma-separated --jobs values for --full (default 2,1)")
    parser.add_argument("--keep-output", action="store_true", help="keep the --full result directories")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/out/*.json")
    parser.add_argument("--label", help="free text stored with the numbers (e.g. the commit of a snapshot)")
    args = parser.parse_args(argv)

    started = dt.datetime.now().astimezone()
    data = {"started": started.isoformat(timespec="seconds"), "env": environment(), "args": vars(args)}
    print(f"engine comparison: {args.rounds} rounds x {args.replications} replications ...", file=sys.stderr)
    data["engines"] = engine_comparison(ROOT / args.scenario, args.seed, args.replications, args.rounds)
    if args.full:
        data["full"] = []
        for jobs in (int(j) for j in args.full_jobs.split(",")):
            print(f"full job: {args.full_replications} replications --jobs {jobs} ...", file=sys.stderr)
            data["full"].append(full_run(args.scenario, args.full_replications, jobs, args.keep_output))
    data["env"]["loadavg_end"] = loadavg()
    data["targets"] = targets(data, args.full_replications)
    report(data)
    if not args.no_json:
        write_json(data, f"bench-{started:%Y%m%d-%H%M%S}{'-full' if args.full else ''}", latest="latest")
    return 0  # a benchmark, not a test: targets are reported, never enforced


if __name__ == "__main__":
    sys.exit(main())
