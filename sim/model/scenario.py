"""The scenario: every model parameter in one frozen, validated object.

Units are in field names (``_min``, ``_per_hour``); durations and counts that vary are
:class:`~sim.model.distributions.Dist` specs. Cross-field rules live in ``model_validator``s so a
scenario that loads is one the model can run. Loading YAML (and ``base:`` overlays) is in
:mod:`sim.model.loading`.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic import Strict as StrictType

from sim.model import limits
from sim.model.distributions import Dist, NonNegDist
from sim.model.profiles import PROFILES

CrewKind = Literal["professional", "volunteer", "pre_staffed"]
HOURS_PER_YEAR = 8760  # a yearly count as a base rate per hour (weekday.yaml: CBS incidents / 8760)
#: the range of geography's per-region factors (validated here, kept to by the fit)
FACTOR_RANGE = (0.05, 20.0)
PriorityRule = Literal["calls_first", "radio_first", "incident_priority"]
_SHARE_TOLERANCE = 1e-6


class Strict(BaseModel):
    # defaults are validated too, so `= 0` on a distribution field becomes a constant spec;
    # allow_inf_nan=False: .inf/.nan in YAML are errors ("Input should be a finite number"),
    # not values that slip past range and sum checks (NaN compares False to everything)
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


def _not_a_number(value):
    if isinstance(value, (int, float)):  # pydantic would read it as a Unix timestamp, in UTC
        raise ValueError("must be a date and time like 2025-03-12T00:00:00, not a number")
    return value


def _local_time(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("give local time without a UTC offset (rosters and profiles are clock times)")
    return value


#: a wall-clock time; naive, so it can be compared with the horizon start
LocalDateTime = Annotated[dt.datetime, BeforeValidator(_not_a_number), AfterValidator(_local_time)]
#: a head count or capacity: an int, never ``true`` (Python's bool is an int) nor 2.5
Count = Annotated[int, StrictType()]
#: minutes in a parameter: bounded so that no clock arithmetic overflows
Minutes = Annotated[float, Field(le=limits.MAX_TIME_MIN)]


class Problems(ValueError):
    """Several cross-field problems, each with its own dotted path, raised as one error."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1) > _SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.6g})")


# --- horizon ---------------------------------------------------------------------------
class Horizon(Strict):
    start: LocalDateTime
    duration_min: float = Field(gt=0, le=limits.MAX_DURATION_MIN)
    warmup_min: float = Field(0, ge=0, description="results before this are discarded")

    @model_validator(mode="after")
    def _warmup_inside(self) -> Horizon:
        if self.warmup_min >= self.duration_min:
            raise ValueError(
                f"warmup_min ({self.warmup_min:g}) must be shorter than duration_min ({self.duration_min:g})"
            )
        return self

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration_min)

    def minute_of(self, when: dt.datetime) -> float:
        return (when - self.start).total_seconds() / 60


# --- load ------------------------------------------------------------------------------
def _hourly_factors(v):
    if isinstance(v, list):
        if not v or len(v) % 24:
            raise ValueError(f"an explicit profile needs 24 hourly factors per day (24, 48, ...), got {len(v)}")
        if min(v) < 0 or not all(math.isfinite(x) for x in v):
            raise ValueError("hourly factors must be finite and >= 0")
        if len(v) > limits.MAX_PROFILE_HOURS or max(v) > limits.MAX_LOAD_FACTOR:
            raise ValueError(
                f"at most {limits.MAX_PROFILE_HOURS} hourly factors, each at most {limits.MAX_LOAD_FACTOR:g} (limit)"
            )
    return v


#: a load profile: a name, or factors by clock hour
Profile = Annotated[Literal["weekday", "weekend", "new_years_eve"] | list[float], AfterValidator(_hourly_factors)]


class Reinforcement(Strict):
    """Opschaling: the commander on scene asks the room for more units, over the radio."""

    probability: float = Field(0.0, ge=0, le=1, description="share of incidents whose commander asks for more units")
    after_min: NonNegDist = Field(10, description="from the first unit on scene to the request")
    units: NonNegDist = Field(1, description="extra units asked for")
    on_scene_min: NonNegDist = Field(30, description="time each extra unit works on the scene")

    @field_validator("units")
    @classmethod
    def _bounded(cls, v):
        if v.expected > limits.MAX_PER_INCIDENT:
            raise ValueError(f"at most {limits.MAX_PER_INCIDENT:,.0f} per incident on average (limit)")
        return v


