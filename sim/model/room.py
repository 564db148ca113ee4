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

import bisect
import gc
import importlib
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import simpy

from sim.model.arrivals import Incident, draw_many, generate_incidents, poisson_minutes
from sim.model.comms import ChannelState, Comms
from sim.model.engine_simpy import GAVE_UP, Level
from sim.model.geography import map_of
from sim.model.procedure import Outages, Procedure, Timeline
from sim.model.rows import CallRow, DispatchRow, MessageRow
from sim.model.scenario import HOURS_PER_YEAR, MAIN_ROOM, Scenario, Station, Units, hits_room
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
NOODKNOP_PRIORITY = -10  # the emergency button goes before everything, under every rule
# kinds of radio traffic with consequences (message rows); plain situation reports are "voice"
REINFORCEMENT, OTHER_DISCIPLINE, NOODKNOP, ROLL_CALL, COORDINATION = (
    "reinforcement",
    "other_discipline",
    "noodknop",
    "roll_call",
    "coordination",
)
# work in the room that is not radio traffic (message rows on the pseudo-channels DESK and CACO)
FOLLOW_UP, CLOSING, CREW_CALL = "follow_up", "closing", "crew_call"
CACO_TASK, CACO_DECISION = "caco_task", "caco_decision"
DESK, CACO = "desk", "caco"
ROOM_WORK_CHANNELS = frozenset((DESK, CACO))
ROOM_WORK = frozenset((COORDINATION, FOLLOW_UP, CLOSING, CREW_CALL, CACO_TASK, CACO_DECISION))
FOLLOW_UP_OFFSET = 3  # follow-up and closing wait behind the incident's calls and radio traffic
CACO_BACKGROUND_PRIORITY = 4  # the CaCo's routine, behind tasks for incidents (1-3) and the decision (0)
#: the police and ambulance desks' traffic on shared channels: message kind "desk:<name>"
OTHER_DESK = "desk:"
OTHER_DESK_PRIORITY = 2
# roles of a dispatch row, and what became of an alarm to a unit that was in fact busy
FIRST, REALARM, EXTRA = "first", "realarm", "reinforcement"
NOT_REACHED = "not_reached"
# timeline events of the room's picture of its units
STATUS_MISNOTED, REALARMED, NEXT_UNIT = "status_misnoted", "realarm", "next_unit_alarmed"
STATUS_MISSED = "status_missed"
ROLL_CALL_START, ROLL_CALL_END = "roll_call_start", "roll_call_end"
REINFORCEMENT_LOST = "reinforcement_lost"
BOARD_EVENTS = frozenset((STATUS_MISNOTED, REALARMED, NEXT_UNIT, ROLL_CALL_START, ROLL_CALL_END, REINFORCEMENT_LOST))
# why a transmission's wait or conversation is interrupted
CHANNEL_LOST, LOOK_AGAIN = "channel lost", "look again"
MOVED = "moved"  # a transmission handed to the partner room that took over (issue 16)


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
    partners: dict[str, Outcome] = field(default_factory=dict)  # the other rooms of the night (issue 16)


class Takeover(NamedTuple):
    """A partner room that has this room's desk (issue 16)."""

    room: ControlRoom
    name: str
    routing_delay: Callable[[], float]  # minutes a call spends on its way there
    time_factor: float  # on intake and dispatch there


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
        "avoid",
        "waiting",
        "movable",
    )

    def __init__(self, purpose, region, staffed, priority, room_priority, base_min, row=None, avoid=frozenset()):
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
        self.avoid = avoid  # alarm channels already tried for this alarm
        self.waiting = None  # the level counting its message row as waiting (the room that made the row)
        self.movable = False  # about an incident: goes to the partner room when it takes over (issue 16)


