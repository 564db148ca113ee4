"""KPIs from one replication's records, computed outside the model.

Every value is registered once in :data:`sim.experiments.metrics.METRICS` with unit and description;
grouped variants (``opkomsttijd_mean_min[region=VNOG]``) share their base metric's entry. Values
that cannot be observed in a replication (no calls, say) are NaN, not zero.
Only work that starts after the warm-up counts.
"""

from __future__ import annotations

import math

import numpy as np

from sim.experiments.hours import clock_hours
from sim.experiments.metrics import (  # noqa: F401 (re-exported)
    CBS_RESPONSE,
    GAP_THRESHOLD_MIN,
    GROUPED,
    METRICS,
    Metric,
    metric_of,
)
from sim.experiments.step_functions import integral, peak, step_integral, time_average
from sim.model.procedure import TAKEOVER_END, TAKEOVER_START
from sim.model.room import (
    DOUBLE_ALARM,
    EXTRA,
    LATE,
    NOODKNOP,
    OTHER_DESK,
    REALARMED,
    REINFORCEMENT,
    ROLL_CALL_END,
    ROLL_CALL_START,
    ROOM_WORK_CHANNELS,
    STATUS_NOT_NOTED,
    STATUSES,
    Outcome,
)
from sim.model.rows import CallRow as C
from sim.model.rows import DispatchRow as D
from sim.model.rows import MessageRow as M


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else np.nan


def _p90(x: np.ndarray) -> float:
    """np.percentile(x, 90) (method "linear"), bit for bit, without its generic machinery."""
    n = x.size
    if not n:
        return np.nan
    s = np.sort(x)
    h = (n - 1) * 0.9
    lo = int(h)
    t = h - lo
    a = s[lo]
    b = s[lo + 1] if lo + 1 < n else a
    d = b - a
    return float(b - d * (1 - t) if t >= 0.5 else a + d * t)


def _share(hits: np.ndarray, decided: np.ndarray) -> float:
    n = decided.sum()
    return float((hits & decided).sum() / n) if n else np.nan