class IncidentType(Strict):
    share: float = Field(ge=0, le=1)
    priority: Count = Field(ge=1, le=3, description="1 = most urgent")
    norm_min: Minutes = Field(gt=0, description="opkomsttijd norm")
    handling: Literal["alarm", "desk"] = Field(
        "alarm",
        description="desk: handled by a centralist without alarming a unit (an automatic alarm checked and "
        "cancelled, advice, a referral); intake_min is then the whole handling",
    )
    arrives_by: Literal["112", "oms"] = Field(
        "112", description="oms: an automatic fire alarm over the OMS link, which waits and never hangs up"
    )
    fire: bool = Field(False, description="a fire: CBS's response times (83123NED) count priority-1 fires")
    units_needed: NonNegDist = 1
    on_scene_min: NonNegDist | None = Field(None, description="required for alarmed types")
    radio_messages: NonNegDist = Field(0, description="spoken messages per incident")
    scene_messages: NonNegDist = Field(0, description="unit-to-unit messages on the scene (TMO, else DMO)")
    duplicate_calls: NonNegDist = 0
    intake_min: NonNegDist | None = Field(None, description="overrides room.intake_min; required for desk types")
    follow_up_min: NonNegDist = Field(
        0,
        description="centralist work after the alarm or the desk's handling: registration in GMS, informing "
        "the officer of duty and the other disciplines",
    )
    closing_min: NonNegDist = Field(
        0, description="centralist work when the last unit clears: monitoring done, checking and closing in GMS"
    )
    caco_task_probability: float = Field(
        0.0, ge=0, le=1, description="share of incidents that give the CaCo a task (informing LMS, other desks)"
    )
    reinforcement: Reinforcement = Reinforcement()
    other_discipline_probability: float = Field(
        0.0, ge=0, le=1, description="share of incidents whose commander asks for ambulance or police by radio"
    )
    noodknop_probability: float = Field(
        0.0, ge=0, le=1, description="share of incidents where a crew member presses the emergency button"
    )

    @field_validator("units_needed", "radio_messages", "scene_messages", "duplicate_calls")
    @classmethod
    def _per_incident(cls, v):
        if v.expected > limits.MAX_PER_INCIDENT:
            raise ValueError(f"at most {limits.MAX_PER_INCIDENT:,.0f} per incident on average (limit)")
        return v

    @model_validator(mode="after")
    def _handling(self) -> IncidentType:
        if self.handling == "desk":
            if self.intake_min is None:
                raise Problems([("intake_min", "a desk type needs its handling time here")])
            return self
        problems = []
        if self.on_scene_min is None:
            problems.append(("on_scene_min", "Field required for an alarmed type (handling: alarm)"))
        if self.units_needed.expected < 0.5:
            problems.append(("units_needed", "an incident needs on average at least one unit"))
        if problems:
            raise Problems(problems)
        return self

    @property
    def desk(self) -> bool:
        return self.handling == "desk"


class Load(Strict):
    base_rate_per_hour: float = Field(ge=0, le=limits.MAX_RATE_PER_HOUR)
    profile: Profile = Field(
        "weekday",
        description="named, or factors by clock hour: 24 repeat daily; 24 x d cover d days "
        "from midnight of the start day, then repeat",
    )
    load_factor: float = Field(1.0, ge=0, le=limits.MAX_LOAD_FACTOR, description="scales the whole profile")
    region_shares: dict[str, float]
    incident_types: dict[str, IncidentType]
    duplicate_call_delay_min: NonNegDist = Field(
        Dist(dist="exponential", mean=3.0), description="time from an incident to each duplicate call about it"
    )
    trace_file: Path | None = Field(None, description="CSV time,region,type; replaces the generator")

    @field_validator("region_shares")
    @classmethod
    def _regions(cls, v):
        if not v:
            raise ValueError("at least one region is needed")
        if len(v) > limits.MAX_REGIONS:
            raise ValueError(f"at most {limits.MAX_REGIONS} regions (limit)")
        if any(s < 0 for s in v.values()):
            raise ValueError("shares must be >= 0")
        _check_shares(v, "region shares")
        return v

    @field_validator("incident_types")
    @classmethod
    def _types(cls, v):
        if not v:
            raise ValueError("at least one incident type is needed")
        _check_shares({k: t.share for k, t in v.items()}, "incident type shares")
        return v

    @property
    def hourly_factors(self) -> tuple[float, ...]:
        base = PROFILES[self.profile] if isinstance(self.profile, str) else self.profile
        return tuple(f * self.load_factor for f in base)


# --- room ------------------------------------------------------------------------------
def _parse_clock(text: str) -> int:
    try:
        h, m = text.split(":")
        minutes = int(h) * 60 + int(m)
    except ValueError:
        raise ValueError(f"'{text}' is not a clock time HH:MM") from None
    if not (0 <= int(h) <= 24 and 0 <= int(m) < 60 and minutes <= 1440):
        raise ValueError(f"'{text}' is not a clock time HH:MM")
    return minutes


class RosterBlock(Strict):
    start: str = Field(description="clock time HH:MM")
    end: str = Field(description="clock time HH:MM; before start means the next day")
    centralists: Count = Field(ge=0, le=limits.MAX_CENTRALISTS)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, v):
        _parse_clock(v)
        return v

    @property
    def clock_span(self) -> tuple[int, int]:
        """(start, end) in minutes after midnight, end > start (wrapping past midnight)."""
        s, e = _parse_clock(self.start), _parse_clock(self.end)
        return s, e + 1440 if e <= s else e


