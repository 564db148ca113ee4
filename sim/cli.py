"""The ``meldsim`` command line: validate scenarios, run replications.

Bad input ends with exit status 2 and one line per problem (``FILE: field.path: what is
wrong``); a run that is interrupted or fails leaves no result directory behind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from . import runner
from .kpis import METRICS
from .loading import ScenarioError, load_scenario
from .results import RunWriter, default_run_dir, git_commit, scenario_json, scenario_sha256, versions

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
DEFAULT_KEEP_RECORDS = 20


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(handler=cmd_validate)

    run = commands.add_parser("run", help="run replications of a scenario and write a result directory")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--replications", "-n", type=_positive_int, default=30)
    run.add_argument("--seed", type=_non_negative_int, default=1)
    run.add_argument("--out", type=Path, help="result directory (default results/<scenario>/<timestamp>)")
    run.add_argument("--results", type=Path, default=Path("results"), help="root for default result directories")
    run.add_argument("--jobs", "-j", type=_positive_int, default=runner.default_jobs(),
                     help="worker processes (default: all cores)")
    run.add_argument("--keep-records", type=_non_negative_int, default=DEFAULT_KEEP_RECORDS,
                     help="write per-incident/call/message records for the first N replications")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    run.set_defaults(handler=cmd_run)
    return parser


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def cmd_validate(args) -> int:
    bad = False
    for file in args.files:
        try:
            load_scenario(file)
        except ScenarioError as exc:
            bad = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{file}: ok")
    return EXIT_BAD_INPUT if bad else 0


def cmd_run(args) -> int:
    err = Console(stderr=True)
    try:
        scenario = load_scenario(args.file)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    target = args.out or default_run_dir(args.results, scenario)
    if target.exists():
        print(f"--out: {target} already exists; choose a new directory", file=sys.stderr)
        return EXIT_BAD_INPUT
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    writer = RunWriter(target)
    done = 0
    events = 0
    try:
        with _progress(args.quiet, err) as progress:
            task = progress.add_task(scenario.name, total=args.replications)
            for result in runner.iterate(scenario, args.seed, args.replications, jobs=args.jobs,
                                         keep_records=args.keep_records):
                writer.add(result)
                done += 1
                events += result.events
                progress.advance(task)
        wall = time.perf_counter() - clock
        manifest = {
            "scenario_name": scenario.name,
            "scenario_file": str(args.file),
            "scenario_sha256": scenario_sha256(scenario),
            "seed": args.seed,
            "replications": args.replications,
            "records_kept_for": min(args.keep_records, args.replications),
            "jobs": args.jobs,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "wall_time_s": round(wall, 3),
            "simpy_events": events,
            "versions": versions(),
            "git_commit": git_commit(),
            "scenario": scenario_json(scenario),
        }
        path = writer.finish(manifest)
    except KeyboardInterrupt:
        writer.abort()
        err.print(f"[yellow]interrupted after {done} of {args.replications} replications; nothing was written[/]")
        return EXIT_INTERRUPTED
    except BaseException:
        writer.abort()
        raise
    if not args.quiet:
        print_summary(path, Console())
    print(path)
    return 0


def _progress(quiet: bool, console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("replications"),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                    disable=quiet, transient=False)


def print_summary(run_dir: Path, console: Console) -> None:
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    table = Table(title=f"{manifest['scenario_name']}: {manifest['replications']} replications, seed {manifest['seed']}")
    for column in ("KPI", "unit", "mean", "95% CI", "n"):
        table.add_column(column, justify="left" if column in ("KPI", "unit") else "right")
    for name, metric in METRICS.items():
        s = summary.get(name)
        if s is None:
            continue
        ci = "" if s["ci95_low"] is None else f"{_fmt(s['ci95_low'])} – {_fmt(s['ci95_high'])}"
        table.add_row(name, metric.unit, _fmt(s["mean"]), ci, str(s["n"]))
    console.print(table)


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
