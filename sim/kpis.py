"""KPIs from one replication's records: one registry, computed outside the model.

Every value is registered once in :data:`METRICS` with unit and description; grouped
variants (``opkomsttijd_mean_min[region=VNOG]``) share their base metric's entry. Values
that cannot be observed in a replication (no calls, say) are NaN, not zero.
Only work that starts after the warm-up counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Outcome
from .monitor import integral, peak, time_average


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    better: str = "lower"  # "lower", "higher" or "" when neither


_M = Metric
METRICS: dict[str, Metric] = {m.name: m for m in (
    _M("incidents", "count", "incidents that started after the warm-up", ""),
    _M("calls", "count", "112 calls (first, duplicate and re-dialled) reaching the fire desk", ""),
    _M("answer_wait_mean_s", "s", "mean wait of an answered 112 call for a centralist"),
    _M("answer_wait_p90_s", "s", "90th percentile of that wait"),
    _M("abandoned_calls", "count", "112 calls where the caller hung up before a centralist answered"),
    _M("unreported_incidents", "count", "incidents whose every caller hung up for good"),
    _M("processing_time_mean_s", "s", "verwerkingstijd: first call reaching the room to first alarm"),
    _M("processing_time_p90_s", "s", "90th percentile of the processing time"),
    _M("processing_within_60s_share", "share", "incidents alarmed within 60 s of the first call", "higher"),
    _M("processing_within_120s_share", "share", "incidents alarmed within 120 s of the first call", "higher"),
    _M("opkomsttijd_mean_min", "min", "opkomsttijd: first call to first unit on scene"),
    _M("opkomsttijd_p90_min", "min", "90th percentile of the opkomsttijd"),
    _M("opkomsttijd_within_norm_share", "share", "incidents where the first unit arrived within the type's norm", "higher"),
    _M("backlog_peak", "calls", "most 112 calls waiting for a centralist at one moment"),
    _M("centralist_utilisation", "share", "time-weighted busy centralists over centralists on duty", ""),
    _M("radio_message_delay_mean_min", "min", "mean wait of a spoken radio message for a channel and a centralist"),
    _M("radio_message_delay_p90_min", "min", "90th percentile of that wait"),
    _M("undelivered_messages", "count", "radio messages given up after the message patience"),
    _M("incidents_open_at_end", "count", "incidents not completed when the horizon ends", ""),
)}

GROUPED = ("processing_time_mean_s", "processing_time_p90_s", "processing_within_60s_share",
           "opkomsttijd_mean_min", "opkomsttijd_p90_min", "opkomsttijd_within_norm_share")


def metric_of(kpi: str) -> Metric:
    """The registry entry of a KPI name, grouped or not."""
    return METRICS[kpi.split("[", 1)[0]]


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else np.nan


def _p90(x: np.ndarray) -> float:
    return float(np.percentile(x, 90)) if x.size else np.nan


def _share(hits: np.ndarray, decided: np.ndarray) -> float:
    n = decided.sum()
    return float((hits & decided).sum() / n) if n else np.nan


def compute(outcome: Outcome) -> dict[str, float]:
    horizon = outcome.scenario.horizon
    warmup, end = horizon.warmup_min, horizon.duration_min
    kpi: dict[str, float] = {}

    # --- incidents: processing and opkomsttijd ---
    inc = [i for i in outcome.incidents if i.minute >= warmup]
    start = np.array([i.minute for i in inc], dtype=float)
    alarm = np.array([np.nan if i.t_alarm is None else i.t_alarm for i in inc], dtype=float)
    scene = np.array([np.nan if i.t_on_scene is None else i.t_on_scene for i in inc], dtype=float)
    norm = np.array([i.norm_min for i in inc], dtype=float)
    reported = np.array([i.state != "abandoned" for i in inc], dtype=bool)
    region = np.array([i.region for i in inc])
    priority = np.array([i.priority for i in inc])
    processing_s = (alarm - start) * 60
    opkomst = scene - start
    kpi["incidents"] = float(len(inc))

    def response(mask: np.ndarray, suffix: str = "") -> None:
        done = mask & ~np.isnan(processing_s)
        kpi[f"processing_time_mean_s{suffix}"] = _mean(processing_s[done])
        kpi[f"processing_time_p90_s{suffix}"] = _mean(processing_s[done]) if done.sum() == 1 else _p90(processing_s[done])
        # a share counts every reported incident whose deadline fell inside the horizon
        with np.errstate(invalid="ignore"):
            kpi[f"processing_within_60s_share{suffix}"] = _share(processing_s <= 60, mask & reported & (start + 1 <= end))
            if not suffix:
                kpi["processing_within_120s_share"] = _share(processing_s <= 120, mask & reported & (start + 2 <= end))
            arrived = mask & ~np.isnan(opkomst)
            kpi[f"opkomsttijd_mean_min{suffix}"] = _mean(opkomst[arrived])
            kpi[f"opkomsttijd_p90_min{suffix}"] = _p90(opkomst[arrived])
            kpi[f"opkomsttijd_within_norm_share{suffix}"] = _share(opkomst <= norm, mask & reported & (start + norm <= end))

    everything = np.ones(len(inc), dtype=bool)
    response(everything)
    for name in outcome.scenario.regions:
        response(region == name, f"[region={name}]")
    for p in (1, 2, 3):
        response(priority == p, f"[priority={p}]")

    # --- calls ---
    calls = [c for c in outcome.calls if c[4] >= warmup]
    kpi["calls"] = float(len(calls))
    waits = np.array([c[5] - c[4] for c in calls if c[5] == c[5]], dtype=float) * 60
    kpi["answer_wait_mean_s"] = _mean(waits)
    kpi["answer_wait_p90_s"] = _p90(waits)
    kpi["abandoned_calls"] = float(sum(c[8] == "abandoned" for c in calls))
    kpi["unreported_incidents"] = float((~reported).sum())

    # --- the room ---
    levels = outcome.levels
    kpi["backlog_peak"] = peak(levels["calls_waiting"], warmup, end)
    on_duty = time_average(levels["centralists_on_duty"], warmup, end)
    kpi["centralist_utilisation"] = time_average(levels["centralists_busy"], warmup, end) / on_duty if on_duty else np.nan

    # --- radio traffic (spoken messages; status button presses take no room time) ---
    spoken = [m for m in outcome.messages if m[4] >= warmup and m[7] != "button"]
    delays = np.array([m[5] - m[4] for m in spoken if m[8] == "delivered"], dtype=float)
    kpi["radio_message_delay_mean_min"] = _mean(delays)
    kpi["radio_message_delay_p90_min"] = _p90(delays)
    kpi["undelivered_messages"] = float(sum(m[8] == "undelivered" for m in outcome.messages if m[4] >= warmup))
    kpi["incidents_open_at_end"] = float(sum(i.state == "open" for i in inc))
    return kpi


def minute_series(outcome: Outcome) -> dict[str, np.ndarray]:
    """Per-minute time averages of every monitored level (unlimited capacity becomes NaN)."""
    minutes = int(np.ceil(outcome.scenario.horizon.duration_min))
    grid = np.arange(minutes + 1, dtype=float)
    grid[-1] = min(grid[-1], outcome.scenario.horizon.duration_min)
    series = {"minute": np.arange(minutes, dtype=np.int32)}
    for name, level in outcome.levels.items():
        values = np.diff(integral(level, grid)) / np.diff(grid)
        series[name] = np.where(np.isfinite(values), values, np.nan)
    return series
