"""Outages as processes, and the fallback procedure that answers them.

An outage process switches an :class:`~sim.model.comms.Effect` on and off; the procedure runs
detection → CaCo decision (once the CaCo is free for it) → fallback steps in order, escalates, and stands the fallbacks
down after recovery. Zero delays do not yield and each step starts at once
(``Environment.start``), so an instant fallback comes up in the same instant as the outage,
before anything else happens in it (the equivalence test relies on that).
"""

from __future__ import annotations

import simpy

from sim.model.comms import Comms, Effect
from sim.model.scenario import Outage, RandomOutages, Scenario

# timeline events, in the order a night goes
OUTAGE_START, OUTAGE_END = "outage_start", "outage_end"
DETECTED, DECIDED, ACTIVATED, STOOD_DOWN = "detected", "decided", "activated", "stood_down"
RELOCATION_START, RELOCATED = "relocation_start", "relocated"
CALL_IN, CALLED_IN = "call_in_requested", "centralists_arrived"
TAKEOVER_START, TAKEOVER_END = "takeover_start", "takeover_end"
GENERATOR_FAILED = "generator_failed"


class Timeline:
    """Rows (minute, event, subject, detail) of everything the procedure and outages did."""

    def __init__(self, env):
        self.env = env
        self.rows: list[tuple[float, str, str, str]] = []

    def log(self, event: str, subject: str = "", detail: str = "") -> None:
        self.rows.append((self.env.now, event, subject, detail))


def _sleep(env, minutes: float):
    """Yield only for a positive delay, so zero-delay steps happen in the same instant."""
    if minutes > 0:
        yield env.timeout(minutes)


def _scaled(draw, factor: float):
    """``draw`` with every value times ``factor``; ``draw`` itself when the factor is 1."""
    if factor == 1.0:
        return draw
    return lambda: draw() * factor


class Outages:
    """Scheduled and random outages; tells the procedure when they start and end."""

    def __init__(self, env, scenario: Scenario, comms: Comms, timeline: Timeline, procedure, streams, on_recovery):
        self.env, self.scenario, self.comms, self.timeline, self.procedure = env, scenario, comms, timeline, procedure
        self.on_recovery = on_recovery  # the room reconciles its picture of the units
        self.duration_rng = streams["outage_duration"]
        self.random_rng = streams["outage_random"]
        self.generator_rng = streams["generator"]
        self.ongoing = 0
        for outage in scenario.outages:
            env.process(self.scheduled(outage))
        for spec in scenario.random_outages:
            env.process(self.random(spec))

    def scheduled(self, outage: Outage):
        horizon = self.scenario.horizon
        start = outage.start_min if outage.start is None else horizon.minute_of(outage.start)
        if outage.end is not None:
            duration = horizon.minute_of(outage.end) - start
        else:
            duration = outage.duration_min.sampler(self.duration_rng)()
        yield from _sleep(self.env, start)
        yield from self.happen(outage, duration)

    def random(self, spec: RandomOutages):
        between = spec.time_between_failures_min.sampler(self.random_rng)
        repair = spec.repair_min.sampler(self.random_rng)
        while True:
            yield self.env.timeout(max(between(), 1e-9))
            yield from self.happen(spec, repair())

    def happen(self, outage, duration: float):
        effect = Effect(outage.target, frozenset(outage.regions) if outage.regions else None, outage.capacity_factor)
        scope = ",".join(outage.regions) if outage.regions else "all"
        if outage.target == "power":
            duration = self.power_cut(duration)
        self.ongoing += 1
        self.comms.add(effect)
        self.timeline.log(
            OUTAGE_START, outage.target, f"regions={scope} factor={outage.capacity_factor:g} lasts_min={duration:.1f}"
        )
        if self.procedure is not None:
            self.procedure.outage_started(effect)
        yield from _sleep(self.env, duration)
        self.ongoing -= 1
        self.comms.remove(effect)
        self.timeline.log(OUTAGE_END, outage.target, f"regions={scope}")
        if self.ongoing == 0:
            if self.procedure is not None:
                self.procedure.all_recovered()
            else:
                self.comms.detected = False
            self.on_recovery()

    def power_cut(self, duration: float) -> float:
        """How long the room is without power: until the generator carries it, or the whole cut."""
        resilience = self.scenario.resilience
        switch = resilience.generator_switch_min.sampler(self.generator_rng)()
        if self.generator_rng.random() < resilience.generator_failure_probability:
            self.timeline.log(GENERATOR_FAILED, "power")
            return duration
        return min(duration, switch)


