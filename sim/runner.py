"""Replications: seeded per replication, run in order, in one process pool.

A replication's result depends only on (scenario, seed, replication index), never on which
worker ran it, so ``--jobs 1`` and ``--jobs N`` give identical files. Replications travel
in batches to keep pool overhead small; results come back in replication order so they
can be streamed to disk without holding a whole run in memory.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Iterator

from . import kpis, records
from .model import simulate
from .scenario import Scenario


@dataclass
class ReplicationResult:
    replication: int
    kpis: dict[str, float]
    events: int
    tables: dict[str, dict[str, list]] | None  # only for replications whose records are kept


def run_replication(scenario: Scenario, seed: int, replication: int, keep_records: bool) -> ReplicationResult:
    outcome = simulate(scenario, seed, replication)
    return ReplicationResult(replication, kpis.compute(outcome), outcome.events,
                             records.tables(outcome, replication) if keep_records else None)


def run_batch(scenario: Scenario, seed: int, replications: range, keep_records: int) -> list[ReplicationResult]:
    return [run_replication(scenario, seed, r, r < keep_records) for r in replications]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def batches(first: int, count: int, jobs: int, max_batch: int = 25) -> list[range]:
    """Split replications so each worker gets several batches (load balance) of bounded size."""
    size = max(1, min(max_batch, count // (4 * jobs) or 1))
    return [range(s, min(s + size, first + count)) for s in range(first, first + count, size)]


def iterate(scenario: Scenario, seed: int, replications: int, *, jobs: int = 1, keep_records: int = 0,
            first: int = 0) -> Iterator[ReplicationResult]:
    """Yield every replication's result in replication order."""
    work = batches(first, replications, jobs)
    if jobs <= 1 or len(work) == 1:
        for chunk in work:
            yield from run_batch(scenario, seed, chunk, keep_records)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_batch, scenario, seed, chunk, keep_records) for chunk in work]
        try:
            for future in futures:
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()
