"""Result directories read into figure-ready arrays: pure functions, no Dash.

Only files a run wrote are read (``manifest.json``, ``summary.json`` and the Parquet tables,
see ``results/README.md``), and the listing comes from :func:`sim.experiments.api.list_runs`. A broken
run raises :class:`DataError` with a message for the user; a missing optional table returns
``None`` (runs with ``--keep-records 0`` have no record tables).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import string
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments import api
from sim.experiments.hours import clock_hour_spans
from sim.experiments.metrics import METRICS, metric_of
from sim.experiments.stats import paired_difference, summarise, unpaired_difference

from .norms import norm_of

#: time series on the Compare page: (column, text key)
SERIES = ("calls_waiting", "centralists_busy", "messages_waiting", "units_unreachable")
#: the room's unit board (GMS) against the truth on the Timeline page, as the model records them
BOARD_SERIES = ("units_busy", "units_busy_true", "units_idle_unknown", "units_double_dispatched")
#: timeline events where the board and the truth part or meet again, marked on that panel
BOARD_EVENTS = (
    "status_misnoted",
    "realarm",
    "next_unit_alarmed",
    "reinforcement_lost",
    "status_not_noted",  # staff errors of issue 17
    "double_alarm",
)
#: utilisation by clock hour: the KPI it is the hourly version of -> (busy series, on-duty series)
HOURLY_UTILISATION = MappingProxyType(
    {
        "centralist_utilisation": ("centralists_busy", "centralists_on_duty"),
        "caco_utilisation": ("caco_busy", "caco_on_duty"),
    }
)
#: the room of a run that has the geography and the partners (issue 16), and all rooms together
MAIN_ROOM, ALL_ROOMS = api.MAIN_ROOM, api.ALL_ROOMS
MAX_SERIES_POINTS = 240
MAX_ECDF_POINTS = 200


class DataError(Exception):
    """A run or file that cannot be used, with a message for the user."""


# --- listing -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RunEntry:
    key: str  # path relative to the results root, with '/'
    path: Path
    scenario: str | None
    finished: str | None
    replications: int | None
    seed: int | None = None
    records: int | None = None
    error: str | None = None
    damaged: bool = False  # the files differ from those the manifest recorded

    @property
    def status(self) -> str:
        """``error`` without the "damaged: " the mark already says."""
        return (self.error or "").removeprefix("damaged: ")


def list_run_entries(root: Path) -> list[RunEntry]:
    """Every run under ``root``, newest first; unreadable ones carry ``error``.

    :func:`sim.experiments.api.list_runs` finds directories with a ``manifest.json``; a directory that has
    result files but no manifest (a copy cut short, say) is listed as an error too.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    try:
        infos = api.list_runs(root)
    except OSError as exc:  # a directory vanishing while we walk
        return [RunEntry(".", root, None, None, None, error=f"{type(exc).__name__}: {exc}")]
    entries = [_entry(root, info) for info in infos]
    seen = {e.path for e in entries}
    for marker in ("summary.json", "replications.parquet"):
        for found in root.rglob(marker):
            directory = found.parent
            if directory in seen or _hidden(root, directory):
                continue
            seen.add(directory)
            entries.append(_entry(root, api.read_run_info(directory)))
    return entries