class CaCo(Strict):
    """The calamiteitencoördinator: one person with tasks of their own, whose attention the
    fallback decision waits for (the decision itself is ``procedure.decision_min``)."""

    background_tasks_per_hour: float = Field(
        0.0,
        ge=0,
        le=limits.MAX_RATE_PER_HOUR,
        description="tasks not tied to an incident: contact with LMS and other rooms, informing the desks, staff",
    )
    task_min: NonNegDist = Field(Dist(dist="triangular", low=2, mode=5, high=15), description="one CaCo task")


class Room(Strict):
    roster: list[RosterBlock] = Field(min_length=1, max_length=limits.MAX_ROSTER_BLOCKS)
    caller_patience_min: NonNegDist
    redial_probability: float = Field(ge=0, le=1)
    redial_delay_min: NonNegDist
    intake_min: NonNegDist
    duplicate_call_min: NonNegDist
    dispatch_min: NonNegDist
    alarm_min: NonNegDist = Field(description="time a P2000 alarm occupies the paging channel")
    radio_message_min: NonNegDist
    message_patience_min: Minutes = Field(gt=0, description="after this a message counts as undelivered")
    priority_rule: PriorityRule = "calls_first"
    alarm_ack_timeout_min: NonNegDist = Field(
        Dist(dist="triangular", low=8, mode=10, high=12),
        description="from an alarm to re-alarming when the unit's 'uitgerukt' status has not arrived",
    )
    realarms_before_next_unit: Count = Field(
        1, ge=0, le=limits.MAX_REALARMS, description="re-alarms of the same unit before another unit is alarmed"
    )
    presume_free_after_min: Minutes | None = Field(
        60,
        ge=0,
        description="with the board known to be stale and no unit shown free: alarm units in doubt that were "
        "alarmed at least this long ago; null = wait for the board",
    )
    coordination_min: NonNegDist = Field(
        Dist(dist="triangular", low=0.5, mode=1, high=2),
        description="centralist time to pass a unit's request for ambulance or police to that desk",
    )
    crew_calls_per_incident: NonNegDist = Field(
        0, description="calls from crews and officers about an alarmed incident (availability, defects, guidance)"
    )
    crew_call_min: NonNegDist = Field(
        Dist(dist="triangular", low=0.75, high=3, mode=1.5), description="centralist time for one such call"
    )
    caco: CaCo = Field(CaCo(), description="the CaCo: their own tasks, and the fallback decision")


# --- units -----------------------------------------------------------------------------
#: a box around the Netherlands (mainland and Wadden islands, WGS84): a coordinate outside it is
#: a typo or swapped lat/lon
NL_LAT = (50.75, 53.56)
NL_LON = (3.36, 7.23)


def _in_nl(value: float | None, bounds: tuple[float, float], what: str) -> float | None:
    if value is not None and not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{value:g} is outside the Netherlands ({what} {bounds[0]}-{bounds[1]})")
    return value


Latitude = Annotated[float, AfterValidator(lambda v: _in_nl(v, NL_LAT, "latitude"))]
Longitude = Annotated[float, AfterValidator(lambda v: _in_nl(v, NL_LON, "longitude"))]


class Station(Strict):
    """A fire post (kazerne). With ``geography`` its location decides who goes first."""

    name: str = Field(min_length=1)
    region: str
    crew: CrewKind
    units: Count = Field(1, ge=1, le=limits.MAX_UNITS_PER_STATION)
    lat: Latitude | None = None
    lon: Longitude | None = None
    source: str = Field("", description="where the post and its location come from")


class Units(Strict):
    stations: list[Station] = Field(
        min_length=1, description="the posts; or the path of a CSV (name,region,crew,units,lat,lon[,source])"
    )
    stations_file: str | None = Field(None, description="set by the loader: the CSV the posts came from")
    turnout_min: dict[CrewKind, NonNegDist]
    travel_min: dict[str, dict[str, NonNegDist]] = Field(
        default_factory=dict, description="from station region to incident region; not used with geography"
    )
    pre_staffed_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of each region's volunteer posts that are pre-staffed (kazernering): those nearest to "
        "the most incidents; needs geography",
    )

    @field_validator("stations")
    @classmethod
    def _unique_names(cls, v):
        counts = collections.Counter(s.name for s in v)  # not list.count: quadratic in the stations
        dupes = sorted(n for n, c in counts.items() if c > 1)
        if dupes:
            raise ValueError(f"station names must be unique: {', '.join(dupes)}")
        return v


# --- geography -------------------------------------------------------------------------
class Place(Strict):
    """Where incidents happen: a town (weight = inhabitants), a grid point, or one incident location."""

    name: str = Field(min_length=1)
    region: str
    lat: Latitude
    lon: Longitude
    weight: float = Field(1.0, gt=0, le=1e9)


class SpeedBand(Strict):
    up_to_km: float | None = Field(None, gt=0, description="road km this band reaches; null: no end")
    kmh: float = Field(gt=0, le=200)


