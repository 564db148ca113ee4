"""The engine pieces the model leans on for speed, tested like simpy tests its own resources.

Pool grants on the spot and hands a released slot to its queue, whose first waiter goes on
at once; the patience clock ends waits at their deadlines with one timer; the Environment
starts processes at once, builds timeouts itself and drops the end event of a process
nothing waits for. Each must behave as the slower simpy construct it replaced, up to the
order of things within one instant where a test says so.
"""

from __future__ import annotations

import pytest

from sim.model import engine as fast
from sim.model import engine_simpy as reference
from sim.model.engine import GAVE_UP, Environment, Pool

BOTH = pytest.mark.parametrize("engine", [fast, reference], ids=["fast", "simpy"])


def test_a_free_slot_is_granted_on_the_spot_without_an_event():
    env = Environment()
    pool = Pool(env, 2)
    first, second, third = (pool.request(priority=1) for _ in range(3))
    assert first.triggered and first.processed and second.processed
    assert not third.triggered and pool.put_queue == [third]
    assert pool.busy.value == 2
    assert len(env._queue) == 0  # nothing scheduled for the two grants


def test_release_serves_the_queue_by_priority_then_arrival_even_against_a_newcomer():
    env = Environment()
    pool = Pool(env, 1)
    holder = pool.request(priority=5)
    low, high, high_later = pool.request(priority=3), pool.request(priority=1), pool.request(priority=1)
    order = []
    for name, request in (("low", low), ("high", high), ("high_later", high_later)):
        request.callbacks.append(lambda _e, name=name: order.append((env.now, name)))

    def releases():
        yield env.timeout(1)
        pool.release(holder)
        newcomer = pool.request(priority=0)  # same instant, after the release: it queues
        assert not newcomer.triggered and high.triggered
        newcomer.callbacks.append(lambda _e: order.append((env.now, "newcomer")))
        for request in (high, newcomer, high_later):
            yield env.timeout(1)
            pool.release(request)

    env.process(releases())
    env.run()
    assert order == [(1, "high"), (2, "newcomer"), (3, "high_later"), (4, "low")]
    assert pool.busy.value == 1 and not pool.put_queue


@BOTH
def test_a_cancelled_request_leaves_the_queue_and_a_lower_capacity_stops_grants(engine):
    env = engine.Environment()
    pool = env.pool(1)
    holder = pool.request()
    waiting = pool.request()
    waiting.cancel()
    assert not pool.put_queue
    later = pool.request()
    pool.set_capacity(0)
    pool.release(holder)
    assert not later.triggered  # capacity 0: the slot is not handed on
    pool.set_capacity(1)
    assert later.triggered


@BOTH
def test_patience_clock_ends_only_waits_still_going_on_at_their_deadline(engine):
    env = engine.Environment()
    clock = env.patience_clock()
    seen = {}

    def waiter(name, event, deadline, then=None):
        seen[name] = (yield clock.wait(event, deadline)), env.now
        if then is not None:  # waits for something else past its old deadline: left alone
            seen[name + " then"] = (yield env.timeout(then)), env.now

    served = env.event()
    env.process(waiter("late", env.event(), 5.0))
    env.process(waiter("early", env.event(), 3.0))
    env.process(waiter("served", served, 4.0, then=10.0))
    env.process(waiter("same deadline", env.event(), 3.0))

    def serve():
        yield env.timeout(2)
        served.succeed("ok")

    env.process(serve())
    env.run()
    assert seen == {
        "early": (GAVE_UP, 3.0),
        "same deadline": (GAVE_UP, 3.0),
        "late": (GAVE_UP, 5.0),
        "served": ("ok", 2.0),
        "served then": (None, 12.0),
    }


