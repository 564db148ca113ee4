"""What the map draws, read from a run and the bundled region outlines: pure functions, no Dash.

Posts come from the run's manifest (the scenario as it ran), incidents and unreachable units from
its record tables, the outlines of the five regions from ``scenarios/geography/mkon_regions.csv``
as the package ships it (found through :mod:`importlib.resources`, so it works after ``pip install``).
"""

from __future__ import annotations

import csv
import io
import math
from importlib.resources import files

import numpy as np

from sim.bundled import SCENARIOS

from .data import RunData

OUTLINES = ("geography", "mkon_regions.csv")
#: incident categories on the map, in legend order
CATEGORIES = ("within", "late", "not_reached", "under_way", "desk")
APPROXIMATE_SOURCES = ("reconstructed", "generated")


def region_outlines() -> dict[str, dict[str, list]]:
    """``{region: {"lat": [...], "lon": [...]}}``, its polygons one after the other with ``None``
    between them (one line trace per region draws them all)."""
    text = files(SCENARIOS).joinpath(*OUTLINES).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    polygons: dict[tuple[str, int], list[tuple[int, float, float]]] = {}
    for row in rows:
        key = (row["region"], int(row["polygon"]) * 1000 + int(row["ring"]))
        polygons.setdefault(key, []).append((int(row["seq"]), float(row["lat"]), float(row["lon"])))
    out: dict[str, dict[str, list]] = {}
    for (region, _), points in sorted(polygons.items()):
        line = out.setdefault(region, {"lat": [], "lon": []})
        if line["lat"]:
            line["lat"].append(None)
            line["lon"].append(None)
        for _, lat, lon in sorted(points):
            line["lat"].append(lat)
            line["lon"].append(lon)
    return out


def has_geography(run: RunData) -> bool:
    """Whether the run's scenario placed posts and incidents on the map."""
    return bool((run.manifest.get("scenario") or {}).get("geography"))


def posts(run: RunData) -> list[dict]:
    """The posts of the run's scenario that have coordinates (name, region, crew, units, lat, lon, source)."""
    stations = ((run.manifest.get("scenario") or {}).get("units") or {}).get("stations") or []
    return [s for s in stations if isinstance(s, dict) and _finite(s.get("lat")) and _finite(s.get("lon"))]


def approximate(stations: list[dict]) -> bool:
    """Whether any post's position or crew was reconstructed or generated rather than taken from a list."""
    return any(str(s.get("source") or "").startswith(APPROXIMATE_SOURCES) for s in stations)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def incident_points(run: RunData, replication: int) -> dict[str, np.ndarray] | None:
    """The reported incidents of one replication with a position, each with its ``category``:
    within the norm, late, not reached (no unit on scene by the end), still under way (no unit on
    scene yet, but the norm ends after the horizon: as the opkomsttijd KPIs leave them out), or
    handled at the desk (no unit alarmed). Abandoned incidents (never reported) are left out.
    None without the table."""
    columns = ["replication", "minute", "region", "type", "priority", "norm_min", "t_alarm", "t_on_scene", "state"]
    table = run.table("incidents", [*columns, "lat", "lon"])
    if table is None or "lat" not in table or "lon" not in table:
        return None
    lat = np.asarray(table["lat"], dtype=float)
    lon = np.asarray(table["lon"], dtype=float)
    keep = (
        (np.asarray(table["replication"]) == replication)
        & (np.asarray(table["state"]) != "abandoned")
        & np.isfinite(lat)
        & np.isfinite(lon)
    )
    out = {name: np.asarray(values)[keep] for name, values in table.items()}
    opkomst = np.asarray(out["t_on_scene"], dtype=float) - np.asarray(out["minute"], dtype=float)
    alarmed = np.isfinite(np.asarray(out["t_alarm"], dtype=float))
    out["opkomsttijd"] = opkomst
    norm = np.asarray(out["norm_min"], dtype=float)
    deadline_after_end = np.asarray(out["minute"], dtype=float) + norm > (run.duration or math.inf)
    out["category"] = np.select(
        [~alarmed, np.isnan(opkomst) & deadline_after_end, np.isnan(opkomst), opkomst <= norm],
        ["desk", "under_way", "not_reached", "within"],
        "late",
    )
    return out


def unreachable_stretches(run: RunData, replication: int) -> dict[str, np.ndarray] | None:
    """Stretches in which a unit on a job could not be reached by voice, in one replication
    (``unit``, ``station``, ``start``, ``end``); None when there were none."""
    table = run.table("unreachable", ["replication", "unit", "station", "start", "end"])
    if table is None or "start" not in table:
        return None
    mask = np.asarray(table["replication"]) == replication
    if not mask.any():
        return None
    return {name: np.asarray(values)[mask] for name, values in table.items()}


def unreachable_at(stretches: dict[str, np.ndarray] | None, minute: float) -> dict[str, list[str]]:
    """``{post: [units]}`` of the units unreachable at ``minute`` (start inclusive, end exclusive)."""
    if stretches is None:
        return {}
    now = (stretches["start"] <= minute) & (minute < stretches["end"])
    out: dict[str, list[str]] = {}
    for station, unit in zip(stretches["station"][now], stretches["unit"][now], strict=True):
        units = out.setdefault(str(station), [])
        if str(unit) not in units:
            units.append(str(unit))
    return out


def busiest_minute(stretches: dict[str, np.ndarray] | None) -> float | None:
    """The whole minute at which the most units were unreachable (the earliest such), for the slider's start."""
    if stretches is None:
        return None
    candidates = np.unique(np.ceil(stretches["start"]))
    counts = [sum(len(u) for u in unreachable_at(stretches, m).values()) for m in candidates]
    return float(candidates[int(np.argmax(counts))])


def unreachable_span(stretches: dict[str, np.ndarray] | None) -> tuple[int, int] | None:
    """Whole minutes from the first unreachable stretch's start to the last one's end."""
    if stretches is None:
        return None
    return int(math.floor(stretches["start"].min())), int(math.ceil(stretches["end"].max()))