class Geography(Strict):
    """Posts and incidents on the map: who is nearest, and how long the drive takes.

    A trip's expected minutes come from the road distance (straight line x ``road_factor``)
    through the speed bands (slow for the first km, faster beyond: the square-root-then-linear
    law of Kolesar & Walker), times the incident region's ``drive_factor``; each trip draws
    ``drive_noise`` (mean 1) on top. Dispatch orders the posts by expected turnout + drive.
    """

    places: list[Place] = Field(
        min_length=1, description="demand points; or the path of a CSV (name,region,lat,lon[,weight])"
    )
    places_file: str | None = Field(None, description="set by the loader: the CSV the places came from")
    spread_per_km2: float = Field(
        2000, gt=0, description="incidents fall uniformly on a disc around a place of weight/density km2"
    )
    max_spread_km: float = Field(5, ge=0, le=50)
    road_factor: float = Field(1.3, ge=1, le=5, description="road distance over straight-line distance")
    speed_kmh: list[SpeedBand] = Field(min_length=1)
    drive_noise: NonNegDist = Field(
        Dist(dist="lognormal", mean=1, sd=0.3), description="a trip's factor on its expected time (mean 1)"
    )
    drive_factor: dict[str, float] = Field(default_factory=dict, description="per incident region, default 1")
    volunteer_turnout_factor: dict[str, float] = Field(
        default_factory=dict, description="per post region, on volunteer crews' turnout, default 1"
    )

    @field_validator("speed_kmh")
    @classmethod
    def _bands(cls, v):
        ends = [b.up_to_km for b in v]
        if ends[-1] is not None:
            raise ValueError("the last band must have no end (up_to_km: null)")
        if any(e is None for e in ends[:-1]) or ends[:-1] != sorted(ends[:-1]) or len(set(ends)) < len(ends):
            raise ValueError("bands must end at increasing distances, the last one open")
        return v

    @field_validator("drive_factor", "volunteer_turnout_factor")
    @classmethod
    def _factors(cls, v):
        for region, f in v.items():
            if not FACTOR_RANGE[0] <= f <= FACTOR_RANGE[1]:
                raise ValueError(f"{region}: factor {f:g} outside {FACTOR_RANGE[0]:g}-{FACTOR_RANGE[1]:g}")
        return v

    @field_validator("drive_noise")
    @classmethod
    def _noise_mean(cls, v):
        if not 0.5 <= v.expected <= 2:
            raise ValueError(f"mean {v.expected:g}: a factor on the expected drive should average about 1")
        return v


# --- channels ---------------------------------------------------------------------------
#: what can fail (model.md §4-6); a channel lists the targets it survives
OutageTarget = Literal["eocs", "c2000", "p2000", "gms", "telephone", "power"]
OUTAGE_TARGETS: tuple[str, ...] = OutageTarget.__args__


class Channel(Strict):
    """A way between the room and units. Outages and fallbacks change its capacity over time.

    ``purpose`` says what it carries: spoken messages (``voice``), alarms (``alarm``), status
    button presses (``status``) or unit-to-unit traffic on the scene (``scene``). A channel
    with ``standby: true`` is a fallback: it has no capacity until a procedure activates it.
    """

    purpose: Literal["voice", "alarm", "status", "scene"]
    capacity: Count | None = Field(
        ge=0, le=limits.MAX_CAPACITY, description="simultaneous transmissions; null = unlimited"
    )
    time_factor: float = Field(1.0, gt=0, le=limits.MAX_LOAD_FACTOR, description="multiplies a message's base duration")
    reliability: float = Field(1.0, gt=0, le=1, description="chance a transmission gets through (else retried)")
    survives: list[OutageTarget] = Field(default_factory=list, description="outage targets that leave it working")
    regions: list[str] | None = Field(None, description="regions it reaches; null = all")
    reach: Literal["anywhere", "staffed_station", "on_scene"] = Field(
        "anywhere", description="staffed_station: only units at a staffed station (alarm by phone to the post)"
    )
    needs_centralist: bool = Field(True, description="a centralist is on the line for the whole transmission")
    waiting_room: bool = Field(True, description="false: a busy channel turns an attempt away (busy tone)")
    standby: bool = Field(False, description="a fallback: down until the procedure activates it")
    activation_min: NonNegDist = Field(0, description="from the procedure's step to the channel being up")
    volunteer_extra_turnout_min: NonNegDist = Field(0, description="alarm channels: slower volunteer turnout")
    reliability_by_hour: list[float] | None = Field(
        None, description="24 factors on reliability by clock hour: congestion of public networks"
    )

    @field_validator("reliability_by_hour")
    @classmethod
    def _hourly(cls, v):
        if v is not None and (len(v) != 24 or min(v) <= 0 or max(v) > 1):
            raise ValueError("give 24 factors, one per clock hour, each in (0, 1]")
        return v


# --- outages -----------------------------------------------------------------------------
class Outage(Strict):
    """A scheduled failure: the target's capacity times ``capacity_factor`` for a while."""

    target: OutageTarget
    start: LocalDateTime | None = None
    start_min: Minutes | None = Field(None, ge=0, description="minutes after the horizon start")
    duration_min: NonNegDist | None = None
    end: LocalDateTime | None = None
    regions: list[str] | None = Field(None, description="null = all regions")
    rooms: list[str] | None = Field(
        None,
        description="which meldkamers: 'main' (this scenario's room) and partner names; null = every room for the "
        "national systems (eocs, c2000, p2000), this room only for the others",
    )
    capacity_factor: float = Field(0.0, ge=0, le=1, description="0 = down, 0.5 = half capacity")

    @model_validator(mode="after")
    def _one_start_one_length(self) -> Outage:
        if (self.start is None) == (self.start_min is None):
            raise ValueError("give exactly one of start (datetime) and start_min")
        if (self.duration_min is None) == (self.end is None):
            raise ValueError("give exactly one of duration_min and end")
        if self.end is not None and self.start is not None and self.end <= self.start:
            raise Problems([("end", f"end ({self.end}) must be after start ({self.start})")])
        return self


