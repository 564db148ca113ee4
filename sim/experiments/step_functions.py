"""Step functions recorded by the model (a Level's times and values), integrated afterwards.

Kept out of the engine: the model only appends (time, value) pairs; areas, averages and peaks
are numpy work on the records, done by the KPIs.
"""

from __future__ import annotations

import numpy as np


def integral(level, grid) -> np.ndarray:
    """∫ level dt from 0 to each grid time (the step function is right-continuous)."""
    return step_integral(level.times, level.values, grid)


def step_integral(times, values, grid) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    # several changes at one instant: the last one holds
    keep = np.append(times[1:] != times[:-1], True)
    times, values = times[keep], values[keep]
    grid = np.asarray(grid, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        areas = np.concatenate(([0.0], np.cumsum(values[:-1] * np.diff(times))))
        index = np.searchsorted(times, grid, side="right") - 1
        index = np.clip(index, 0, None)
        return areas[index] + values[index] * (grid - times[index])


def time_average(level, start: float, end: float) -> float:
    a, b = integral(level, [start, end])
    return float((b - a) / (end - start)) if end > start else float("nan")


def peak(level, start: float, end: float) -> float:
    """Highest value held at any time in [start, end]."""
    times = np.asarray(level.times)
    values = np.asarray(level.values, dtype=float)
    before = np.searchsorted(times, start, side="right") - 1
    inside = values[max(before, 0) : np.searchsorted(times, end, side="right")]
    return float(inside.max()) if inside.size else float("nan")
