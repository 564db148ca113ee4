"""Time-weighted monitoring: step functions recorded as they change.

A :class:`Level` stores (time, value) at every change; per-minute series and
time-weighted means are derived afterwards (:mod:`sim.kpis`), keeping the model's hot path to
two list appends.
"""

from __future__ import annotations

import bisect
import math
import operator

import numpy as np
import simpy


class Level:
    """A piecewise-constant quantity (calls waiting, centralists busy, ...)."""

    __slots__ = ("env", "times", "values", "value")

    def __init__(self, env: simpy.Environment, value: float = 0):
        self.env = env
        self.times = [0.0]
        self.values = [value]
        self.value = value

    def set(self, value: float) -> None:
        self.value = value
        self.times.append(self.env._now)
        self.values.append(value)

    def add(self, delta: float) -> None:
        self.value = value = self.value + delta
        self.times.append(self.env._now)
        self.values.append(value)


class _SortedQueue(list):
    """simpy's SortedQueue, inserting in place instead of re-sorting on every append (same order)."""

    maxlen = None

    def append(self, item) -> None:
        bisect.insort_right(self, item, key=_KEY)


_KEY = operator.attrgetter("key")


class Pool(simpy.PriorityResource):
    """A priority resource whose capacity can change while it runs.

    Raising capacity grants waiting requests at once; lowering it never takes a slot from a
    user (a shift change lets work in progress finish), it only stops new grants until
    enough users have released. ``None`` capacity means unlimited. This one mechanism serves
    the roster of centralists and every communication channel: an outage or a fallback
    coming up is a call to :meth:`set_capacity`.
    """

    PutQueue = _SortedQueue

    def __init__(self, env: simpy.Environment, capacity: float | None):
        super().__init__(env, 1)
        self._capacity = math.inf if capacity is None else capacity
        self.busy = Level(env, 0)
        self.limit = Level(env, self._capacity)

    def set_capacity(self, capacity: float | None) -> None:
        self._capacity = math.inf if capacity is None else capacity
        self.limit.set(self._capacity)
        self._trigger_put(None)

    def _do_put(self, event):
        if len(self.users) < self._capacity:
            self.users.append(event)
            event.usage_since = self._env._now
            event.succeed()
            self.busy.set(len(self.users))
            return True  # keep granting: a capacity rise may admit several at once
        return False

    def release(self, request):
        """Free the slot now; grant waiting requests when the returned event is processed.

        What simpy's Release does, without the Get machinery (get queue, _trigger_get,
        _do_get): the same event is scheduled at the same point, so same-instant events
        keep their order and results stay identical.
        """
        try:
            self.users.remove(request)
        except ValueError:
            pass
        else:
            self.busy.set(len(self.users))
        event = simpy.Event(self._env)
        event._ok, event._value = True, None
        event.callbacks.append(self._trigger_put)
        self._env.schedule(event)
        return event

    def _do_get(self, event):
        try:
            self.users.remove(event.request)
        except ValueError:
            pass
        else:
            self.busy.set(len(self.users))
        event.succeed()


def integral(level: Level, grid) -> "np.ndarray":
    """∫ level dt from 0 to each grid time (the step function is right-continuous)."""
    return step_integral(level.times, level.values, grid)


def step_integral(times, values, grid) -> "np.ndarray":
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


def time_average(level: Level, start: float, end: float) -> float:
    a, b = integral(level, [start, end])
    return float((b - a) / (end - start)) if end > start else float("nan")


def peak(level: Level, start: float, end: float) -> float:
    """Highest value held at any time in [start, end]."""
    times = np.asarray(level.times)
    values = np.asarray(level.values, dtype=float)
    before = np.searchsorted(times, start, side="right") - 1
    inside = values[max(before, 0):np.searchsorted(times, end, side="right")]
    return float(inside.max()) if inside.size else float("nan")
