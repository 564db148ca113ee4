"""The fast engine: SimPy with the shortcuts that make an outage night cheap.

An outage night is mostly waiting, and SimPy spends an event on every start, grant and
hand-over. Here a process starts at once, a free slot is granted without an event, a
released one goes straight to the first waiter, and one patience clock ends every wait at
its deadline. Those shortcuts use SimPy's private internals (``Process._resume``,
``Environment._active_proc``, ``_queue``, ``_eid``, ``_now``, ``Event._value``/``_ok``); this
module is the only one that touches them. The interface is the reference engine's
(:mod:`sim.model.engine_simpy`, public API only), which ``tests/test_engines.py`` holds this
one to, and :func:`check_simpy` refuses a SimPy whose internals differ from the tested ones.
"""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import math
import operator
from typing import Any

import simpy
from simpy.core import NORMAL
from simpy.events import PENDING
from simpy.resources.resource import PriorityRequest

from sim.model import engine_simpy as reference
from sim.model.engine_simpy import GAVE_UP

__all__ = ["GAVE_UP", "Environment", "Level", "PatienceClock", "Pool", "WatchedLevel", "check_simpy", "resume_now"]


def check_simpy() -> None:
    """Fail at import, naming the SimPy version, if the private internals used here are missing."""
    env = simpy.Environment()

    def idle():
        yield env.timeout(0)

    wanted = (
        (env, ("_now", "_queue", "_eid", "_active_proc")),
        (env.process(idle()), ("_resume", "_generator", "_target", "callbacks")),
        (simpy.Event(env).succeed(), ("_ok", "_value")),
        (simpy.PriorityResource(env, 1), ("put_queue", "users")),
    )
    missing = [f"{type(obj).__name__}.{name}" for obj, names in wanted for name in names if not hasattr(obj, name)]
    if missing:
        raise ImportError(
            f"meldsim's fast engine does not work with SimPy {getattr(simpy, '__version__', '?')}: it relies on "
            f"SimPy internals that this version lacks ({', '.join(missing)}). Install a tested SimPy "
            f"(pip install 'simpy>=4.1,<4.2') or run with --engine simpy (the reference engine, public API only)."
        )


check_simpy()


class Level(reference.Level):
    """The reference Level, reading the clock directly (two appends per change on the hot path)."""

    __slots__ = ()

    def set(self, value: float) -> None:
        self.value = value
        self.times.append(self.env._now)
        self.values.append(value)

    def add(self, delta: float) -> None:
        self.value = value = self.value + delta
        self.times.append(self.env._now)
        self.values.append(value)


class WatchedLevel(reference.WatchedLevel, Level):
    """The reference WatchedLevel on the fast Level (its ``add`` inlined: twice per 112 call)."""

    __slots__ = ()

    def add(self, delta: float) -> None:
        self.value = value = self.value + delta
        self.times.append(self.env._now)
        self.values.append(value)
        if self.watches and delta > 0:
            self.wake()


def resume_now(process: simpy.Process, event: simpy.Event) -> None:
    """Run ``process`` on from the processed ``event`` up to its next yield, inside the
    process running now, which then goes on as the active one (simpy would schedule it)."""
    env = process.env
    caller = env._active_proc
    process._resume(event)
    env._active_proc = caller


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

    PutQueue = _SortedQueue  # type: ignore[assignment]  # same order, sorted on insert
    #: simpy's read-only property, shadowed by a plain attribute: read on every request and
    #: every choice of channel
    capacity: float = 0  # type: ignore[assignment]

    def __init__(self, env: simpy.Environment, capacity: float | None):
        super().__init__(env, 1)
        self.capacity = math.inf if capacity is None else capacity
        self.busy = Level(env, 0)
        self.limit = Level(env, self.capacity)

    def request(self, priority: int = 0) -> PriorityRequest:  # type: ignore[override]  # no preemption
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
        if self.put_queue or len(users) >= self.capacity:
            # pending until a release or a capacity rise grants it
            request.key, request.callbacks = (priority, env._now, False), []
            self.put_queue.append(request)
        else:
            request._ok, request._value, request.callbacks = True, None, None  # type: ignore[assignment]  # processed
            users.append(request)
            self.busy.set(len(users))
        return request

    def set_capacity(self, capacity: float | None) -> None:
        self.capacity = math.inf if capacity is None else capacity
        self.limit.set(self.capacity)
        self._trigger_put()

    def _trigger_put(self, _event=None, at_once: bool = False) -> None:
        """Grant waiting requests in priority order while there is room."""
        queue, users = self.put_queue, self.users
        if not queue or len(users) >= self.capacity:
            return
        while queue and len(users) < self.capacity:
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
        request._ok, request._value, request.callbacks = True, None, None  # type: ignore[assignment]  # processed
        resume_now(process, request)

    def withdraw(self, request) -> None:
        """Let go of ``request``: free its slot if it was granted, else leave the queue."""
        if request._value is PENDING:
            self.put_queue.remove(request)
        else:
            self.release(request)

    def release(self, request) -> None:  # type: ignore[override]  # nothing waits for a release
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