def compute(outcome: Outcome) -> dict[str, float]:
    horizon = outcome.scenario.horizon
    warmup, end = horizon.warmup_min, horizon.duration_min
    kpi: dict[str, float] = {}

    # --- incidents: processing and opkomsttijd, of those the room alarms units for ---
    every = [i for i in outcome.incidents if i.minute >= warmup]
    inc = [i for i in every if not i.desk]
    start = np.array([i.minute for i in inc], dtype=float)
    alarm = np.array([np.nan if i.t_alarm is None else i.t_alarm for i in inc], dtype=float)
    scene = np.array([np.nan if i.t_on_scene is None else i.t_on_scene for i in inc], dtype=float)
    norm = np.array([i.norm_min for i in inc], dtype=float)
    reported = np.array([i.state != "abandoned" for i in inc], dtype=bool)
    region = np.array([i.region for i in inc])
    priority = np.array([i.priority for i in inc])
    processing_s = (alarm - start) * 60
    opkomst = scene - start
    volunteer_first = _volunteer_first(outcome, inc)
    kpi["incidents"] = float(len(every))
    kpi["desk_handled_incidents"] = float(sum(i.desk and i.t_answered is not None for i in every))

    # what does not depend on the group, once; a share counts every reported incident
    # whose deadline fell inside the horizon
    processed, arrived_any = ~np.isnan(processing_s), ~np.isnan(opkomst)
    with np.errstate(invalid="ignore"):
        hit60, hit120, hit_norm = processing_s <= 60, processing_s <= 120, opkomst <= norm
    due60, due120 = reported & (start + 1 <= end), reported & (start + 2 <= end)
    due_norm = reported & (start + norm <= end)

    def response(mask: np.ndarray, suffix: str = "") -> None:
        done = processing_s[mask & processed]
        kpi[f"processing_time_mean_s{suffix}"] = _mean(done)
        kpi[f"processing_time_p90_s{suffix}"] = _mean(done) if done.size == 1 else _p90(done)
        kpi[f"processing_within_60s_share{suffix}"] = _share(hit60, mask & due60)
        if not suffix:
            kpi["processing_within_120s_share"] = _share(hit120, mask & due120)
        arrived = opkomst[mask & arrived_any]
        kpi[f"opkomsttijd_mean_min{suffix}"] = _mean(arrived)
        kpi[f"opkomsttijd_p90_min{suffix}"] = _p90(arrived)
        kpi[f"opkomsttijd_within_norm_share{suffix}"] = _share(hit_norm, mask & due_norm)
        kpi[f"first_on_scene_volunteer_share{suffix}"] = _share(volunteer_first, mask & arrived_any)

    everything = np.ones(len(inc), dtype=bool)
    response(everything)
    for name in outcome.scenario.regions:
        response(region == name, f"[region={name}]")
    for p in (1, 2, 3):
        response(priority == p, f"[priority={p}]")
    kpi.update(cbs_response(outcome, inc, region))

    # --- calls ---
    calls = [c for c in outcome.calls if c[C.T_ARRIVAL] >= warmup]
    kpi["calls"] = float(len(calls))
    waits = (
        np.array([c[C.T_ANSWERED] - c[C.T_ARRIVAL] for c in calls if not math.isnan(c[C.T_ANSWERED])], dtype=float) * 60
    )
    kpi["answer_wait_mean_s"] = _mean(waits)
    kpi["answer_wait_p90_s"] = _p90(waits)
    kpi["abandoned_calls"] = float(sum(c[C.STATE] == "abandoned" for c in calls))
    kpi["unreported_incidents"] = float(sum(i.state == "abandoned" for i in every))

    # --- the room ---
    levels = outcome.levels
    kpi["backlog_peak"] = peak(levels["calls_waiting"], warmup, end)
    kpi["centralist_utilisation"] = _utilisation(levels["centralists_busy"], levels["centralists_on_duty"], warmup, end)
    kpi["centralist_utilisation_peak_hour"] = max(
        (u for u in hourly_utilisation(outcome, warmup) if not math.isnan(u)), default=np.nan
    )
    kpi["caco_utilisation"] = _utilisation(levels["caco_busy"], levels["caco_on_duty"], warmup, end)

    # --- radio traffic between room and units (button statuses take no room time) ---
    instant = _instant(outcome.scenario)
    messages = [m for m in outcome.messages if m[M.T_CREATED] >= warmup]
    room = [
        m
        for m in messages
        if m[M.KIND] != "scene"
        and m[M.CHANNEL] not in instant
        and m[M.CHANNEL] not in ROOM_WORK_CHANNELS
        and not m[M.KIND].startswith(OTHER_DESK)
    ]
    # a late status report waits on purpose (for any channel, at low priority): counted apart
    fresh = [m for m in room if not m[M.KIND].endswith(LATE)]
    delivered = [m for m in fresh if m[M.STATE] == "delivered"]
    created = np.array([m[M.T_CREATED] for m in delivered], dtype=float)
    delays = np.array([m[M.T_START] for m in delivered], dtype=float) - created
    kpi["radio_message_delay_mean_min"] = _mean(delays)
    kpi["radio_message_delay_p90_min"] = _p90(delays)
    kpi["undelivered_messages"] = float(sum(m[M.STATE] == "undelivered" for m in room))
    kpi["spoken_statuses"] = float(sum(m[M.KIND] in STATUSES for m in room))
    kpi["late_status_reports"] = float(len(room) - len(fresh))
    kpi["incidents_open_at_end"] = float(sum(i.state == "open" for i in every))
    kpi.update(outage_kpis(outcome, created, delays, messages, inc))
    kpi.update(board_kpis(outcome, messages))
    kpi.update(room_kpis(outcome, calls, kpi))
    return kpi


#: what is reported per partner room ([room=NAME]) and for all rooms together ([room=all])
PER_ROOM = (
    "incidents",
    "calls",
    "abandoned_calls",
    "answer_wait_mean_s",
    "processing_time_mean_s",
    "processing_within_60s_share",
    "opkomsttijd_mean_min",
    "centralist_utilisation",
    "centralist_utilisation_peak_hour",
    "undelivered_messages",
)
_SUMMED = ("incidents", "calls", "abandoned_calls", "undelivered_messages")


