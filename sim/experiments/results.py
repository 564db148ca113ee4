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

from sim import __version__
from sim.experiments.metrics import METRICS
from sim.experiments.records import float_array, to_arrow
from sim.experiments.stats import summarise
from sim.model.scenario import Scenario

RECORD_TABLES = ("incidents", "calls", "messages", "dispatches", "timeline", "timeseries")
DEPENDENCIES = ("simpy", "numpy", "scipy", "pydantic", "pyarrow", "pyyaml")


def scenario_json(scenario: Scenario) -> dict:
    return scenario.model_dump(mode="json")


def scenario_sha256(scenario: Scenario) -> str:
    canonical = json.dumps(scenario_json(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_run_dir(root: Path, name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    # scenario files are checked (loading.NAME), but sweeps and reports build names too:
    # never '..' (outside root) nor a leading dot (readers skip hidden directories)
    safe = "_" + safe[1:] if safe.startswith(".") else safe or "_"
    target = root / safe / stamp
    n = 1
    while target.exists():
        n += 1
        target = root / safe / f"{stamp}-{n}"
    return target


def staging_dir(target: Path) -> Path:
    """A hidden sibling of ``target`` to write into; readers skip names starting with a dot."""
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def publish_dir(staging: Path, target: Path) -> Path:
    """Make a finished directory visible in one step (beside, if another run took the name meanwhile)."""
    target = Path(target)
    for n in range(1, 100):
        candidate = target if n == 1 else target.with_name(f"{target.name}-{n}")
        try:
            os.rename(staging, candidate)  # fails if candidate exists and is not empty
            return candidate
        except OSError:
            if not candidate.exists():
                raise
    raise FileExistsError(f"{target}: no free name")


def write_text_atomic(path: Path, text: str) -> Path:
    """Write a single file so a reader never sees half of it (temporary sibling, then replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


class RunWriter:
    """Streams one scenario's results into ``directory`` (inside a staging directory)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.kpi_rows: list[dict[str, float]] = []

    def add(self, result) -> None:
        self.kpi_rows.append({"replication": result.replication, **result.kpis})
        for name, columns in (result.tables or {}).items():
            table = to_arrow(name, columns)
            if name not in self._writers:
                self._writers[name] = pq.ParquetWriter(self.directory / f"{name}.parquet", table.schema)
            self._writers[name].write_table(table)

    def kpi_names(self) -> list[str]:
        return sorted({k for row in self.kpi_rows for k in row} - {"replication"}, key=_kpi_order)

    def column(self, kpi: str) -> list[float]:
        return [row.get(kpi, math.nan) for row in self.kpi_rows]

    def finish(self, manifest: dict) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        names = self.kpi_names()
        pq.write_table(
            pa.table(
                {
                    "replication": pa.array([r["replication"] for r in self.kpi_rows], pa.int32()),
                    **{k: float_array(self.column(k)) for k in names},
                }
            ),
            self.directory / "replications.parquet",
        )
        write_json(self.directory / "summary.json", {k: summarise(self.column(k)) for k in names})
        write_json(self.directory / "manifest.json", manifest)

    def abort(self) -> None:
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - best effort while already failing
                pass


def _kpi_order(name: str):
    base = name.split("[", 1)[0]
    order = list(METRICS)
    return (order.index(base) if base in order else len(order), name)


def write_json(path: Path, data) -> None:
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
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True, text=True, timeout=5
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")
