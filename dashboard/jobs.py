"""Starting runs from the dashboard: scenario files by name, a result directory that no other
run can claim, and :func:`sim.experiments.api.run` / :func:`sim.experiments.api.compare` with a progress callback.

Nothing here keeps state between calls; each run goes in its own background process. At most
:data:`MAX_CONCURRENT_RUNS` runs go at once per results directory (every run already uses all
the cores it is given); up to :data:`MAX_QUEUED_RUNS` further starts wait in line (the page
says so) and start as slots free up; beyond that a start is refused with a message.
A job stopped with SIGTERM cleans up like an interrupted ``meldsim run``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no limit on concurrent runs
    fcntl = None  # type: ignore[assignment]

from sim.experiments import api
from sim.model.loading import Problem, ScenarioError, load_scenario

SCENARIO_SUFFIXES = (".yaml", ".yml")
MAX_REPLICATIONS = 100_000
MAX_CONCURRENT_RUNS = 2
MAX_QUEUED_RUNS = 4  # starts beyond the running ones that wait for a slot; more are refused
SLOTS_DIR = ".run-slots"  # hidden: never listed as a run


class Busy(Exception):
    """Every run slot is taken."""


class Stopped(Exception):
    """The job received SIGTERM; the run was stopped and wrote nothing."""


def _claim(directory: Path, prefix: str, count: int):
    """The open, exclusively locked handle of the first free ``prefix-k`` file, or None."""
    for k in range(count):
        handle = open(directory / f"{prefix}-{k}", "a+b")  # noqa: SIM115 - held while it counts
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return handle
    return None


def _free(handle) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


@contextmanager
def run_slot(
    results_root: Path,
    limit: int = MAX_CONCURRENT_RUNS,
    queue: int = MAX_QUEUED_RUNS,
    waiting: Callable[[], None] | None = None,
    poll_s: float = 0.5,
) -> Iterator[None]:
    """Hold one of ``limit`` run slots (locked files in ``results_root/.run-slots``) while a run goes.

    When every slot is taken, wait for one holding one of ``queue`` places in line (calling
    ``waiting()`` once, so the page can say so); with the line full too, raise :class:`Busy`.
    The kernel drops a lock when its process ends however it ends, so a killed or cancelled
    job never keeps a slot or a place, and jobs in different processes (or dashboard
    instances) share the limits. Waiting jobs take free slots in no guaranteed order.
    """
    if fcntl is None:
        yield
        return
    directory = Path(results_root) / SLOTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    slot = _claim(directory, "slot", limit)
    if slot is None:
        place = _claim(directory, "queue", queue)
        if place is None:
            raise Busy(f"{limit} runs are already going and {queue} are waiting")
        try:
            if waiting is not None:
                waiting()
            while slot is None:
                time.sleep(poll_s)
                slot = _claim(directory, "slot", limit)
        finally:
            _free(place)
    try:
        yield
    finally:
        _free(slot)


@contextmanager
def terminate_stops() -> Iterator[None]:
    """While a job runs, SIGTERM stops it like Ctrl-C stops ``meldsim run``: workers stopped, nothing
    half-written left, and the job returns (so the server reaps it instead of leaving a zombie)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except KeyboardInterrupt:
        raise Stopped("stopped by SIGTERM; no result directory was written") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def scenario_files(scenarios_dir: Path) -> list[Path]:
    directory = Path(scenarios_dir)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())


def scenario_path(scenarios_dir: Path, name: str) -> Path:
    """The file ``name`` in ``scenarios_dir``; names come from browsers, so nothing else."""
    directory = Path(scenarios_dir).resolve()
    try:
        path = (directory / str(name)).resolve()
        found = path.parent == directory and path.suffix in SCENARIO_SUFFIXES and path.is_file()
    except (OSError, ValueError, RuntimeError):  # too long, a NUL byte, a symlink loop
        found = False
    if not found:
        raise ScenarioError([Problem(str(name)[:200], "", "no such scenario file in the scenarios directory")])
    return path


def problem_text(problem: Problem, scenarios_dir: Path) -> str:
    """A problem as the dashboard shows it: files relative to the scenarios folder, never the server's
    absolute paths (a bundled base by its file name)."""
    directory = Path(scenarios_dir).resolve()
    file = Path(problem.file)
    try:
        shown = file.resolve().relative_to(directory).as_posix() if file.is_absolute() else problem.file
    except (ValueError, OSError, RuntimeError):
        shown = file.name
    message = problem.message.replace(f"{directory}{os.sep}", "")
    return str(Problem(shown, problem.path, message))


def unique_run_dir(root: Path, name: str, group: str | None = None) -> Path:
    """``root/[group/]<name>/<timestamp>-<random>``: like ``sim.experiments.results.default_run_dir``, with a
    random suffix so two runs started in the same second never aim at the same directory."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]
    safe = "_" + safe[1:] if safe.startswith(".") else safe or "_"  # never '..' nor a hidden directory
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / group if group else Path(root)
    return base / safe / f"{stamp}-{uuid.uuid4().hex[:6]}"


def check_number(value, low: int, high: int) -> int | None:
    """``value`` as a whole number in [low, high], or None."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def start_runs(
    results_root: Path,
    scenarios_dir: Path,
    files: list[str],
    replications: int,
    seed: int,
    jobs: int,
    keep_records: int = api.DEFAULT_KEEP_RECORDS,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> list[str]:
    """Run ``files`` (one: :func:`sim.experiments.api.run`; several: :func:`sim.experiments.api.compare`, same seeds)
    and return the keys (paths relative to ``results_root``) of the new run directories.

    Waits in line while :data:`MAX_CONCURRENT_RUNS` runs are going (calling ``waiting()``),
    raises :class:`Busy` when :data:`MAX_QUEUED_RUNS` wait already, and :class:`Stopped`
    after SIGTERM."""
    root = Path(results_root)
    paths = [scenario_path(scenarios_dir, f) for f in files]
    scenarios = [load_scenario(p) for p in paths]  # every problem before anything runs
    options = api.Options(replications=replications, seed=seed, jobs=jobs, keep_records=keep_records)
    with terminate_stops(), run_slot(root, waiting=waiting):
        return _run(root, paths, scenarios, options, progress)


def _run(root: Path, paths, scenarios, options: api.Options, progress) -> list[str]:
    if len(paths) == 1:
        out = unique_run_dir(root, scenarios[0].name)
        done = api.run(paths[0], options, out=out, results_root=root, progress=progress)
        return [Path(done).relative_to(root).as_posix()]
    out = unique_run_dir(root, "-vs-".join(s.name for s in scenarios), group="comparisons")
    done = Path(api.compare(paths, options, out=out, results_root=root, progress=progress))
    try:
        order = json.loads((done / "comparison.json").read_text(encoding="utf-8"))["scenarios"]
    except (OSError, ValueError, KeyError):
        order = sorted(p.name for p in (done / "runs").iterdir())
    return [(done / "runs" / name).relative_to(root).as_posix() for name in order]


def throttled(report: Callable[[int, int], None], steps: int = 100) -> Callable[[int, int], None]:
    """A progress callback that passes on at most ``steps`` updates (and always the last)."""
    last = [-1]

    def progress(done: int, total: int) -> None:
        step = done * steps // max(total, 1)
        if step != last[0] or done >= total:
            last[0] = step
            report(done, total)

    return progress


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