def _hidden(root: Path, path: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _entry(root: Path, info) -> RunEntry:
    key = info.path.relative_to(root).as_posix()
    seed = records = None
    error = info.error
    if not error:
        try:
            manifest = json.loads((info.path / "manifest.json").read_text(encoding="utf-8"))
            seed, records = manifest.get("seed"), manifest.get("records_kept_for")
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    damaged = bool(getattr(info, "damaged", False))
    return RunEntry(key, info.path, info.scenario, info.finished, info.replications, seed, records, error, damaged)


def resolve_run(root: Path, key: str) -> Path:
    """The directory of run ``key``, which must lie inside ``root`` (keys come from browsers)."""
    root = Path(root).resolve()
    try:
        path = (root / str(key)).resolve()
    except (ValueError, OSError) as exc:  # a NUL byte, a name too long for the file system
        raise DataError(f"{key!r}: not a run ({exc})") from None
    if path != root and root not in path.parents:
        raise DataError(f"{key}: not inside the results directory")
    try:
        is_dir = path.is_dir()
    except (ValueError, OSError):
        is_dir = False
    if not is_dir:
        raise DataError(f"{key}: no such run directory")
    return path


# --- one run -----------------------------------------------------------------------------
@dataclass
class RunData:
    key: str
    path: Path
    letter: str
    manifest: dict
    summary: dict
    room: str = MAIN_ROOM  # whose record tables :meth:`table` reads (issue 16)
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def scenario(self) -> str:
        return self.manifest.get("scenario_name", "?")

    @property
    def label(self) -> str:
        return f"{self.letter}: {self.scenario}"

    @property
    def seed(self):
        return self.manifest.get("seed")

    @property
    def horizon(self) -> dict:
        return (self.manifest.get("scenario") or {}).get("horizon") or {}

    @property
    def start(self) -> np.datetime64:
        text = self.horizon.get("start") or "2000-01-01T00:00:00"
        when = dt.datetime.fromisoformat(text)
        if when.tzinfo is not None:
            when = when.replace(tzinfo=None)
        return np.datetime64(when, "ms")

    @property
    def warmup(self) -> float:
        return float(self.horizon.get("warmup_min") or 0.0)

    @property
    def duration(self) -> float:
        return float(self.horizon.get("duration_min") or 0.0)

    @property
    def partners(self) -> list[str]:
        """The partner rooms the run simulated beside its own (issue 16), in the scenario's order."""
        return api.partner_rooms(self.manifest)

    def in_room(self, room: str) -> RunData:
        """The same run read as room ``room`` kept it: the partner's record tables, the same
        manifest and summary (whose ``[room=NAME]`` KPIs are every room's)."""
        if room == self.room:
            return self
        if room != MAIN_ROOM and room not in self.partners:
            raise DataError(f"{self.key}: no room {room!r} in this run")
        return replace(self, room=room, _tables={})

    def rooms_with_records(self) -> list[str]:
        """The main room and every partner room whose record tables the run kept."""
        return [r for r in (MAIN_ROOM, *self.partners) if replications_with_records(self.in_room(r))]

    def table(self, name: str, columns: list[str] | None = None) -> dict[str, np.ndarray] | None:
        """Columns of ``<name>.parquet`` of this room as numpy arrays; None when the run has no such file."""
        cache_key = (name, tuple(columns) if columns else None)
        if cache_key not in self._tables:
            self._tables[cache_key] = read_table(api.room_records(self.path, self.room), name, columns)
        return self._tables[cache_key]

    def times(self, minutes) -> np.ndarray:
        return minutes_to_datetimes(self.start, minutes)


def read_table(path: Path, name: str, columns: list[str] | None = None) -> dict[str, np.ndarray] | None:
    file = Path(path) / f"{name}.parquet"
    if not file.exists():
        return None
    try:
        schema = pq.read_schema(file)
        wanted = [c for c in columns if c in schema.names] if columns else None
        table = pq.read_table(file, columns=wanted)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise DataError(f"{_shown(file)}: {type(exc).__name__}: {exc}") from None
    out = {}
    for column in table.column_names:
        chunked = table[column]
        kind = chunked.type
        if pa.types.is_floating(kind) or pa.types.is_integer(kind):
            values = chunked.to_numpy()
            out[column] = values.astype(float) if chunked.null_count and pa.types.is_integer(kind) else values
        else:
            out[column] = np.asarray(chunked.to_numpy(zero_copy_only=False), dtype=object)
    return out


def _shown(file: Path) -> str:
    """A record file as the user knows it: ``calls.parquet``, or ``rooms/MKNN/calls.parquet``."""
    parts = file.parts
    return "/".join(parts[-3:]) if len(parts) >= 3 and parts[-3] == api.ROOMS_DIR else file.name


def load_run(root: Path, key: str, letter: str = "A") -> RunData:
    path = resolve_run(root, key)
    info = api.read_run_info(path)
    if info.error:
        raise DataError(info.error)
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"manifest.json: {exc}") from None
    return RunData(key, path, letter, manifest, info.summary)


def load_runs(root: Path, keys) -> tuple[list[RunData], list[tuple[str, str]]]:
    """The readable runs among ``keys`` (lettered A, B, ... in order) and (key, error) of the rest."""
    runs, errors = [], []
    for key in keys or []:
        try:
            runs.append(load_run(root, key, _letter(len(runs))))
        except DataError as exc:
            errors.append((key, str(exc)))
    return runs, errors


