"""Replications: seeded per replication, run in order, on one executor.

A replication's result depends only on (scenario, seed, replication index), never on which
worker ran it, so sequential runs, a process pool and a Dask cluster give identical files.
Replications travel in batches to keep scheduling overhead small; results come back in
(task, replication) order so they can be streamed to disk without holding a run in memory.
Several scenarios (compare, sweep, sensitivity) share one pool.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sim.experiments import kpis, records
from sim.model.room import simulate
from sim.model.scenario import Scenario

EXECUTORS = ("process", "dask")
#: batches submitted but not yet consumed, per worker: enough to keep every worker busy while
#: the parent writes results, few enough that a run of millions of replications does not queue
#: (and hold in memory) every batch at once
IN_FLIGHT_PER_JOB = 3
PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 1.0


@dataclass
class ReplicationResult:
    replication: int
    kpis: dict[str, float]
    events: int
    #: only for replications whose records are kept: table name (a partner room's as
    #: ``rooms/NAME/table``, see :func:`records.room_tables`) -> columns
    tables: dict[str, dict[str, list]] | None


@dataclass(frozen=True)
class Task:
    """Replications ``first .. first+count-1`` of one scenario."""

    key: Hashable
    scenario: Scenario
    count: int
    first: int = 0
    keep_records: int = 0
    engine: str = "fast"  # or "simpy", the plain-SimPy reference engine


def run_replication(
    scenario: Scenario, seed: int, replication: int, keep_records: bool, engine: str = "fast"
) -> ReplicationResult:
    outcome = simulate(scenario, seed, replication, engine)
    return ReplicationResult(
        replication,
        kpis.compute(outcome),
        outcome.events,
        {**records.tables(outcome, replication), **records.room_tables(outcome, replication)} if keep_records else None,
    )


def run_batch(
    scenario: Scenario, seed: int, replications: range, keep_records: int, engine: str = "fast"
) -> list[ReplicationResult]:
    return [run_replication(scenario, seed, r, r < keep_records, engine) for r in replications]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def batches(first: int, count: int, jobs: int, max_batch: int = 25) -> Iterator[range]:
    """Split replications so each worker gets several batches (load balance) of bounded size,
    one at a time: a run of millions of replications never lists them all."""
    size = _batch_size(count, jobs, max_batch)
    for s in range(first, first + count, size):
        yield range(s, min(s + size, first + count))


def _batch_size(count: int, jobs: int, max_batch: int = 25) -> int:
    return max(1, min(max_batch, count // (4 * jobs) or 1))


def _count(count: int, jobs: int) -> int:
    """How many batches :func:`batches` makes."""
    return -(-count // _batch_size(count, jobs))


def iterate(
    scenario: Scenario,
    seed: int,
    replications: int,
    *,
    jobs: int = 1,
    keep_records: int = 0,
    first: int = 0,
    executor: str = "process",
    scheduler: str | None = None,
    engine: str = "fast",
) -> Iterator[ReplicationResult]:
    """Every replication's result of one scenario, in replication order."""
    task = Task(None, scenario, replications, first, keep_records, engine)
    for _key, result in iterate_tasks([task], seed, jobs=jobs, executor=executor, scheduler=scheduler):
        yield result


def iterate_tasks(
    tasks: Sequence[Task], seed: int, *, jobs: int = 1, executor: str = "process", scheduler: str | None = None
) -> Iterator[tuple[Hashable, ReplicationResult]]:
    """(task key, result) for every replication of every task, in task then replication order."""
    work = ((task, chunk) for task in tasks for chunk in batches(task.first, task.count, jobs))
    if executor == "dask":
        yield from _dask(work, tasks, seed, jobs, scheduler)
    elif jobs <= 1 or sum(_count(t.count, jobs) for t in tasks) == 1:
        for task, chunk in work:
            for result in run_batch(task.scenario, seed, chunk, task.keep_records, task.engine):
                yield task.key, result
    else:
        yield from _pool(work, seed, jobs)


def _init_worker(owner: int) -> None:
    """Workers leave Ctrl-C to the parent, which stops them and cleans up, and die with the parent.

    A parent killed with SIGKILL cannot stop its workers; without this they stay alive,
    blocked on the pool's pipes and re-parented to PID 1. The worker's direct parent is the
    run (``fork``) or the forkserver, which exits with the run (``forkserver``, the default
    from Python 3.14); ``owner``, the run, may have died before this worker started.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(os.getppid())
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        os._exit(1)
    except PermissionError:
        pass


def die_with_parent(parent: int) -> None:
    """Exit when process ``parent`` is gone: the kernel's parent-death signal on Linux, else a polling thread."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="meldsim-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def bounded(work: Iterable, submit: Callable, limit: int) -> Iterator[tuple]:
    """(item, future) in the order of ``work``, with at most ``limit`` futures submitted and not yet consumed.

    The next item is submitted only once the caller has taken the oldest future, so memory
    stays bounded however many batches a run has and results still come back in order.
    """
    pending: deque = deque()
    items = iter(work)
    for item in items:
        pending.append((item, submit(item)))
        if len(pending) >= limit:
            break
    while pending:
        yield pending.popleft()
        for item in items:
            pending.append((item, submit(item)))
            break


def _pool(work, seed: int, jobs: int):
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(os.getpid(),))
    try:

        def submit(item):
            task, chunk = item
            return pool.submit(run_batch, task.scenario, seed, chunk, task.keep_records, task.engine)

        for (task, _chunk), future in bounded(work, submit, IN_FLIGHT_PER_JOB * jobs):
            for result in future.result():
                yield task.key, result
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _dask(work, tasks: Sequence[Task], seed: int, jobs: int, scheduler: str | None):
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the dev extra installs it
        raise RuntimeError("--executor dask needs dask.distributed: pip install 'meldsim[cluster]'") from None
    cluster = None
    if not scheduler:
        # the workers' statistical profiler walks the deep SimPy stacks every 10 ms and takes
        # the GIL from the replication: 200 replications on 2 workers took 19.7 s with it, 17.6 s without
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        # one copy of each scenario per worker, not one per batch
        shared = {}
        for task in tasks:
            if id(task.scenario) not in shared:
                shared[id(task.scenario)] = client.scatter(task.scenario, broadcast=True)

        def submit(item):
            task, chunk = item
            return client.submit(
                run_batch, shared[id(task.scenario)], seed, chunk, task.keep_records, task.engine, pure=False
            )

        for (task, _chunk), future in bounded(work, submit, IN_FLIGHT_PER_JOB * jobs):
            for result in future.result():
                yield task.key, result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