class RandomOutages(Strict):
    """Failures that come and go: time between failures, then a repair time (MTBF/MTTR)."""

    target: OutageTarget
    time_between_failures_min: NonNegDist
    repair_min: NonNegDist
    regions: list[str] | None = None
    rooms: list[str] | None = Field(None, description="as Outage.rooms (each room fails on its own clock)")
    capacity_factor: float = Field(0.0, ge=0, le=1)


#: systems run nationally (by LMS): an outage of one hits every meldkamer unless it names rooms
NATIONAL_TARGETS = frozenset({"eocs", "c2000", "p2000"})
MAIN_ROOM = "main"


def hits_room(outage: Outage | RandomOutages, room: str) -> bool:
    """Whether an outage of this scenario reaches ``room`` ("main" or a partner's name)."""
    if outage.rooms is not None:
        return room in outage.rooms
    return room == MAIN_ROOM or outage.target in NATIONAL_TARGETS


# --- the room's own resilience ---------------------------------------------------------------
class Resilience(Strict):
    """How the room itself copes: manual work without GMS, generator, spoken statuses."""

    gms_down_intake_factor: float = Field(
        1.5, ge=1, le=limits.MAX_LOAD_FACTOR, description="intake and dispatch slower by hand"
    )
    gms_down_dispatch_extra_min: NonNegDist = Field(0.5, description="choosing units without a proposal")
    spoken_status_min: NonNegDist = Field(0.4, description="a status spoken instead of a button press")
    generator_switch_min: NonNegDist = Field(0.5, description="power: time until the generator carries the room")
    generator_failure_probability: float = Field(0.02, ge=0, le=1)
    failed_attempt_min: NonNegDist = Field(
        Dist(dist="triangular", low=0.5, mode=1.0, high=2.0),
        description="centralist time lost per message on a dead channel before the room has noticed the "
        "outage: keying the console, repeating the call, checking the equipment",
    )
    retry_min: NonNegDist = Field(0.5, description="wait before a failed or turned-away transmission is retried")
    spoken_status_error_probability: float = Field(
        0.02, ge=0, le=1, description="a spoken 'beschikbaar' noted on the wrong unit of the same post"
    )
    spoken_status_missed_probability: float = Field(
        0.0,
        ge=0,
        le=1,
        description="a spoken 'beschikbaar' the room does not note at all (the board keeps the unit busy)",
    )
    roll_call_min: NonNegDist = Field(
        Dist(dist="triangular", low=0.2, mode=0.3, high=0.6),
        description="after an outage: asking one unit whose status is in doubt where it stands",
    )
    interrupted_policy: Literal["resume", "restart", "move_to_fallback"] = Field(
        "move_to_fallback",
        description="a conversation whose channel drops: continues where it stopped once "
        "that same channel is back (resume), starts again from the beginning on the first channel that works "
        "(restart), or continues where it stopped on the first channel that works (move_to_fallback)",
    )


# --- fallback procedure ----------------------------------------------------------------------
class Relocation(Strict):
    """Uitwijk: moving the desk to the backup control room."""

    move_min: NonNegDist
    room_factor_during_move: float = Field(0.5, ge=0, le=1, description="share of centralists working while moving")
    escapes: list[OutageTarget] = Field(description="outages the backup room does not share (its own power, consoles)")


class Escalation(Strict):
    """An extra step when things get worse: relocate, or call in centralists."""

    when_outage_longer_than_min: Minutes | None = Field(None, ge=0)
    when_calls_waiting_above: Count | None = Field(None, ge=0)
    targets: list[OutageTarget] | None = Field(None, description="outage trigger: only outages of these targets")
    action: Literal["relocate", "call_in_centralists", "take_over"]
    centralists: Count = Field(0, ge=0, le=limits.MAX_CENTRALISTS, description="call_in_centralists: how many")
    call_in_min: NonNegDist = Field(45, description="call_in_centralists: until they are at their desks")
    partner: str | None = Field(None, description="take_over: the partner room that takes the 112 calls")
    routing_delay_min: NonNegDist = Field(
        0.5, description="take_over: extra time a call spends being routed to the partner (national 112 overflow)"
    )
    time_factor: float = Field(
        1.3,
        ge=1,
        le=limits.MAX_LOAD_FACTOR,
        description="take_over: intake and dispatch slower without local knowledge",
    )

    @model_validator(mode="after")
    def _one_trigger(self) -> Escalation:
        if (self.when_outage_longer_than_min is None) == (self.when_calls_waiting_above is None):
            raise ValueError("give exactly one trigger: when_outage_longer_than_min or when_calls_waiting_above")
        if self.action == "call_in_centralists" and self.centralists < 1:
            raise Problems([("centralists", "call_in_centralists needs centralists >= 1")])
        if self.action == "take_over" and self.partner is None:
            raise Problems([("partner", "take_over needs the partner room's name")])
        return self


