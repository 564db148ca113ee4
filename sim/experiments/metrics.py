"""The KPI registry: name, unit, description and direction of every KPI.

Kept apart from :mod:`sim.experiments.kpis` (which computes them from model records) so readers of
results, such as the dashboard, can label KPIs without importing the model.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    better: str = "lower"  # "lower", "higher" or "" when neither


_M = Metric
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _M("incidents", "count", "incidents at the fire desk that started after the warm-up (alarmed or not)", ""),
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
        _M(
            "opkomsttijd_within_norm_share",
            "share",
            "incidents where the first unit arrived within the type's norm",
            "higher",
        ),
        _M("backlog_peak", "calls", "most 112 calls waiting for a centralist at one moment"),
        _M("centralist_utilisation", "share", "time-weighted busy centralists over centralists on duty", ""),
        _M("radio_message_delay_mean_min", "min", "mean wait of a spoken radio message for a channel and a centralist"),
        _M("radio_message_delay_p90_min", "min", "90th percentile of that wait"),
        _M("undelivered_messages", "count", "radio messages given up after the message patience"),
        _M("incidents_open_at_end", "count", "incidents not completed when the horizon ends", ""),
        # communication under outages (issue 3)
        _M("outage_to_detection_min", "min", "outage start until the room notices (mean over responses)"),
        _M("outage_to_decision_min", "min", "outage start until the CaCo declares the fallback procedure"),
        _M("outage_to_first_fallback_min", "min", "outage start until the first fallback channel is up"),
        _M("message_delay_in_outage_mean_min", "min", "mean wait of room messages created while an outage is on"),
        _M("message_delay_in_outage_p90_min", "min", "90th percentile of that wait"),
        _M("spoken_statuses", "count", "status changes that had to be spoken because no status channel worked"),
        _M("late_status_reports", "count", "statuses reported late, after their first attempt went undelivered", ""),
        _M("undelivered_scene_messages", "count", "unit-to-unit messages on the scene that never got through"),
        _M("unit_minutes_unreachable", "unit-min", "minutes units on a job spent where no voice channel reached them"),
        _M("longest_unreachable_gap_min", "min", "longest single stretch a unit on a job could not be reached"),
        _M("incidents_gap_over_5min_share", "share", "incidents where a unit was unreachable for more than 5 min"),
        _M("alarms_via_fallback", "count", "station alarms sent by a fallback path instead of the primary", ""),
        _M("alarm_fallback_extra_delay_s", "s", "extra time from dispatch to alarm on a fallback path vs P2000"),
        _M("fallback_utilisation", "share", "busy over available capacity of a fallback channel while it was up", ""),
        # the room's picture of its units and messages with consequences (issue 13)
        _M("double_dispatches", "count", "alarms to a unit the room believed free but that was in fact busy"),
        _M("idle_unknown_unit_min", "unit-min", "minutes units were free but the room's board had them busy"),
        _M("realarms", "count", "alarms sent again because the unit's acknowledgement did not come in time"),
        _M("alarm_ack_mean_min", "min", "alarm to the unit's acknowledgement ('uitgerukt' reaching the room)"),
        _M(
            "reinforcement_delay_mean_min",
            "min",
            "a request for more units to the extra unit's alarm (a lost one: to its loss)",
        ),
        _M("lost_reinforcement_requests", "count", "requests for more units that never reached the room"),
        _M("noodknop_ack_mean_s", "s", "emergency button pressed to a centralist talking to the unit"),
        _M("board_reconciliation_min", "min", "time the room spent on roll calls to put its unit board right"),
        # staff preparedness (issue 17)
        _M("statuses_not_noted", "count", "spoken statuses the room heard but never put on the board"),
        _M("double_alarms", "count", "alarms by hand sent a second time to the same post (no second response)"),
        # the room's real workload (issue 14)
        _M("desk_handled_incidents", "count", "incidents the desk handled without alarming a unit", ""),
        _M(
            "centralist_utilisation_peak_hour",
            "share",
            "centralist utilisation in the busiest whole clock hour (calls, radio, desk work)",
            "",
        ),
        _M("caco_utilisation", "share", "share of the time the CaCo was busy (tasks and decisions)", ""),
        _M("caco_decision_delay_min", "min", "the room noticing an outage to the CaCo's decision on the fallback"),
        # where the first unit comes from (issue 15)
        _M(
            "first_on_scene_volunteer_share",
            "share",
            "incidents whose first unit on scene was a volunteer crew (pre-staffed posts included)",
            "",
        ),
        # CBS 83123NED's response time of priority-1 fires and its parts (issue 15)
        _M("p1_fire_alarmering_min", "min", "priority-1 fires: call answered to the first alarm (CBS alarmeringstijd)"),
        _M(
            "p1_fire_uitruk_min", "min", "priority-1 fires: first alarm to the first-arriving unit leaving (uitruktijd)"
        ),
        _M("p1_fire_rij_min", "min", "priority-1 fires: the first-arriving unit leaving to on scene (rijtijd)"),
        _M("p1_fire_response_min", "min", "priority-1 fires: call answered to the first unit on scene (responstijd)"),
        # several meldkamers (issue 16); per partner room and for all rooms: [room=NAME], [room=all]
        _M("calls_taken_over", "count", "this room's 112 calls answered by a partner room after a takeover", ""),
        _M("takeover_delay_min", "min", "outage start until a partner room takes the calls over"),
        _M("partner_utilisation", "share", "centralist utilisation of the partner room while it has taken over", ""),
    )
}

#: CBS's response time and its parts, as the model measures them (whole run and per region)
CBS_RESPONSE = ("p1_fire_alarmering_min", "p1_fire_uitruk_min", "p1_fire_rij_min", "p1_fire_response_min")

GAP_THRESHOLD_MIN = 5.0

GROUPED = (
    "processing_time_mean_s",
    "processing_time_p90_s",
    "processing_within_60s_share",
    "opkomsttijd_mean_min",
    "opkomsttijd_p90_min",
    "opkomsttijd_within_norm_share",
    "first_on_scene_volunteer_share",
)


def metric_of(kpi: str) -> Metric:
    """The registry entry of a KPI name, grouped or not."""
    return METRICS[kpi.split("[", 1)[0]]