def _letter(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else f"R{i + 1}"


def minutes_to_datetimes(start: np.datetime64, minutes) -> np.ndarray:
    minutes = np.asarray(minutes, dtype=float)
    return start + np.round(minutes * 60_000).astype("timedelta64[ms]")


# --- KPI table ---------------------------------------------------------------------------
def table_kpis(runs: list[RunData], room: str = MAIN_ROOM) -> list[str]:
    """The KPIs to tabulate: every registry KPI that some run observed, in registry order, then
    per-channel fallback utilisation. Region and priority groups go to the per-region bars.

    For a partner room or all rooms (issue 16): the KPIs the runs report for it, ``calls[room=MKNN]``.
    """
    names: list[str] = []
    observed = {k for run in runs for k, s in run.summary.items() if isinstance(s, dict) and s.get("n")}
    if room != MAIN_ROOM:
        return [key for base in METRICS if (key := room_kpi(base, room)) in observed]
    for base in METRICS:
        if base in observed:
            names.append(base)
        names += sorted(k for k in observed if k.startswith(base + "[channel="))
    known = set(names)
    names += sorted(k for k in observed if "[" not in k and k not in known)  # KPIs newer than this module
    return names


def room_kpi(base: str, room: str) -> str:
    """The summary key of KPI ``base`` for ``room``: ``calls`` for the main room, ``calls[room=MKNN]``."""
    return base if room == MAIN_ROOM else f"{base}[room={room}]"


def summary_rooms(runs: list[RunData]) -> list[str]:
    """The partner rooms whose KPIs the runs report, in their scenarios' order (issue 16)."""
    found = {k.split("[room=", 1)[1][:-1] for run in runs for k in run.summary if "[room=" in k} - {ALL_ROOMS}
    ordered = [name for run in runs for name in run.partners if name in found]
    return list(dict.fromkeys(ordered + sorted(found - set(ordered))))


def room_rows(run: RunData) -> list[dict]:
    """Long table of the KPIs reported per room, rooms side by side (issue 16): per KPI and room
    (the main room, each partner, all rooms) the mean, CI and n from summary.json, and the norm
    check. Empty for a run without partner rooms."""
    rooms = summary_rooms([run])
    if not rooms:
        return []
    rows = []
    for base in grouped_bases([run], "room"):
        try:
            unit = metric_of(base).unit
        except KeyError:
            unit = ""
        norm = norm_of(base)
        for room in (MAIN_ROOM, *rooms, ALL_ROOMS):
            stats = _stats(run.summary.get(room_kpi(base, room)), norm)
            rows.append({"kpi": base, "unit": unit, "room": room, **stats})
    return rows


def _stats(s, norm) -> dict:
    """Mean, CI and n of a KPI's summary (None where missing) and its check against ``norm``."""
    s = s if isinstance(s, dict) else {}
    mean = _num(s.get("mean"))
    return {
        "mean": mean,
        "ci95_low": _num(s.get("ci95_low")),
        "ci95_high": _num(s.get("ci95_high")),
        "n": s.get("n"),
        "norm": norm.describe() if norm else None,
        "norm_broken": bool(norm and norm.broken(mean)),
    }


def _replication_columns(run: RunData, kpis: list[str]) -> dict[str, np.ndarray] | None:
    return run.table("replications", ["replication", *kpis])


def kpi_rows(runs: list[RunData], room: str = MAIN_ROOM) -> list[dict]:
    """Long table: one row per KPI and run with mean, CI and n; for runs after the first the
    difference from the first (paired by replication index when both ran with the same seed,
    Welch's unpaired interval otherwise), whether its CI excludes 0, and the norm check.
    ``room``: whose KPIs (:func:`table_kpis`)."""
    if not runs:
        return []
    kpis = table_kpis(runs, room)
    columns = {}
    for run in runs:
        try:
            columns[run.key] = _replication_columns(run, kpis)
        except DataError:
            columns[run.key] = None
    ref = runs[0]
    rows = []
    for kpi in kpis:
        try:
            metric = metric_of(kpi)
            unit, better = metric.unit, metric.better
        except KeyError:
            unit, better = "", ""
        norm = norm_of(kpi)
        for i, run in enumerate(runs):
            s = run.summary.get(kpi)
            if not isinstance(s, dict) and columns[run.key] is not None and kpi in columns[run.key]:
                s = summarise(columns[run.key][kpi])
            row = {
                "kpi": kpi,
                "unit": unit,
                "run": run.key,
                "letter": run.letter,
                "scenario": run.scenario,
                **_stats(s, norm),
                "diff_mean": None,
                "diff_ci95_low": None,
                "diff_ci95_high": None,
                "diff_n": None,
                "paired": None,
                "significant": None,
                "change": None,
            }
            if i > 0:
                row.update(_difference(columns[ref.key], columns[run.key], kpi, ref.seed == run.seed, better))
            rows.append(row)
    return rows


def _num(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def change_of(low, high, better: str) -> tuple[bool, str | None]:
    """(whether the interval of a difference excludes 0, and then "better", "worse" or "neutral")."""
    low, high = _num(low), _num(high)
    significant = low is not None and high is not None and (low > 0 or high < 0)
    if not significant:
        return False, None
    up = low > 0
    return True, "neutral" if not better else "better" if (up == (better == "higher")) else "worse"


def _difference(base: dict | None, other: dict | None, kpi: str, same_seed: bool, better: str) -> dict:
    if base is None or other is None or kpi not in base or kpi not in other:
        return {}
    if same_seed:
        common, i_base, i_other = np.intersect1d(base["replication"], other["replication"], return_indices=True)
        d = paired_difference(other[kpi][i_other], base[kpi][i_base])
        n = d["n"]
    else:
        d = unpaired_difference(other[kpi], base[kpi])
        n = None
    low, high = _num(d["ci95_low"]), _num(d["ci95_high"])
    significant, change = change_of(low, high, better)
    return {
        "diff_mean": _num(d["mean"]),
        "diff_ci95_low": low,
        "diff_ci95_high": high,
        "diff_n": n,
        "paired": same_seed,
        "significant": significant,
        "change": change,
    }


# --- time series -------------------------------------------------------------------------
def mean_timeseries(
    run: RunData, columns=SERIES + ("centralists_on_duty",), max_points: int = MAX_SERIES_POINTS
) -> dict[str, np.ndarray] | None:
    """Per minute, the mean over the kept replications, averaged into at most ``max_points`` bins.

    Returns ``{"minute": bin start, column: mean, ...}`` or None without ``timeseries.parquet``.
    """
    table = run.table("timeseries", ["replication", "minute", *columns])
    if table is None or "minute" not in table or not len(table["minute"]):
        return None
    minute = np.asarray(table["minute"], dtype=np.int64)
    length = int(minute.max()) + 1
    step = max(1, math.ceil(length / max_points))
    edges = np.arange(0, length, step)
    out = {"minute": edges.astype(float), "step": step}
    for column in columns:
        if column not in table:
            continue
        values = np.asarray(table[column], dtype=float)
        ok = ~np.isnan(values)
        sums = np.bincount(minute[ok], weights=values[ok], minlength=length)
        n = np.bincount(minute[ok], minlength=length).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            binned_sum = np.add.reduceat(sums, edges)
            binned_n = np.add.reduceat(n, edges)
            out[column] = np.where(binned_n > 0, binned_sum / binned_n, np.nan)
    return out


# --- utilisation by clock hour -------------------------------------------------------------
def span_utilisation(minute, busy, on_duty, spans: list[tuple[float, float]]) -> np.ndarray:
    """Busy time over present time in each (from, to) span, from per-minute averages.

    Present is counted as the KPIs count it (``sim.experiments.kpis``): on duty, or busy beyond
    that (someone finishing a call after the shift ended). NaN where nobody was present.
    """
    minute = np.asarray(minute, dtype=float)
    busy = np.nan_to_num(np.asarray(busy, dtype=float))
    present = np.fmax(busy, np.nan_to_num(np.asarray(on_duty, dtype=float)))
    low = np.array([a for a, _ in spans], dtype=float)[:, None]
    high = np.array([b for _, b in spans], dtype=float)[:, None]
    overlap = np.clip(np.minimum(minute + 1, high) - np.maximum(minute, low), 0.0, None)  # minutes of each span
    busy_time, present_time = overlap @ busy, overlap @ present
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present_time > 0, busy_time / present_time, np.nan)


def hourly_utilisation(run: RunData, replication: int | None = None) -> dict | None:
    """Utilisation per clock hour after the warm-up (a part hour at either end of the horizon
    included) of every :data:`HOURLY_UTILISATION` the run recorded, from ``timeseries.parquet``:
    of one ``replication``, or over the replications with records.

    ``{"start", "end" (minutes), "n" (replications), kpi: {"mean", "low", "high"}}``, the lowest
    and highest replication per hour; None without time series (for that replication).
    """
    columns = [c for pair in HOURLY_UTILISATION.values() for c in pair]
    table = run.table("timeseries", ["replication", "minute", *columns])
    if table is None or "minute" not in table:
        return None
    reps = np.asarray(table["replication"])
    chosen = np.unique(reps) if replication is None else np.intersect1d(reps, [replication])
    if not chosen.size:
        return None
    spans = clock_hour_spans(run.start.item(), run.duration, run.warmup)
    out: dict = {"start": np.array([a for a, _ in spans]), "end": np.array([b for _, b in spans]), "n": chosen.size}
    for kpi, (busy, on_duty) in HOURLY_UTILISATION.items():
        if busy in table and on_duty in table:
            shares = [
                span_utilisation(table["minute"][reps == r], table[busy][reps == r], table[on_duty][reps == r], spans)
                for r in chosen
            ]
            out[kpi] = _spread(np.array(shares))
    return out


def _spread(rows: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, lowest and highest of each column over the rows, NaN left out (NaN if all are)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column of NaN: nobody on duty that hour
        return {"mean": np.nanmean(rows, axis=0), "low": np.nanmin(rows, axis=0), "high": np.nanmax(rows, axis=0)}


# --- outages and the procedure -------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    replication: int
    kind: str  # outage, detection, decision, activation, fallback, relocating, relocated, call_in,
    # generator_failed, roll_call; takeover (by partner ``subject``), taking_over (room ``subject``'s calls)
    subject: str
    start: float
    end: float


def procedure_windows(timeline: dict[str, np.ndarray] | None, end: float) -> list[Window]:
    """Outage, detection, decision, activation, fallback, uitwijk, call-in and roll-call stretches
    per replication, from the timeline events (a stretch still open at the end lasts to ``end``)."""
    if timeline is None or "event" not in timeline:
        return []
    order = np.lexsort((timeline["minute"], timeline["replication"]))
    windows: list[Window] = []
    by_replication: dict[int, list[tuple[float, str, str]]] = {}
    for i in order:
        by_replication.setdefault(int(timeline["replication"][i]), []).append(
            (float(timeline["minute"][i]), str(timeline["event"][i]), str(timeline["subject"][i] or ""))
        )
    for rep, events in by_replication.items():
        windows += _replication_windows(rep, events, end)
    return windows


def _replication_windows(rep: int, events, end: float) -> list[Window]:
    out: list[Window] = []
    outages: dict[str, list[float]] = {}
    fallbacks: dict[str, float] = {}
    response_start = detected = decided = relocating = call_in = roll_call = None
    takeovers: dict[str, float] = {}
    for minute, event, subject in events:
        if event == "outage_start":
            outages.setdefault(subject, []).append(minute)
            if response_start is None:
                response_start = minute
        elif event == "outage_end" and outages.get(subject):
            out.append(Window(rep, "outage", subject, outages[subject].pop(0), minute))
        elif event == "detected":
            out.append(Window(rep, "detection", "", response_start if response_start is not None else minute, minute))
            detected = minute
        elif event == "decided":
            out.append(Window(rep, "decision", "CaCo", detected if detected is not None else minute, minute))
            decided = minute
        elif event == "activated":
            if decided is not None:  # steps come up one after the other
                out.append(Window(rep, "activation", subject, decided, minute))
                decided = minute
            fallbacks[subject] = minute
        elif event == "stood_down":
            if subject in fallbacks:
                out.append(Window(rep, "fallback", subject, fallbacks.pop(subject), minute))
            response_start = detected = decided = None
        elif event == "relocation_start":
            relocating = minute
        elif event == "relocated":
            out.append(Window(rep, "relocating", "uitwijk", relocating if relocating is not None else minute, minute))
            out.append(Window(rep, "relocated", "uitwijk", minute, end))
            relocating = None
        elif event == "call_in_requested":
            call_in = minute
        elif event == "centralists_arrived":
            out.append(Window(rep, "call_in", subject, call_in if call_in is not None else minute, minute))
            call_in = None
        elif event == "generator_failed":
            out.append(Window(rep, "generator_failed", subject, minute, minute))
        elif event == "roll_call_start":
            roll_call = minute
        elif event == "roll_call_end":
            out.append(Window(rep, "roll_call", "", roll_call if roll_call is not None else minute, minute))
            roll_call = None
        elif event == "takeover_start":
            takeovers[subject] = minute
        elif event == "takeover_end" and subject in takeovers:
            out.append(Window(rep, "takeover", subject, takeovers.pop(subject), minute))
    for subject, starts in outages.items():
        out += [Window(rep, "outage", subject, s, end) for s in starts]
    out += [Window(rep, "fallback", s, m, end) for s, m in fallbacks.items()]
    if relocating is not None:
        out.append(Window(rep, "relocating", "uitwijk", relocating, end))
    if roll_call is not None:
        out.append(Window(rep, "roll_call", "", roll_call, end))
    out += [Window(rep, "takeover", s, m, end) for s, m in takeovers.items()]
    return out


def typical_windows(windows: list[Window], replications: int) -> list[dict]:
    """Outage windows per target and one fallback window (first channel up to last stood down)
    as medians over the replications where they happened (kept if in at least half of them)."""
    groups: dict[tuple[str, str], dict[int, list[float]]] = {}
    for w in windows:
        if w.kind == "outage":
            key = ("outage", w.subject)
        elif w.kind == "fallback":
            key = ("fallback", "")
        else:
            continue
        span = groups.setdefault(key, {}).setdefault(w.replication, [math.inf, -math.inf])
        span[0], span[1] = min(span[0], w.start), max(span[1], w.end)
    out = []
    for (kind, subject), spans in groups.items():
        share = len(spans) / replications if replications else 0
        if share < 0.5:
            continue
        starts = [s for s, _ in spans.values()]
        ends = [e for _, e in spans.values()]
        out.append(
            {
                "kind": kind,
                "subject": subject,
                "start": float(np.median(starts)),
                "end": float(np.median(ends)),
                "share": share,
            }
        )
    return sorted(out, key=lambda w: (w["kind"] != "outage", w["start"]))


def run_windows(run: RunData) -> list[dict]:
    timeline = run.table("timeline")
    if timeline is None:
        return []
    kept = replications_with_records(run) or sorted(set(timeline.get("replication", np.array([])).tolist()))
    return typical_windows(procedure_windows(timeline, run.duration), len(kept))


def replications_with_records(run: RunData) -> list[int]:
    """Replication indices that have record tables (the first ``--keep-records``)."""
    for name in ("timeseries", "incidents", "timeline"):
        table = run.table(name, ["replication"])
        if table is not None and len(table.get("replication", ())):
            return sorted(int(r) for r in np.unique(table["replication"]))
    return []


# --- distributions -------------------------------------------------------------------------
def response_times(run: RunData) -> dict | None:
    """Processing time (s) and opkomsttijd (min) of every reported incident after the warm-up
    whose deadline fell inside the horizon (NaN = not alarmed / not reached before the end)."""
    table = run.table("incidents", ["minute", "norm_min", "t_alarm", "t_on_scene", "state"])
    if table is None or "minute" not in table:
        return None
    minute = np.asarray(table["minute"], dtype=float)
    norm = np.asarray(table["norm_min"], dtype=float)
    reported = np.asarray(table["state"]) != "abandoned"
    after = (minute >= run.warmup) & reported
    end = run.duration or math.inf
    processing = (np.asarray(table["t_alarm"], dtype=float) - minute) * 60
    opkomst = np.asarray(table["t_on_scene"], dtype=float) - minute
    keep_p = after & (minute + 1 <= end)
    keep_o = after & (minute + norm <= end)
    return {
        "processing_s": processing[keep_p],
        "opkomsttijd_min": opkomst[keep_o],
        "norms_min": sorted(float(n) for n in np.unique(norm[keep_o])),
    }


def ecdf(values, max_points: int = MAX_ECDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Points of the empirical CDF of ``values``; NaN counts in the denominator only (the curve
    ends below 1 when some incidents never got there). At most ``max_points`` points."""
    values = np.asarray(values, dtype=float)
    total = values.size
    finite = np.sort(values[np.isfinite(values)])
    if not total or not finite.size:
        return np.array([]), np.array([])
    ranks = np.arange(1, finite.size + 1) / total
    if finite.size > max_points:
        pick = np.unique(np.round(np.linspace(0, finite.size - 1, max_points)).astype(int))
        finite, ranks = finite[pick], ranks[pick]
    return finite, ranks


# --- per region ----------------------------------------------------------------------------
def grouped_bases(runs: list[RunData], group: str = "region") -> list[str]:
    """Base KPIs that some run reports per ``group`` (registry order)."""
    found = {k.split("[", 1)[0] for run in runs for k in run.summary if f"[{group}=" in k}
    return [b for b in METRICS if b in found] + sorted(found - set(METRICS))


def region_stats(run: RunData, base: str, group: str = "region") -> dict[str, dict]:
    """``{region: summary}`` of ``base[region=X]`` from the run's summary.json."""
    prefix = f"{base}[{group}="
    out = {}
    for key, s in run.summary.items():
        if key.startswith(prefix) and isinstance(s, dict):
            out[key[len(prefix) : -1]] = {k: _num(v) if k != "n" else v for k, v in s.items()}
    return dict(sorted(out.items()))


# --- one replication -----------------------------------------------------------------------
def arrival_rates(run: RunData, replication: int, bin_min: float = 10.0) -> dict | None:
    """Incidents and 112 calls per hour in ``bin_min`` bins for one replication."""
    incidents = run.table("incidents", ["replication", "minute"])
    calls = run.table("calls", ["replication", "t_arrival"])
    if incidents is None and calls is None:
        return None
    end = run.duration or 1.0
    edges = np.arange(0.0, end + bin_min, bin_min)
    scale = 60.0 / bin_min
    out = {"minute": edges[:-1]}
    if incidents is not None:
        mask = incidents["replication"] == replication
        out["incidents"] = np.histogram(incidents["minute"][mask], bins=edges)[0] * scale
    if calls is not None:
        mask = calls["replication"] == replication
        out["calls"] = np.histogram(calls["t_arrival"][mask], bins=edges)[0] * scale
    return out


def replication_windows(run: RunData, replication: int) -> list[Window]:
    """The room's own windows in one replication; a partner room's also when it had the main
    room's 112 calls (``taking_over``, from the main room's timeline)."""
    timeline = run.table("timeline")
    own = [] if timeline is None else procedure_windows(timeline, run.duration)
    out = [w for w in own if w.replication == replication]
    if run.room != MAIN_ROOM:
        out += [
            Window(replication, "taking_over", MAIN_ROOM, w.start, w.end)
            for w in replication_windows(run.in_room(MAIN_ROOM), replication)
            if w.kind == "takeover" and w.subject == run.room
        ]
    return out


def unit_board(run: RunData, replication: int) -> dict[str, np.ndarray] | None:
    """The room's unit board (GMS) against the truth in one replication, per minute (time
    averages, as ``timeseries.parquet`` holds them): ``{"minute", column: values}`` for the
    :data:`BOARD_SERIES` the run has; None without time series for that replication."""
    return replication_series(run, replication, BOARD_SERIES)


def replication_series(run: RunData, replication: int, columns) -> dict[str, np.ndarray] | None:
    """Per-minute series ``columns`` of one replication (those the run has) with ``"minute"``;
    None without time series for that replication."""
    table = run.table("timeseries", ["replication", "minute", *columns])
    if table is None or "minute" not in table:
        return None
    mask = np.asarray(table["replication"]) == replication
    if not mask.any():
        return None
    order = np.argsort(np.asarray(table["minute"])[mask], kind="stable")
    out = {"minute": np.asarray(table["minute"], dtype=float)[mask][order]}
    for column in columns:
        if column in table:
            out[column] = np.asarray(table[column], dtype=float)[mask][order]
    return out


def board_events(run: RunData, replication: int) -> list[dict]:
    """The :data:`BOARD_EVENTS` of one replication, in time order:
    ``{"minute", "event", "subject", "detail"}``."""
    timeline = run.table("timeline")
    if timeline is None or "event" not in timeline:
        return []
    mask = (np.asarray(timeline["replication"]) == replication) & np.isin(timeline["event"], BOARD_EVENTS)
    out = [
        {"minute": float(m), "event": str(e), "subject": str(s or ""), "detail": str(d or "")}
        for m, e, s, d in zip(
            timeline["minute"][mask],
            timeline["event"][mask],
            timeline["subject"][mask],
            timeline["detail"][mask],
            strict=True,
        )
    ]
    return sorted(out, key=lambda e: e["minute"])


# --- CSV -----------------------------------------------------------------------------------
def to_csv(rows: list[dict], columns: list[str] | None = None) -> str:
    import csv
    import io

    columns = columns or (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return buffer.getvalue()
