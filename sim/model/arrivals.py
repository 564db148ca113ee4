"""The incident load: when, where and what, and every incident-level random draw.

Everything an incident will need is drawn here, in incident order, from its own stream
before the simulation starts. Staffing, channels or outages therefore never shift the
incidents or calls a replication sees (common random numbers), and the model itself
stays free of sampling bookkeeping.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from sim.model.distributions import Dist
from sim.model.geography import map_of
from sim.model.loading import read_trace
from sim.model.scenario import Scenario

NONE = Dist(dist="constant", value=0.0)  # no draw: what a desk incident spends on scene


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
    # radio traffic with consequences, timed from the first unit on scene (None: not in this incident)
    reinforcement_after_min: float | None = None
    reinforcement_units: int = 0
    reinforcement_on_scene_min: float = 0.0
    other_discipline_after_min: float | None = None
    noodknop_after_min: float | None = None
    # the room's own work about it (issue 14)
    desk: bool = False  # handled at the desk, no unit alarmed
    via_oms: bool = False  # an automatic alarm: waits for a centralist, never hangs up
    follow_up_min: float = 0.0
    closing_min: float = 0.0
    caco_task_min: float | None = None
    crew_call_fractions: list[float] = field(default_factory=list)  # when in the on-scene time a crew phones
    crew_call_durations_min: list[float] = field(default_factory=list)
    # the partner room that took it in after a takeover (issue 16), else ""
    handler: str = ""
    # where (issue 15): a point on the map when the scenario has geography, else NaN
    lat: float = math.nan
    lon: float = math.nan
    # filled in by the model
    t_answered: float | None = None
    t_alarm: float | None = None
    t_on_scene: float | None = None
    t_closed: float | None = None
    state: str = "open"
    units_assigned: int = 0
    units_engaged: int = 0  # units that in truth got the alarm and are on this job
    units_cleared: int = 0
    calls_pending: int = 0
    commander: int | None = field(default=None)


def arrival_minutes(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """The incidents' arrival minutes."""
    return poisson_minutes(scenario.horizon, scenario.load.hourly_factors, scenario.load.base_rate_per_hour, rng)


