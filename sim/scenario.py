"""The scenario: every model parameter in one frozen, validated object.

Units are in field names (``_min``, ``_per_hour``); durations and counts that vary are
:class:`~sim.distributions.Dist` specs. Cross-field rules live in ``model_validator``s so a
scenario that loads is one the model can run. Loading YAML (and ``base:`` overlays) is in
:mod:`sim.loading`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .distributions import Dist, NonNegDist
from .profiles import PROFILES

CrewKind = Literal["professional", "volunteer", "pre_staffed"]
PriorityRule = Literal["calls_first", "radio_first", "incident_priority"]
_SHARE_TOLERANCE = 1e-6


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    start: dt.datetime
    duration_min: float = Field(gt=0)
    warmup_min: float = Field(0, ge=0, description="results before this are discarded")

    @model_validator(mode="after")
    def _warmup_inside(self) -> "Horizon":
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
class IncidentType(Strict):
    share: float = Field(ge=0, le=1)
    priority: int = Field(ge=1, le=3, description="1 = most urgent")
    norm_min: float = Field(gt=0, description="opkomsttijd norm")
    units_needed: NonNegDist = 1
    on_scene_min: NonNegDist
    radio_messages: NonNegDist = Field(description="spoken messages per incident")
    duplicate_calls: NonNegDist = 0
    intake_min: NonNegDist | None = Field(None, description="overrides room.intake_min")

    @field_validator("units_needed")
    @classmethod
    def _at_least_one_unit(cls, v):
        if v.expected < 0.5:
            raise ValueError("an incident needs on average at least one unit")
        return v


class Load(Strict):
    base_rate_per_hour: float = Field(ge=0)
    profile: Literal["weekday", "weekend", "new_years_eve"] | list[float] = "weekday"
    load_factor: float = Field(1.0, ge=0, description="scales the whole profile")
    region_shares: dict[str, float]
    incident_types: dict[str, IncidentType]
    duplicate_call_delay_min: NonNegDist = Field(
        Dist(dist="exponential", mean=3.0),
        description="time from an incident to each duplicate call about it")
    trace_file: Path | None = Field(None, description="CSV time,region,type; replaces the generator")

    @field_validator("profile")
    @classmethod
    def _profile_hours(cls, v):
        if isinstance(v, list):
            if len(v) != 24:
                raise ValueError(f"an explicit profile needs 24 hourly factors, got {len(v)}")
            if min(v) < 0 or not all(math.isfinite(x) for x in v):
                raise ValueError("hourly factors must be finite and >= 0")
        return v

    @field_validator("region_shares")
    @classmethod
    def _regions(cls, v):
        if not v:
            raise ValueError("at least one region is needed")
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
    centralists: int = Field(ge=0)

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


class Room(Strict):
    roster: list[RosterBlock] = Field(min_length=1)
    caller_patience_min: NonNegDist
    redial_probability: float = Field(ge=0, le=1)
    redial_delay_min: NonNegDist
    intake_min: NonNegDist
    duplicate_call_min: NonNegDist
    dispatch_min: NonNegDist
    alarm_min: NonNegDist = Field(description="time a P2000 alarm occupies the paging channel")
    radio_message_min: NonNegDist
    message_patience_min: float = Field(gt=0, description="after this a message counts as undelivered")
    priority_rule: PriorityRule = "calls_first"


# --- units -----------------------------------------------------------------------------
class Station(Strict):
    name: str
    region: str
    crew: CrewKind
    units: int = Field(ge=1)


class Units(Strict):
    stations: list[Station] = Field(min_length=1)
    turnout_min: dict[CrewKind, NonNegDist]
    travel_min: dict[str, dict[str, NonNegDist]] = Field(description="from station region to incident region")

    @field_validator("stations")
    @classmethod
    def _unique_names(cls, v):
        names = [s.name for s in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"station names must be unique: {', '.join(dupes)}")
        return v


# --- channels --------------------------------------------------------------------------
class Channel(Strict):
    """A way to reach units. Its capacity is what outages and fallbacks change over time."""

    capacity: int | None = Field(ge=0, description="simultaneous transmissions; null = unlimited")
    time_factor: float = Field(1.0, gt=0, description="multiplies a message's base duration")


class Channels(Strict):
    eocs: Channel = Field(description="C2000 talkgroups through the eOCS consoles")
    p2000: Channel = Field(description="P2000 paging for alarms")
    telephone: Channel = Field(description="phone lines from the room to units and stations")


# --- the scenario ----------------------------------------------------------------------
class Scenario(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    horizon: Horizon
    load: Load
    room: Room
    units: Units
    channels: Channels

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.load.region_shares)

    @model_validator(mode="after")
    def _cross_field(self) -> "Scenario":
        regions = set(self.regions)
        problems = []
        for i, station in enumerate(self.units.stations):
            if station.region not in regions:
                problems.append((f"units.stations.{i}.region",
                                 f"unknown region '{station.region}' (regions: {', '.join(self.regions)})"))
        crews = {s.crew for s in self.units.stations}
        for crew in sorted(crews - set(self.units.turnout_min)):
            problems.append(("units.turnout_min", f"no turnout time for crew '{crew}'"))
        travel = self.units.travel_min
        for origin in self.regions:
            for destination in self.regions:
                if destination not in travel.get(origin, {}):
                    problems.append((f"units.travel_min.{origin}.{destination}", "missing travel time"))
        for origin, row in travel.items():
            for destination in row:
                if origin not in regions or destination not in regions:
                    problems.append((f"units.travel_min.{origin}.{destination}", "unknown region"))
        gap = roster_gap(self.room.roster, self.horizon)
        if gap:
            problems.append(("room.roster", gap))
        if problems:
            raise Problems(problems)
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