def room_kpis(outcome: Outcome, calls: list, own: dict[str, float]) -> dict[str, float]:
    """Takeover (issue 16): calls the partner answered, the delay until it took over, and how busy
    the partner's centralists were meanwhile; then each partner's main KPIs and all rooms'."""
    kpi = {"calls_taken_over": float(sum(c[C.ROOM] != "" for c in calls))}
    windows, delays = takeover_windows(outcome), []
    outages = outage_windows(outcome)
    for _name, start, _end in windows:
        begun = [s for s, e in outages if s <= start <= e]
        if begun:
            delays.append(start - max(begun))
    kpi["takeover_delay_min"] = _mean(np.array(delays, dtype=float))
    busy = on_duty = 0.0
    for name, start, end in windows:
        levels = outcome.partners[name].levels
        grid = np.array([start, end])
        busy += float(np.diff(integral(levels["centralists_busy"], grid))[0])
        on_duty += float(np.diff(integral(levels["centralists_on_duty"], grid))[0])
    kpi["partner_utilisation"] = busy / on_duty if on_duty > 0 else np.nan
    if not outcome.partners:
        return kpi
    rooms = {"main": own} | {name: compute(partner) for name, partner in outcome.partners.items()}
    for name, values in rooms.items():
        if name != "main":
            kpi.update({f"{k}[room={name}]": values[k] for k in PER_ROOM})
    weights = np.array([r["incidents"] for r in rooms.values()], dtype=float)
    for k in PER_ROOM:
        values = np.array([r[k] for r in rooms.values()], dtype=float)
        if k in _SUMMED:
            kpi[f"{k}[room=all]"] = float(values.sum())
        else:
            ok = ~np.isnan(values)
            kpi[f"{k}[room=all]"] = float(np.average(values[ok], weights=weights[ok])) if ok.any() else np.nan
    return kpi


def takeover_windows(outcome: Outcome) -> list[tuple[str, float, float]]:
    """(partner, start, end) of every takeover, from the timeline; an open one ends at the horizon."""
    end = outcome.scenario.horizon.duration_min
    found, open_ = [], {}
    for minute, event, subject, _detail in outcome.timeline:
        if event == TAKEOVER_START:
            open_[subject] = minute
        elif event == TAKEOVER_END and subject in open_:
            found.append((subject, open_.pop(subject), minute))
    return found + [(name, start, end) for name, start in open_.items()]


def cbs_response(outcome: Outcome, inc: list, region: np.ndarray) -> dict[str, float]:
    """CBS 83123NED's times for priority-1 fires the brigade reached, per region and for all.

    alarmering: call answered -> first alarm; uitruk: first alarm -> the first-arriving unit
    leaves its post; rij: it leaves -> on scene. They add up to the response (call answered ->
    first unit on scene); the wait for a centralist before that is CBS's starttijd, not counted.
    """
    types = outcome.scenario.load.incident_types
    departed = {(d[D.INCIDENT], d[D.UNIT]): d[D.T_DEPARTED] for d in outcome.dispatches}
    picked = [
        k
        for k, i in enumerate(inc)
        if i.priority == 1 and types[i.type].fire and i.t_on_scene is not None and i.t_answered is not None
    ]
    answered = np.array([inc[k].t_answered for k in picked], dtype=float)
    alarm = np.array([inc[k].t_alarm for k in picked], dtype=float)
    scene = np.array([inc[k].t_on_scene for k in picked], dtype=float)
    left = np.array([departed[inc[k].id, inc[k].commander] for k in picked], dtype=float)
    parts = dict(zip(CBS_RESPONSE, (alarm - answered, left - alarm, scene - left, scene - answered), strict=True))
    where = region[picked] if picked else np.array([], dtype=str)
    out = {}
    for suffix, mask in (("", np.ones(len(picked), dtype=bool)),) + tuple(
        (f"[region={name}]", where == name) for name in outcome.scenario.regions
    ):
        for name, values in parts.items():
            out[name + suffix] = _mean(values[mask])
    return out


