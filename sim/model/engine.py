"""Time-weighted monitoring: step functions recorded as they change.

A :class:`Level` stores (time, value) at every change; per-minute series and
time-weighted means are derived afterwards (:mod:`sim.experiments.kpis`), keeping the model's hot path to
two list appends.
"""

from __future__ import annotations

import bisect
import math
import operator

import numpy as np
import simpy
from simpy.events import PENDING
from simpy.resources.resource import PriorityRequest


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


def resume_now(process: simpy.Process, event: simpy.Event) -> None:
    """Run ``process`` on from the processed ``event`` up to its next yield, inside the
    process running now, which then goes on as the active one (simpy would schedule it)."""
    env = process.env
    caller = env._active_proc
    process._resume(event)
    env._active_proc = caller


class WatchedLevel(Level):
    """A Level that wakes whoever waits for it to rise above a threshold (the backlog escalation)."""

    __slots__ = ("watches",)

    def __init__(self, env: simpy.Environment, value: float = 0):
        super().__init__(env, value)
        self.watches: list[tuple[float, simpy.Event]] = []

    def add(self, delta: float) -> None:
        Level.add(self, delta)
        if self.watches and delta > 0:
            value = self.value
            for watch in [w for w in self.watches if value > w[0]]:
                self.watches.remove(watch)
                watch[1].succeed()

    def above(self, threshold: float) -> simpy.Event:
        """An event that succeeds once the value is above ``threshold`` (at once if it is)."""
        event = simpy.Event(self.env)
        if self.value > threshold:
            event.succeed()
        else:
            self.watches.append((threshold, event))
        return event


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

    def request(self, priority: int = 0) -> PriorityRequest:
        """A slot: granted on the spot, with no event, when one is free, else queued.

        A PriorityRequest with what this resource uses of it (its process and, in the
        queue, its sort key), without simpy's Put machinery (a trigger loop that can only
        fail for a request that has to queue, and an event for one that is granted at
        once, which nothing waits for). That machinery was about a sixth of an outage
        night's time in the profile.
        """
        env = self._env
        request = PriorityRequest.__new__(PriorityRequest)
        request.env, request.resource, request.proc = env, self, env._active_proc
        users = self.users
        if self.put_queue or len(users) >= self._capacity:
            # pending until a release or a capacity rise grants it
            request.key, request.callbacks = (priority, env._now, False), []
            self.put_queue.append(request)
        else:
            request._ok, request._value, request.callbacks = True, None, None
            users.append(request)
            self.busy.set(len(users))
        return request

    def set_capacity(self, capacity: float | None) -> None:
        self._capacity = math.inf if capacity is None else capacity
        self.limit.set(self._capacity)
        self._trigger_put()

    def _trigger_put(self, _event=None, at_once: bool = False) -> None:
        """Grant waiting requests in priority order while there is room."""
        queue, users = self.put_queue, self.users
        if not queue or len(users) >= self._capacity:
            return
        while queue and len(users) < self._capacity:
            request = queue.pop(0)
            users.append(request)
            process = request.proc
            if at_once and process is not None and request.callbacks == [process._resume]:
                self._go_on(request, process)
            else:
                request.succeed()
        self.busy.set(len(users))

    def _go_on(self, request, process: simpy.Process) -> None:
        """Resume the process waiting for ``request`` now, inside the releasing one.

        simpy would schedule the grant as an event that resumes the waiter later in the
        same instant: an event for every queued caller and message, most of an outage
        night's extra events. The waiter goes on up to its next yield (usually its
        conversation's timeout), then the releaser goes on; a waiter never changes the
        channels, so the releaser finds them as it left them.
        """
        request._ok, request._value, request.callbacks = True, None, None
        resume_now(process, request)

    def withdraw(self, request) -> None:
        """Let go of ``request``: free its slot if it was granted, else leave the queue."""
        if request._value is PENDING:
            self.put_queue.remove(request)
        else:
            self.release(request)

    def release(self, request) -> None:
        """Free the slot and hand it to the first waiting request at once.

        simpy grants waiting requests only when a Release event is processed later in the
        same instant, so a request made in between can take the slot ahead of the queue,
        and every release costs an event. Handing it over here keeps the queue's priority
        order and saves the event; the waiter goes on at once (:meth:`_go_on`). Nothing
        waits for a release, so none is returned.
        """
        users = self.users
        try:
            users.remove(request)
        except ValueError:
            return
        self.busy.set(len(users))
        if self.put_queue:
            self._trigger_put(at_once=True)


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