class Procedure(Strict):
    """The fallback plan: detect, the CaCo decides, then channels come up in order."""

    detection: Literal["delay", "first_failure"] = Field(
        "delay", description="the room notices after detection_min, or at the first failed transmission"
    )
    detection_min: NonNegDist = Field(5, description="delay: outage start to noticing; first_failure: extra delay")
    decision_min: NonNegDist = Field(5, description="CaCo: noticing to declaring the fallback")
    steps: list[str] = Field(default_factory=list, description="fallback channels (or 'relocate'), activated in order")
    escalations: list[Escalation] = Field(default_factory=list)
    revert_min: NonNegDist = Field(10, description="after recovery: until fallbacks stand down")
    relocation: Relocation | None = None


# --- other meldkamers (issue 16) ---------------------------------------------------------------
class Partner(Strict):
    """Another meldkamer, described lightly: the night, incident mix, room work and channels are
    this scenario's; its own are the load (incidents a year), staffing, units and drive.

    Its incidents are one region named after it; its roster is this scenario's roster times
    ``staff_factor`` (so New Year's Eve staffing scales with it); its fallback procedure is this
    scenario's without the takeover steps.
    """

    name: str = ""
    regions: list[str] = Field(default_factory=list, description="the safety regions it serves (shown, not used)")
    incidents_per_year: float = Field(
        gt=0, le=limits.MAX_RATE_PER_HOUR * HOURS_PER_YEAR, description="fire-desk incidents"
    )
    staff_factor: float = Field(gt=0, le=100, description="its fire-desk centralists over this room's, per shift")
    professional_units: Count = Field(3, ge=0, le=limits.MAX_UNITS_PER_STATION)
    volunteer_units: Count = Field(ge=0, le=limits.MAX_UNITS_PER_STATION)
    drive_min: NonNegDist = Field(description="drive of its units, post to incident")
    source: str = ""

    @model_validator(mode="after")
    def _some_units(self) -> Partner:
        if self.professional_units + self.volunteer_units < 1:
            raise Problems([("volunteer_units", "a room needs at least one unit")])
        return self


# --- the emergency button -----------------------------------------------------------------
class Noodknop(Strict):
    """Where the room hears a unit's emergency button, and how well."""

    heard: dict[str, float] = Field(
        default_factory=dict,
        description="voice channel -> chance the room hears the emergency call on one attempt; "
        "empty = every voice channel, always",
    )
    talk_min: NonNegDist = Field(0.5, description="the conversation that acknowledges the emergency call")

    @field_validator("heard")
    @classmethod
    def _chances(cls, v):
        if any(not 0 < p <= 1 for p in v.values()):
            raise ValueError("each chance must be in (0, 1]")
        return v


# --- the police and ambulance desks --------------------------------------------------
class OtherDesk(Strict):
    """The police or the ambulance desk in the same room: not modelled in full, only as load on
    what it shares with the fire desk (its traffic on the sets in the room and the telephone
    lines once eOCS is down) and as requests that take a fire centralist's time."""

    messages_per_hour: float = Field(
        0.0, ge=0, le=limits.MAX_RATE_PER_HOUR, description="its radio traffic with its units, mean over the day"
    )
    coordination_per_hour: float = Field(
        0.0,
        ge=0,
        le=limits.MAX_RATE_PER_HOUR,
        description="multidisciplinary incidents: requests to the fire desk, each a coordination task",
    )
    profile: Profile = Field("weekday", description="hour-of-day shape of both streams, as load.profile")
    message_min: NonNegDist = Field(
        Dist(dist="uniform", low=0.25, high=0.5), description="one message at the eOCS pace"
    )
    shares: list[str] = Field(
        default_factory=list,
        description="voice channels its traffic shares with the fire desk; on the others it uses its own means",
    )

    @property
    def hourly_factors(self) -> tuple[float, ...]:
        return tuple(PROFILES[self.profile] if isinstance(self.profile, str) else self.profile)


