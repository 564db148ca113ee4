"""Result directories: written in a temporary sibling, renamed into place when complete.

A run directory holds ``manifest.json`` (what ran, with what, when), ``summary.json`` (per
KPI over all replications), ``replications.parquet`` (KPIs per replication) and the record
tables of the kept replications. Readers can trust that a directory without a leading dot
is whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .records import to_arrow
from .scenario import Scenario
from .stats import summarise

RECORD_TABLES = ("incidents", "calls", "messages", "dispatches", "timeline", "timeseries")
DEPENDENCIES = ("simpy", "numpy", "scipy", "pydantic", "pyarrow", "pyyaml")


def scenario_json(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json")


def scenario_sha256(scenario: Scenario) -> str:
    canonical = json.dumps(scenario_json(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_run_dir(root: Path, scenario: Scenario) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = root / scenario.name / stamp
    n = 1
    while target.exists():
        n += 1
        target = root / scenario.name / f"{stamp}-{n}"
    return target


class RunWriter:
    """Streams one run's results to a hidden temporary directory, then publishes it."""

    def __init__(self, target: Path):
        self.target = Path(target)
        if self.target.exists():
            raise FileExistsError(f"{self.target} already exists")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.target.parent / f".{self.target.name}.partial-{os.getpid()}"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.kpi_rows: list[dict[str, float]] = []

    def add(self, result) -> None:
        self.kpi_rows.append({"replication": result.replication, **result.kpis})
        for name, columns in (result.tables or {}).items():
            table = to_arrow(name, columns)
            if name not in self._writers:
                self._writers[name] = pq.ParquetWriter(self.tmp / f"{name}.parquet", table.schema)
            self._writers[name].write_table(table)

    def finish(self, manifest: dict) -> Path:
        for writer in self._writers.values():
            writer.close()
        names = sorted({k for row in self.kpi_rows for k in row} - {"replication"}, key=_kpi_order)
        pq.write_table(pa.table({"replication": pa.array([r["replication"] for r in self.kpi_rows], pa.int32()),
                                 **{k: pa.array([r.get(k, math.nan) for r in self.kpi_rows], pa.float64())
                                    for k in names}}),
                       self.tmp / "replications.parquet")
        summary = {k: summarise([r.get(k, math.nan) for r in self.kpi_rows]) for k in names}
        _write_json(self.tmp / "summary.json", summary)
        _write_json(self.tmp / "manifest.json", manifest)
        os.rename(self.tmp, self.target)
        return self.target

    def abort(self) -> None:
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - best effort while already failing
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def _kpi_order(name: str):
    from .kpis import METRICS

    base = name.split("[", 1)[0]
    order = list(METRICS)
    return (order.index(base) if base in order else len(order), name)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(clean_json(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def clean_json(data):
    """NaN is not JSON: write null instead."""
    if isinstance(data, dict):
        return {k: clean_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [clean_json(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "meldsim": __version__}
    for name in DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")
