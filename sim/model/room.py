"""The MKBM fire control room as a SimPy model.

Processes are small generator methods, one per thing that takes time: a 112 call waiting
for and taking a centralist, an alarm, a unit's response, a radio message. Centralists and
channels are :class:`~sim.model.engine.Pool`s whose capacity changes over time: the roster,
outages and fallbacks all act through that one mechanism (:mod:`sim.model.comms`). Every
transmission (spoken message, spoken status, alarm, scene traffic) goes through
:meth:`ControlRoom.transmit`, which picks a channel that reaches the unit, waits, retries and
gives up after the patience. Records are plain rows; KPIs are computed elsewhere.
"""

from __future__ import annotations

import gc
import importlib
import math
from collections import deque
from dataclasses import dataclass, field

import simpy

from sim.model.arrivals import Incident, generate_incidents
from sim.model.comms import ChannelState, Comms
from sim.model.engine_simpy import GAVE_UP, Level
from sim.model.procedure import Outages, Procedure, Timeline
from sim.model.rows import CallRow, DispatchRow, MessageRow
from sim.model.scenario import Scenario
from sim.model.streams import make_streams

NAN = math.nan

#: request-priority offsets per rule: (calls, radio); lower is served first, then by
#: incident priority (1 before 3), then first come first served
#: the engines a room can run on: the fast one, and the plain-SimPy reference it is checked against
ENGINES = {"fast": "sim.model.engine", "simpy": "sim.model.engine_simpy"}

PRIORITY_OFFSETS = {"calls_first": (0, 3), "radio_first": (3, 0), "incident_priority": (0, 0)}

STATUSES = ("uitgerukt", "ter_plaatse", "beschikbaar")
LATE = "_late"  # suffix of a status reported after it went undelivered
LATE_PRIORITY = 9  # below every incident priority (1-3)
# why a transmission's wait or conversation is interrupted
CHANNEL_LOST, LOOK_AGAIN = "channel lost", "look again"


@dataclass
class Outcome:
    """Everything one replication produced, in plain rows and step functions."""

    scenario: Scenario
    incidents: list[Incident]
    calls: list[list]
    messages: list[list]
    dispatches: list[list]
    timeline: list[tuple]
    levels: dict[str, Level]
    reachable: dict[str, Level]
    unit_names: list[str]
    events: int = 0
    extra: dict = field(default_factory=dict)


class Transmission:
    """One message, status or alarm on its way; lets an outage find and move it."""

    __slots__ = (
        "process",
        "purpose",
        "region",
        "staffed",
        "priority",
        "room_priority",
        "base_min",
        "row",
        "progress",
        "channel",
        "slot",
        "person",
        "talking",
        "started",
        "attempts",
        "pinned",
        "deadline",
    )

    def __init__(self, purpose, region, staffed, priority, room_priority, base_min, row=None):
        self.purpose, self.region, self.staffed = purpose, region, staffed
        self.priority, self.room_priority, self.base_min, self.row = priority, room_priority, base_min, row
        self.progress = 0.0
        self.channel: ChannelState | None = None
        self.slot = self.person = None
        self.talking = False
        self.started = 0.0
        self.attempts = 0
        self.pinned: ChannelState | None = None  # resume: the channel the conversation waits for
        self.deadline: float | None = None


