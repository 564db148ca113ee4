#!/usr/bin/env python
"""Dashboard benchmark: the Compare page on two runs of 1,000 replications each.

    python bench/bench_dashboard.py [--replications 1000] [--jobs 2] [--repeat 7] [--fresh]

Makes (or reuses) two result directories under ``bench/out/dashboard/results``:
``scenarios/nye_eocs_outage.yaml`` and ``scenarios/nye_eocs_outage_better_fallback.yaml``,
both run with :func:`sim.experiments.api.run`, seed 1 (so paired), ``--keep-records`` 20. Then it times
what the Compare page does when both runs are chosen: building the page (which lists the
runs) and each callback (KPI table, time series, ECDFs, per-region bars), as the median of
``--repeat`` calls, and measures the JSON the browser receives (the callbacks' outputs and
the page layout, serialised as Dash does).

Targets (issue 5): every callback under 1 s; the page's data under 5 MB. Printed as
PASS/FAIL; the numbers go to ``bench/out/dashboard-<timestamp>.json``. Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import plotly.utils  # noqa: E402

from dashboard import data  # noqa: E402
from dashboard.app import warm_up  # noqa: E402
from dashboard.components import Config  # noqa: E402
from dashboard.pages import compare  # noqa: E402
from sim.experiments import api  # noqa: E402

OUT = ROOT / "bench" / "out"
SCENARIOS = ("nye_eocs_outage.yaml", "nye_eocs_outage_better_fallback.yaml")
TARGET_S = 1.0
TARGET_BYTES = 5 * 1024 * 1024


def prepare(results: Path, replications: int, jobs: int, fresh: bool) -> list[str]:
    """The two runs' keys, running them if needed."""
    keys = []
    for file in SCENARIOS:
        name = Path(file).stem
        target = results / name / f"n{replications}"
        if fresh and target.exists():
            import shutil

            shutil.rmtree(target)
        info = api.read_run_info(target) if target.exists() else None
        if info is None or info.error or info.replications != replications:
            started = time.perf_counter()
            print(f"running {file}: {replications} replications on {jobs} processes ...", flush=True)
            api.run(
                ROOT / "scenarios" / file,
                api.Options(replications=replications, seed=1, jobs=jobs),
                out=target,
                results_root=results,
            )
            print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        keys.append(target.relative_to(results).as_posix())
    return keys


def size(obj) -> int:
    return len(json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder).encode("utf-8"))


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-n", type=int, default=1000)
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="run the two scenarios again")
    args = parser.parse_args()

    results = OUT / "dashboard" / "results"
    keys = prepare(results, args.replications, args.jobs, args.fresh)
    cfg = Config(results, ROOT / "scenarios")
    warm_up()
    runs, _ = data.load_runs(results, keys)
    disk = {k: sum(p.stat().st_size for p in (results / k).iterdir()) for k in keys}

    steps = {
        "page layout (lists runs)": lambda: compare.build_layout(cfg, "nl"),
        "KPI table": lambda: compare.table_view(cfg, keys, "nl"),
        "time series": lambda: compare.timeseries_view(cfg, keys, "nl"),
        "ECDFs": lambda: compare.ecdf_view(cfg, keys, "nl"),
        "per-region bars": lambda: compare.regions_view(cfg, keys, "opkomsttijd_within_norm_share", "nl"),
    }
    rows = []
    for name, fn in steps.items():
        fn()  # first call outside the timing (imports, file cache)
        median, worst, output = timed(fn, args.repeat)
        rows.append({"step": name, "median_s": median, "max_s": worst, "json_bytes": size(output)})

    total = sum(r["json_bytes"] for r in rows)
    print(
        f"\nCompare page, 2 runs x {runs[0].manifest['replications']} replications "
        f"(records of {runs[0].manifest['records_kept_for']}); run directories "
        f"{', '.join(f'{v / 1e6:.1f} MB' for v in disk.values())} on disk"
    )
    print(f"{'step':28s} {'median s':>9s} {'max s':>7s} {'JSON kB':>9s}")
    for r in rows:
        print(f"{r['step']:28s} {r['median_s']:9.3f} {r['max_s']:7.3f} {r['json_bytes'] / 1024:9.1f}")
    print(f"{'all (sent to the browser)':28s} {sum(r['median_s'] for r in rows):9.3f} {'':7s} {total / 1024:9.1f}")
    slowest = max(r["median_s"] for r in rows[1:])
    print(f"\n{'PASS' if slowest < TARGET_S else 'FAIL'}: slowest callback {slowest:.3f} s (target < {TARGET_S:g} s)")
    print(f"{'PASS' if total < TARGET_BYTES else 'FAIL'}: page data {total / 1024 / 1024:.2f} MB (target < 5 MB)")

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {
        "replications": args.replications,
        "repeat": args.repeat,
        "runs": keys,
        "disk_bytes": disk,
        "steps": rows,
        "total_json_bytes": total,
        "targets": {"callback_s": TARGET_S, "bytes": TARGET_BYTES},
    }
    (OUT / f"dashboard-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
