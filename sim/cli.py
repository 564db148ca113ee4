"""The ``meldsim`` command line: thin wrappers around :mod:`sim.experiments.api`.

Bad input ends with exit status 2 and one line per problem (``FILE: field.path: what is
wrong``); a file-system error while writing (permission denied, a full disk) ends with exit
status 1 and ``PATH: what is wrong``; a run that is interrupted (Ctrl-C, SIGTERM) or fails
leaves no result directory behind.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sim.cliargs import SCENARIO_HELP, scenario_path
from sim.cliargs import non_negative_int as _non_negative_int
from sim.cliargs import positive_int as _positive_int
from sim.experiments import api, runner
from sim.experiments.metrics import METRICS
from sim.model.loading import ScenarioError, check_geography_csv, load_scenario
from sim.model.room import ENGINES
from sim.outputs.calibration import add_calibrate_command
from sim.outputs.debrief import add_debrief_command
from sim.outputs.exercise import add_exercise_command
from sim.outputs.report import add_report_command
from sim.outputs.sheet import add_html_option, write_sheet

EXIT_BAD_INPUT = 2
EXIT_IO = 1
ENGINE_CHOICES = tuple(ENGINES)
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM
PLUGIN_GROUP = "meldsim.commands"  # entry points: callables that add a sub-command to the subparsers
DEFAULT_KEEP_RECORDS = api.DEFAULT_KEEP_RECORDS
HEADLINE_KPIS = ("processing_time_mean_s", "opkomsttijd_mean_min", "undelivered_messages", "unit_minutes_unreachable")


def main(argv: list[str] | None = None) -> int:
    args = None
    try:  # a SIGTERM can come while the parser is still being built (plugins, imports): same clean stop
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"{exc.filename or _target(args)}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_IO
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        Console(stderr=True).print(f"[yellow]{what}: stopped the workers; no result directory was written[/]")
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def _target(args) -> str:
    """Where a command writes, for an error that does not name a file (pyarrow's)."""
    out = getattr(args, "out", None) or getattr(args, "results", None)
    return str(out) if out is not None else "meldsim"


def writable_problem(path: Path) -> str | None:
    """Why a directory cannot be created at ``path`` (``PATH: what is wrong``), or None."""
    path = Path(path)
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        if not parent.is_dir():
            return f"{parent}: is a file, not a directory"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"{parent}: not writable (permission denied)"
        return None
    return None


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a service manager, the dashboard): stopped like Ctrl-C, with the same clean-up."""


def terminate_as_interrupt() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread (a second one during clean-up is ignored)."""

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    signal.signal(signal.SIGTERM, handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    # every FILE or BASE below is a path or the name of a bundled scenario (sim.cliargs.scenario_path)
    validate = commands.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+", metavar="FILE", help=SCENARIO_HELP)
    validate.set_defaults(handler=cmd_validate)

    run = commands.add_parser("run", help="run replications of a scenario and write a result directory")
    run.add_argument("file", metavar="FILE", help=SCENARIO_HELP)
    _replication_options(run)
    run.set_defaults(handler=cmd_run)

    compare = commands.add_parser("compare", help="run scenarios with the same seeds and compare them with the first")
    compare.add_argument("files", nargs="+", metavar="FILE", help=SCENARIO_HELP)
    _replication_options(compare)
    add_html_option(compare)
    compare.set_defaults(handler=cmd_compare)

    sweep = commands.add_parser("sweep", help="run a full grid of values of scenario fields")
    sweep.add_argument("file", metavar="BASE", help=SCENARIO_HELP)
    sweep.add_argument(
        "--set",
        dest="settings",
        action="append",
        required=True,
        metavar="PATH=V1,V2,...",
        help="dotted field path and values (YAML), e.g. channels.handhelds.capacity=2,4,8",
    )
    _replication_options(sweep)
    sweep.set_defaults(handler=cmd_sweep)

    sens = commands.add_parser("sensitivity", help="swings (tornado) or Sobol indices of one KPI over parameter ranges")
    sens.add_argument("file", metavar="BASE", help=SCENARIO_HELP)
    sens.add_argument(
        "--param",
        dest="params",
        action="append",
        required=True,
        metavar="PATH=LOW:HIGH",
        help="dotted field path and range, e.g. channels.handhelds.capacity=2:8",
    )
    sens.add_argument(
        "--method",
        choices=("oat", "sobol"),
        default="oat",
        help="oat: one at a time (tornado); sobol: Sobol indices via SALib",
    )
    sens.add_argument(
        "--samples",
        type=_positive_int,
        default=64,
        help="Sobol base samples N (a power of 2); N x (parameters + 2) points",
    )
    _replication_options(sens)  # --kpi names the KPI to analyse
    sens.set_defaults(handler=cmd_sensitivity)

    runs = commands.add_parser("runs", help="list result directories")
    runs.add_argument("--results", type=Path, default=Path("results"))
    runs.set_defaults(handler=cmd_runs)

    show = commands.add_parser("show", help="print the summary of a result directory")
    show.add_argument("run", type=Path, metavar="RUN")
    show.set_defaults(handler=cmd_show)
    add_exercise_command(commands)
    add_debrief_command(commands)
    add_report_command(commands)
    add_calibrate_command(commands)
    add_plugin_commands(commands)
    return parser


def add_plugin_commands(commands) -> None:
    """Commands of other packages (``meldsim dashboard``), found by entry point: the core never imports the UI.

    A plugin that cannot be imported (its package half-installed) is skipped with one line
    on stderr, so the simulator's own commands keep working.
    """
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            add_command = entry.load()
        except ImportError as exc:
            print(f"meldsim: skipping the '{entry.name}' command ({entry.value}): {exc}", file=sys.stderr)
            continue
        add_command(commands)


def _replication_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replications",
        "-n",
        type=_positive_int,
        default=30,
        help="replications per scenario (the maximum with --precision)",
    )
    p.add_argument("--seed", type=_non_negative_int, default=1)
    p.add_argument("--out", type=Path, help="result directory (default under --results)")
    p.add_argument("--results", type=Path, default=Path("results"), help="root for default result directories")
    p.add_argument(
        "--jobs", "-j", type=_positive_int, default=runner.default_jobs(), help="worker processes (default: all cores)"
    )
    p.add_argument(
        "--executor",
        choices=runner.EXECUTORS,
        default="process",
        help="process: a local process pool; dask: a Dask cluster (LocalCluster without --scheduler)",
    )
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    p.add_argument(
        "--keep-records",
        type=_non_negative_int,
        default=DEFAULT_KEEP_RECORDS,
        help="write per-incident/call/message records for the first N replications",
    )
    p.add_argument(
        "--precision",
        type=_share,
        metavar="GAMMA",
        help="add replications until the 95%% CI half-width is within GAMMA of the mean of --kpi",
    )
    p.add_argument("--kpi", help="the KPI --precision applies to")
    p.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default="fast",
        help="fast (default) or simpy: the plain-SimPy reference engine the fast one is checked against",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.05")
    return value


