"""Result directories: written in a temporary sibling, renamed into place when complete.

A run directory holds ``manifest.json`` (what ran, with what, when), ``summary.json`` (per
KPI over all replications), ``replications.parquet`` (KPIs per replication) and the record
tables of the kept replications. Readers can trust that a directory without a leading dot
is whole; the manifest records each file's size, row count and SHA-256, so a file swapped or
damaged afterwards is detected (:func:`verify_files`). Staging directories of processes that
died (``kill -9``, a power cut) are removed by the next run (:func:`remove_stale`).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.experiments.metrics import METRICS
from sim.experiments.records import ROOMS_DIR, float_array, to_arrow
from sim.experiments.stats import summarise
from sim.model.scenario import Scenario

RECORD_TABLES = ("incidents", "calls", "messages", "dispatches", "timeline", "unreachable", "timeseries")
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


#: ``.NAME.partial-PID`` (a result directory being written) and ``.NAME.tmp-PID`` (a file being replaced)
_STAGING = re.compile(r"^\..+\.(?:partial|tmp)-(\d+)$")


def staging_dir(target: Path) -> Path:
    """A hidden sibling of ``target`` to write into; readers skip names starting with a dot."""
    target = Path(target)
    if target.exists():
        raise FileExistsError(errno.EEXIST, "already exists", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target.parent, recursive=False)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


@contextmanager
def staged(target: Path, results_root: Path | None = None) -> Iterator[Path]:
    """A staging directory for ``target`` that is removed if anything fails before it is published.

    Covers the writing of the final files too (a full disk in ``finish``), not only the replications.
    """
    if results_root is not None and Path(results_root).is_dir():
        remove_stale(results_root)
    staging = staging_dir(target)
    try:
        yield staging
    except BaseException:
        discard(staging)
        raise


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie has finished)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def stale_staging(root: Path, recursive: bool = True) -> list[Path]:
    """Staging directories and temporary files under ``root`` whose writing process is no longer alive."""
    found = []
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            match = _STAGING.match(name)
            if match and not pid_alive(int(match.group(1))):
                found.append(Path(directory) / name)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")] if recursive else []
    return found


def remove_stale(root: Path, recursive: bool = True) -> list[Path]:
    """Remove what :func:`stale_staging` finds; returns the removed paths."""
    removed = []
    for path in stale_staging(root, recursive):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass  # another run cleaned it up at the same time
        except OSError:
            continue
        removed.append(path)
    return removed


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
                path = self.directory / f"{name}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)  # a partner room's: rooms/NAME/
                self._writers[name] = pq.ParquetWriter(path, table.schema)
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
        write_json(self.directory / "manifest.json", {**manifest, "files": file_records(self.directory)})

    def abort(self) -> None:
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - best effort while already failing
                pass


def file_records(directory: Path) -> dict[str, dict]:
    """Size, SHA-256 and (Parquet) row count of every result file in ``directory``, for the manifest:
    keyed by the path inside it (``calls.parquet``, ``rooms/MKNN/calls.parquet``)."""
    directory = Path(directory)
    found = {}
    for path in _result_files(directory):
        entry = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        if path.suffix == ".parquet":
            entry["rows"] = pq.read_metadata(path).num_rows
        found[path.relative_to(directory).as_posix()] = entry
    return found


def _result_files(directory: Path) -> list[Path]:
    """The files of a run directory (the manifest and hidden names left out): those at the top,
    in name order, then each partner room's folder (:data:`records.ROOMS_DIR`), room by room."""
    files = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.name == "manifest.json":
            continue
        if path.is_file():
            files.append(path)
        elif path.name == ROOMS_DIR and path.is_dir() and not path.is_symlink():
            files += [
                f
                for room in sorted(path.iterdir())
                if room.is_dir() and not room.name.startswith(".") and not room.is_symlink()
                for f in sorted(room.iterdir())
                if f.is_file() and not f.name.startswith(".") and not f.is_symlink()
            ]
    return files


_HASHES: dict[tuple, str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, inode, size, mtime) so listing runs again is cheap."""
    info = os.stat(path)
    key = (str(path), info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if len(_HASHES) > 10_000:
            _HASHES.clear()
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def verify_files(directory: Path, manifest: dict) -> list[str]:
    """What differs between the files in ``directory`` and those the manifest recorded (empty: all match).

    Runs written before the manifest recorded its files have nothing to check.
    """
    files = manifest.get("files")
    if files is None:
        return []
    if not isinstance(files, dict):
        return ["manifest.json: 'files' is not a mapping"]
    problems = []
    for name, expected in files.items():
        if not isinstance(expected, dict) or not _inside(name):
            problems.append(f"manifest.json: files.{name}: not a file record")
            continue
        path = Path(directory) / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        try:
            size = path.stat().st_size
            if size != expected.get("bytes") or file_sha256(path) != expected.get("sha256"):
                problems.append(f"{name}: {_difference(path, size, expected)}")
        except OSError as exc:
            problems.append(f"{name}: {exc.strerror or exc}")
    return problems


def _inside(name) -> bool:
    """Whether a manifest's file name is a file of the run: at the top or in a partner room's folder
    (``rooms/MKNN/calls.parquet``), never a hidden name, ``..`` or a path from elsewhere."""
    if not isinstance(name, str) or "\\" in name:
        return False
    parts = name.split("/")
    return (len(parts) == 1 or (len(parts) == 3 and parts[0] == ROOMS_DIR)) and all(
        p[:1] not in ("", ".") for p in parts
    )


def _difference(path: Path, size: int, expected: dict) -> str:
    rows = expected.get("rows")
    if path.suffix == ".parquet" and rows is not None:
        try:
            found = pq.read_metadata(path).num_rows
        except Exception:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
            return f"not a readable Parquet file ({size} bytes; the manifest says {expected.get('bytes')})"
        if found != rows:
            return f"{found} rows, the manifest says {rows} (another run's file?)"
    return f"content differs from the manifest (SHA-256; {size} bytes, the manifest says {expected.get('bytes')})"


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