class ControlRoom:
    def __init__(self, scenario: Scenario, streams: dict, engine: str = "fast", env=None):
        self.scenario = scenario
        self.env = env = env if env is not None else importlib.import_module(ENGINES[engine]).Environment()
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
            Outages(env, scenario, self.comms, self.timeline, self.procedure, streams, self.recovered)
        self.calls_waiting = env.watched_level()
        self.messages_waiting = env.level()
        self.units_busy = env.level()
        self.call_rank, self.radio_rank = PRIORITY_OFFSETS[room.priority_rule]
        self.follow_up_rank = self.radio_rank + FOLLOW_UP_OFFSET
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
        # the room's picture of its units, and what it waits to hear
        self.ack_timeout = room.alarm_ack_timeout_min.sampler(streams["ack_timeout"])
        self.awaiting_ack: dict[tuple[int, int], tuple[list, simpy.Event]] = {}  # (unit, incident) -> row, event
        self.status_error = resilience.spoken_status_error_probability
        self.status_missed = resilience.spoken_status_missed_probability
        self.status_error_rng = streams["status_error"]
        self.doubt: dict[int, None] = {}  # units whose board entry the room cannot trust (an ordered set)
        self.roll_calling = False
        self.roll_call_time = resilience.roll_call_min.sampler(streams["roll_call"])
        self.idle_unknown = env.level()  # units free in truth that the board has busy
        self.double_dispatched = env.level()  # units alarmed while in fact busy, until the room notices
        self.busy_in_truth = env.level()  # units on a job, alarm received until back in service
        self.request_time = room.radio_message_min.sampler(streams["reinforcement"])
        self.coordination_time = room.coordination_min.sampler(streams["coordination"])
        self.noodknop_heard = scenario.noodknop.heard
        self.noodknop_talk = scenario.noodknop.talk_min.sampler(streams["noodknop"])
        self.caco = env.pool(1)  # the calamiteitencoördinator
        # other meldkamers in the same night (issue 16), and the one that has taken over, if any
        self.partners: dict[str, ControlRoom] = {}
        self.takeover: Takeover | None = None
        self.streams = streams
        self._build_units(scenario, streams)

    # --- units and who goes first ------------------------------------------------------
    def _build_units(self, scenario: Scenario, streams: dict) -> None:
        units = scenario.units
        self.stations = units.stations
        self.unit_station: list[int] = []
        self.unit_names: list[str] = []
        self.available: list[list[int]] = []  # per station, the units the board shows free
        self.station_units: list[list[int]] = []
        for s, station in enumerate(self.stations):
            ids = list(range(len(self.unit_station), len(self.unit_station) + station.units))
            self.unit_station += [s] * station.units
            self.unit_names += [f"{station.name}-{k + 1}" for k in range(station.units)]
            self.available.append(ids[::-1])  # pop() takes unit 1 first
            self.station_units.append(ids)
        n = len(self.unit_station)
        self.region_units: dict[str, list[int]] = {r: [] for r in scenario.regions}
        for unit, s in enumerate(self.unit_station):
            self.region_units[self.stations[s].region].append(unit)
        self.truly_free, self.believed_free, self.unknown = [True] * n, [True] * n, [False] * n
        self.last_alarmed = [-math.inf] * n
        self.last_incident = [-1] * n  # a roll call is recorded under the unit's last incident
        self.presume_free_after = scenario.room.presume_free_after_min
        self.turnout = {crew: d.sampler(streams["turnout"]) for crew, d in units.turnout_min.items()}
        self.travel = {
            (a, b): d.sampler(streams["travel"]) for a, row in units.travel_min.items() for b, d in row.items()
        }
        self.waiting_for_units: deque[list] = deque()
        # on the map (issue 15): drive from the expected matrix, posts ordered per incident
        self.map = map_of(scenario) if scenario.geography is not None else None
        self.turnout_factor = [1.0] * len(self.stations) if self.map is None else self.map.turnout_factor.tolist()
        if self.map is not None:
            self.drive_noise = scenario.geography.drive_noise.sampler(streams["travel"])
            self.orders: dict[int, list[int]] = {}
            return

        def expected_response(station, region):
            return units.turnout_min[station.crew].expected + units.travel_min[station.region][region].expected

        # without a map: stations of the incident's own region first, then the neighbours,
        # each group ordered by expected turnout + travel
        self.station_order = {
            region: sorted(
                range(len(self.stations)),
                key=lambda s: (self.stations[s].region != region, expected_response(self.stations[s], region), s),
            )
            for region in scenario.regions
        }

    def place(self, incidents: list[Incident]) -> None:
        """Expected drives from every post to every incident, in one array operation."""
        assert all(i.id == k for k, i in enumerate(incidents)), "incident ids index the drive matrix"
        lat = np.array([i.lat for i in incidents], dtype=float)
        lon = np.array([i.lon for i in incidents], dtype=float)
        self.drive_expected = self.map.expected_drive(lat, lon, [i.region for i in incidents])
        self.dispatch_cost = self.drive_expected + self.map.turnout_expected[None, :]

    def post_order(self, inc: Incident) -> list[int]:
        """The posts in the order dispatch proposes them: on the map, by expected turnout + drive
        (across region borders); without a map, the incident's region first."""
        if self.map is None:
            return self.station_order[inc.region]
        order = self.orders.get(inc.id)
        if order is None:
            order = self.orders[inc.id] = np.argsort(self.dispatch_cost[inc.id], kind="stable").tolist()
        return order

    def drive(self, inc: Incident, s: int) -> float:
        if self.map is None:
            return self.travel[self.stations[s].region, inc.region]()
        return float(self.drive_expected[inc.id, s]) * self.drive_noise()

    # --- the run -----------------------------------------------------------------------
    def run(self, incidents: list[Incident]) -> Outcome:
        self.start(incidents)
        self.env.run(until=self.scenario.horizon.duration_min)
        return self.outcome()

    def start(self, incidents: list[Incident]) -> None:
        """Put the night's processes on the clock (several rooms share one clock)."""
        env = self.env
        self.incidents = incidents
        if self.map is not None:
            self.place(incidents)
        env.start(self.roster())
        env.start(self.incoming(incidents))
        self.start_background_work()

    def outcome(self) -> Outcome:
        env = self.env
        levels = {
            "calls_waiting": self.calls_waiting,
            "messages_waiting": self.messages_waiting,
            "centralists_busy": self.centralists.busy,
            "centralists_on_duty": self.centralists.limit,
            "units_busy": self.units_busy,
            "units_idle_unknown": self.idle_unknown,
            "units_double_dispatched": self.double_dispatched,
            "units_busy_true": self.busy_in_truth,
            "caco_busy": self.caco.busy,
            "caco_on_duty": self.caco.limit,
        }
        for name, state in self.comms.channels.items():
            levels[f"{name}_busy"] = state.pool.busy
            levels[f"{name}_capacity"] = state.pool.limit
        return Outcome(
            self.scenario,
            self.incidents,
            self.calls,
            self.messages,
            self.dispatches,
            self.timeline.rows,
            levels,
            self.comms.reachable,
            self.unit_names,
            events=env.events_scheduled(),
        )

    # --- work that does not come from the fire desk's own incidents -----------------------
    def start_background_work(self) -> None:
        """The CaCo's routine and the police and ambulance desks' claims, as streams drawn up front."""
        scenario, env = self.scenario, self.env
        caco = scenario.room.caco
        if caco.background_tasks_per_hour > 0:
            rng = self.streams["caco_background"]
            minutes = poisson_minutes(scenario.horizon, (1.0,), caco.background_tasks_per_hour, rng).tolist()
            durations = draw_many([caco.task_min] * len(minutes), rng)
            env.start(self.tasks_at(minutes, durations, CACO_TASK, CACO_BACKGROUND_PRIORITY, caco=True))
        regions = list(scenario.load.region_shares)
        shares = np.fromiter(scenario.load.region_shares.values(), dtype=float)
        # one generator per desk, by its place in the scenario
        desks = scenario.other_desks
        for (name, desk), rng in zip(desks.items(), self.streams["other_desks"].spawn(len(desks)), strict=True):
            if desk.messages_per_hour > 0 and desk.shares:
                minutes = poisson_minutes(scenario.horizon, desk.hourly_factors, desk.messages_per_hour, rng).tolist()
                where = [regions[i] for i in rng.choice(len(regions), size=len(minutes), p=shares / shares.sum())]
                durations = draw_many([desk.message_min] * len(minutes), rng)
                env.start(self.other_desk_traffic(name, desk, minutes, where, durations))
            if desk.coordination_per_hour > 0:
                minutes = poisson_minutes(scenario.horizon, desk.hourly_factors, desk.coordination_per_hour, rng)
                durations = draw_many([scenario.room.coordination_min] * len(minutes), rng)
                # another desk asks the fire desk something about a multidisciplinary incident
                env.start(self.tasks_at(minutes.tolist(), durations, COORDINATION, self.radio_rank + 2))

    def tasks_at(self, minutes: list[float], durations: list[float], kind: str, priority: int, caco=False):
        """Room work not about one incident, arriving at ``minutes``: one process for the whole stream."""
        for minute, work in zip(minutes, durations, strict=True):
            yield self.env.timeout(minute - self.env.now)
            self.env.start(self.desk_work(None, -1, kind, work, priority, caco))

    def caco_decision(self, minutes: float):
        """The fallback decision: it waits for the CaCo to finish the task in hand, then takes ``minutes``."""
        return self.desk_work(None, -1, CACO_DECISION, minutes, 0, caco=True)

    def other_desk_traffic(self, name: str, desk, minutes: list[float], regions: list[str], durations: list[float]):
        """The police or ambulance desk's radio traffic, where it takes a channel the fire desk uses too.

        On its own means (its eOCS consoles while they work) it costs the fire desk nothing and
        is skipped; while none of the shared channels is up the stream waits for a change.
        """
        env, comms = self.env, self.comms
        shared = [comms.channels[c] for c in desk.shares]
        kind = OTHER_DESK + name
        i, n = 0, len(minutes)
        while i < n:
            if not any(c.pool.capacity > 0 for c in shared):
                yield comms.next_change()
                i = bisect.bisect_left(minutes, env.now, lo=i)
                continue
            if minutes[i] > env.now:
                yield env.timeout(minutes[i] - env.now)
            channel = comms.choose("voice", regions[i])
            if channel is not None and channel in shared:
                env.start(self.shared_message(kind, channel, durations[i]))
            i += 1

    def shared_message(self, kind: str, channel: ChannelState, minutes: float):
        """A slot on a shared channel, held for the message at that channel's pace; no fire centralist."""
        env = self.env
        row = [len(self.messages), -1, -1, kind, env.now, NAN, NAN, channel.name, "open", 0]
        self.messages.append(row)
        slot = channel.pool.request(OTHER_DESK_PRIORITY)
        if not slot.triggered and (yield self.patience.wait(slot, env.now + self.message_patience)) is GAVE_UP:
            channel.pool.withdraw(slot)
            row[MessageRow.T_END], row[MessageRow.STATE] = env.now, "undelivered"
            return
        row[MessageRow.T_START] = env.now
        yield env.timeout(minutes * channel.spec.time_factor)
        channel.pool.release(slot)
        row[MessageRow.T_END], row[MessageRow.STATE], row[MessageRow.ATTEMPTS] = env.now, "delivered", 1

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

    def via(self, inc: Incident) -> ControlRoom:
        """The room whose channels and centralists carry an incident's alarms and radio (issue 16):
        the partner that took the call in; while a takeover lasts, the partner for every incident
        (it has the room's units on its board); else this room."""
        if inc.handler:
            return self.partners[inc.handler]
        return self.takeover.room if self.takeover is not None else self

    def take_over(self, partner: str, routing_delay, factor: float) -> None:
        """From now on this room's 112 calls go to ``partner`` (until the procedure stands down), and
        with them the alarms and radio: what waits here for a channel moves there now."""
        self.takeover = Takeover(self.partners[partner], partner, routing_delay, factor)
        for channel in self.comms.channels.values():
            for tx in list(channel.transmissions):
                if tx.movable and not tx.talking:
                    self._interrupt(tx, LOOK_AGAIN)
        self.comms.wake()

    def end_takeover(self) -> str | None:
        """The desk comes back (the procedure stands down); the partner's name, or None if none had it.
        Incidents the partner took in stay with it."""
        name = self.takeover.name if self.takeover is not None else None
        self.takeover = None
        return name

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
            env.start(self.route(inc, k, 1, inc.call_patience_min[k]))

    # --- 112 calls ---------------------------------------------------------------------
    def route(self, inc: Incident, caller: int, attempt: int, patience: float):
        """Where a 112 call goes: here, or to the partner room that has taken over (issue 16)."""
        if self.takeover is None:
            return self.call(inc, caller, attempt, patience)
        return self.rerouted(inc, caller, attempt, patience)

    def rerouted(self, inc: Incident, caller: int, attempt: int, patience: float):
        """The national 112 routing sends the call on; the caller's patience runs meanwhile. The
        call is on record from the moment it was made, with the room it went to."""
        to = self.takeover
        row = [len(self.calls), inc.id, caller, attempt, self.env.now, NAN, NAN, "", "open", to.name]
        self.calls.append(row)
        delay = to.routing_delay()
        yield self.env.timeout(delay)
        yield from to.room.call(
            inc, caller, attempt, max(patience - delay, 0.0), owner=self, factor=to.time_factor, row=row
        )

    def call(self, inc: Incident, caller: int, attempt: int, patience: float, owner=None, factor=1.0, row=None):
        """A call answered by this room's centralists; ``owner`` is the room whose incident it is
        (another room after a takeover: slower by ``factor``, its units alarmed by the owner)."""
        env = self.env
        owner = owner or self
        if row is None:
            row = [len(owner.calls), inc.id, caller, attempt, env.now, NAN, NAN, "", "open", ""]
            owner.calls.append(row)
        self.calls_waiting.add(1)
        centralists = self.centralists
        req = centralists.request(priority=self.call_rank + inc.priority)
        if not req.triggered:
            if inc.via_oms:
                yield req  # an automatic alarm waits on the screen until someone takes it
            else:
                yield self.patience.wait(req, env.now + patience)  # or GAVE_UP at the caller's patience
        self.calls_waiting.add(-1)
        if not req.triggered:
            req.cancel()
            row[CallRow.T_END], row[CallRow.STATE] = env.now, "abandoned"
            if owner.redial_rng.random() < owner.scenario.room.redial_probability:
                env.start(owner.redial(inc, caller, attempt + 1))
            else:
                owner._call_done(inc)
            return
        row[CallRow.T_ANSWERED] = env.now
        if inc.t_answered is None:
            inc.t_answered = env.now
            inc.handler = row[CallRow.ROOM]  # a partner that takes the call in also alarms and talks to the units
            row[CallRow.HANDLED_AS] = "desk" if inc.desk else "intake"
            yield env.timeout(self.intake_and_dispatch(inc) * factor)
            centralists.release(req)
            if inc.desk:
                inc.state, inc.t_closed = "completed", env.now
            else:
                owner.dispatch(inc)
            owner.incident_work(inc)
        else:
            row[CallRow.HANDLED_AS] = "duplicate"
            yield env.timeout(inc.call_handling_min[caller] * factor)
            centralists.release(req)
        row[CallRow.T_END], row[CallRow.STATE] = env.now, "completed"
        owner._call_done(inc)

    def intake_and_dispatch(self, inc: Incident) -> float:
        """Centralist minutes to take the call and dispatch (a desk incident: to handle it);
        slower by hand while GMS is down."""
        work = inc.intake_min if inc.desk else inc.intake_min + inc.dispatch_min
        manual = 1 - self.comms.gms_factor
        if manual > 0:
            resilience = self.scenario.resilience
            work *= 1 + (resilience.gms_down_intake_factor - 1) * manual
            work += self.manual_dispatch() * manual
        return work

    def redial(self, inc: Incident, caller: int, attempt: int):
        yield self.env.timeout(self.redial_delay())
        yield from self.route(inc, caller, attempt, self.redial_patience())

    def _call_done(self, inc: Incident) -> None:
        inc.calls_pending -= 1
        if inc.calls_pending == 0 and inc.t_answered is None:
            inc.state, inc.t_closed = "abandoned", self.env.now

    # --- dispatch, alarm and acknowledgement ----------------------------------------------
    def dispatch(self, inc: Incident, wanted: int | None = None, role: str = FIRST) -> None:
        """Alarm ``wanted`` units the room believes free; the rest as soon as the board shows some."""
        wanted = inc.units_needed if wanted is None else wanted
        units = self.take_units(inc, wanted)
        if len(units) < wanted:
            self.waiting_for_units.append([inc, wanted - len(units), role])
        self.alarm_units(inc, units, role)

    def take_units(self, inc: Incident, wanted: int) -> list[int]:
        taken = []
        order = self.post_order(inc)
        for s in order:
            free = self.available[s]
            while free and len(taken) < wanted:
                unit = free.pop()
                self.believed_free[unit] = False
                taken.append(unit)
            if len(taken) == wanted:
                break
        if taken:
            self.units_busy.add(len(taken))
        if len(taken) < wanted and self.comms.detected and self.presume_free_after is not None:
            taken += self.presumed_free(order, wanted - len(taken))
        return taken

    def presumed_free(self, order: list[int], wanted: int) -> list[int]:
        """With the board known to be stale, alarm units in doubt that were alarmed long enough ago.

        The alarm itself then tells: a unit that is in fact busy never acknowledges it.
        """
        now, taken = self.env.now, []
        oldest = now - self.presume_free_after
        for s in order:
            for unit in self.station_units[s]:
                if unit in self.doubt and not self.believed_free[unit] and self.last_alarmed[unit] <= oldest:
                    del self.doubt[unit]
                    taken.append(unit)
                    if len(taken) == wanted:
                        return taken
        return taken

    def alarm_units(self, inc: Incident, units: list[int], role: str = FIRST) -> None:
        """One alarm per station: a fallback path may reach one post and not another."""
        inc.units_assigned += len(units)
        by_station: dict[int, list[list]] = {}
        now = self.env.now
        for unit in units:
            self.last_alarmed[unit], self.last_incident[unit] = now, inc.id
            row = [inc.id, unit, self.unit_station[unit], now, NAN, "", NAN, NAN, NAN, NAN, "open", NAN, role, 0]
            self.dispatches.append(row)
            by_station.setdefault(self.unit_station[unit], []).append(row)
        for s, rows in by_station.items():
            self.env.start(self.alarm(inc, s, rows))

    def alarm(self, inc: Incident, s: int, rows: list[list]):
        """Alarm a post's units and see each one acknowledge; re-alarm, then alarm the next unit.

        The acknowledgement is the unit's first status reaching the room ("uitgerukt"), or,
        on a channel where the room talks to the post, the post's answer. A re-alarm takes
        the next alarm channel in the procedure's order that reaches the post.
        """
        env, station = self.env, self.stations[s]
        tried: frozenset[str] = frozenset()
        for attempt in range(self.scenario.room.realarms_before_next_unit + 1):
            if attempt:
                self.timeline.log(REALARMED, station.name, f"incident={inc.id} units={len(rows)}")
            tx = Transmission(
                "alarm",
                station.region,
                station.crew != "volunteer",
                inc.priority,
                self.call_rank + inc.priority,
                self.alarm_time(),
                avoid=tried,
            )
            room, name = yield from self.carry(inc, tx, None)
            tried |= {name}
            channel = room.comms.channels[name]
            self.alarmed(inc, station, rows, channel)
            if channel.spec.needs_centralist:  # the post answered the phone: it says who goes
                for row in rows:
                    if row[DispatchRow.STATE] != NOT_REACHED:
                        self.acknowledged(row[DispatchRow.UNIT], inc.id)
            else:
                deadline = env.now + self.ack_timeout()
                for row in rows:
                    waiting = self.awaiting_ack.get((row[DispatchRow.UNIT], inc.id))
                    if waiting is not None:
                        yield self.patience.wait(waiting[1], deadline)
                if env.now < deadline and any(r[DispatchRow.STATE] == NOT_REACHED for r in rows):
                    yield env.timeout(deadline - env.now)  # the room notices silence only at the timeout
            rows = [r for r in rows if math.isnan(r[DispatchRow.T_ACK])]
            if not rows:
                return
        # still silent: the room no longer counts on these units and alarms the next ones, once
        for row in rows:
            unit = row[DispatchRow.UNIT]
            if row[DispatchRow.STATE] == NOT_REACHED:
                self.double_dispatched.add(-1)
            self.doubt[unit] = None
        replace = [r for r in rows if r[DispatchRow.ROLE] != REALARM]
        if replace:
            self.timeline.log(NEXT_UNIT, station.name, f"incident={inc.id} units={len(replace)}")
            self.dispatch(inc, len(replace), REALARM)

    def alarmed(self, inc: Incident, station, rows: list[list], channel: ChannelState) -> None:
        """An alarm went out: in truth, a free unit turns out; a busy one never hears it."""
        now = self.env.now
        if inc.t_alarm is None:
            inc.t_alarm = now
        extra = self.extra_turnout[channel.name]() if station.crew == "volunteer" else 0.0
        for row in rows:
            row[DispatchRow.ALARMS] += 1
            first = row[DispatchRow.ALARMS] == 1
            if first:
                row[DispatchRow.T_ALARM], row[DispatchRow.ALARM_CHANNEL] = now, channel.name
            elif row[DispatchRow.STATE] != NOT_REACHED:
                continue  # on its way already: a re-alarm changes nothing
            unit = row[DispatchRow.UNIT]
            if self.truly_free[unit]:
                if not first:
                    self.double_dispatched.add(-1)
                row[DispatchRow.STATE] = "open"
                self.engage(inc, row, extra)
            elif first:
                row[DispatchRow.STATE] = NOT_REACHED
                self.double_dispatched.add(1)

    def engage(self, inc: Incident, row: list, extra_turnout: float) -> None:
        unit = row[DispatchRow.UNIT]
        self.truly_free[unit] = False
        self.busy_in_truth.add(1)
        if self.unknown[unit]:
            self.unknown[unit] = False
            self.idle_unknown.add(-1)
        self.board_busy(unit)  # a re-alarm may reach a unit the board had free again
        inc.units_engaged += 1
        if inc.state == "completed":  # more units after the last one cleared: not over yet
            inc.state, inc.t_closed = "open", None
        self.awaiting_ack[(unit, inc.id)] = (row, self.env.event())
        self.env.start(self.respond(inc, row, extra_turnout))

    def acknowledged(self, unit: int, incident: int) -> None:
        waiting = self.awaiting_ack.pop((unit, incident), None)
        if waiting is not None:
            row, event = waiting
            row[DispatchRow.T_ACK] = self.env.now
            event.succeed()

    def serve_waiting(self) -> None:
        """Incidents still short of units take them as the board shows them free, in order."""
        while self.waiting_for_units:
            waiting = self.waiting_for_units[0]  # [incident, units still missing, role]
            inc, missing, role = waiting
            units = self.take_units(inc, missing)
            if not units:
                return
            waiting[1] = missing = missing - len(units)
            if missing == 0:
                self.waiting_for_units.popleft()
            self.alarm_units(inc, units, role)

    # --- the room's picture of its units (the GMS unit board) ------------------------------
    def heard(self, inc_id: int, unit: int, kind: str, spoken: bool) -> None:
        """A status reached the room: it acknowledges the alarm; "beschikbaar" frees the unit on the board."""
        self.acknowledged(unit, inc_id)
        if not kind.startswith("beschikbaar"):
            return
        # drawn only when set, so scenarios without it keep their random streams
        if spoken and self.status_missed and self.status_error_rng.random() < self.status_missed:
            self.timeline.log(STATUS_MISSED, self.unit_names[unit])
            return  # the board keeps the unit busy (it is in doubt) until the roll call or its next status
        if spoken and self.status_error_rng.random() < self.status_error:
            wrong = self.misnoted(unit)
            if wrong is not None:
                self.timeline.log(STATUS_MISNOTED, self.unit_names[unit], f"noted_as={self.unit_names[wrong]}")
                unit = wrong
        self.board_free(unit)

    def misnoted(self, unit: int) -> int | None:
        """A spoken status put on another unit the board has busy: of the same post if it has one
        (call signs differ in the last digit), else of another post of the region (one digit more)."""
        s = self.unit_station[unit]
        others = [u for u in self.station_units[s] if u != unit and not self.believed_free[u]]
        if not others:
            region = self.stations[s].region
            others = [u for u in self.region_units[region] if u != unit and not self.believed_free[u]]
        return others[int(self.status_error_rng.integers(len(others)))] if others else None

    def board_free(self, unit: int) -> None:
        if self.believed_free[unit]:
            return
        self.believed_free[unit] = True
        if self.unknown[unit]:
            self.unknown[unit] = False
            self.idle_unknown.add(-1)
        self.available[self.unit_station[unit]].append(unit)
        self.units_busy.add(-1)
        self.serve_waiting()

    def board_busy(self, unit: int) -> None:
        """Off the board: a unit shown free that is not."""
        if self.believed_free[unit]:
            self.available[self.unit_station[unit]].remove(unit)
            self.believed_free[unit] = False
            self.units_busy.add(1)

    def unit_back(self, inc: Incident, unit: int, region: str) -> None:
        """Back in service: free in truth at once, on the board once its status arrives."""
        self.truly_free[unit] = True
        self.busy_in_truth.add(-1)
        self.status(inc, unit, 2, region)
        if not self.believed_free[unit] and not self.unknown[unit]:
            self.unknown[unit] = True
            self.idle_unknown.add(1)

    def recovered(self) -> None:
        """Everything works again: the room checks the units whose status it cannot trust."""
        if self.doubt and not self.roll_calling:
            self.roll_calling = True
            self.env.start(self.roll_call())

    def roll_call(self):
        self.timeline.log(ROLL_CALL_START, "board", f"units={len(self.doubt)}")
        while self.doubt:
            unit = next(iter(self.doubt))
            del self.doubt[unit]
            row = self.new_message(self.last_incident[unit], unit, ROLL_CALL)
            region = self.stations[self.unit_station[unit]].region
            yield from self.send(
                row, Transmission("voice", region, False, 2, self.radio_rank + 2, self.roll_call_time()), None
            )
            if self.truly_free[unit]:
                self.board_free(unit)
            else:
                self.board_busy(unit)  # a status noted on the wrong unit, found
        self.timeline.log(ROLL_CALL_END, "board")
        self.roll_calling = False

    # --- unit response -----------------------------------------------------------------
    def respond(self, inc: Incident, row: list, extra_turnout: float):
        env = self.env
        unit = row[DispatchRow.UNIT]
        s = row[DispatchRow.STATION]
        station = self.stations[s]
        yield env.timeout(self.turnout[station.crew]() * self.turnout_factor[s] + extra_turnout)
        row[DispatchRow.T_DEPARTED] = env.now
        self.status(inc, unit, 0, station.region)
        yield env.timeout(self.drive(inc, s))
        row[DispatchRow.T_ON_SCENE] = env.now
        self.status(inc, unit, 1, inc.region)
        if inc.t_on_scene is None:
            inc.t_on_scene, inc.commander = env.now, unit
            self.scene_traffic(inc, unit)
        yield env.timeout(inc.reinforcement_on_scene_min if row[DispatchRow.ROLE] == EXTRA else inc.on_scene_min)
        row[DispatchRow.T_CLEAR] = env.now
        inc.units_cleared += 1
        if inc.units_cleared == inc.units_engaged and inc.units_engaged >= inc.units_needed:
            inc.state, inc.t_closed = "completed", env.now
            if inc.closing_min > 0:
                env.start(self.desk_work(inc, -1, CLOSING, inc.closing_min, self.follow_up_rank + inc.priority))
        yield env.timeout(self.drive(inc, s))
        row[DispatchRow.T_AVAILABLE], row[DispatchRow.STATE] = env.now, "completed"
        self.unit_back(inc, unit, station.region)

    def scene_traffic(self, inc: Incident, unit: int) -> None:
        """What the first unit on scene will say, and to whom, over the incident."""
        env = self.env
        for fraction, base in zip(inc.message_fractions, inc.message_durations_min, strict=False):
            env.start(self.message(inc, unit, "voice", fraction * inc.on_scene_min, base))
        for fraction, base in zip(inc.scene_fractions, inc.scene_durations_min, strict=False):
            env.start(self.message(inc, unit, "scene", fraction * inc.on_scene_min, base, purpose="scene"))
        if inc.reinforcement_after_min is not None:
            env.start(self.request(inc, unit, REINFORCEMENT, inc.reinforcement_after_min))
        if inc.other_discipline_after_min is not None:
            env.start(self.request(inc, unit, OTHER_DISCIPLINE, inc.other_discipline_after_min))
        if inc.noodknop_after_min is not None:
            env.start(self.noodknop(inc, unit, inc.noodknop_after_min))
        for fraction, minutes in zip(inc.crew_call_fractions, inc.crew_call_durations_min, strict=True):
            rank = self.follow_up_rank + inc.priority
            env.start(self.desk_work(inc, unit, CREW_CALL, minutes, rank, delay=fraction * inc.on_scene_min))

    # --- radio traffic -----------------------------------------------------------------
    def status(self, inc: Incident, unit: int, which: int, region: str) -> None:
        """A status button press; spoken to a centralist when no status channel works."""
        channel = self.via(inc).comms.choose("status", region)
        if channel is not None and channel.has_room():
            now = self.env.now
            self.messages.append(
                [len(self.messages), inc.id, unit, STATUSES[which], now, now, now, channel.name, "delivered", 1]
            )
            self.heard(inc.id, unit, STATUSES[which], False)
        else:
            self.doubt[unit] = None  # the room will have to take its word, if the word arrives
            self.env.start(self.message(inc, unit, STATUSES[which], 0.0, self.spoken_status()))
            if self.waiting_for_units and self.comms.detected:
                self.serve_waiting()  # a unit in doubt may be presumed free

    def message(self, inc: Incident, unit: int, kind: str, delay: float, base_min: float, purpose: str = "voice"):
        """Traffic between the room (or, on the scene, another unit) and a unit."""
        env = self.env
        if delay > 0:
            yield env.timeout(delay)
        row = self.new_message(inc.id, unit, kind)
        channel = yield from self.send(row, self.incident_tx(inc, purpose, base_min), env.now + self.message_patience)
        if kind in STATUSES:
            if channel is None:
                # the unit carries on by itself and reports the status once something reaches it
                yield from self.late_report(inc, unit, kind + LATE)
            else:
                self.heard(inc.id, unit, kind, True)

    def new_message(self, incident: int, unit: int, kind: str) -> list:
        """A message row, waiting from now."""
        row = [len(self.messages), incident, unit, kind, self.env.now, NAN, NAN, "", "open", 0]
        self.messages.append(row)
        self.messages_waiting.add(1)
        return row

    def incident_tx(self, inc: Incident, purpose: str, base_min: float) -> Transmission:
        """Traffic about an incident, at its priority under the room's rule."""
        return Transmission(purpose, inc.region, False, inc.priority, self.radio_rank + inc.priority, base_min)

    def send(self, row: list, tx: Transmission, deadline: float | None):
        """Get the message of ``row`` through by ``deadline`` (None: however long it takes); its channel, or None."""
        env = self.env
        tx.row, tx.waiting = row, self.messages_waiting
        incident = row[MessageRow.INCIDENT]
        _room, channel = yield from self.carry(self.incidents[incident] if incident >= 0 else None, tx, deadline)
        row[MessageRow.ATTEMPTS] = tx.attempts
        if channel is None:
            if math.isnan(row[MessageRow.T_START]):
                self.messages_waiting.add(-1)
            row[MessageRow.T_END], row[MessageRow.STATE] = env.now, "undelivered"
        else:
            row[MessageRow.T_END], row[MessageRow.CHANNEL], row[MessageRow.STATE] = env.now, channel, "delivered"
        return channel

    def request(self, inc: Incident, unit: int, kind: str, delay: float):
        """A request from the scene that counts only once the room has it: more units, or another discipline.

        The commander keeps trying until leaving the scene; after that the request is lost.
        """
        env = self.env
        yield env.timeout(delay)
        row = self.new_message(inc.id, unit, kind)
        tx = self.incident_tx(inc, "voice", self.request_time())
        channel = yield from self.send(row, tx, inc.t_on_scene + inc.on_scene_min)
        if channel is None:
            if kind == REINFORCEMENT:
                self.timeline.log(REINFORCEMENT_LOST, self.unit_names[unit], f"incident={inc.id}")
            return
        if kind == REINFORCEMENT:
            self.dispatch(inc, inc.reinforcement_units, EXTRA)
        else:
            yield from self.desk_work(inc, unit, COORDINATION, self.coordination_time(), self.radio_rank + inc.priority)

    def desk_work(
        self, inc: Incident | None, unit: int, kind: str, minutes: float, priority: int, caco=False, delay=0.0
    ):
        """Work in the room that is not radio traffic: a centralist's (or the CaCo's) time.

        A row like a message's, on the pseudo-channel DESK or CACO, so every task started is
        finished or open at the horizon. A free person and no time: done in the same instant.
        """
        env = self.env
        if delay > 0:
            yield env.timeout(delay)
        pool, label = (self.caco, CACO) if caco else (self.centralists, DESK)
        row = [len(self.messages), -1 if inc is None else inc.id, unit, kind, env.now, NAN, NAN, label, "open", 0]
        self.messages.append(row)
        person = pool.request(priority)
        if not person.triggered:
            yield person
        row[MessageRow.T_START] = env.now
        if minutes > 0:
            yield env.timeout(minutes)
        pool.release(person)
        row[MessageRow.T_END], row[MessageRow.STATE], row[MessageRow.ATTEMPTS] = env.now, "delivered", 1

    def incident_work(self, inc: Incident) -> None:
        """After the call: the follow-up (registration, informing), and the CaCo's part if any."""
        if inc.follow_up_min > 0:
            self.env.start(self.desk_work(inc, -1, FOLLOW_UP, inc.follow_up_min, self.follow_up_rank + inc.priority))
        if inc.caco_task_min is not None:
            self.env.start(self.desk_work(inc, -1, CACO_TASK, inc.caco_task_min, inc.priority, caco=True))

    def noodknop(self, inc: Incident, unit: int, delay: float):
        """The emergency button: first in every queue, heard only where the scenario says."""
        env = self.env
        yield env.timeout(delay)
        row = self.new_message(inc.id, unit, NOODKNOP)
        tx = Transmission(NOODKNOP, inc.region, False, NOODKNOP_PRIORITY, NOODKNOP_PRIORITY, self.noodknop_talk())
        yield from self.send(row, tx, None)

    def late_report(self, inc: Incident, unit: int, kind: str):
        """A unit reports where it stands once something reaches it: its latest status, once.

        A status that went undelivered while the unit's previous late report still waits
        replaces that report's content: back in contact, a crew says "beschikbaar", not the
        three statuses it went through.
        """
        waiting = self.late_reports.get(unit)
        if waiting is not None and math.isnan(waiting[MessageRow.T_START]):
            waiting[MessageRow.INCIDENT], waiting[MessageRow.KIND] = inc.id, kind
            return
        row = self.late_reports[unit] = self.new_message(inc.id, unit, kind)
        # after fresh traffic: a late report is news for the room's picture, not an emergency
        tx = Transmission(
            "voice", inc.region, False, LATE_PRIORITY, self.radio_rank + LATE_PRIORITY, self.spoken_status()
        )
        yield from self.send(row, tx, None)
        if self.late_reports.get(unit) is row:
            del self.late_reports[unit]
        self.heard(row[MessageRow.INCIDENT], unit, row[MessageRow.KIND], True)

    def carry(self, inc: Incident | None, tx: Transmission, deadline: float | None):
        """Transmit over the room that carries the incident's traffic (:meth:`via`), again over the
        partner if it takes over meanwhile; (that room, the channel's name or None). Traffic not
        about an incident stays here."""
        tx.movable = inc is not None
        while True:
            room = self if inc is None else self.via(inc)
            name = yield from room.transmit(tx, deadline)
            if name is not MOVED:
                return room, name

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
            if tx.movable and self.takeover is not None:  # the partner has the desk now
                self._release(tx)
                return MOVED
            try:
                pinned = tx.pinned
                if pinned is None:
                    channel = comms.choose(tx.purpose, tx.region, tx.staffed, tx.avoid)
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
                        tx.waiting.add(-1)
                    row[MessageRow.T_START] = tx.started
                yield env.timeout((1 - tx.progress) * tx.base_min * tx.channel.spec.time_factor)
                channel = tx.channel  # a move to a fallback may have changed it
                self._release(tx)
                tx.attempts += 1
                success = channel.success_probability(tx.region)
                if tx.purpose == NOODKNOP:  # on a fallback set only heard in the talkgroup concerned
                    success *= self.noodknop_heard.get(channel.name, 1.0)
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
    collected as usual afterwards.

    Partner rooms (issue 16) run on the same clock, each with its own streams and incidents;
    the outages of this scenario reach them as :func:`room_views` says.
    """
    streams = make_streams(seed, replication)
    incidents = generate_incidents(scenario, streams)
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not scenario.partners:
            return ControlRoom(scenario, streams, engine).run(incidents)
        views = room_views(scenario)
        main = ControlRoom(views[MAIN_ROOM], streams, engine)
        for k, name in enumerate(scenario.partners, start=1):
            own = make_streams(seed, replication, k)
            partner = main.partners[name] = ControlRoom(views[name], own, engine, env=main.env)
            partner.start(generate_incidents(views[name], own))
        outcome = main.run(incidents)
        outcome.partners = {name: partner.outcome() for name, partner in main.partners.items()}
        return outcome
    finally:
        if collecting:
            gc.enable()


def room_views(scenario: Scenario) -> dict[str, Scenario]:
    """Each room's own scenario: this room with the outages that reach it, and every partner as
    :func:`partner_scenario` describes it (national systems fail everywhere unless an outage
    names its rooms)."""
    views = {
        MAIN_ROOM: scenario.model_copy(
            update={
                "outages": [o for o in scenario.outages if hits_room(o, MAIN_ROOM)],
                "random_outages": [o for o in scenario.random_outages if hits_room(o, MAIN_ROOM)],
                "partners": {},
            }
        )
    }
    for name, partner in scenario.partners.items():
        views[name] = partner_scenario(scenario, name, partner)
    return views


def partner_scenario(scenario: Scenario, name: str, partner) -> Scenario:
    """A partner room as a scenario: this night (horizon, profile, incident mix, room work,
    channels) with the partner's load, staffing, units and drive, one region named after it,
    no police or ambulance desks on its channels, and this procedure without takeovers."""
    f = partner.staff_factor
    roster = [
        b.model_copy(update={"centralists": max(1, math.ceil(b.centralists * f - 1e-9))}) for b in scenario.room.roster
    ]
    stations = [
        Station(name=f"{name}-{kind}", region=name, crew=crew, units=count)
        for kind, crew, count in (
            ("beroeps", "professional", partner.professional_units),
            ("vrijwillig", "volunteer", partner.volunteer_units),
        )
        if count > 0
    ]
    procedure = scenario.procedure
    if procedure is not None:
        steps = [e for e in procedure.escalations if e.action != "take_over"]
        procedure = procedure.model_copy(update={"escalations": steps})
    # its incidents are in its own region; its channels also reach this room's regions (P2000 and
    # C2000 are national), so after a takeover it can alarm and talk to this room's units
    regions = {name: 1.0, **{r: 0.0 for r in scenario.regions}}
    return scenario.model_copy(
        update={
            "name": f"{scenario.name}:{name}",
            "load": scenario.load.model_copy(
                update={
                    "base_rate_per_hour": partner.incidents_per_year / HOURS_PER_YEAR,
                    "region_shares": regions,
                    "trace_file": None,
                }
            ),
            "room": scenario.room.model_copy(update={"roster": roster}),
            "units": Units(
                stations=stations,
                turnout_min=scenario.units.turnout_min,
                travel_min={name: {r: partner.drive_min for r in regions}},
            ),
            "geography": None,
            "other_desks": {},
            "procedure": procedure,
            "outages": [o for o in scenario.outages if hits_room(o, name)],
            "random_outages": [o for o in scenario.random_outages if hits_room(o, name)],
            "partners": {},
        }
    )
