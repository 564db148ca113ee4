"""Clock hours of a horizon, in minutes after its start.

Kept apart from :mod:`sim.experiments.kpis` (which imports the model) so that the KPIs (the busiest
hour) and readers of results (the dashboard's utilisation by hour) cut a night at the same
clock hours.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np


def _minute_of_day(start: dt.datetime) -> float:
    return start.hour * 60 + start.minute + start.second / 60


def clock_hours(start: dt.datetime, duration_min: float, after: float = 0.0) -> list[tuple[float, float]]:
    """(from, to) minutes of every whole clock hour of a horizon beginning at ``start``, from ``after`` on."""
    origin = _minute_of_day(start)
    first = math.ceil((origin + after) / 60) * 60 - origin
    return [(a, a + 60) for a in np.arange(first, duration_min - 60 + 1e-9, 60.0).tolist()]


def clock_hour_spans(start: dt.datetime, duration_min: float, after: float = 0.0) -> list[tuple[float, float]]:
    """Every clock hour from ``after`` to the end, cut to the horizon: the whole hours of
    :func:`clock_hours` and a part of an hour at either end where the horizon begins or ends
    between two clock hours (a two-hour night from 22:45 has 22:45-23:00, 23:00-00:00 and
    00:00-00:45)."""
    marks = [a for a, _ in clock_hours(start, duration_min + 60, after)]  # hours that begin inside
    edges = sorted({after, *(m for m in marks if m < duration_min), duration_min})
    return list(zip(edges[:-1], edges[1:], strict=True))