class PatienceClock:
    """Ends a wait still going on at its deadline (the wait returns GAVE_UP); one timer in all.

    A Timeout and a Condition per waiting message or caller, and an Interrupt for each
    that gave up, made an outage night, when most of them wait, far slower than a normal
    one. Here a wait costs a heap push; only the earliest deadline of a wait still going
    on is armed, and a wait that ended is recognised by its process now waiting for
    something else.
    """

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.waits: list[tuple[float, int, Any, simpy.Event]] = []
        self.armed_at = math.inf  # the earliest alarm still to ring
        self.gave_up = simpy.Event(env)  # processed, never scheduled: resumes a wait with GAVE_UP
        self.gave_up._ok, self.gave_up._value, self.gave_up.callbacks = True, GAVE_UP, None  # type: ignore[assignment]  # processed
        self.order = itertools.count()

    def wait(self, event: simpy.Event, deadline: float) -> simpy.Event:
        """``event`` itself, for the running process to yield; the wait ends with GAVE_UP at
        ``deadline`` if ``event`` has not come by then."""
        heapq.heappush(self.waits, (deadline, next(self.order), self.env._active_proc, event))
        if deadline < self.armed_at:
            self._arm(deadline)
        return event

    def _arm(self, at: float) -> None:
        self.armed_at = at
        self.env.timeout(at - self.env._now).callbacks.append(self._ring)

    def _ring(self, _event) -> None:
        now = self.env._now
        if now == self.armed_at:
            self.armed_at = math.inf  # (an alarm superseded by an earlier one rings too, harmlessly)
        waits = self.waits
        while waits:
            deadline, _, process, event = waits[0]
            waiting = process._target is event
            if waiting and deadline > now:
                if deadline < self.armed_at:
                    self._arm(deadline)
                return
            heapq.heappop(waits)
            if waiting:  # what simpy's interrupt does, with a value instead of an exception
                event.callbacks.remove(process._resume)
                process._resume(self.gave_up)


class Environment(reference.Factories, simpy.Environment):
    """simpy's Environment, with processes that start at once and without the event of a
    process that ended well and that nothing waits for (one event in five on a night, and
    processing it did nothing)."""

    Pool, Level, WatchedLevel, PatienceClock = Pool, Level, WatchedLevel, PatienceClock

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self._started = simpy.Event(self)  # processed, never scheduled: what a process starts from
        self._started._ok, self._started._value, self._started.callbacks = True, None, None  # type: ignore[assignment]  # processed

    def start(self, generator) -> simpy.Process:
        """A process whose first step runs now, inside the caller's, up to its first yield.

        simpy's ``process()`` starts a generator from an Initialize event later in the same
        instant: an event per call, alarm, unit and message, a third of a night's events.
        Same instant, same order among the started processes; what changes is only that a
        process started by another runs before that other one goes on.
        """
        process = simpy.Process.__new__(simpy.Process)
        process.env, process.callbacks, process._generator, process._target = self, [], generator, None  # type: ignore[assignment]  # started, waiting for nothing
        resume_now(process, self._started)
        return process

    def timeout(self, delay: float = 0, value: Any | None = None) -> simpy.Timeout:
        """simpy's Timeout, built here: ``env.timeout`` makes a bound class, a Timeout
        frame and a schedule frame for every wait, and most events are timeouts."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        timeout = simpy.Timeout.__new__(simpy.Timeout)
        timeout.env, timeout.callbacks, timeout._value, timeout._delay, timeout._ok = self, [], value, delay, True
        heapq.heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), timeout))
        return timeout

    def schedule(self, event, priority=NORMAL, delay=0) -> None:
        if event.__class__ is simpy.Process and event._ok and not event.callbacks:
            event.callbacks = None  # type: ignore[assignment]  # processed
            return
        heapq.heappush(self._queue, (self._now + delay, priority, next(self._eid), event))

    def events_scheduled(self) -> int:
        return next(copy.copy(self._eid))
