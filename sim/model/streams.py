"""Random-number streams: one numpy Generator per stochastic element.

``STREAM_NAMES`` is append-only: a new element gets a new name at the end, so the streams
of existing elements, and every stored result, stay the same. Each replication spawns its
streams from ``SeedSequence([seed, replication])``; two scenarios run with the same seed
therefore draw the same incidents and calls (common random numbers), whatever else differs.
"""

from __future__ import annotations

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "incident_arrivals",
    "incident_region",
    "incident_type",
    "duplicate_calls",
    "call_offsets",
    "caller_patience",
    "redial",
    "intake",
    "duplicate_handling",
    "dispatch",
    "alarm",
    "units_needed",
    "on_scene",
    "radio_messages",
    "radio_message_time",
    "message_timing",
    "turnout",
    "travel",
    # outages and fallbacks (issue 3)
    "outage_duration",
    "outage_random",
    "generator",
    "procedure",
    "transmission_failure",
    "retry",
    "spoken_status",
    "gms_manual",
    "scene_messages",
    "scene_message_time",
    "failed_attempt",
    # lost communication reaches the response (issue 13)
    "reinforcement",
    "other_discipline",
    "noodknop",
    "ack_timeout",
    "status_error",
    "roll_call",
    "coordination",
    # the room's real workload (issue 14)
    "follow_up",
    "closing",
    "caco",
    "other_desks",
    "caco_background",
    "crew_calls",
    # geography (issue 15)
    "incident_place",
    # several meldkamers (issue 16)
    "takeover",
    # staff preparedness (issue 17)
    "status_missed",
    "double_alarm",
)


def make_streams(seed: int, replication: int, room: int = 0) -> dict[str, np.random.Generator]:
    """Room 0 is the scenario's own room; partner rooms (issue 16) get their own families,
    so adding a partner never changes the draws of the room itself."""
    entropy = [seed, replication] if room == 0 else [seed, replication, room]
    children = np.random.SeedSequence(entropy).spawn(len(STREAM_NAMES))
    return {
        name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAM_NAMES, children, strict=False)
    }