def _volunteer_first(outcome: Outcome, incidents: list) -> np.ndarray:
    """Per incident: was the first unit on scene a volunteer crew (pre-staffed volunteers included)?"""
    stations = outcome.scenario.units.stations
    station_of = {d[D.UNIT]: d[D.STATION] for d in outcome.dispatches}
    return np.array(
        [i.commander is not None and stations[station_of[i.commander]].crew != "professional" for i in incidents],
        dtype=bool,
    )


def board_kpis(outcome: Outcome, messages: list) -> dict[str, float]:
    """How far the room's picture of its units was off, and what that cost (after the warm-up)."""
    horizon = outcome.scenario.horizon
    warmup, end = horizon.warmup_min, horizon.duration_min
    dispatches = [d for d in outcome.dispatches if d[D.T_DISPATCHED] >= warmup]
    kpi: dict[str, float] = {}
    # every alarm that found its unit busy, also one a later re-alarm reached (its row is then "open")
    busy = outcome.levels["units_double_dispatched"]
    kpi["double_dispatches"] = float(
        sum(b > a and t >= warmup for t, a, b in zip(busy.times[1:], busy.values, busy.values[1:], strict=False))
    )
    kpi["idle_unknown_unit_min"] = time_average(outcome.levels["units_idle_unknown"], warmup, end) * (end - warmup)
    for name, kind in (
        ("realarms", REALARMED),
        ("statuses_not_noted", STATUS_NOT_NOTED),
        ("double_alarms", DOUBLE_ALARM),
    ):
        kpi[name] = float(sum(event == kind and t >= warmup for t, event, *_ in outcome.timeline))
    acks = np.array([d[D.T_ACK] - d[D.T_ALARM] for d in dispatches if not math.isnan(d[D.T_ACK])], dtype=float)
    kpi["alarm_ack_mean_min"] = _mean(acks)
    first_extra: dict[int, float] = {}
    for d in dispatches:
        if d[D.ROLE] == EXTRA and not math.isnan(d[D.T_ALARM]):
            first_extra[d[D.INCIDENT]] = min(first_extra.get(d[D.INCIDENT], math.inf), d[D.T_ALARM])
    requests = [m for m in messages if m[M.KIND] == REINFORCEMENT]
    # a request waits until its extra unit is alarmed; a lost one until it was given up, one
    # still waiting until the end: leaving them out would make a longer outage look faster
    delays = np.array(
        [
            first_extra.get(m[M.INCIDENT], m[M.T_END] if m[M.STATE] == "undelivered" else end) - m[M.T_CREATED]
            for m in requests
        ],
        dtype=float,
    )
    kpi["reinforcement_delay_mean_min"] = _mean(delays)
    kpi["lost_reinforcement_requests"] = float(sum(m[M.STATE] == "undelivered" for m in requests))
    buttons = np.array(
        [m[M.T_START] - m[M.T_CREATED] for m in messages if m[M.KIND] == NOODKNOP and not math.isnan(m[M.T_START])],
        dtype=float,
    )
    kpi["noodknop_ack_mean_s"] = _mean(buttons * 60)
    started = None
    reconciling = 0.0
    for t, event, *_ in outcome.timeline:
        if event == ROLL_CALL_START:
            started = t
        elif event == ROLL_CALL_END and started is not None:
            reconciling += max(t, warmup) - max(started, warmup)
            started = None
    if started is not None:
        reconciling += end - max(started, warmup)
    kpi["board_reconciliation_min"] = reconciling
    return kpi


def _utilisation(busy_level, duty_level, start: float, end: float) -> float:
    """Busy time over present time; after a shift change people finishing a call count as present."""
    grid = np.union1d(busy_level.times, duty_level.times)
    grid = np.concatenate(([start], grid[(grid > start) & (grid < end)], [end]))
    busy = np.diff(integral(busy_level, grid))
    present = np.maximum(busy, np.diff(integral(duty_level, grid))).sum()
    return float(busy.sum() / present) if present else np.nan


