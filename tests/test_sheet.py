"""The one-page procedure comparison sheet (issue 6) renders from a tiny comparison."""

from __future__ import annotations

import html
import json
import re

import pytest
from helpers import nye

from sim.experiments import api
from sim.outputs.sheet import sheet_html, write_sheet

EXTERNAL = re.compile(
    r"<script[^>]+src\s*=|<link[^>]+href\s*=\s*[\"']?(https?:)?//|@import|url\(\s*[\"']?(https?:)?//", re.I
)


def short(name: str, procedure):
    return nye(
        name=name,
        horizon={"start": "2024-12-31T23:30:00", "duration_min": 90, "warmup_min": 10},
        outages=[{"target": "eocs", "start_min": 15, "duration_min": 45}],
        procedure=procedure,
    )


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    scenarios = [
        short("geen_terugval", None),
        short("portofoons", {"detection_min": 3, "decision_min": 2, "steps": ["handhelds", "telephone"]}),
    ]
    out = tmp_path_factory.mktemp("sheet") / "cmp"
    return api.compare(scenarios, api.Options(replications=3, seed=2, jobs=1, keep_records=0), out=out)


def test_sheet_renders_the_comparison(comparison, tmp_path):
    path = write_sheet(comparison, tmp_path / "sheet.html")
    page = path.read_text(encoding="utf-8")
    text = html.unescape(page)
    data = json.loads((comparison / "comparison.json").read_text())
    for name in data["scenarios"]:
        assert name in text
    # the procedures in words, from each manifest's scenario.procedure
    assert "Geen terugvalprocedure" in text
    assert "portofoons/mobilofoons in de meldkamer" in text and "CaCo" in text
    # every mean on the sheet is the comparison's number
    rows = {(r["kpi"], r["scenario"]): r for r in data["kpis"]}
    cells = re.findall(r"data-scenario='([^']+)' data-kpi='([^']+)' data-mean='([^']*)'", page)
    assert len(cells) >= 20
    for scenario, kpi, mean in cells:
        assert json.loads(mean) == rows[kpi, scenario]["mean"]
    # significant paired differences are marked, others are not
    diffs = re.findall(r"<td class='num ([a-z]*)' data-diff='([^']*)' data-significant='(true|false)'>([^<]*)<", page)
    assert diffs
    for cls, _diff, significant, shown in diffs:
        if significant == "false":
            assert cls == "" and not shown.endswith(("▲", "▼", "*"))
        else:
            assert cls in ("better", "worse") or shown.endswith("*")
    # sets in the room keep units reachable: significantly fewer unit-minutes unreachable, marked better
    row = rows["unit_minutes_unreachable", "portofoons"]
    assert row["significant"] and row["diff_mean"] < 0
    assert re.search(r"<td class='num better' data-diff='" + re.escape(json.dumps(row["diff_mean"])), page)


def test_sheet_is_one_printable_offline_page(comparison):
    page = sheet_html(comparison)
    assert "@page" in page and "A4" in page
    assert "<script" not in page  # inline SVG bars, nothing to run
    assert not EXTERNAL.search(page)
    assert page.count("<svg") >= 3


def test_sheet_carries_the_room_picture_kpis(comparison):
    """The issue 13 KPIs (idle but unknown units, re-alarms, reinforcement wait, noodknop, ...) are rows
    of the sheet whenever the comparison has a number for them, with the paired difference."""
    from sim.outputs.parts.effects import BOARD_KPIS

    page = sheet_html(comparison)
    data = json.loads((comparison / "comparison.json").read_text())
    finite = {r["kpi"] for r in data["kpis"] if r["mean"] is not None and r["mean"] == r["mean"]}
    shown = set(re.findall(r"data-kpi='([^']+)'", page))
    for kpi in BOARD_KPIS:
        assert (kpi in shown) == (kpi in finite), kpi
    assert "idle_unknown_unit_min" in shown and "realarms" in shown