@BOTH
def test_patience_clock_rearms_for_an_earlier_deadline_watched_later(engine):
    env = engine.Environment()
    clock = env.patience_clock()
    ends = []

    def wait(start, patience):
        yield env.timeout(start)
        event = env.event()
        value = yield clock.wait(event, env.now + patience)
        ends.append((env.now, value))

    env.process(wait(0, 10))
    env.process(wait(1, 2))  # deadline 3, earlier than the armed 10
    env.run()
    assert ends == [(3.0, GAVE_UP), (10.0, GAVE_UP)]


def test_environment_still_crashes_on_a_failed_process_and_wakes_its_waiters():
    env = Environment()

    def child():
        yield env.timeout(1)
        return "done"

    def parent(result):
        result.append((yield env.process(child())))

    result = []
    env.process(parent(result))
    env.run()
    assert result == ["done"]

    def broken():
        yield env.timeout(1)
        raise ValueError("boom")

    env.process(broken())
    with pytest.raises(ValueError, match="boom"):
        env.run()


def test_a_started_process_runs_to_its_first_yield_inside_its_starter():
    env = Environment()
    seen = []

    def child():
        seen.append(("child began", env.now, env.active_process))
        yield env.timeout(2)
        seen.append(("child ended", env.now))

    def parent():
        yield env.timeout(1)
        started = env.start(child())
        seen.append(("parent goes on", env.now, env.active_process))
        yield started
        seen.append(("parent joined", env.now))
        return started

    me = env.process(parent())
    env.run()
    started = me.value
    assert seen == [("child began", 1, started), ("parent goes on", 1, me), ("child ended", 3), ("parent joined", 3)]
    assert started is not me and not env._queue


def test_started_processes_begin_in_the_order_they_were_started_without_an_event():
    env = Environment()
    order = []

    def child(k):
        order.append(k)
        yield env.timeout(0)

    before = next(env._eid)
    for k in range(3):
        env.start(child(k))
    assert order == [0, 1, 2]
    assert next(env._eid) == before + 4  # the three zero timeouts only (and this call)


def test_timeout_is_simpys_timeout():
    env = Environment()
    got = []

    def wait():
        got.append((yield env.timeout(2.5, value="v")))
        got.append(env.now)

    env.process(wait())
    env.run()
    assert got == ["v", 2.5]
    with pytest.raises(ValueError, match="negative delay"):
        env.timeout(-1)


def test_a_released_slot_lets_its_waiter_go_on_before_the_releaser_does():
    env = Environment()
    pool = Pool(env, 1)
    log = []

    def holder():
        request = pool.request()
        yield env.timeout(1)
        pool.release(request)
        log.append(("holder released", env.now))

    def waiter():
        yield env.timeout(0.5)
        request = pool.request()
        yield request
        log.append(("waiter served", env.now))
        yield env.timeout(1)
        pool.release(request)

    env.process(holder())
    env.process(waiter())
    env.run()
    assert log == [("waiter served", 1), ("holder released", 1)]
    assert pool.busy.value == 0 and list(zip(pool.busy.times, pool.busy.values, strict=False)) == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 0),
    ]


def test_withdraw_releases_a_granted_request_and_dequeues_a_waiting_one():
    env = Environment()
    pool = Pool(env, 1)
    held, queued = pool.request(), pool.request()
    pool.withdraw(queued)
    assert not pool.put_queue and pool.users == [held]
    pool.withdraw(held)
    assert not pool.users and pool.busy.value == 0


@BOTH
def test_watched_level_wakes_its_watchers_when_it_rises_above_their_thresholds(engine):
    env = engine.Environment()
    level = env.watched_level()
    woke = []

    def watch(threshold):
        yield level.above(threshold)
        woke.append((threshold, env.now, level.value))

    def change():
        for delta in (1, 1, -1, 1, 1):
            yield env.timeout(1)
            level.add(delta)

    for threshold in (1, 2, 0):
        env.process(watch(threshold))
    env.process(change())
    env.run()
    assert woke == [(0, 1, 1), (1, 2, 2), (2, 5, 3)]
    level.add(-3)
    assert level.above(-1).triggered  # already above: at once