def hourly_utilisation(outcome: Outcome, start: float = 0.0) -> list[float]:
    """Centralist utilisation in each whole clock hour from ``start`` on (NaN: nobody on duty)."""
    busy, duty = outcome.levels["centralists_busy"], outcome.levels["centralists_on_duty"]
    horizon = outcome.scenario.horizon
    return [_utilisation(busy, duty, a, b) for a, b in clock_hours(horizon.start, horizon.duration_min, start)]


def outage_windows(outcome: Outcome) -> list[tuple[float, float]]:
    """(start, end) of every outage, from the timeline; still open ones end at the horizon."""
    end = outcome.scenario.horizon.duration_min
    open_: list[float] = []
    windows = []
    for minute, event, _subject, _detail in outcome.timeline:
        if event == "outage_start":
            open_.append(minute)
        elif event == "outage_end" and open_:
            windows.append((open_.pop(0), minute))
    return windows + [(s, end) for s in open_]


def _response_delays(timeline) -> dict[str, list[float]]:
    """Per procedure response: outage start to detection, decision and first activation."""
    delays = {"detected": [], "decided": [], "activated": []}
    start = None
    seen: set[str] = set()
    for minute, event, _subject, _detail in timeline:
        if event == "outage_start" and start is None:
            start, seen = minute, set()
        elif event in delays and start is not None and event not in seen:
            seen.add(event)
            delays[event].append(minute - start)
        elif event == "stood_down":
            start = None
    return delays


def _decision_delays(timeline) -> list[float]:
    """Per response: from the room noticing to the CaCo's decision (the wait for the CaCo included)."""
    delays, noticed = [], None
    for minute, event, *_ in timeline:
        if event == "detected":
            noticed = minute
        elif event == "decided" and noticed is not None:
            delays.append(minute - noticed)
            noticed = None
    return delays


def unreachable_intervals(outcome: Outcome) -> list[tuple[int, float, float]]:
    """(dispatch row index, start, end) of every stretch a unit on a job could not be reached."""
    end = outcome.scenario.horizon.duration_min
    gaps_by_region: dict[str, list[tuple[float, float]]] = {}
    for region, level in outcome.reachable.items():
        gaps, since = [], None
        for t, value in zip(level.times, level.values, strict=False):
            if value == 0 and since is None:
                since = t
            elif value and since is not None:
                gaps.append((since, t))
                since = None
        if since is not None:
            gaps.append((since, end))
        gaps_by_region[region] = gaps
    incidents = outcome.incidents
    found = []
    for i, d in enumerate(outcome.dispatches):
        gaps = gaps_by_region[incidents[d[D.INCIDENT]].region]
        if not gaps or math.isnan(d[D.T_ALARM]):  # no gaps, or not alarmed yet
            continue
        job_start, job_end = d[D.T_ALARM], end if math.isnan(d[D.T_AVAILABLE]) else d[D.T_AVAILABLE]
        for a, b in gaps:
            lo, hi = max(a, job_start), min(b, job_end)
            if hi > lo:
                found.append((i, lo, hi))
    return found


