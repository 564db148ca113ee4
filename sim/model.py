"""The MKBM fire control room as a SimPy model.

Processes are small generator methods, one per thing that takes time: a 112 call waiting
for and taking a centralist, an alarm on P2000, a unit's response, a radio message. People
and channels are :class:`~sim.monitor.Pool`s whose capacity changes over time (the roster
today; outages and fallbacks in the same way). Records are plain rows; KPIs are computed
from them elsewhere (:mod:`sim.kpis`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import simpy

from .arrivals import Incident, generate_incidents
from .monitor import Level, Pool
from .scenario import Scenario
from .streams import make_streams

NAN = math.nan

#: request-priority offsets per rule: (calls, radio); lower is served first, then by
#: incident priority (1 before 3), then first come first served
PRIORITY_OFFSETS = {"calls_first": (0, 3), "radio_first": (3, 0), "incident_priority": (0, 0)}

STATUSES = ("uitgerukt", "ter_plaatse", "beschikbaar")

CALL_COLUMNS = ("call", "incident", "caller", "attempt", "t_arrival", "t_answered", "t_end", "handled_as", "state")
MESSAGE_COLUMNS = ("message", "incident", "unit", "kind", "t_created", "t_start", "t_end", "channel", "state")
DISPATCH_COLUMNS = ("incident", "unit", "station", "t_alarm", "t_departed", "t_on_scene", "t_clear", "t_available", "state")


@dataclass
class Outcome:
    """Everything one replication produced, in plain rows and step functions."""

    scenario: Scenario
    incidents: list[Incident]
    calls: list[list]
    messages: list[list]
    dispatches: list[list]
    levels: dict[str, Level]
    unit_names: list[str]
    events: int = 0
    extra: dict = field(default_factory=dict)


class ControlRoom:
    def __init__(self, scenario: Scenario, streams: dict):
        self.scenario = scenario
        self.env = env = simpy.Environment()
        room = scenario.room
        self.centralists = Pool(env, 0)
        self.channels = {name: Pool(env, getattr(scenario.channels, name).capacity)
                         for name in type(scenario.channels).model_fields}
        self.time_factor = {name: getattr(scenario.channels, name).time_factor for name in self.channels}
        self.calls_waiting = Level(env)
        self.messages_waiting = Level(env)
        self.units_busy = Level(env)
        self.call_rank, self.radio_rank = PRIORITY_OFFSETS[room.priority_rule]
        self.redial_rng = streams["redial"]
        self.redial_delay = room.redial_delay_min.sampler(self.redial_rng)
        self.redial_patience = room.caller_patience_min.sampler(self.redial_rng)
        self.alarm_time = room.alarm_min.sampler(streams["alarm"])
        self.calls: list[list] = []
        self.messages: list[list] = []
        self.dispatches: list[list] = []
        self._build_units(scenario, streams)

    # --- units and who goes first ------------------------------------------------------
    def _build_units(self, scenario: Scenario, streams: dict) -> None:
        units = scenario.units
        self.stations = units.stations
        self.unit_station: list[int] = []
        self.unit_names: list[str] = []
        self.available: list[list[int]] = []
        for s, station in enumerate(self.stations):
            ids = list(range(len(self.unit_station), len(self.unit_station) + station.units))
            self.unit_station += [s] * station.units
            self.unit_names += [f"{station.name}-{k + 1}" for k in range(station.units)]
            self.available.append(ids[::-1])  # pop() takes unit 1 first
        self.turnout = {crew: d.sampler(streams["turnout"]) for crew, d in units.turnout_min.items()}
        self.travel = {(a, b): d.sampler(streams["travel"]) for a, row in units.travel_min.items() for b, d in row.items()}

        def expected_response(station, region):
            return units.turnout_min[station.crew].expected + units.travel_min[station.region][region].expected

        # nearest available in the region, then neighbours: stations of the incident's own
        # region first, each group ordered by expected turnout + travel
        self.station_order = {
            region: sorted(range(len(self.stations)), key=lambda s: (
                self.stations[s].region != region, expected_response(self.stations[s], region), s))
            for region in scenario.regions
        }
        self.waiting_for_units: deque[list] = deque()

    # --- the run -----------------------------------------------------------------------
    def run(self, incidents: list[Incident]) -> Outcome:
        env = self.env
        env.process(self.roster())
        env.process(self.incoming(incidents))
        env.run(until=self.scenario.horizon.duration_min)
        levels = {
            "calls_waiting": self.calls_waiting,
            "messages_waiting": self.messages_waiting,
            "centralists_busy": self.centralists.busy,
            "centralists_on_duty": self.centralists.limit,
            "units_busy": self.units_busy,
        }
        for name, pool in self.channels.items():
            levels[f"{name}_busy"] = pool.busy
            levels[f"{name}_capacity"] = pool.limit
        return Outcome(self.scenario, incidents, self.calls, self.messages, self.dispatches, levels,
                       self.unit_names, events=next(env._eid))

    def roster(self):
        for minute, count in roster_changes(self.scenario):
            yield self.env.timeout(minute - self.env.now)
            self.centralists.set_capacity(count)

    def incoming(self, incidents: list[Incident]):
        """Every first and duplicate 112 call, in time order, from one process."""
        arrivals = sorted((inc.minute + offset, inc.id, k)
                          for inc in incidents for k, offset in enumerate(inc.call_offsets_min))
        env = self.env
        for inc in incidents:
            inc.calls_pending = len(inc.call_offsets_min)
        for minute, i, k in arrivals:
            if minute > env.now:
                yield env.timeout(minute - env.now)
            inc = incidents[i]
            env.process(self.call(inc, k, 1, inc.call_patience_min[k]))

    # --- 112 calls ---------------------------------------------------------------------
    def call(self, inc: Incident, caller: int, attempt: int, patience: float):
        env = self.env
        row = [len(self.calls), inc.id, caller, attempt, env.now, NAN, NAN, "", "open"]
        self.calls.append(row)
        self.calls_waiting.add(1)
        centralists = self.centralists
        req = centralists.request(priority=self.call_rank + inc.priority)
        yield req | env.timeout(patience)
        self.calls_waiting.add(-1)
        if not req.triggered:
            req.cancel()
            row[6], row[8] = env.now, "abandoned"
            if self.redial_rng.random() < self.scenario.room.redial_probability:
                env.process(self.redial(inc, caller, attempt + 1))
            else:
                self._call_done(inc)
            return
        row[5] = env.now
        if inc.t_answered is None:
            inc.t_answered = env.now
            row[7] = "intake"
            yield env.timeout(inc.intake_min + inc.dispatch_min)
            centralists.release(req)
            self.dispatch(inc)
        else:
            row[7] = "duplicate"
            yield env.timeout(inc.call_handling_min[caller])
            centralists.release(req)
        row[6], row[8] = env.now, "completed"
        self._call_done(inc)

    def redial(self, inc: Incident, caller: int, attempt: int):
        yield self.env.timeout(self.redial_delay())
        yield from self.call(inc, caller, attempt, self.redial_patience())

    def _call_done(self, inc: Incident) -> None:
        inc.calls_pending -= 1
        if inc.calls_pending == 0 and inc.t_answered is None:
            inc.state, inc.t_closed = "abandoned", self.env.now

    # --- dispatch and alarm ------------------------------------------------------------
    def dispatch(self, inc: Incident) -> None:
        units = self.take_units(inc.region, inc.units_needed)
        if len(units) < inc.units_needed:
            self.waiting_for_units.append([inc, inc.units_needed - len(units)])
        if units:
            self.env.process(self.alarm(inc, units))

    def take_units(self, region: str, wanted: int) -> list[int]:
        taken = []
        for s in self.station_order[region]:
            free = self.available[s]
            while free and len(taken) < wanted:
                taken.append(free.pop())
            if len(taken) == wanted:
                break
        if taken:
            self.units_busy.add(len(taken))
        return taken

    def alarm(self, inc: Incident, units: list[int]):
        env = self.env
        inc.units_assigned += len(units)
        p2000 = self.channels["p2000"]
        req = p2000.request(priority=inc.priority)
        yield req
        yield env.timeout(self.alarm_time() * self.time_factor["p2000"])
        p2000.release(req)
        if inc.t_alarm is None:
            inc.t_alarm = env.now
        for unit in units:
            env.process(self.respond(inc, unit))

    def unit_free(self, unit: int) -> None:
        self.available[self.unit_station[unit]].append(unit)
        self.units_busy.add(-1)
        while self.waiting_for_units:
            waiting = self.waiting_for_units[0]
            inc, missing = waiting
            units = self.take_units(inc.region, missing)
            if not units:
                return
            waiting[1] -= len(units)
            if waiting[1] == 0:
                self.waiting_for_units.popleft()
            self.env.process(self.alarm(inc, units))

    # --- unit response -----------------------------------------------------------------
    def respond(self, inc: Incident, unit: int):
        env = self.env
        station = self.stations[self.unit_station[unit]]
        row = [inc.id, unit, self.unit_station[unit], env.now, NAN, NAN, NAN, NAN, "open"]
        self.dispatches.append(row)
        yield env.timeout(self.turnout[station.crew]())
        row[4] = env.now
        self.status(inc, unit, 0)
        yield env.timeout(self.travel[station.region, inc.region]())
        row[5] = env.now
        self.status(inc, unit, 1)
        if inc.t_on_scene is None:
            inc.t_on_scene, inc.commander = env.now, unit
            for fraction, base in zip(inc.message_fractions, inc.message_durations_min):
                env.process(self.message(inc, unit, "voice", fraction * inc.on_scene_min, base))
        yield env.timeout(inc.on_scene_min)
        row[6] = env.now
        self.status(inc, unit, 2)
        inc.units_cleared += 1
        if inc.units_cleared == inc.units_needed:
            inc.state, inc.t_closed = "completed", env.now
        yield env.timeout(self.travel[station.region, inc.region]())
        row[7], row[8] = env.now, "completed"
        self.unit_free(unit)

    # --- radio traffic -----------------------------------------------------------------
    def status(self, inc: Incident, unit: int, which: int) -> None:
        """A status button press: a data message over C2000, no centralist time."""
        now = self.env.now
        self.messages.append([len(self.messages), inc.id, unit, STATUSES[which], now, now, now, "button", "delivered"])

    def message(self, inc: Incident, unit: int, kind: str, delay: float, base_min: float):
        """A spoken message: needs a free talkgroup slot and, room-side, a centralist."""
        env = self.env
        yield env.timeout(delay)
        row = [len(self.messages), inc.id, unit, kind, env.now, NAN, NAN, "", "open"]
        self.messages.append(row)
        self.messages_waiting.add(1)
        channel = self.channels["eocs"]
        patience = env.timeout(self.scenario.room.message_patience_min)
        line = channel.request(priority=inc.priority)
        yield line | patience
        if line.triggered:
            person = self.centralists.request(priority=self.radio_rank + inc.priority)
            yield person | patience
            if not person.triggered:
                person.cancel()
                channel.release(line)
                line = None
        else:
            line.cancel()
            line = None
        self.messages_waiting.add(-1)
        if line is None:
            row[6], row[8] = env.now, "undelivered"
            return
        row[5], row[7] = env.now, "eocs"
        yield env.timeout(base_min * self.time_factor["eocs"])
        self.centralists.release(person)
        channel.release(line)
        row[6], row[8] = env.now, "delivered"


def roster_changes(scenario: Scenario) -> list[tuple[float, int]]:
    """(minute, centralists on duty) at the horizon start and at every block boundary."""
    horizon = scenario.horizon
    origin = horizon.start.hour * 60 + horizon.start.minute + horizon.start.second / 60
    changes = []
    days = math.ceil((origin + horizon.duration_min) / 1440) + 1
    for block in scenario.room.roster:
        start, end = block.clock_span
        for day in range(-1, days):
            s, e = day * 1440 + start - origin, day * 1440 + end - origin
            if s < horizon.duration_min and e > 0:
                changes.append((max(s, 0.0), block.centralists))
    return sorted(changes)


def simulate(scenario: Scenario, seed: int, replication: int) -> Outcome:
    streams = make_streams(seed, replication)
    incidents = generate_incidents(scenario, streams)
    return ControlRoom(scenario, streams).run(incidents)
