"""The incident load: when, where and what, and every incident-level random draw.

Everything an incident will need is drawn here, in incident order, from its own stream
before the simulation starts. Staffing, channels or outages therefore never shift the
incidents or calls a replication sees (common random numbers), and the model itself
stays free of sampling bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .loading import read_trace
from .scenario import Scenario


@dataclass(slots=True, eq=False)
class Incident:
    id: int
    minute: float
    region: str
    type: str
    priority: int
    norm_min: float
    units_needed: int
    on_scene_min: float
    intake_min: float
    dispatch_min: float
    call_offsets_min: list[float]  # first call at 0, then duplicates
    call_patience_min: list[float]
    call_handling_min: list[float]  # duplicate handling time per call (unused for the reporting call)
    message_fractions: list[float]  # when each spoken message falls in the on-scene time
    message_durations_min: list[float]
    scene_fractions: list[float]
    scene_durations_min: list[float]
    # filled in by the model
    t_answered: float | None = None
    t_alarm: float | None = None
    t_on_scene: float | None = None
    t_closed: float | None = None
    state: str = "open"
    units_assigned: int = 0
    units_cleared: int = 0
    calls_pending: int = 0
    commander: int | None = field(default=None)


def arrival_minutes(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Non-homogeneous Poisson arrivals by inverting the cumulative rate.

    Unit-rate Poisson points mapped through Λ⁻¹ (Λ piecewise linear by clock hour): exact for
    piecewise-constant rates, vectorised, and a changed profile time-warps the same points.
    """
    horizon = scenario.horizon
    factors = np.asarray(scenario.load.hourly_factors)
    rate_per_min = scenario.load.base_rate_per_hour / 60
    start = horizon.start.hour * 60 + horizon.start.minute + horizon.start.second / 60
    first_boundary = 60 - start % 60
    edges = np.concatenate(([0.0], np.arange(first_boundary, horizon.duration_min, 60.0), [horizon.duration_min]))
    edges = np.unique(edges)
    hours = ((start + edges[:-1]) // 60).astype(int) % len(factors)
    rates = rate_per_min * factors[hours]
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(edges))))
    total = cumulative[-1]
    if total <= 0:
        return np.empty(0)
    # draw in blocks until the unit-rate process passes the total intensity
    points = np.cumsum(rng.exponential(1.0, size=int(total + 5 * np.sqrt(total) + 10)))
    while points[-1] < total:
        more = np.cumsum(rng.exponential(1.0, size=int(np.sqrt(total) + 10))) + points[-1]
        points = np.concatenate((points, more))
    points = points[points < total]
    segment = np.searchsorted(cumulative, points, side="right") - 1
    return edges[segment] + (points - cumulative[segment]) / rates[segment]


def generate_incidents(scenario: Scenario, streams: dict[str, np.random.Generator]) -> list[Incident]:
    load = scenario.load
    room = scenario.room
    types = list(load.incident_types)
    if load.trace_file is not None:
        rows = [r for r in read_trace(scenario) if 0 <= r.minute < scenario.horizon.duration_min]
        minutes = [r.minute for r in rows]
        regions = [r.region for r in rows]
        kinds = [r.incident_type for r in rows]
    else:
        minutes = arrival_minutes(scenario, streams["incident_arrivals"]).tolist()
        n = len(minutes)
        region_names = list(load.region_shares)
        regions = [region_names[i] for i in streams["incident_region"].choice(
            len(region_names), size=n, p=_normalised(load.region_shares.values()))]
        kinds = [types[i] for i in streams["incident_type"].choice(
            len(types), size=n, p=_normalised(t.share for t in load.incident_types.values()))]

    samplers = _TypeSamplers(scenario, streams)
    offset = load.duplicate_call_delay_min.sampler(streams["call_offsets"])
    patience = room.caller_patience_min.sampler(streams["caller_patience"])
    handling = room.duplicate_call_min.sampler(streams["duplicate_handling"])
    timing = streams["message_timing"].random
    scene_timing = streams["scene_message_time"].random
    incidents = []
    for i, (minute, region, kind) in enumerate(zip(minutes, regions, kinds)):
        spec = load.incident_types[kind]
        s = samplers[kind]
        n_calls = 1 + s.duplicates()
        n_messages = s.messages()
        n_scene = s.scene()
        incidents.append(Incident(
            id=i, minute=minute, region=region, type=kind, priority=spec.priority, norm_min=spec.norm_min,
            units_needed=max(1, s.units()), on_scene_min=s.on_scene(), intake_min=s.intake(),
            dispatch_min=samplers.dispatch(),
            call_offsets_min=[0.0] + sorted(offset() for _ in range(n_calls - 1)),
            call_patience_min=[patience() for _ in range(n_calls)],
            call_handling_min=[handling() for _ in range(n_calls)],
            message_fractions=sorted(timing() for _ in range(n_messages)),
            message_durations_min=[samplers.radio() for _ in range(n_messages)],
            scene_fractions=sorted(scene_timing() for _ in range(n_scene)),
            scene_durations_min=[samplers.scene_radio() for _ in range(n_scene)],
        ))
    return incidents


class _TypeSamplers(dict):
    """Per incident type, bound samplers on the shared per-element streams."""

    def __init__(self, scenario: Scenario, streams):
        super().__init__()
        room = scenario.room
        self.dispatch = room.dispatch_min.sampler(streams["dispatch"])
        self.radio = room.radio_message_min.sampler(streams["radio_message_time"])
        self.scene_radio = room.radio_message_min.sampler(streams["scene_message_time"])
        for name, spec in scenario.load.incident_types.items():
            self[name] = _Bound(
                duplicates=spec.duplicate_calls.count_sampler(streams["duplicate_calls"]),
                messages=spec.radio_messages.count_sampler(streams["radio_messages"]),
                scene=spec.scene_messages.count_sampler(streams["scene_messages"]),
                units=spec.units_needed.count_sampler(streams["units_needed"]),
                on_scene=spec.on_scene_min.sampler(streams["on_scene"]),
                intake=(spec.intake_min or room.intake_min).sampler(streams["intake"]),
            )


@dataclass(frozen=True, slots=True)
class _Bound:
    duplicates: object
    messages: object
    scene: object
    units: object
    on_scene: object
    intake: object


def _normalised(values) -> np.ndarray:
    p = np.fromiter(values, dtype=float)
    return p / p.sum()
