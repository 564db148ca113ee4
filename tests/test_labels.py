"""The label catalogue (sim/labels.py) names everything a page can show, in both languages,
so a new KPI, target or bundled channel cannot reach a report or the dashboard as a code name."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import labels
from sim.experiments.metrics import METRICS
from sim.model.loading import load_scenario
from sim.model.scenario import ALL_ROOMS, MAIN_ROOM, OUTAGE_TARGETS

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def named(pair: tuple[str, str]) -> bool:
    return len(pair) == 2 and all(isinstance(word, str) and word.strip() for word in pair)


def test_every_kpi_has_a_label_and_a_unit_in_both_languages():
    assert sorted(METRICS) == sorted(labels.KPIS), "a KPI without a label, or a label for no KPI"
    for name, metric in METRICS.items():
        assert named(labels.KPIS[name]), name
        assert metric.unit in labels.UNITS and named(labels.UNITS[metric.unit]), f"{name}: unit {metric.unit}"


def test_grouped_kpis_say_what_they_are_split_by():
    assert labels.kpi("opkomsttijd_mean_min[region=VNOG]") == (
        "opkomsttijd, gemiddeld (regio VNOG)",
        "opkomsttijd, mean (region VNOG)",
    )
    by_channel = labels.kpi("fallback_utilisation[channel=handhelds]")
    assert by_channel[1] == "fallback channel utilisation (channel handhelds)"
    assert labels.kpi("brand_new_kpi") == ("brand_new_kpi", "brand_new_kpi")  # unknown: its code name, no error
    assert labels.kpi("calls[room=MKNN]") == ("112-meldingen (meldkamer MKNN)", "112 calls (room MKNN)")
    assert labels.kpi("calls[room=all]") == ("112-meldingen (alle meldkamers)", "112 calls (all rooms)")


def test_the_rooms_of_a_night_have_labels():
    assert set(labels.ROOMS) == {MAIN_ROOM, ALL_ROOMS} and all(named(labels.room(r)) for r in labels.ROOMS)
    assert labels.room("MKNN") == ("MKNN", "MKNN")  # a partner room by its name


def test_every_outage_target_has_a_label():
    assert set(labels.TARGETS) == set(OUTAGE_TARGETS)
    assert all(named(labels.target(t)) for t in OUTAGE_TARGETS)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_channel_step_and_incident_type_has_a_label(path):
    scenario = load_scenario(path)
    for name in scenario.channels:
        assert name in labels.CHANNELS and named(labels.channel(name)), f"channel {name}"
        assert named(labels.channel_action(name)), f"channel {name}"
    for step in scenario.procedure.steps if scenario.procedure else []:
        assert step in labels.STEPS or step in labels.CHANNELS, f"procedure step {step}"
    for kind in scenario.load.incident_types:
        assert kind in labels.INCIDENT_TYPES and named(labels.incident_type(kind)), f"incident type {kind}"


def test_the_per_minute_series_the_outputs_show_have_labels():
    from dashboard.data import SERIES
    from sim.outputs.exercise import PREDICTIONS

    for name in (*SERIES, *PREDICTIONS):
        assert name in labels.SERIES and named(labels.series(name)), name