# --- the scenario ----------------------------------------------------------------------
class Scenario(Strict):
    name: Annotated[str, StrictType()] = Field(min_length=1)  # strict: ``!!binary Li4=`` is b"..", not ".."
    description: str = ""
    horizon: Horizon
    load: Load
    room: Room
    units: Units
    channels: dict[str, Channel]
    resilience: Resilience = Resilience()
    outages: list[Outage] = Field(default_factory=list)
    random_outages: list[RandomOutages] = Field(default_factory=list)
    procedure: Procedure | None = Field(None, description="null: no fallback procedure")
    noodknop: Noodknop = Noodknop()
    other_desks: dict[str, OtherDesk] = Field(
        default_factory=dict, description="police and ambulance desks: their claim on shared means"
    )
    geography: Geography | None = Field(None, description="posts and incidents on the map (issue 15)")
    partners: dict[str, Partner] = Field(
        default_factory=dict,
        description="other meldkamers in the same night (issue 16): name -> a light description (or its file)",
    )

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.load.region_shares)

    def _channel_problems(self) -> list[tuple[str, str]]:
        problems = []
        for name, channel in self.channels.items():
            for region in channel.regions or ():
                if region not in self.load.region_shares:
                    problems.append((f"channels.{name}.regions", f"unknown region '{region}'"))
        for name in self.noodknop.heard:
            if self.channels.get(name) is None or self.channels[name].purpose != "voice":
                problems.append((f"noodknop.heard.{name}", "not a voice channel of this scenario"))
        for desk_name, desk in self.other_desks.items():
            for i, name in enumerate(desk.shares):
                if self.channels.get(name) is None or self.channels[name].purpose != "voice":
                    problems.append((f"other_desks.{desk_name}.shares.{i}", f"'{name}' is not a voice channel"))
        for purpose in ("voice", "alarm"):
            if not any(c.purpose == purpose and not c.standby for c in self.channels.values()):
                problems.append(("channels", f"needs at least one {purpose} channel that is not on standby"))
        return problems

    def _outage_problems(self) -> list[tuple[str, str]]:
        problems = []
        for kind in ("outages", "random_outages"):
            for i, outage in enumerate(getattr(self, kind)):
                for region in outage.regions or ():
                    if region not in self.load.region_shares:
                        problems.append((f"{kind}.{i}.regions", f"unknown region '{region}'"))
        for i, outage in enumerate(self.outages):
            start = self.horizon.minute_of(outage.start) if outage.start is not None else outage.start_min
            if not 0 <= start < self.horizon.duration_min:
                problems.append((f"outages.{i}.start", "must fall inside the horizon"))
            if outage.end is not None and self.horizon.minute_of(outage.end) <= start:
                problems.append((f"outages.{i}.end", "must be after the start"))
        if self.procedure is not None:
            for i, step in enumerate(self.procedure.steps):
                if step == "relocate":
                    if self.procedure.relocation is None:
                        problems.append((f"procedure.steps.{i}", "'relocate' needs procedure.relocation"))
                elif step not in self.channels:
                    problems.append((f"procedure.steps.{i}", f"unknown channel '{step}'"))
                elif not self.channels[step].standby:
                    problems.append((f"procedure.steps.{i}", f"channel '{step}' is not a standby (fallback) channel"))
            for i, esc in enumerate(self.procedure.escalations):
                if esc.action == "relocate" and self.procedure.relocation is None:
                    problems.append((f"procedure.escalations.{i}.action", "'relocate' needs procedure.relocation"))
        return problems

    def _geography_problems(self) -> list[tuple[str, str]]:
        geo, regions = self.geography, self.regions
        problems = [
            (f"units.stations.{i}.lat", f"post '{s.name}' needs lat and lon when the scenario has geography")
            for i, s in enumerate(self.units.stations)
            if s.lat is None or s.lon is None
        ]
        problems += [
            (f"geography.places.{i}.region", f"unknown region '{p.region}' (regions: {', '.join(regions)})")
            for i, p in enumerate(geo.places)
            if p.region not in regions
        ]
        placed = {p.region for p in geo.places}
        problems += [
            ("geography.places", f"no place in region '{r}', which has incidents")
            for r in regions
            if self.load.region_shares[r] > 0 and r not in placed
        ]
        for field in ("drive_factor", "volunteer_turnout_factor"):
            problems += [(f"geography.{field}.{r}", "unknown region") for r in getattr(geo, field) if r not in regions]
        return problems

    def _partner_problems(self) -> list[tuple[str, str]]:
        rooms = {MAIN_ROOM, *self.partners}
        problems = []
        for name, partner in self.partners.items():
            if name == MAIN_ROOM or name in self.regions:
                problems.append((f"partners.{name}", "a partner's name must differ from 'main' and the regions"))
            incidents = self.expected_incidents(partner.incidents_per_year / HOURS_PER_YEAR)
            if incidents > limits.MAX_INCIDENTS:
                problems.append(
                    (
                        f"partners.{name}.incidents_per_year",
                        f"about {incidents:,.0f} incidents per replication on this night's profile; "
                        f"at most {limits.MAX_INCIDENTS:,} (limit)",
                    )
                )
        for kind in ("outages", "random_outages"):
            for i, outage in enumerate(getattr(self, kind)):
                problems += [(f"{kind}.{i}.rooms", f"unknown room '{r}'") for r in outage.rooms or () if r not in rooms]
        if self.procedure is not None:
            for i, esc in enumerate(self.procedure.escalations):
                if esc.action == "take_over" and esc.partner not in self.partners:
                    problems.append((f"procedure.escalations.{i}.partner", f"no partner room '{esc.partner}'"))
        return problems

    def expected_incidents(self, rate_per_hour: float | None = None) -> float:
        """Incidents the generator is expected to create in one replication (whole hours, so a bound),
        at this scenario's base rate or another (a partner room's) on the same profile."""
        factors = self.load.hourly_factors
        hours = math.ceil(self.horizon.duration_min / 60)
        first = self.horizon.start.hour
        cycles, rest = divmod(hours, len(factors))
        total = cycles * sum(factors) + sum(factors[(first + i) % len(factors)] for i in range(rest))
        return (self.load.base_rate_per_hour if rate_per_hour is None else rate_per_hour) * total

    def _work_problems(self) -> list[tuple[str, str]]:
        """The work one replication implies, against :mod:`sim.model.limits`: a scenario whose
        fields each look plausible can still ask for billions of calls or messages."""
        problems = []
        types = self.load.incident_types
        if self.load.trace_file is None:
            incidents = self.expected_incidents()
            if incidents > limits.MAX_INCIDENTS:
                problems.append(
                    (
                        "load.base_rate_per_hour",
                        f"about {incidents:,.0f} incidents per replication (base rate x profile x load factor over "
                        f"horizon.duration_min); at most {limits.MAX_INCIDENTS:,} (limit)",
                    )
                )
                return problems
        else:
            incidents = 0.0  # the trace file's size is limited instead
        if self.geography is not None:  # (a trace file's rows are limited by their bytes instead)
            cells = incidents * len(self.units.stations)
            if cells > limits.MAX_GEOGRAPHY_CELLS:
                problems.append(
                    (
                        "units.stations",
                        f"about {incidents:,.0f} incidents x {len(self.units.stations):,} posts = {cells:,.0f} "
                        f"expected drive times per replication; at most {limits.MAX_GEOGRAPHY_CELLS:,} (limit)",
                    )
                )
        for what, fields, limit in (
            ("calls", ("duplicate_calls",), limits.MAX_CALLS),
            ("messages", ("radio_messages", "scene_messages"), limits.MAX_MESSAGES),
        ):
            per_type = {
                (name, f): t.share * (getattr(t, f).expected + (what == "calls"))
                for name, t in types.items()
                for f in fields
            }
            total = incidents * sum(per_type.values())
            if total > limit:
                name, f = max(per_type, key=per_type.get)
                problems.append(
                    (
                        f"load.incident_types.{name}.{f}",
                        f"about {total:,.0f} {what} per replication ({incidents:,.0f} incidents); "
                        f"at most {limit:,} (limit)",
                    )
                )
        for i, outage in enumerate(self.random_outages):
            cycle = outage.time_between_failures_min.expected + outage.repair_min.expected
            if cycle <= 0 or self.horizon.duration_min / cycle > limits.MAX_INCIDENTS:
                problems.append(
                    (
                        f"random_outages.{i}.time_between_failures_min",
                        f"more than {limits.MAX_INCIDENTS:,} failures per replication (limit); "
                        "failures and repairs must take time",
                    )
                )
        return problems

    @model_validator(mode="after")
    def _cross_field(self) -> Scenario:
        regions = set(self.regions)
        problems = []
        for i, station in enumerate(self.units.stations):
            if station.region not in regions:
                problems.append(
                    (
                        f"units.stations.{i}.region",
                        f"unknown region '{station.region}' (regions: {', '.join(self.regions)})",
                    )
                )
        crews = {s.crew for s in self.units.stations}
        for crew in sorted(crews - set(self.units.turnout_min)):
            problems.append(("units.turnout_min", f"no turnout time for crew '{crew}'"))
        travel = self.units.travel_min
        if self.geography is None:
            for origin in self.regions:
                for destination in self.regions:
                    if destination not in travel.get(origin, {}):
                        problems.append((f"units.travel_min.{origin}.{destination}", "missing travel time"))
        else:
            problems += self._geography_problems()
        if self.units.pre_staffed_share > 0 and self.geography is None:
            problems.append(("units.pre_staffed_share", "needs geography (which posts serve the most incidents)"))
        for origin, row in travel.items():
            for destination in row:
                if origin not in regions or destination not in regions:
                    problems.append((f"units.travel_min.{origin}.{destination}", "unknown region"))
        problems += (
            self._channel_problems() + self._outage_problems() + self._work_problems() + self._partner_problems()
        )
        gap = roster_gap(self.room.roster, self.horizon)
        if gap:
            problems.append(("room.roster", gap))
        if problems:
            raise Problems(problems)
        if self.units.pre_staffed_share > 0:
            from sim.model.geography import pre_staffed  # the map needs a validated scenario

            stations = pre_staffed(self)
            if stations != self.units.stations:
                return self.model_copy(update={"units": self.units.model_copy(update={"stations": stations})})
        return self


def roster_gap(roster: list[RosterBlock], horizon: Horizon) -> str | None:
    """Why the roster fails to staff every minute of the horizon exactly once, or None."""
    spans = sorted(b.clock_span for b in roster)
    covered = [0] * 1440
    for s, e in spans:
        for m in range(s, e):
            covered[m % 1440] += 1
    start = horizon.start.hour * 60 + horizon.start.minute
    needed = range(start, start + min(1440, math.ceil(horizon.duration_min) + 1))
    for m in needed:
        if covered[m % 1440] != 1:
            word = "no block covers" if covered[m % 1440] == 0 else "blocks overlap at"
            return f"{word} {m % 1440 // 60:02d}:{m % 60:02d}"
    return None
