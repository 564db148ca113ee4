"""The reference engine: the same interface as :mod:`sim.model.engine`, on SimPy's public API only.

It is the oracle that lets the fast engine change safely (``meldsim run --engine simpy``;
``tests/test_engines.py`` checks that both give the same KPIs within their paired CIs). Every
grant, start and end of a wait is an ordinary SimPy event here: slower, and the order of
things that happen in the same instant can differ from the fast engine's, never the logic.

The interface the model uses, on both engines:

* ``Environment``: ``now``, ``timeout``, ``event``, ``process``, ``start`` (a process),
  ``active_process``, ``run``, ``events_scheduled()`` and the factories ``pool``, ``level``,
  ``watched_level`` and ``patience_clock``;
* ``Pool``: ``request(priority)``, ``release``, ``withdraw``, ``set_capacity``, ``capacity``,
  ``users``, and the step functions ``busy`` and ``limit``; a request has ``triggered`` and
  ``cancel()``;
* ``PatienceClock.wait(event, deadline)``: an event to yield, whose value is ``event``'s or
  :data:`GAVE_UP` if the deadline came first;
* ``Level`` / ``WatchedLevel``: step functions recorded as they change.
"""

from __future__ import annotations

import bisect
import itertools
import math

import simpy
from simpy.core import NORMAL

GAVE_UP = "gave up"  # what a wait returns when the patience clock ends it


class Level:
    """A piecewise-constant quantity (calls waiting, centralists busy, ...), stored as
    (time, value) at every change; series and time averages are derived afterwards."""

    __slots__ = ("env", "times", "values", "value")

    def __init__(self, env: simpy.Environment, value: float = 0):
        self.env = env
        self.times = [0.0]
        self.values = [value]
        self.value = value

    def set(self, value: float) -> None:
        self.value = value
        self.times.append(self.env.now)
        self.values.append(value)

    def add(self, delta: float) -> None:
        self.set(self.value + delta)


class WatchedLevel(Level):
    """A Level that wakes whoever waits for it to rise above a threshold (the backlog escalation)."""

    __slots__ = ("watches",)

    def __init__(self, env: simpy.Environment, value: float = 0):
        super().__init__(env, value)
        self.watches: list[tuple[float, simpy.Event]] = []

    def add(self, delta: float) -> None:
        super().add(delta)
        if self.watches and delta > 0:
            self.wake()

    def wake(self) -> None:
        """Wake the watchers whose threshold the value is now above."""
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


class Request(simpy.Event):
    """A claim on a :class:`Pool` slot; succeeds when granted."""

    def __init__(self, pool: Pool, priority: int):
        super().__init__(pool.env)
        self.pool = pool
        self.key = (priority, pool.env.now, next(pool.order))  # lower first, then first come

    def __lt__(self, other: Request) -> bool:
        return self.key < other.key

    def cancel(self) -> None:
        if not self.triggered:
            self.pool.put_queue.remove(self)


class Pool:
    """A priority resource whose capacity can change while it runs (roster, outage, fallback).

    Lowering the capacity never takes a slot from a user; it only stops new grants until
    enough users have released. ``None`` capacity means unlimited.
    """

    def __init__(self, env: simpy.Environment, capacity: float | None):
        self.env = env
        self.capacity = math.inf if capacity is None else capacity
        self.users: list[Request] = []
        self.put_queue: list[Request] = []
        self.order = itertools.count()
        self.busy = Level(env, 0)
        self.limit = Level(env, self.capacity)

    def request(self, priority: int = 0) -> Request:
        request = Request(self, priority)
        bisect.insort(self.put_queue, request)
        self._grant()
        return request

    def set_capacity(self, capacity: float | None) -> None:
        self.capacity = math.inf if capacity is None else capacity
        self.limit.set(self.capacity)
        self._grant()

    def release(self, request: Request) -> None:
        if request in self.users:
            self.users.remove(request)
            self.busy.set(len(self.users))
            self._grant()

    def withdraw(self, request: Request) -> None:
        """Let go of ``request``: free its slot if it was granted, else leave the queue."""
        if request.triggered:
            self.release(request)
        else:
            self.put_queue.remove(request)

    def _grant(self) -> None:
        granted = False
        while self.put_queue and len(self.users) < self.capacity:
            request = self.put_queue.pop(0)
            self.users.append(request)
            request.succeed()
            granted = True
        if granted:
            self.busy.set(len(self.users))


class PatienceClock:
    """Ends a wait at its deadline: ``yield clock.wait(event, deadline)`` gives GAVE_UP then."""

    def __init__(self, env: simpy.Environment):
        self.env = env

    def wait(self, event: simpy.Event, deadline: float) -> simpy.Event:
        outcome = self.env.event()

        def settle(value) -> None:
            if not outcome.triggered:
                outcome.succeed(value)

        event.callbacks.append(lambda done: settle(done.value))
        self.env.timeout(max(deadline - self.env.now, 0.0)).callbacks.append(lambda _: settle(GAVE_UP))
        return outcome


class Factories:
    """What the model builds through its environment, so it never names an engine's classes."""

    Pool: type = Pool
    Level: type = Level
    WatchedLevel: type = WatchedLevel
    PatienceClock: type = PatienceClock

    def pool(self, capacity: float | None):
        return self.Pool(self, capacity)

    def level(self, value: float = 0):
        return self.Level(self, value)

    def watched_level(self, value: float = 0):
        return self.WatchedLevel(self, value)

    def patience_clock(self):
        return self.PatienceClock(self)


class Environment(Factories, simpy.Environment):
    """simpy's Environment with the model's factories and an event count."""

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.scheduled = 0

    def schedule(self, event: simpy.Event, priority=NORMAL, delay: float = 0) -> None:
        self.scheduled += 1
        super().schedule(event, priority, delay)

    def start(self, generator) -> simpy.Process:
        return self.process(generator)

    def events_scheduled(self) -> int:
        return self.scheduled