def poisson_minutes(horizon, hourly_factors, rate_per_hour: float, rng: np.random.Generator) -> np.ndarray:
    """Non-homogeneous Poisson arrivals by inverting the cumulative rate.

    Unit-rate Poisson points mapped through Λ⁻¹ (Λ piecewise linear by clock hour): exact for
    piecewise-constant rates, vectorised, and a changed profile time-warps the same points.
    """
    factors = np.asarray(hourly_factors)
    rate_per_min = rate_per_hour / 60
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
        regions = [
            region_names[i]
            for i in streams["incident_region"].choice(
                len(region_names), size=n, p=_normalised(load.region_shares.values())
            )
        ]
        kinds = [
            types[i]
            for i in streams["incident_type"].choice(
                len(types), size=n, p=_normalised(t.share for t in load.incident_types.values())
            )
        ]

    # every draw of a stream in one numpy call, in incident order: the same numbers as the
    # scalar samplers drew one by one (numpy draws array arguments element by element)
    specs = [load.incident_types[k] for k in kinds]
    n = len(specs)
    n_calls = [1 + x for x in _counts([s.duplicate_calls for s in specs], streams["duplicate_calls"])]
    n_messages = _counts([s.radio_messages for s in specs], streams["radio_messages"])
    units = _counts([s.units_needed for s in specs], streams["units_needed"])
    on_scene = draw_many([s.on_scene_min or NONE for s in specs], streams["on_scene"])
    intake = draw_many([s.intake_min or room.intake_min for s in specs], streams["intake"])
    dispatch = draw_many([room.dispatch_min] * n, streams["dispatch"])
    total_calls, total_messages = sum(n_calls), sum(n_messages)
    offsets = draw_many([load.duplicate_call_delay_min] * (total_calls - n), streams["call_offsets"])
    patience = draw_many([room.caller_patience_min] * total_calls, streams["caller_patience"])
    handling = draw_many([room.duplicate_call_min] * total_calls, streams["duplicate_handling"])
    timing = streams["message_timing"].random(total_messages).tolist()
    radio = draw_many([room.radio_message_min] * total_messages, streams["radio_message_time"])
    n_scene = _counts([s.scene_messages for s in specs], streams["scene_messages"])
    # fractions and durations of scene messages share one stream, interleaved per incident:
    # drawn one by one as before
    scene_timing = streams["scene_message_time"].random
    scene_radio = room.radio_message_min.sampler(streams["scene_message_time"])

    consequences = _consequences(specs, on_scene, streams)
    work = _room_work(specs, scenario, streams)
    if scenario.geography is not None:
        lats, lons = map_of(scenario).locate(regions, streams["incident_place"])
        where = [{"lat": y, "lon": x} for y, x in zip(lats.tolist(), lons.tolist(), strict=True)]
    else:
        where = [{}] * n

    incidents = []
    o = c = m = 0
    for i, (minute, region, kind, spec) in enumerate(zip(minutes, regions, kinds, specs, strict=False)):
        k, j = n_calls[i], n_messages[i]
        incidents.append(
            Incident(
                id=i,
                minute=minute,
                region=region,
                type=kind,
                priority=spec.priority,
                norm_min=spec.norm_min,
                units_needed=0 if spec.desk else max(1, units[i]),
                on_scene_min=on_scene[i],
                intake_min=intake[i],
                dispatch_min=dispatch[i],
                call_offsets_min=[0.0] + sorted(offsets[o : o + k - 1]),
                call_patience_min=patience[c : c + k],
                call_handling_min=handling[c : c + k],
                message_fractions=sorted(timing[m : m + j]),
                message_durations_min=radio[m : m + j],
                scene_fractions=sorted(scene_timing() for _ in range(n_scene[i])),
                scene_durations_min=[scene_radio() for _ in range(n_scene[i])],
                **consequences[i],
                **work[i],
                **where[i],
            )
        )
        o, c, m = o + k - 1, c + k, m + j
    return incidents


def _consequences(specs: list, on_scene: list[float], streams: dict) -> list[dict]:
    """Reinforcement requests, requests for other disciplines and emergency buttons, per incident.

    Every incident draws the same numbers whether or not it has the event, so changing a
    probability shifts which incidents have one, not the draws of the others.
    """
    n = len(specs)
    rng = streams["reinforcement"]
    asks = rng.random(n).tolist()
    after = draw_many([s.reinforcement.after_min for s in specs], rng)
    units = _counts([s.reinforcement.units for s in specs], rng)
    work = draw_many([s.reinforcement.on_scene_min for s in specs], rng)
    other = streams["other_discipline"].random((n, 2)).tolist()
    button = streams["noodknop"].random((n, 2)).tolist()
    out = []
    for i, spec in enumerate(specs):
        event: dict = {}
        if asks[i] < spec.reinforcement.probability and after[i] < on_scene[i] and units[i] > 0:
            event.update(
                reinforcement_after_min=after[i], reinforcement_units=units[i], reinforcement_on_scene_min=work[i]
            )
        if other[i][0] < spec.other_discipline_probability:
            event["other_discipline_after_min"] = other[i][1] * on_scene[i]
        if button[i][0] < spec.noodknop_probability:
            event["noodknop_after_min"] = button[i][1] * on_scene[i]
        out.append(event)
    return out