class Procedure:
    """The room's fallback plan, one response at a time."""

    def __init__(self, env, scenario: Scenario, comms: Comms, timeline: Timeline, room, streams):
        self.env, self.comms, self.timeline, self.room = env, comms, timeline, room
        self.spec = spec = scenario.procedure
        rng = streams["procedure"]
        # preparedness (issue 17) scales the drawn delays; the draws themselves stay the same
        k = 1.0 if comms.team is None else comms.team.delay()
        self.detection = _scaled(spec.detection_min.sampler(rng), k)
        self.decision = _scaled(spec.decision_min.sampler(rng), k)
        self.revert = spec.revert_min.sampler(rng)
        self.activation = {name: _scaled(ch.activation_min.sampler(rng), k) for name, ch in scenario.channels.items()}
        self.move = spec.relocation.move_min.sampler(rng) if spec.relocation else None
        self.call_in = [e.call_in_min.sampler(rng) for e in spec.escalations]
        self.routing = [e.routing_delay_min.sampler(streams["takeover"]) for e in spec.escalations]
        self.responding = False  # a response is under way (from first outage to stand-down)
        self.under_outage = False
        self.generation = 0  # bumped at every stand-down: an older response's steps stop
        self.activated: list[str] = []
        self.revert_process = None
        self.escalated: set[int] = set()
        self.watching: dict[int, int] = {}  # backlog escalation -> generation of its watcher

    # --- called by the outages ---
    def outage_started(self, effect: Effect) -> None:
        self.under_outage = True
        if self.revert_process is not None and self.revert_process.is_alive:
            self.revert_process.interrupt()
        self.revert_process = None
        if not self.responding:
            self.responding = True
            self.env.start(self.respond(self.generation))
        for i, esc in enumerate(self.spec.escalations):
            if i in self.escalated:
                continue
            if esc.when_outage_longer_than_min is not None and (esc.targets is None or effect.target in esc.targets):
                self.env.start(self.after_long_outage(i, effect, esc.when_outage_longer_than_min))
            if esc.when_calls_waiting_above is not None and self.watching.get(i) != self.generation:
                self.env.start(self.watch_backlog(i, esc.when_calls_waiting_above))

    def all_recovered(self) -> None:
        self.under_outage = False
        if self.responding:
            self.revert_process = self.env.process(self.stand_down())

    def _current(self, generation: int) -> bool:
        """Whether a response should go on: still its own, and something is still down."""
        return generation == self.generation and self.under_outage

    # --- the response ---
    def respond(self, generation: int):
        env, spec = self.env, self.spec
        if spec.detection == "first_failure":
            self.comms.failure = env.event()
            yield self.comms.failure
        yield from _sleep(env, self.detection())
        if not self._current(generation):
            return  # noticed only once it was over: nothing to declare
        self.comms.detected = True
        self.timeline.log(DETECTED)
        yield from self.room.caco_decision(self.decision())  # once the CaCo can attend to it
        if not self._current(generation):
            return
        self.timeline.log(DECIDED, "CaCo")
        for step in spec.steps:
            if step == "relocate":
                yield from self.relocate()
                continue
            if step in self.activated:
                continue
            yield from _sleep(env, self.activation[step]())
            if not self._current(generation):
                return
            self.activated.append(step)
            self.comms.activate(step)
            self.timeline.log(ACTIVATED, step)

    def relocate(self):
        if self.comms.relocated or self.room.relocating:
            return
        relocation = self.spec.relocation
        self.timeline.log(RELOCATION_START, "uitwijk")
        self.room.set_room_factor(relocation.room_factor_during_move)
        self.room.relocating = True
        yield from _sleep(self.env, self.move())
        self.comms.relocate()
        self.room.set_room_factor(1.0)
        self.room.relocating = False
        self.timeline.log(RELOCATED, "uitwijk")

    def after_long_outage(self, i: int, effect: Effect, minutes: float):
        yield from _sleep(self.env, minutes)
        if effect in self.comms.effects and i not in self.escalated:
            self.escalated.add(i)
            yield from self.escalate(i)

    def watch_backlog(self, i: int, threshold: int):
        """Escalate the moment more than ``threshold`` calls wait while something is down.

        Woken by the backlog itself, not by polling: polling once a minute per outage was
        two fifths of a 48-hour outage's events. A backlog that rises between recovery and stand-down
        ends the watch; the next outage of the response starts a new one.
        """
        generation = self.generation
        self.watching[i] = generation
        yield self.room.calls_waiting.above(threshold)
        if self.watching.get(i) == generation:
            del self.watching[i]
        if self._current(generation) and i not in self.escalated:
            self.escalated.add(i)
            yield from self.escalate(i)

    def escalate(self, i: int):
        esc = self.spec.escalations[i]
        if esc.action == "relocate":
            yield from self.relocate()
            return
        if esc.action == "take_over":
            self.room.take_over(esc.partner, self.routing[i], esc.time_factor)
            self.timeline.log(TAKEOVER_START, esc.partner)
            return
        self.timeline.log(CALL_IN, "centralists", f"+{esc.centralists}")
        yield from _sleep(self.env, self.call_in[i]())
        self.room.add_centralists(esc.centralists)
        self.timeline.log(CALLED_IN, "centralists", f"+{esc.centralists}")

    def stand_down(self):
        try:
            yield from _sleep(self.env, self.revert())
        except simpy.Interrupt:
            return  # a new outage began: the response goes on
        self.generation += 1
        self.comms.detected = False
        for name in self.activated:
            self.comms.activate(name, False)
            self.timeline.log(STOOD_DOWN, name)
        self.activated = []
        self.responding = False
        self.escalated = set()
        partner = self.room.end_takeover()
        if partner is not None:
            self.timeline.log(TAKEOVER_END, partner)