def outage_kpis(
    outcome: Outcome, created: np.ndarray, delays: np.ndarray, messages: list, incidents: list
) -> dict[str, float]:
    """``created`` and ``delays``: of the fresh room messages that were delivered."""
    scenario = outcome.scenario
    warmup, end = scenario.horizon.warmup_min, scenario.horizon.duration_min
    kpi: dict[str, float] = {}
    response = _response_delays(outcome.timeline)
    kpi["outage_to_detection_min"] = _mean(np.array(response["detected"]))
    kpi["outage_to_decision_min"] = _mean(np.array(response["decided"]))
    kpi["outage_to_first_fallback_min"] = _mean(np.array(response["activated"]))
    kpi["caco_decision_delay_min"] = _mean(np.array(_decision_delays(outcome.timeline)))

    windows = outage_windows(outcome)
    inside = np.zeros(created.size, dtype=bool)
    for a, b in windows:
        inside |= (created >= a) & (created < b)
    in_outage = delays[inside]
    kpi["message_delay_in_outage_mean_min"] = _mean(in_outage) if windows else np.nan
    kpi["message_delay_in_outage_p90_min"] = _p90(in_outage) if windows else np.nan
    kpi["undelivered_scene_messages"] = float(
        sum(m[M.KIND] == "scene" and m[M.STATE] == "undelivered" for m in messages)
    )

    gaps = [(i, max(a, warmup), b) for i, a, b in unreachable_intervals(outcome) if b > warmup]
    kpi["unit_minutes_unreachable"] = float(sum(b - a for _, a, b in gaps))
    kpi["longest_unreachable_gap_min"] = max((b - a for _, a, b in gaps), default=0.0)
    long_gap = {outcome.dispatches[i][D.INCIDENT] for i, a, b in gaps if b - a > GAP_THRESHOLD_MIN}
    counted = [i for i in incidents if i.state != "abandoned"]  # the alarmed ones
    kpi["incidents_gap_over_5min_share"] = sum(i.id in long_gap for i in counted) / len(counted) if counted else np.nan

    primary = [n for n, ch in scenario.channels.items() if ch.purpose == "alarm" and not ch.standby]
    alarmed = [d for d in outcome.dispatches if d[D.T_DISPATCHED] >= warmup and not math.isnan(d[D.T_ALARM])]
    fallback = (
        np.array([d[D.T_ALARM] - d[D.T_DISPATCHED] for d in alarmed if d[D.ALARM_CHANNEL] not in primary], dtype=float)
        * 60
    )
    baseline = scenario.room.alarm_min.expected * scenario.channels[primary[0]].time_factor * 60
    kpi["alarms_via_fallback"] = float(
        len({(d[D.INCIDENT], d[D.STATION], d[D.T_DISPATCHED]) for d in alarmed if d[D.ALARM_CHANNEL] not in primary})
    )
    kpi["alarm_fallback_extra_delay_s"] = _mean(fallback) - baseline if fallback.size else np.nan

    for name, ch in scenario.channels.items():
        if not ch.standby:
            continue
        capacity = outcome.levels[f"{name}_capacity"]
        available = time_average(capacity, warmup, end) if max(capacity.values) < np.inf else np.nan
        busy = time_average(outcome.levels[f"{name}_busy"], warmup, end)
        kpi[f"fallback_utilisation[channel={name}]"] = busy / available if available and available > 0 else np.nan
    return kpi


def _instant(scenario) -> set[str]:
    return {name for name, ch in scenario.channels.items() if ch.purpose == "status"}


def minute_series(outcome: Outcome) -> dict[str, np.ndarray]:
    """Per-minute time averages of every monitored level (unlimited capacity becomes NaN)."""
    minutes = int(np.ceil(outcome.scenario.horizon.duration_min))
    grid = np.arange(minutes + 1, dtype=float)
    grid[-1] = min(grid[-1], outcome.scenario.horizon.duration_min)
    series = {"minute": np.arange(minutes, dtype=np.int32)}
    for name, level in outcome.levels.items():
        with np.errstate(invalid="ignore"):  # unlimited capacity: inf - inf
            values = np.diff(integral(level, grid)) / np.diff(grid)
        series[name] = np.where(np.isfinite(values), values, np.nan)
    gaps = unreachable_intervals(outcome)
    if gaps:
        times = np.array([a for _, a, _ in gaps] + [b for _, _, b in gaps])
        steps = np.array([1.0] * len(gaps) + [-1.0] * len(gaps))
        order = np.argsort(times, kind="stable")
        times = np.concatenate(([0.0], times[order]))
        values = np.concatenate(([0.0], np.cumsum(steps[order])))
        series["units_unreachable"] = np.diff(step_integral(times, values, grid)) / np.diff(grid)
    else:
        series["units_unreachable"] = np.zeros(minutes)
    return series
