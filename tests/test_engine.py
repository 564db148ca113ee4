"""The engine pieces the model leans on for speed, tested like simpy tests its own resources.

Pool grants on the spot and hands a released slot to its queue; the patience clock ends
waits at their deadlines with one timer; the Environment drops the end event of a process
nothing waits for. Each must behave exactly as the slower simpy construct it replaced.
"""

from __future__ import annotations

import pytest

from sim.model import GAVE_UP, Environment, PatienceClock
from sim.monitor import Pool


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


def test_a_cancelled_request_leaves_the_queue_and_a_lower_capacity_stops_grants():
    env = Environment()
    pool = Pool(env, 1)
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


def test_patience_clock_ends_only_waits_still_going_on_at_their_deadline():
    env = Environment()
    clock = PatienceClock(env)
    seen = {}

    def waiter(name, event, deadline, then=None):
        clock.watch(env.active_process, event, deadline)
        seen[name] = (yield event), env.now
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
    assert seen == {"early": (GAVE_UP, 3.0), "same deadline": (GAVE_UP, 3.0), "late": (GAVE_UP, 5.0),
                    "served": ("ok", 2.0), "served then": (None, 12.0)}


def test_patience_clock_rearms_for_an_earlier_deadline_watched_later():
    env = Environment()
    clock = PatienceClock(env)
    ends = []

    def wait(start, patience):
        yield env.timeout(start)
        event = env.event()
        clock.watch(env.active_process, event, env.now + patience)
        value = yield event
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