def _options(args) -> api.Options | None:
    """Replication options from the command line, or None after printing what is wrong."""
    problems = []
    if args.precision is not None and not args.kpi:
        problems.append("--kpi: needed with --precision (which KPI must be precise?)")
    if args.kpi and args.kpi.split("[")[0] not in METRICS:
        problems.append(f"--kpi: unknown KPI '{args.kpi}' (see sim/kpis.py)")
    if args.scheduler and args.executor != "dask":
        problems.append("--scheduler: only with --executor dask")
    if args.out is not None and args.out.exists():
        problems.append(f"--out: {args.out} already exists; choose a new directory")
    else:
        where = writable_problem(args.out if args.out is not None else args.results)
        if where:
            problems.append(f"{'--out' if args.out is not None else '--results'}: {where}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return None
    return api.Options(
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs,
        keep_records=args.keep_records,
        executor=args.executor,
        scheduler=args.scheduler,
        precision=args.precision,
        precision_kpi=args.kpi,
        engine=args.engine,
    )


@contextmanager
def _progress(quiet: bool, label: str):
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
    )
    state = {"done": 0}
    with bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            state["done"] = done
            bar.update(task, completed=done, total=total)

        try:
            yield update
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted after {state['done']} replications[/]")
            raise


def cmd_validate(args) -> int:
    bad = False
    for file in args.files:
        try:
            if str(file).lower().endswith(".csv"):
                check_geography_csv(Path(file))
            else:
                load_scenario(scenario_path(file))
        except ScenarioError as exc:
            bad = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{file}: ok")
    return EXIT_BAD_INPUT if bad else 0