class ControlRoom:
    def __init__(self, scenario: Scenario, streams: dict, engine: str = "fast"):
        self.scenario = scenario
        self.env = env = importlib.import_module(ENGINES[engine]).Environment()
        room, resilience = scenario.room, scenario.resilience
        self.centralists = env.pool(0)
        self.roster_count = self.extra_centralists = 0
        self.room_factor = 1.0
        self.relocating = False
        self.comms = Comms(env, scenario)
        self.comms.on_review = self.review
        self.timeline = Timeline(env)
        self.patience = env.patience_clock()
        self.dynamic = bool(scenario.outages or scenario.random_outages)
        self.procedure = (
            Procedure(env, scenario, self.comms, self.timeline, self, streams) if scenario.procedure else None
        )
        if self.dynamic:
            Outages(env, scenario, self.comms, self.timeline, self.procedure, streams)
        self.calls_waiting = env.watched_level()
        self.messages_waiting = env.level()
        self.units_busy = env.level()
        self.call_rank, self.radio_rank = PRIORITY_OFFSETS[room.priority_rule]
        self.redial_rng = streams["redial"]
        self.redial_delay = room.redial_delay_min.sampler(self.redial_rng)
        self.redial_patience = room.caller_patience_min.sampler(self.redial_rng)
        self.alarm_time = room.alarm_min.sampler(streams["alarm"])
        self.fail_rng = streams["transmission_failure"]
        self.retry = resilience.retry_min.sampler(streams["retry"])
        self.spoken_status = resilience.spoken_status_min.sampler(streams["spoken_status"])
        self.failed_attempt_time = resilience.failed_attempt_min.sampler(streams["failed_attempt"])
        self.manual_dispatch = resilience.gms_down_dispatch_extra_min.sampler(streams["gms_manual"])
        self.extra_turnout = {
            name: ch.volunteer_extra_turnout_min.sampler(streams["turnout"]) for name, ch in scenario.channels.items()
        }
        self.policy = resilience.interrupted_policy
        self.message_patience = room.message_patience_min
        self.calls: list[list] = []
        self.messages: list[list] = []
        self.dispatches: list[list] = []
        self.late_reports: dict[int, list] = {}  # unit -> its late status report, until delivered
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
        self.travel = {
            (a, b): d.sampler(streams["travel"]) for a, row in units.travel_min.items() for b, d in row.items()
        }

        def expected_response(station, region):
            return units.turnout_min[station.crew].expected + units.travel_min[station.region][region].expected

        # nearest available in the region, then neighbours: stations of the incident's own
        # region first, each group ordered by expected turnout + travel
        self.station_order = {
            region: sorted(
                range(len(self.stations)),
                key=lambda s: (self.stations[s].region != region, expected_response(self.stations[s], region), s),
            )
            for region in scenario.regions
        }
        self.waiting_for_units: deque[list] = deque()

    # --- the run -----------------------------------------------------------------------
    def run(self, incidents: list[Incident]) -> Outcome:
        env = self.env
        env.start(self.roster())
        env.start(self.incoming(incidents))
        env.run(until=self.scenario.horizon.duration_min)
        levels = {
            "calls_waiting": self.calls_waiting,
            "messages_waiting": self.messages_waiting,
            "centralists_busy": self.centralists.busy,
            "centralists_on_duty": self.centralists.limit,
            "units_busy": self.units_busy,
        }
        for name, state in self.comms.channels.items():
            levels[f"{name}_busy"] = state.pool.busy
            levels[f"{name}_capacity"] = state.pool.limit
        return Outcome(
            self.scenario,
            incidents,
            self.calls,
            self.messages,
            self.dispatches,
            self.timeline.rows,
            levels,
            self.comms.reachable,
            self.unit_names,
            events=env.events_scheduled(),
        )

    # --- the room's staffing: roster x room factor (relocation) + called in ----------------
    def roster(self):
        for minute, count in roster_changes(self.scenario):
            if minute > self.env.now:
                yield self.env.timeout(minute - self.env.now)
            self.roster_count = count
            self._staff()

    def set_room_factor(self, factor: float) -> None:
        self.room_factor = factor
        self._staff()

    def add_centralists(self, extra: int) -> None:
        self.extra_centralists += extra
        self._staff()

    def _staff(self) -> None:
        self.centralists.set_capacity(round((self.roster_count + self.extra_centralists) * self.room_factor))

    def incoming(self, incidents: list[Incident]):
        """Every first and duplicate 112 call, in time order, from one process."""
        arrivals = sorted(
            (inc.minute + offset, inc.id, k) for inc in incidents for k, offset in enumerate(inc.call_offsets_min)
        )
        env = self.env
        for inc in incidents:
            inc.calls_pending = len(inc.call_offsets_min)
        for minute, i, k in arrivals:
            if minute > env.now:
                yield env.timeout(minute - env.now)
            inc = incidents[i]
            env.start(self.call(inc, k, 1, inc.call_patience_min[k]))

    # --- 112 calls ---------------------------------------------------------------------
    def call(self, inc: Incident, caller: int, attempt: int, patience: float):
        env = self.env
        row = [len(self.calls), inc.id, caller, attempt, env.now, NAN, NAN, "", "open"]
        self.calls.append(row)
        self.calls_waiting.add(1)
        centralists = self.centralists
        req = centralists.request(priority=self.call_rank + inc.priority)
        if not req.triggered:
            yield self.patience.wait(req, env.now + patience)  # or GAVE_UP at the caller's patience
        self.calls_waiting.add(-1)
        if not req.triggered:
            req.cancel()
            row[CallRow.T_END], row[CallRow.STATE] = env.now, "abandoned"
            if self.redial_rng.random() < self.scenario.room.redial_probability:
                env.start(self.redial(inc, caller, attempt + 1))
            else:
                self._call_done(inc)
            return
        row[CallRow.T_ANSWERED] = env.now
        if inc.t_answered is None:
            inc.t_answered = env.now
            row[CallRow.HANDLED_AS] = "intake"
            yield env.timeout(self.intake_and_dispatch(inc))
            centralists.release(req)
            self.dispatch(inc)
        else:
            row[CallRow.HANDLED_AS] = "duplicate"
            yield env.timeout(inc.call_handling_min[caller])
            centralists.release(req)
        row[CallRow.T_END], row[CallRow.STATE] = env.now, "completed"
        self._call_done(inc)

    def intake_and_dispatch(self, inc: Incident) -> float:
        """Centralist minutes to take the call and dispatch; slower by hand while GMS is down."""
        work = inc.intake_min + inc.dispatch_min
        manual = 1 - self.comms.gms_factor
        if manual > 0:
            resilience = self.scenario.resilience
            work *= 1 + (resilience.gms_down_intake_factor - 1) * manual
            work += self.manual_dispatch() * manual
        return work

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
        self.alarm_units(inc, units)

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

    def alarm_units(self, inc: Incident, units: list[int]) -> None:
        """One alarm per station: a fallback path may reach one post and not another."""
        inc.units_assigned += len(units)
        by_station: dict[int, list[list]] = {}
        for unit in units:
            row = [inc.id, unit, self.unit_station[unit], self.env.now, NAN, "", NAN, NAN, NAN, NAN, "open"]
            self.dispatches.append(row)
            by_station.setdefault(self.unit_station[unit], []).append(row)
        for s, rows in by_station.items():
            self.env.start(self.alarm(inc, s, rows))

    def alarm(self, inc: Incident, s: int, rows: list[list]):
        station = self.stations[s]
        tx = Transmission(
            "alarm",
            station.region,
            station.crew != "volunteer",
            inc.priority,
            self.call_rank + inc.priority,
            self.alarm_time(),
        )
        channel = yield from self.transmit(tx, None)
        now = self.env.now
        extra = self.extra_turnout[channel]() if station.crew == "volunteer" else 0.0
        if inc.t_alarm is None:
            inc.t_alarm = now
        for row in rows:
            row[DispatchRow.T_ALARM], row[DispatchRow.ALARM_CHANNEL] = now, channel
        for row in rows[1:]:
            self.env.start(self.respond(inc, row, extra))
        yield from self.respond(inc, rows[0], extra)  # the first unit goes on in this process

    def unit_free(self, unit: int) -> None:
        self.available[self.unit_station[unit]].append(unit)
        self.units_busy.add(-1)
        while self.waiting_for_units:
            waiting = self.waiting_for_units[0]  # [incident, units still missing]
            inc, missing = waiting
            units = self.take_units(inc.region, missing)
            if not units:
                return
            waiting[1] = missing = missing - len(units)
            if missing == 0:
                self.waiting_for_units.popleft()
            self.alarm_units(inc, units)

    # --- unit response -----------------------------------------------------------------
    def respond(self, inc: Incident, row: list, extra_turnout: float):
        env = self.env
        unit = row[DispatchRow.UNIT]
        station = self.stations[row[DispatchRow.STATION]]
        yield env.timeout(self.turnout[station.crew]() + extra_turnout)
        row[DispatchRow.T_DEPARTED] = env.now
        self.status(inc, unit, 0, station.region)
        yield env.timeout(self.travel[station.region, inc.region]())
        row[DispatchRow.T_ON_SCENE] = env.now
        self.status(inc, unit, 1, inc.region)
        if inc.t_on_scene is None:
            inc.t_on_scene, inc.commander = env.now, unit
            for fraction, base in zip(inc.message_fractions, inc.message_durations_min, strict=False):
                env.start(self.message(inc, unit, "voice", fraction * inc.on_scene_min, base))
            for fraction, base in zip(inc.scene_fractions, inc.scene_durations_min, strict=False):
                env.start(self.message(inc, unit, "scene", fraction * inc.on_scene_min, base, purpose="scene"))
        yield env.timeout(inc.on_scene_min)
        row[DispatchRow.T_CLEAR] = env.now
        self.status(inc, unit, 2, inc.region)
        inc.units_cleared += 1
        if inc.units_cleared == inc.units_needed:
            inc.state, inc.t_closed = "completed", env.now
        yield env.timeout(self.travel[station.region, inc.region]())
        row[DispatchRow.T_AVAILABLE], row[DispatchRow.STATE] = env.now, "completed"
        self.unit_free(unit)

    # --- radio traffic -----------------------------------------------------------------
    def status(self, inc: Incident, unit: int, which: int, region: str) -> None:
        """A status button press; spoken to a centralist when no status channel works."""
        channel = self.comms.choose("status", region)
        if channel is not None and channel.has_room():
            now = self.env.now
            self.messages.append(
                [len(self.messages), inc.id, unit, STATUSES[which], now, now, now, channel.name, "delivered", 1]
            )
        else:
            self.env.start(self.message(inc, unit, STATUSES[which], 0.0, self.spoken_status()))

    def message(self, inc: Incident, unit: int, kind: str, delay: float, base_min: float, purpose: str = "voice"):
        """Traffic between the room (or, on the scene, another unit) and a unit."""
        env = self.env
        if delay > 0:
            yield env.timeout(delay)
        row = [len(self.messages), inc.id, unit, kind, env.now, NAN, NAN, "", "open", 0]
        self.messages.append(row)
        self.messages_waiting.add(1)
        tx = Transmission(purpose, inc.region, False, inc.priority, self.radio_rank + inc.priority, base_min, row)
        channel = yield from self.transmit(tx, env.now + self.message_patience)
        row[MessageRow.ATTEMPTS] = tx.attempts
        if channel is None:
            if math.isnan(row[MessageRow.T_START]):
                self.messages_waiting.add(-1)
            row[MessageRow.T_END], row[MessageRow.STATE] = env.now, "undelivered"
            if kind in STATUSES:
                # the unit carries on by itself and reports the status once something reaches it
                yield from self.late_report(inc, unit, kind + LATE)
        else:
            row[MessageRow.T_END], row[MessageRow.CHANNEL], row[MessageRow.STATE] = env.now, channel, "delivered"

    def late_report(self, inc: Incident, unit: int, kind: str):
        """A unit reports where it stands once something reaches it: its latest status, once.

        A status that went undelivered while the unit's previous late report still waits
        replaces that report's content: back in contact, a crew says "beschikbaar", not the
        three statuses it went through.
        """
        env = self.env
        waiting = self.late_reports.get(unit)
        if waiting is not None and math.isnan(waiting[MessageRow.T_START]):
            waiting[MessageRow.INCIDENT], waiting[MessageRow.KIND] = inc.id, kind
            return
        row = [len(self.messages), inc.id, unit, kind, env.now, NAN, NAN, "", "open", 0]
        self.messages.append(row)
        self.messages_waiting.add(1)
        self.late_reports[unit] = row
        # after fresh traffic: a late report is news for the room's picture, not an emergency
        tx = Transmission(
            "voice", inc.region, False, LATE_PRIORITY, self.radio_rank + LATE_PRIORITY, self.spoken_status(), row
        )
        channel = yield from self.transmit(tx, None)
        row[MessageRow.T_END], row[MessageRow.CHANNEL], row[MessageRow.STATE] = env.now, channel, "delivered"
        row[MessageRow.ATTEMPTS] = tx.attempts
        if self.late_reports.get(unit) is row:
            del self.late_reports[unit]

    def transmit(self, tx: Transmission, deadline: float | None):
        """Get ``tx`` through on a channel that reaches its unit; the channel's name, or None.

        Waits while no channel reaches the unit, queues where one does, retries a failed
        or turned-away attempt after ``retry_min``, and gives up at ``deadline``. Every
        wait is a plain ``yield``: the patience clock ends it with GAVE_UP, a change of
        channels with an interrupt; either way the transmission lets go of what it holds
        and looks again. A conversation whose channel drops follows the interrupted policy.
        """
        env, comms = self.env, self.comms
        tx.process, tx.deadline = env.active_process, deadline
        while True:
            if deadline is not None and env.now >= deadline:
                self._release(tx)
                return None
            try:
                pinned = tx.pinned
                if pinned is None:
                    channel = comms.choose(tx.purpose, tx.region, tx.staffed)
                else:
                    channel = pinned if pinned.reaches(tx.region, tx.staffed) else None
                if channel is None:
                    comms.note_failure()
                    if tx.purpose == "voice" and not tx.attempts and not comms.detected:
                        yield from self.failed_attempt(tx)
                    else:
                        yield self._patient(tx, comms.next_change())
                    continue
                spec = channel.spec
                if not spec.waiting_room and not channel.has_room():
                    tx.attempts += 1
                    comms.note_failure()
                    yield self._patient(tx, env.timeout(self.retry()))
                    continue
                slot = channel.pool.request(tx.priority)
                tx.channel, tx.slot = channel, slot
                channel.transmissions[tx] = None  # queued or holding: a change of channels reviews it
                if not slot.triggered and (yield self._patient(tx, slot)) is GAVE_UP:
                    continue
                if spec.needs_centralist:
                    tx.person = person = self.centralists.request(tx.room_priority)
                    if not person.triggered and (yield self._patient(tx, person)) is GAVE_UP:
                        continue
                tx.talking, tx.started = True, env.now
                row = tx.row
                if row is not None:
                    if math.isnan(row[MessageRow.T_START]):
                        self.messages_waiting.add(-1)
                    row[MessageRow.T_START] = tx.started
                yield env.timeout((1 - tx.progress) * tx.base_min * tx.channel.spec.time_factor)
                channel = tx.channel  # a move to a fallback may have changed it
                self._release(tx)
                tx.attempts += 1
                success = channel.success_probability(tx.region)
                if success < 1 and self.fail_rng.random() >= success:
                    tx.progress = 0.0
                    comms.note_failure()
                    if deadline is None or deadline > env.now:  # else it gives up when it looks again
                        yield self._patient(tx, env.timeout(self.retry()))
                    continue
                return channel.name
            except simpy.Interrupt as interrupt:
                if tx.talking:
                    lost = tx.channel
                    done = (env.now - tx.started) / (tx.base_min * lost.spec.time_factor) if tx.base_min else 1
                    tx.progress = 0.0 if self.policy == "restart" else min(1.0, tx.progress + done)
                if interrupt.cause == CHANNEL_LOST and self.policy == "resume":
                    tx.pinned = tx.channel
                self._release(tx)

    def failed_attempt(self, tx: Transmission):
        """Before the room has recognised the outage, a centralist tries the dead channel once."""
        tx.attempts = 1
        tx.person = person = self.centralists.request(priority=tx.room_priority)
        if not person.triggered and (yield self._patient(tx, person)) is GAVE_UP:
            return
        if self.comms.choose(tx.purpose, tx.region, tx.staffed) is None:  # still dead when it came to it
            yield self.env.timeout(self.failed_attempt_time())
        self._release(tx)

    def _patient(self, tx: Transmission, event):
        """``event``, to be waited for until the transmission's deadline at most."""
        return event if tx.deadline is None else self.patience.wait(event, tx.deadline)

    def _release(self, tx: Transmission) -> None:
        """Let go of the centralist and the slot, held or still asked for."""
        if tx.person is not None:
            self.centralists.withdraw(tx.person)
            tx.person = None
        if tx.slot is not None:
            channel = tx.channel
            channel.pool.withdraw(tx.slot)
            channel.transmissions.pop(tx, None)
            tx.slot = None
        tx.talking = False

    def review(self) -> None:
        """After a change: transmissions on a channel that lost their unit move or are interrupted.

        Under ``move_to_fallback`` a conversation moves without a break to a free channel
        that works (at the new channel's pace); otherwise, or with no free channel, it is
        interrupted and the policy decides how it goes on. A message still queued for a
        channel that works looks again when another channel now has room for it.
        """
        for channel in self.comms.channels.values():
            for tx in list(channel.transmissions):
                reaches = channel.reaches(tx.region, tx.staffed)
                if not tx.slot.triggered:  # still queued for this channel
                    if not reaches or (tx.pinned is None and self._better_than(channel, tx)):
                        self._interrupt(tx, LOOK_AGAIN)
                    continue
                if reaches:
                    continue
                target = None
                if self.policy == "move_to_fallback":
                    target = next(
                        (
                            c
                            for c in self.comms.candidates(tx.purpose, tx.region, tx.staffed)
                            if c.has_room() and c.spec.needs_centralist == channel.spec.needs_centralist
                        ),
                        None,
                    )
                if target is not None and (not tx.talking or target.spec.time_factor == channel.spec.time_factor):
                    channel.pool.release(tx.slot)
                    channel.transmissions.pop(tx, None)
                    tx.channel, tx.slot = target, target.pool.request(priority=tx.priority)
                    target.transmissions[tx] = None
                else:
                    self._interrupt(tx, CHANNEL_LOST)

    def _better_than(self, channel: ChannelState, tx: Transmission) -> bool:
        best = self.comms.choose(tx.purpose, tx.region, tx.staffed)
        return best is not channel and best.has_room()

    def _interrupt(self, tx: Transmission, cause: str) -> None:
        tx.channel.transmissions.pop(tx, None)  # once: the process lets go of the rest itself
        if tx.process.is_alive:
            tx.process.interrupt(cause)


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


def simulate(scenario: Scenario, seed: int, replication: int, engine: str = "fast") -> Outcome:
    """One replication. Python's cycle collector pauses while it runs: scanning the waiting
    processes and events was 9 % of the instructions of an outage night without fallback
    (cachegrind), and a night leaves about 1 MB of cyclic garbage (peak RSS on power_48h),
    collected as usual afterwards."""
    streams = make_streams(seed, replication)
    incidents = generate_incidents(scenario, streams)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return ControlRoom(scenario, streams, engine).run(incidents)
    finally:
        if collecting:
            gc.enable()
