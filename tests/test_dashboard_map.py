"""The map on the Timeline page, built from a tiny fake run directory (three posts, a handful of
incidents, three unreachable stretches) so every colour and every highlighted post is known."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_support import component_ids, texts

from dashboard import data, i18n, ids, map_data, map_figure
from dashboard.components import Config
from dashboard.pages import timeline

POSTS = [
    {"name": "Aa", "region": "Twente", "crew": "professional", "units": 2, "lat": 52.2, "lon": 6.8, "source": "x"},
    {"name": "Bb", "region": "VNOG", "crew": "volunteer", "units": 1, "lat": 52.1, "lon": 6.0, "source": "x"},
    {"name": "Cc", "region": "VGGM", "crew": "pre_staffed", "units": 1, "lat": 52.0, "lon": 5.9, "source": "x"},
]
#: replication, minute, norm, t_alarm, t_on_scene, state -> the category the map gives it
INCIDENTS = [
    (0, 10.0, 8.0, 11.0, 15.0, "completed", "within"),
    (0, 20.0, 8.0, 21.0, 30.0, "completed", "late"),
    (0, 60.0, 8.0, 61.0, 68.0, "completed", "within"),  # exactly the norm is within it
    (0, 30.0, 10.0, 31.0, None, "open", "not_reached"),
    (0, 115.0, 10.0, 116.0, None, "open", "under_way"),  # its norm ends after the horizon (120)
    (0, 40.0, 10.0, None, None, "completed", "desk"),
    (0, 50.0, 10.0, None, None, "abandoned", None),  # never reported: not on the map
    (1, 10.0, 8.0, 11.0, 30.0, "completed", "late"),
    (2, 10.0, 8.0, 11.0, 12.0, "completed", "within"),
]
#: replication, unit, station, start, end (replication 2 has none)
UNREACHABLE = [
    (0, "Aa-1", "Aa", 30.0, 40.0),
    (0, "Bb-1", "Bb", 35.0, 50.0),
    (0, "Aa-2", "Aa", 45.0, 46.0),
    (1, "Cc-1", "Cc", 30.0, 40.0),
]


def fake_run(root: Path, key: str = "fake", *, geography: bool = True, source: str = "reconstructed (unverified)"):
    """A run directory with what the map reads: manifest, summary, incidents, unreachable."""
    path = root / key
    path.mkdir(parents=True)
    scenario = {
        "horizon": {"start": "2025-01-01T00:00:00", "duration_min": 120, "warmup_min": 0},
        "units": {"stations": [{**p, "source": source} for p in POSTS], "stations_file": "posts.csv"},
        "geography": {"places": [{"name": "Aa", "region": "Twente", "lat": 52.2, "lon": 6.8}]} if geography else None,
    }
    manifest = {"scenario_name": key, "replications": 3, "seed": 1, "records_kept_for": 3, "scenario": scenario}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (path / "summary.json").write_text("{}", encoding="utf-8")
    rows = list(zip(*INCIDENTS, strict=True))
    incidents = {
        "replication": list(rows[0]),
        "incident": list(range(len(INCIDENTS))),
        "minute": list(rows[1]),
        "region": ["Twente"] * len(INCIDENTS),
        "type": ["woningbrand"] * len(INCIDENTS),
        "priority": [1] * len(INCIDENTS),
        "norm_min": list(rows[2]),
        "t_alarm": list(rows[3]),
        "t_on_scene": list(rows[4]),
        "state": list(rows[5]),
        "lat": [52.0 + 0.01 * i if geography else None for i in range(len(INCIDENTS))],
        "lon": [6.0 + 0.01 * i if geography else None for i in range(len(INCIDENTS))],
    }
    pq.write_table(pa.table(incidents), path / "incidents.parquet")
    columns = ("replication", "unit", "station", "start", "end")
    pq.write_table(
        pa.table(dict(zip(columns, map(list, zip(*UNREACHABLE, strict=True)), strict=True))),
        path / "unreachable.parquet",
    )
    return path


@pytest.fixture
def cfg(tmp_path):
    fake_run(tmp_path)
    return Config(tmp_path, tmp_path)


def traces(figure, prefix: str) -> list:
    return [tr for tr in figure.data if (tr.name or "").startswith(prefix)]


def test_region_outlines_come_from_the_bundled_file():
    outlines = map_data.region_outlines()
    assert sorted(outlines) == ["IJsselland", "Twente", "VGGM", "VGZ", "VNOG"]
    for line in outlines.values():
        lat = [v for v in line["lat"] if v is not None]
        assert 51.5 < min(lat) and max(lat) < 53.0 and len(line["lat"]) == len(line["lon"])
        assert line["lat"][0] == line["lat"][line["lat"].index(None) - 1 if None in line["lat"] else -1]  # closed


def test_incidents_are_coloured_by_opkomsttijd_against_the_norm(cfg, tmp_path):
    run = data.load_run(tmp_path, "fake")
    points = map_data.incident_points(run, 0)
    expected = [c for rep, *_, c in INCIDENTS if rep == 0 and c]
    assert list(points["category"]) == expected  # the abandoned one left out
    figure, _, _ = timeline.map_view(cfg, "fake", 0, None, "nl")
    for category, colour in map_figure.CATEGORY_COLOURS.items():
        (trace,) = traces(figure, i18n.t(f"map.incident.{category}", "nl"))
        assert trace.marker.color == colour and len(trace.x) == expected.count(category)
        assert trace.name.endswith(f"({expected.count(category)})")
    (late,) = traces(figure, "Te laat")
    assert "Woningbrand" in late.customdata[0][0] and late.customdata[0][2] == "10,0 min"


def test_posts_by_crew_with_their_hover(cfg):
    figure, _, _ = timeline.map_view(cfg, "fake", 0, None, "en")
    posts = [tr for tr in figure.data if tr.legendgroup == "posts"]
    assert sum(len(tr.x) for tr in posts) == len(POSTS)
    assert [tr.name for tr in posts] == ["Professional post (1)", "Volunteer post (1)", "Pre-staffed post (1)"]
    assert [tr.marker.symbol for tr in posts] == [s for s, _ in map_figure.CREW_STYLE.values()]
    assert list(posts[0].customdata[0][:3]) == ["Aa", "Twente", 2]
    assert len(traces(figure, "Region borders")) == 5  # one per region, drawn as lines, one legend entry
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio == pytest.approx(1.63, abs=0.02)


def test_posts_with_unreachable_units_are_ringed_at_the_minute(cfg, tmp_path):
    run = data.load_run(tmp_path, "fake")
    stretches = map_data.unreachable_stretches(run, 0)
    assert map_data.unreachable_at(stretches, 36) == {"Aa": ["Aa-1"], "Bb": ["Bb-1"]}
    assert map_data.unreachable_at(stretches, 45.5) == {"Aa": ["Aa-2"], "Bb": ["Bb-1"]}
    assert map_data.unreachable_at(stretches, 20) == {} and map_data.unreachable_at(stretches, 50) == {}  # end: free
    assert map_data.busiest_minute(stretches) == 35 and map_data.unreachable_span(stretches) == (30, 50)

    figure, slider, note = timeline.map_view(cfg, "fake", 0, None, "nl")  # starts at the busiest minute
    assert (slider["min"], slider["max"], slider["value"], slider["show"]) == (30, 50, 35, True) and note is None
    assert slider["marks"][30] == "00:30"
    (ring,) = traces(figure, "Onbereikbaar")
    assert sorted(zip(ring.x, ring.y, strict=True)) == [(6.0, 52.1), (6.8, 52.2)]
    assert "00:35: 2 eenheden onbereikbaar (2 posten)" in figure.layout.title.text

    figure, slider, _ = timeline.map_view(cfg, "fake", 0, 50, "nl", keep_minute=True)  # the user moved it
    (ring,) = traces(figure, "Onbereikbaar")
    assert slider["value"] == 50 and list(ring.x) == [None] and ring.name == "Onbereikbaar: 0 eenheden, 0 posten"
    assert "00:50: 0 eenheden onbereikbaar (0 posten)" in figure.layout.title.text
    _, slider, _ = timeline.map_view(cfg, "fake", 0, 50, "nl")  # a new replication or run: back to the busiest
    assert slider["value"] == 35


def test_no_unreachable_units_hides_the_slider_with_a_note(cfg):
    figure, slider, note = timeline.map_view(cfg, "fake", 2, None, "nl")
    assert slider == timeline.HIDDEN_SLIDER and not slider["show"]
    assert note.children == i18n.t("map.no_unreachable", "nl")
    assert not traces(figure, "Onbereikbaar") and len(traces(figure, "Binnen de norm")) == 1


def test_without_geography_the_map_says_so_and_shows_nothing_else(tmp_path):
    fake_run(tmp_path, "flat", geography=False)
    figure, slider, note = timeline.map_view(Config(tmp_path, tmp_path), "flat", 0, None, "en")
    assert not figure.data and not slider["show"] and note is None
    assert [a.text for a in figure.layout.annotations] == [i18n.t("map.no_geography", "en")]


def test_approximate_posts_are_said_so_and_attributed(cfg, tmp_path):
    figure, _, _ = timeline.map_view(cfg, "fake", 0, None, "nl")
    notes = [a.text for a in figure.layout.annotations]
    assert i18n.t("map.approximate", "nl") in notes and i18n.t("map.attribution", "nl") in notes
    assert "CBS/PDOK" in i18n.t("map.attribution", "en") and "GeoNames" in i18n.t("map.attribution", "en")
    fake_run(tmp_path, "listed", source="official list of the region")
    listed, _, _ = timeline.map_view(Config(tmp_path, tmp_path), "listed", 0, None, "nl")
    notes = [a.text for a in listed.layout.annotations]
    assert i18n.t("map.approximate", "nl") not in notes and i18n.t("map.attribution", "nl") in notes


def test_nothing_chosen_or_a_broken_run(cfg):
    figure, slider, _ = timeline.map_view(cfg, None, None, None, "nl")
    assert figure.layout.annotations[0].text == "Kies een run…" and not slider["show"]
    figure, _, _ = timeline.map_view(cfg, "no-such-run", 0, None, "nl")
    assert figure.layout.annotations and not figure.data


def test_the_map_card_is_on_the_timeline_page(cfg):
    for lang in ("nl", "en"):
        page = timeline.build_layout(cfg, lang)
        assert {_key(ids.fig(ids.FIG_MAP)), ids.MAP_MINUTE, ids.MAP_SLIDER, ids.MAP_NOTE} <= set(
            map(_key, component_ids(page))
        )
        assert {i18n.t(k, lang) for k in ("map.title", "map.note", "map.minute")} <= set(texts(page))


def _key(i):
    return json.dumps(i, sort_keys=True) if isinstance(i, dict) else i