def cmd_run(args) -> int:
    file = scenario_path(args.file)
    scenario = load_scenario(file)
    options = _options(args)
    if options is None:
        return EXIT_BAD_INPUT
    with _progress(args.quiet, scenario.name) as progress:
        path = api.run(file, options, out=args.out, results_root=args.results, progress=progress)
    if not args.quiet:
        print_summary(path, Console())
    print(path)
    return 0


def cmd_compare(args) -> int:
    files = [scenario_path(file) for file in args.files]
    for file in files:
        load_scenario(file)  # every file's problems before anything runs
    options = _options(args)
    if options is None:
        return EXIT_BAD_INPUT
    with _progress(args.quiet, "compare") as progress:
        path = api.compare(files, options, out=args.out, results_root=args.results, progress=progress)
    if args.html:
        write_sheet(path, args.html)
    if not args.quiet:
        print_comparison(path, Console(width=max(160, Console().width)))
    print(path)
    return 0


def cmd_sweep(args) -> int:
    settings = {}
    for text in args.settings:
        try:
            path, values = api.parse_assignment(text)
        except ValueError as exc:
            print(f"--set: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        settings[path] = values
    file = scenario_path(args.file)
    api.variants(file, settings)  # validate every point first
    options = _options(args)
    if options is None:
        return EXIT_BAD_INPUT
    with _progress(args.quiet, "sweep") as progress:
        path = api.sweep(file, settings, options, out=args.out, results_root=args.results, progress=progress)
    if not args.quiet:
        print_sweep(path, Console())
    print(path)
    return 0


def cmd_sensitivity(args) -> int:
    from sim.experiments.sensitivity import parse_range, plan, sensitivity

    params = {}
    for text in args.params:
        try:
            path, bounds = parse_range(text)
        except ValueError as exc:
            print(f"--param: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        params[path] = bounds
    if not args.kpi:
        print("--kpi: needed (which KPI to analyse?)", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = _options(args)
    if options is None:
        return EXIT_BAD_INPUT
    file = scenario_path(args.file)
    plan(file, params, args.kpi, method=args.method, samples=args.samples, seed=args.seed)  # validate first
    with _progress(args.quiet, f"sensitivity ({args.method})") as progress:
        path = sensitivity(
            file,
            params,
            args.kpi,
            options,
            method=args.method,
            samples=args.samples,
            out=args.out,
            results_root=args.results,
            progress=progress,
        )
    if not args.quiet:
        print_sensitivity(path, Console(width=max(160, Console().width)))
    print(path)
    return 0


def cmd_runs(args) -> int:
    table = Table(title=f"runs in {args.results}")
    for column in ("run", "scenario", "finished", "reps", *HEADLINE_KPIS):
        table.add_column(column)
    for info in api.list_runs(args.results):
        if info.error:
            mark = "[red]damaged[/]" if info.damaged else "[red]unreadable[/]"
            table.add_row(
                str(info.path), mark, info.error.removeprefix("damaged: ")[:120], "", *[""] * len(HEADLINE_KPIS)
            )
            continue
        table.add_row(
            str(info.path),
            info.scenario,
            (info.finished or "")[:16],
            str(info.replications),
            *[_fmt(info.summary.get(k, {}).get("mean")) for k in HEADLINE_KPIS],
        )
    Console().print(table)
    return 0


def cmd_show(args) -> int:
    info = api.read_run_info(args.run)
    if info.damaged:
        print(f"{args.run}: {info.error} (not shown: the files are not those the run wrote)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if info.error:
        print(f"{args.run}: not a readable result directory ({info.error})", file=sys.stderr)
        return EXIT_BAD_INPUT
    print_summary(args.run, Console())
    return 0


def print_summary(run_dir: Path, console: Console) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    title = f"{manifest['scenario_name']}: {manifest['replications']} replications, seed {manifest['seed']}"
    if manifest.get("precision"):
        p = manifest["precision"]
        title += (
            f" (precision on {p['kpi']}: half-width {p['achieved_relative_half_width']:.3f} of the mean, "
            f"{'met' if p['met'] else 'NOT met'})"
        )
    table = Table(title=title)
    for column in ("KPI", "unit", "mean", "95% CI", "n"):
        table.add_column(column, justify="left" if column in ("KPI", "unit") else "right")
    for name, metric in METRICS.items():
        s = summary.get(name)
        if s is None:
            continue
        ci = "" if s.get("ci95_low") is None else f"{_fmt(s['ci95_low'])} – {_fmt(s.get('ci95_high'))}"
        table.add_row(name, metric.unit, _fmt(s.get("mean")), ci, str(s.get("n", "")))
    console.print(table)


def print_comparison(path: Path, console: Console) -> None:
    data = json.loads((path / "comparison.json").read_text())
    names = data["scenarios"]
    rows = {(r["kpi"], r["scenario"]): r for r in data["kpis"]}
    table = Table(
        title=f"{' vs '.join(names)}: {data['replications']} paired replications, seed {data['seed']} "
        f"(* = 95% CI of the difference excludes 0)"
    )
    table.add_column("KPI")
    for name in names:
        table.add_column(name, justify="right")
    for name in names[1:]:
        table.add_column(f"Δ {name}", justify="right")
    for kpi in METRICS:
        if (kpi, names[0]) not in rows:
            continue
        cells = [_fmt(rows[kpi, n]["mean"]) for n in names]
        for n in names[1:]:
            r = rows[kpi, n]
            mark = "*" if r["significant"] else " "
            cells.append(f"{_fmt(r['diff_mean'])} [{_fmt(r['diff_ci95_low'])}, {_fmt(r['diff_ci95_high'])}]{mark}")
        table.add_row(kpi, *cells)
    console.print(table)


def print_sweep(path: Path, console: Console) -> None:
    data = json.loads((path / "sweep.json").read_text())
    settings = list(data["settings"])
    table = Table(title=f"sweep over {', '.join(settings)}: {data['replications']} replications per point")
    table.add_column("point")
    for s in settings:
        table.add_column(s)
    for kpi in HEADLINE_KPIS:
        table.add_column(kpi, justify="right")
    by_point: dict[str, dict] = {}
    for row in data["rows"]:
        by_point.setdefault(row["point"], {"params": [row[s] for s in settings]})[row["kpi"]] = row
    for point, cells in by_point.items():
        table.add_row(point, *cells["params"], *[_fmt(cells.get(k, {}).get("mean")) for k in HEADLINE_KPIS])
    console.print(table)


def print_sensitivity(path: Path, console: Console) -> None:
    data = json.loads((path / "sensitivity.json").read_text())
    title = (
        f"{data['method']} sensitivity of {data['kpi']} ({data['unit']}) in {data['scenario_name']}: "
        f"{data['points']} points x {data['replications']} replications"
    )
    table = Table(title=title)
    if data["method"] == "oat":
        table.title += f"; at base {_fmt(data['base_kpi']['mean'])}"
        for column in ("parameter", "low", "high", "KPI at low [95% CI]", "KPI at high [95% CI]", "swing"):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for r in data["rows"]:
            table.add_row(
                r["param"],
                _fmt(r["low"]),
                _fmt(r["high"]),
                f"{_fmt(r['kpi_at_low_mean'])} [{_fmt(r['kpi_at_low_ci95_low'])}, {_fmt(r['kpi_at_low_ci95_high'])}]",
                f"{_fmt(r['kpi_at_high_mean'])} [{_fmt(r['kpi_at_high_ci95_low'])}, "
                f"{_fmt(r['kpi_at_high_ci95_high'])}]",
                _fmt(r["swing"]),
            )
    else:
        for column in ("parameter", "low", "high", "S1", "± (95%)", "ST", "± (95%) "):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for r in data["rows"]:
            table.add_row(
                r["param"],
                _fmt(r["low"]),
                _fmt(r["high"]),
                _fmt(r["S1"]),
                _fmt(r["S1_conf"]),
                _fmt(r["ST"]),
                _fmt(r["ST_conf"]),
            )
        if data.get("note"):
            table.caption = data["note"]
    console.print(table)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def console() -> None:
    """The ``meldsim`` command: main(), then leave at once after Ctrl-C.

    After Ctrl-C the pool's workers are stopped and nothing is left to write, but the
    pool's manager thread may wait forever for a result that a stopped worker was halfway
    through sending, and Python joins that thread at exit (4 of 145 interrupted runs hung so).
    SIGTERM takes the same path.
    """
    terminate_as_interrupt()
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console()
