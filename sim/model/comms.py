"""Communication state: what each channel can do right now, derived, never patched.

A channel's capacity and reach follow from three facts only: which outages are in force,
which fallback channels the procedure has activated, and whether the room has relocated.
:meth:`Comms.refresh` recomputes everything from those facts, so overlapping outages,
recovery and relocation need no special cases. An outage is a capacity factor on the
channels that do not survive its target; in a regional scope a factor of 0 cuts the
region off and a factor between 0 and 1 makes that share of transmissions fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import simpy

from sim.model.preparedness import paced, team_of
from sim.model.scenario import Channel, Scenario


@dataclass(frozen=True, eq=False)
class Effect:
    """One outage in force."""

    target: str
    regions: frozenset[str] | None
    factor: float


class ChannelState:
    __slots__ = (
        "name",
        "spec",
        "pool",
        "rank",
        "active",
        "factor",
        "region_factor",
        "regions",
        "transmissions",
        "env",
        "origin",
        "practised",
        "since",
    )

    def __init__(
        self, env: simpy.Environment, name: str, spec: Channel, rank: int, regions: tuple[str, ...], origin: float
    ):
        self.name, self.spec, self.rank, self.env, self.origin = name, spec, rank, env, origin
        self.active = not spec.standby
        self.pool = env.pool(spec.capacity if self.active else 0)
        self.regions = frozenset(spec.regions or regions)
        self.factor = 1.0
        self.region_factor: dict[str, float] = {}
        self.transmissions: dict = {}  # used as an ordered set: review order must not depend on ids
        self.practised = 0.0  # minutes it was up before it last stood down: the team's practice on it
        self.since = 0.0  # when it last came up

    @property
    def capacity(self) -> float:
        if not self.active:
            return 0
        if self.spec.capacity is None:
            return math.inf if self.factor > 0 else 0
        return math.floor(self.spec.capacity * self.factor)

    def reaches(self, region: str, at_staffed_station: bool) -> bool:
        if self.pool.capacity == 0 or region not in self.regions or self.region_factor.get(region, 1.0) == 0:
            return False
        reach = self.spec.reach
        return reach == "anywhere" or reach == "on_scene" or (reach == "staffed_station" and at_staffed_station)

    def success_probability(self, region: str) -> float:
        """Reliability, times a regional outage's factor and, for a public network, its congestion now."""
        chance = self.spec.reliability * self.region_factor.get(region, 1.0)
        by_hour = self.spec.reliability_by_hour
        if by_hour is not None:
            chance *= by_hour[int((self.origin + self.env.now) // 60) % 24]
        return chance

    def has_room(self) -> bool:
        return len(self.pool.users) < self.pool.capacity

    def practice_min(self) -> float:
        """Minutes the room has worked with this channel so far (issue 17's learning curve)."""
        return self.practised + (self.env.now - self.since if self.active else 0.0)


class Comms:
    """All channels, the outages in force and the room's own state."""

    def __init__(self, env: simpy.Environment, scenario: Scenario):
        self.env = env
        self.scenario = scenario
        regions = scenario.regions
        start = scenario.horizon.start
        origin = start.hour * 60 + start.minute + start.second / 60
        self.channels = {
            name: ChannelState(env, name, spec, rank, regions, origin)
            for rank, (name, spec) in enumerate(scenario.channels.items())
        }
        # preference: primary channels in declared order, then fallbacks in the procedure's order
        steps = scenario.procedure.steps if scenario.procedure else []
        order = sorted(
            self.channels.values(),
            key=lambda c: (c.spec.standby, steps.index(c.name) if c.name in steps else len(steps), c.rank),
        )
        self.by_purpose: dict[str, list[ChannelState]] = {}
        for state in order:
            self.by_purpose.setdefault(state.spec.purpose, []).append(state)
        # the emergency button: heard only on the voice channels the scenario names
        heard = scenario.noodknop.heard
        self.by_purpose["noodknop"] = [c for c in self.by_purpose.get("voice", ()) if not heard or c.name in heard]
        self.effects: list[Effect] = []
        self.relocated = False
        # the room knows something is down: set by the procedure's detection, or, with no
        # procedure, by the first failure (people notice; only the fallback plan is missing)
        self.detected = False
        self.unprepared = scenario.procedure is None
        self.gms_factor = 1.0
        self.team = team_of(scenario.preparedness)  # None: the scenario's values as given
        self.outage_since: float | None = None  # start of the outages in force, for learning and fatigue
        self._waiting: list[simpy.Event] = []  # one event per wait for the next change
        self.failure = env.event()  # fires at the first failed or impossible transmission
        self.reachable = {r: env.level(1) for r in regions}
        self.listeners: list = []  # called after each change of reach (a room that mirrors this one's)
        self.on_review = None  # set by the model: moves or interrupts transmissions that lost their channel
        self._review_pending = False
        self.refresh()

    # --- facts that change ---
    def add(self, effect: Effect) -> None:
        if not self.effects:
            self.outage_since = self.env.now
        self.effects.append(effect)
        self.refresh()

    def remove(self, effect: Effect) -> None:
        self.effects.remove(effect)
        if not self.effects:
            self.outage_since = None
        self.refresh()

    def activate(self, name: str, active: bool = True) -> None:
        state = self.channels[name]
        if active and not state.active:
            state.since = self.env.now
        elif state.active and not active:
            state.practised += self.env.now - state.since
        state.active = active
        self.refresh()

    def outage_min(self) -> float:
        """Minutes into the outages in force (0 when none is)."""
        return 0.0 if self.outage_since is None else self.env.now - self.outage_since

    def pace(self, state: ChannelState) -> float:
        """A channel's time factor now: a fallback's extra work as the team's preparedness,
        practice on it and fatigue make it (:mod:`sim.model.preparedness`)."""
        factor = state.spec.time_factor
        if self.team is None or not state.spec.standby:
            return factor
        return paced(factor, self.team.pace(state.practice_min(), self.outage_min()))

    def error_chance(self, probability: float) -> float:
        """An error probability of the scenario's reference team, for this team now."""
        if self.team is None or probability == 0:
            return probability
        return min(1.0, probability * self.team.errors(self.outage_min()))

    def relocate(self) -> None:
        self.relocated = True
        self.refresh()

    def in_force(self) -> list[Effect]:
        """Outages that hit the room where it is now (the backup room escapes some)."""
        if not self.relocated:
            return self.effects
        procedure = self.scenario.procedure
        escapes = set(procedure.relocation.escapes) if procedure and procedure.relocation else set()
        return [e for e in self.effects if e.target not in escapes]

    def targets_down(self) -> set[str]:
        return {e.target for e in self.in_force()}

    # --- derived state ---
    def refresh(self) -> None:
        self._candidates = {}
        effects = self.in_force()
        self.gms_factor = math.prod(e.factor for e in effects if e.target in ("gms", "power") and e.regions is None)
        for state in self.channels.values():
            state.factor = 1.0
            state.region_factor = {}
            for e in effects:
                if e.target in state.spec.survives:
                    continue
                if e.regions is None:
                    state.factor *= e.factor
                else:
                    for r in e.regions:
                        state.region_factor[r] = state.region_factor.get(r, 1.0) * e.factor
            capacity = state.capacity
            if capacity != state.pool.capacity:
                state.pool.set_capacity(capacity)
        for region, level in self.reachable.items():
            ok = any(s.reaches(region, False) for s in self.by_purpose.get("voice", ()))
            if ok != level.value:
                level.set(int(ok))
        for listener in self.listeners:
            listener()
        self.wake()
        if not self._review_pending and any(s.transmissions for s in self.channels.values()):
            # after every same-instant change (a zero-delay fallback comes up in the same
            # instant), so a conversation can move to it without a break
            self._review_pending = True
            self.env.timeout(0).callbacks.append(self._review)

    def wake(self) -> None:
        """Every wait for a change looks again (a change of channels, or of who transmits)."""
        waiting, self._waiting = self._waiting, []
        for event in waiting:
            if event.callbacks:  # a wait that gave up has left
                event.succeed()

    def next_change(self) -> simpy.Event:
        """Fires at the next change. One event per wait, not one shared by all, so a wait
        that gives up leaves in constant time (hundreds wait during an outage)."""
        event = self.env.event()
        self._waiting.append(event)
        return event

    def _review(self, _event) -> None:
        self._review_pending = False
        if self.on_review is not None:
            self.on_review()

    def note_failure(self) -> None:
        if self.unprepared:
            self.detected = True
        if not self.failure.triggered:
            self.failure.succeed()

    # --- choosing a channel ---
    def candidates(self, purpose: str, region: str, at_staffed_station: bool) -> list[ChannelState]:
        key = (purpose, region, at_staffed_station)
        found = self._candidates.get(key)
        if found is None:  # reach changes only in refresh(), which clears the cache
            found = self._candidates[key] = [
                s for s in self.by_purpose.get(purpose, ()) if s.reaches(region, at_staffed_station)
            ]
        return found

    def choose(
        self, purpose: str, region: str, at_staffed_station: bool = False, avoid: frozenset = frozenset()
    ) -> ChannelState | None:
        """The first channel (in order of preference) with a free slot, else the first that reaches.

        ``avoid``: channels already tried (a re-alarm takes the next one), used only while another reaches.
        """
        usable = self._candidates.get((purpose, region, at_staffed_station))
        if usable is None:
            usable = self.candidates(purpose, region, at_staffed_station)
        if avoid:
            usable = [s for s in usable if s.name not in avoid] or usable
        for state in usable:
            pool = state.pool  # has_room(), inlined: every message and status asks, often twice
            if len(pool.users) < pool.capacity:
                return state
        return usable[0] if usable else None