def _room_work(specs: list, scenario: Scenario, streams: dict) -> list[dict]:
    """What each incident asks of the room beyond the call: follow-up, closing, a CaCo task."""
    n = len(specs)
    follow_up = draw_many([s.follow_up_min for s in specs], streams["follow_up"])
    closing = draw_many([s.closing_min for s in specs], streams["closing"])
    rng = streams["caco"]
    caco = rng.random(n).tolist()
    caco_min = draw_many([scenario.room.caco.task_min] * n, rng)
    rng = streams["crew_calls"]
    calls = _counts([scenario.room.crew_calls_per_incident] * n, rng)
    calls = [0 if spec.desk else k for k, spec in zip(calls, specs, strict=True)]
    when = rng.random(sum(calls)).tolist()
    minutes = draw_many([scenario.room.crew_call_min] * sum(calls), rng)
    out, c = [], 0
    for i, spec in enumerate(specs):
        k = calls[i]
        out.append(
            {
                "desk": spec.desk,
                "via_oms": spec.arrives_by == "oms",
                "follow_up_min": follow_up[i],
                "closing_min": closing[i],
                "caco_task_min": caco_min[i] if caco[i] < spec.caco_task_probability else None,
                "crew_call_fractions": when[c : c + k],
                "crew_call_durations_min": minutes[c : c + k],
            }
        )
        c += k
    return out


def _plan(d) -> tuple:
    """How ``d.sampler(rng)`` draws: (numpy method, parameters), or (None, fixed value)
    when it draws nothing. Mirrors :meth:`Dist.sampler` exactly."""
    f = d.dist
    if f == "constant":
        return None, d.value
    if f == "exponential":
        return ("exponential", (d.mean,)) if d.mean > 0 else (None, 0.0)
    if f == "poisson":
        return "poisson", (d.mean,)
    if f == "lognormal":
        if d.sd == 0:
            return None, d.mean
        s2 = math.log1p((d.sd / d.mean) ** 2)
        return "lognormal", (math.log(d.mean) - s2 / 2, math.sqrt(s2))
    if f == "gamma":
        shape = (d.mean / d.sd) ** 2
        return "gamma", (shape, d.mean / shape)
    if f == "triangular":
        return (None, d.low) if d.low == d.high else ("triangular", (d.low, d.mode, d.high))
    if f == "uniform":
        return "uniform", (d.low, d.high)
    weights = d.weights or (1.0,) * len(d.values)
    cumulative = list(itertools.accumulate(w / sum(weights) for w in weights))
    return "empirical", (list(d.values), cumulative)


def draw_many(dists: list, rng: np.random.Generator) -> list:
    """One draw per entry of ``dists``, in order: the numbers ``[d.sampler(rng)() for d in dists]``
    gives, from one numpy call when every drawing entry is of the same family."""
    plans = {}
    for d in dists:
        if id(d) not in plans:
            plans[id(d)] = _plan(d)
    if len(plans) == 1:  # one distribution for every entry: the common case
        method, params = next(iter(plans.values()))
        if method is None:
            return [params] * len(dists)
        if method != "empirical":
            return getattr(rng, method)(*params, size=len(dists)).tolist() if dists else []
    out = [None] * len(dists)
    live = []
    for i, d in enumerate(dists):
        method, params = plans[id(d)]
        if method is None:
            out[i] = params
        else:
            live.append(i)
    if not live:
        return out
    methods = {plans[id(dists[i])][0] for i in live}
    if len(methods) > 1:  # families that use the stream differently: draw one by one
        for i in live:
            out[i] = dists[i].sampler(rng)()
        return out
    method = methods.pop()
    if method == "empirical":
        for i, u in zip(live, rng.random(len(live)).tolist(), strict=False):
            values, cumulative = plans[id(dists[i])][1]
            out[i] = values[min(bisect.bisect_right(cumulative, u), len(values) - 1)]
        return out
    columns = zip(*(plans[id(dists[i])][1] for i in live), strict=False)
    for i, x in zip(live, getattr(rng, method)(*(np.array(col) for col in columns)).tolist(), strict=False):
        out[i] = x
    return out


def _counts(dists: list, rng: np.random.Generator) -> list[int]:
    """Like :func:`draw_many` for :meth:`Dist.count_sampler`."""
    return [max(0, int(round(x))) for x in draw_many(dists, rng)]


def _normalised(values) -> np.ndarray:
    p = np.fromiter(values, dtype=float)
    return p / p.sum()
