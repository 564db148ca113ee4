"""The research-question report (issue 6): built from a tiny matrix, every section present,
numbers equal to the result files, no network needed to open it, findings made from the numbers."""

from __future__ import annotations

import argparse
import copy
import html
import json
import math
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from sim import labels
from sim.bundled import bundled_matrices, standard_matrix
from sim.experiments.api import Options
from sim.experiments.stats import paired_difference
from sim.model.loading import ScenarioError
from sim.outputs.parts import effects
from sim.outputs.parts.effects import BOARD_KPIS
from sim.outputs.parts.html import mean_pm
from sim.outputs.report import (
    RESPONSE_KPIS,
    add_report_command,
    build_cells,
    build_report,
    cell_key,
    collect,
    findings,
    load_matrix,
    local_key,
    reference_procedure,
    run_matrix,
    tornado_rows,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "matrix" / "tiny.yaml"
SECTIONS = ("vraag", "bevindingen", "methode", "resultaten", "gevoeligheid", "aannames", "stress-des", "gegevens")
EXTERNAL = re.compile(
    r"<script[^>]+src\s*=\s*[\"']?(https?:)?//|<link[^>]+href\s*=\s*[\"']?(https?:)?//|"
    r"@import|url\(\s*[\"']?(https?:)?//",
    re.I,
)
TD = re.compile(r'<td class="num" data-cell="([^"]+)" data-kpi="([^"]+)" data-mean="([^"]*)">([^<]*)</td>')


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    run = run_matrix(TINY, Options(replications=2, seed=3, jobs=2, keep_records=0), out=base / "run")
    page = build_report(run, base / "report.html")
    return run, page.read_text(encoding="utf-8")


def summary(run: Path, key: str) -> dict:
    return json.loads((run / "cells" / key / "summary.json").read_text())


def data_block(page: str) -> dict:
    m = re.search(r"<script type='application/json' id='meldsim-data'>(.*?)</script>", page, re.S)
    assert m, "the page embeds its numbers as JSON"
    return json.loads(m.group(1))


def test_result_directory_has_every_cell(built):
    run, _ = built
    index = json.loads((run / "matrix.json").read_text())
    keys = [c["key"] for c in index["cells"]]
    # 2 loads x 1 target x 2 durations x 3 procedures + 2 baselines + 2 parameters x 2 levels
    # + the takeover local in 2 loads x 2 durations (issue 16)
    assert len(keys) == 22 and len(set(keys)) == 22
    for key in keys:
        manifest = json.loads((run / "cells" / key / "manifest.json").read_text())
        assert manifest["seed"] == 3 and manifest["replications"] == 2
    assert index["replications"] == 2 and index["versions"]["meldsim"]


def test_every_section_is_there(built):
    _, page = built
    for section in SECTIONS:
        assert f"<section id='{section}'>" in page, section
    text = html.unescape(page)
    assert (
        "Hoe wordt geborgd dat bij uitval van C2000 de communicatie tussen meldkamers en hulpdiensten blijft werken?"
        in text
    )
    assert "How is it guaranteed that, when C2000 fails" in text
    for item in (
        "1.1 Purpose of the model",
        "2.5.4 Components - queues",
        "5.2 Random sampling",
        "6.1 Computer model sharing statement",
    ):
        assert item in text, item
    assert "Caller" in text or "caller_patience_min" in text  # docs/assumptions.md is quoted
    assert "fig-duration-eocs" in page and "fig-tornado-unit_minutes_unreachable" in page
    assert "replicaties per cel" in text and "git commit" in text and "pyarrow" in text  # seeds, versions


def test_table_numbers_equal_the_result_files(built):
    run, page = built
    cells = TD.findall(page)
    assert len(cells) > 40
    for key, kpi, mean, shown in cells:
        s = summary(run, key)[kpi]
        assert json.loads(mean) == s["mean"], (key, kpi)
        assert html.unescape(shown) == mean_pm(kpi, s), (key, kpi)


def test_embedded_data_equals_the_result_files(built):
    run, page = built
    data = data_block(page)
    assert set(data["cells"]) == {p.name for p in (run / "cells").iterdir()}
    for key, cell in data["cells"].items():
        assert cell["summary"] == json.loads(json.dumps(summary(run, key)), parse_constant=lambda c: None)
    assert data["findings"] == findings(collect(run))


def test_findings_quote_the_numbers(built):
    run, _ = built
    data = collect(run)
    text = " ".join(f["nl"] + " " + f["en"] for f in findings(data))
    s = data["cells"][cell_key("oud", "eocs", 60, "huidig")]["summary"]["processing_within_60s_share"]
    assert f"{s['mean'] * 100:.1f} %" in text
    ref = reference_procedure(data["matrix"])
    assert ref == "geen"
    assert "Sensitivity" in text and tornado_rows(data)["unit_minutes_unreachable"]


def test_findings_change_when_the_numbers_change(built):
    run, _ = built
    data = collect(run)
    before = findings(data)
    changed = copy.deepcopy(data)
    for key, cell in changed["cells"].items():
        if cell["kind"] == "cell" and cell["load"] == "oud" and cell["duration_min"] == 60:
            share = cell["summary"]["processing_within_60s_share"]
            share.update(mean=0.4321, ci95_low=0.4221, ci95_high=0.4421)
        if key == cell_key("oud", "eocs", 60, "geen"):
            cell["summary"]["unit_minutes_unreachable"].update(mean=987.65, ci95_low=900.0, ci95_high=1075.3)
    after = findings(changed)
    assert after != before
    text = " ".join(f["nl"] + " " + f["en"] for f in after)
    assert "43.2 % ± 1.0" in text
    assert "987.6" in text or "987.7" in text
    assert "43.2 % ± 1.0" not in " ".join(f["nl"] + " " + f["en"] for f in before)


def test_page_opens_offline(built):
    _, page = built
    assert not EXTERNAL.search(page)
    assert page.count('<script type="text/javascript">') <= page.count("<script")  # inline scripts only
    srcs = re.findall(r"<script[^>]*\ssrc=", page)
    assert srcs == []
    assert re.findall(r"<link[^>]*>", page) == []
    # plotly.js is inlined once, not once per figure
    assert page.count("window.PlotlyConfig") <= 1 and page.count("Plotly.newPlot") >= 2


def test_rebuild_from_a_run_gives_the_same_numbers(built, tmp_path):
    run, page = built
    parser = argparse.ArgumentParser()
    add_report_command(parser.add_subparsers())
    args = parser.parse_args(["report", str(TINY), "--from-run", str(run), "--out", str(tmp_path / "again.html")])
    assert args.handler(args) == 0
    again = (tmp_path / "again.html").read_text(encoding="utf-8")
    assert TD.findall(again) == TD.findall(page)
    assert data_block(again)["findings"] == data_block(page)["findings"]


def test_a_report_is_not_rebuilt_from_a_swapped_file(built, tmp_path, capsys):
    run, _ = built
    copied = tmp_path / "run"
    shutil.copytree(run, copied)
    first, second = sorted(p for p in (copied / "cells").iterdir())[:2]
    shutil.copy(second / "summary.json", first / "summary.json")
    parser = argparse.ArgumentParser()
    add_report_command(parser.add_subparsers())
    args = parser.parse_args(["report", str(TINY), "--from-run", str(copied), "--out", str(tmp_path / "x.html")])
    assert args.handler(args) == 2
    assert f"--from-run: {first}: damaged: summary.json: content differs" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_the_standard_matrix_is_valid():
    matrix = load_matrix(standard_matrix())
    cells = build_cells(matrix, standard_matrix())
    kinds = [c.kind for c in cells]
    per_load_and_duration = sum(len(p.targets or matrix.targets) for p in matrix.procedures.values())
    assert kinds.count("cell") == len(matrix.loads) * len(matrix.durations_min) * per_load_and_duration
    assert set(matrix.loads) == {"normale_nacht", "oudejaarsnacht"}
    # issue 16: the eOCS takeover once more with the outage at MKBM only, per load and duration
    assert matrix.procedures["overname"].targets == ["eocs"] and matrix.scope.rooms == ["main"]
    assert kinds.count("scope") == len(matrix.loads) * len(matrix.durations_min)
    assert kinds.count("sensitivity") == 2 * len(matrix.sensitivity.parameters)


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(TINY.read_text())
    for load in data["loads"].values():
        load["base"] = str((TINY.parent / load["base"]).resolve())
    for option in data["procedures"].values():
        partners = option.get("set", {}).get("partners", {})
        partners.update({name: str((TINY.parent / file).resolve()) for name, file in partners.items()})
    change(data)
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    "change, where, message",
    [
        (lambda d: d.update(replicatons=3), "replicatons", "unknown field"),
        (
            lambda d: d["procedures"]["huidig"]["procedure"].update(detection_mn=3),
            "procedures.huidig.procedure.detection_mn",
            "unknown field",
        ),
        (lambda d: d["targets"]["eocs"].update(target="radio"), "targets.eocs.target", "'eocs'"),
        (lambda d: d["sensitivity"].update(load="nowhere"), "sensitivity.load", "'nowhere' is not one of"),
        (lambda d: d["sensitivity"].update(kpis=["no_such_kpi"]), "sensitivity.kpis", "unknown KPI"),
        (lambda d: d.update(durations_min=[20, 60, 500]), "durations_min.2", "ends after the horizon"),
        (lambda d: d.update(outage_start="25:00"), "outage_start", "clock time HH:MM"),
        (
            lambda d: d["procedures"]["huidig"]["procedure"].update(steps=["carrier_pigeon"]),
            "procedures.huidig",
            "unknown channel 'carrier_pigeon'",
        ),
        (lambda d: d["loads"]["nacht"].update(base="missing.yaml"), "loads.nacht.base", "file not found"),
    ],
)
def test_bad_matrices_name_the_field(tmp_path, change, where, message):
    path = write(tmp_path, change)
    with pytest.raises(ScenarioError) as info:
        build_cells(load_matrix(path), path)
    lines = [str(p) for p in info.value.problems]
    assert any(f"{path}: {where}" in line and message in line for line in lines), lines


def test_bad_matrix_exits_2_through_the_cli(tmp_path, capsys):
    from sim import cli

    path = write(tmp_path, lambda d: d.update(replicatons=3))
    assert cli.main(["report", str(path), "--out", str(tmp_path / "r.html")]) == 2
    assert "replicatons: unknown field" in capsys.readouterr().err


def test_shipped_matrices_load_and_build_their_cells():
    """The standard inspectie matrix (and any other in scenarios/matrix/) is a valid matrix."""
    files = sorted((ROOT / "scenarios" / "matrix").glob("*.yaml"))
    assert files and [f.stem for f in files] == list(bundled_matrices())
    for file in files:
        assert build_cells(load_matrix(file), file)


# --- issue 13: the response and the room's picture as paired differences with no outage ------------
EFFECT_TD = re.compile(
    r'<td class="num( better| worse)?" data-effect="([^"]+)" data-kpi="([^"]+)" data-diff="([^"]*)" '
    r'data-low="([^"]*)" data-high="([^"]*)" data-significant="(true|false)">([^<]*)(?:<br><span class="ci">'
    r"([^<]*)</span>)?</td>"
)


def test_effect_tables_show_every_cell_against_no_outage_with_cis(built):
    run, page = built
    text = html.unescape(page)
    assert "effect op de respons" in text and "the room's picture of its units" in text
    for kpi in (*RESPONSE_KPIS, *BOARD_KPIS):
        assert labels.kpi(kpi)[0] in text, kpi
    shown = {(key, kpi): rest for _, key, kpi, *rest in EFFECT_TD.findall(page)}
    index = json.loads((run / "matrix.json").read_text())
    cells = [c for c in index["cells"] if c["kind"] == "cell"]
    assert len(shown) == len(cells) * (len(RESPONSE_KPIS) + len(BOARD_KPIS))
    with_ci = 0
    for cell in cells:
        reps = pq.read_table(run / "cells" / cell["key"] / "replications.parquet").to_pydict()
        base = pq.read_table(run / "cells" / f"{cell['load']}__baseline" / "replications.parquet").to_pydict()
        row = {r: i for i, r in enumerate(base["replication"])}
        for kpi in (*RESPONSE_KPIS, *BOARD_KPIS):
            diff, low, high, significant, _mean, ci = shown[cell["key"], kpi]
            # replication i against replication i of the no-outage run (common random numbers)
            expected = paired_difference(reps[kpi], [base[kpi][row[r]] for r in reps["replication"]])
            assert json.loads(diff) == pytest.approx(expected["mean"], nan_ok=True), (cell["key"], kpi)
            assert json.loads(low) == pytest.approx(expected["ci95_low"], nan_ok=True)
            assert json.loads(high) == pytest.approx(expected["ci95_high"], nan_ok=True)
            excludes_zero = expected["ci95_low"] > 0 or expected["ci95_high"] < 0
            assert significant == str(bool(excludes_zero)).lower()
            if ci:
                with_ci += 1
                assert ci.startswith("[") and ci.endswith("]")
    assert with_ci > len(shown) // 2  # most differences have an interval with 2 replications
    # an eOCS outage leaves units free that the room's board has busy
    assert any(json.loads(shown[c["key"], "idle_unknown_unit_min"][0]) > 0 for c in cells)


def test_findings_report_the_new_kpis(built):
    run, _ = built
    text = " ".join(f["nl"] + " " + f["en"] for f in findings(collect(run)))
    # significant or not in this tiny run (2 replications), the findings speak of the paired difference
    assert "gepaard verschil met geen storing" in text or "significant ten opzichte van geen storing" in text
    assert "paired difference with no outage" in text or "change significantly against no outage" in text
    assert "units were free while the room's board showed them busy" in text
    assert "reinforcement request waited" in text and "from noodknop to a centralist" in text


def test_findings_report_the_workload_from_the_numbers(built):
    """The room's workload without an outage and the CaCo's decision time are quoted as measured."""
    run, _ = built
    data = collect(run)
    text = " ".join(f["nl"] + " " + f["en"] for f in findings(data))
    peak = data["cells"]["oud__baseline"]["summary"]["centralist_utilisation_peak_hour"]
    assert "busiest hour" in text and f"{peak['mean'] * 100:.1f} %" in text
    changed = copy.deepcopy(data)
    key = cell_key("oud", "eocs", max(data["matrix"]["durations_min"]), "huidig")
    changed["cells"][key]["summary"]["caco_decision_delay_min"].update(mean=17.25, ci95_low=16.25, ci95_high=18.25)
    after = " ".join(f["en"] for f in findings(changed))
    assert "to the CaCo's decision" in after and "'Today's procedure' 17.2 ± 1.0 min" in after


def _with_effect(data: dict, key: str, kpi: str, mean: float, low: float, high: float) -> dict:
    changed = copy.deepcopy(data)
    for cell_effects in changed["effects"].values():  # every other cell: no significant change
        for d in cell_effects["kpis"].values():
            d.update(mean=0.01, ci95_low=-1.0, ci95_high=1.0, n=2)
    changed["effects"][key]["kpis"][kpi].update(mean=mean, ci95_low=low, ci95_high=high, n=2)
    changed["cells"][key]["summary"][kpi].update(mean=abs(mean) + 5, ci95_low=abs(mean) + 4, ci95_high=abs(mean) + 6)
    return changed


def test_findings_follow_the_sign_of_the_paired_difference(built):
    """The same fabricated cell, once significantly longer, once significantly shorter, once not significant."""
    run, _ = built
    data = collect(run)
    key = cell_key("oud", "eocs", 60, "huidig")
    up = " ".join(f["en"] for f in findings(_with_effect(data, key, "opkomsttijd_mean_min", 2.5, 1.5, 3.5)))
    down = " ".join(f["en"] for f in findings(_with_effect(data, key, "opkomsttijd_mean_min", -2.5, -3.5, -1.5)))
    flat = " ".join(f["en"] for f in findings(_with_effect(data, key, "opkomsttijd_mean_min", 2.5, -0.5, 5.5)))
    assert "significantly longer with 'Today's procedure' 60 min, New Year's Eve (+2.5 min" in up
    assert "significantly shorter" not in up
    assert "significantly shorter with 'Today's procedure' 60 min, New Year's Eve (-2.5 min" in down
    assert "significantly longer with" not in down
    assert "does opkomsttijd, mean change significantly" in flat and "largest difference: 'Today's procedure'" in flat
    nl = " ".join(f["nl"] for f in findings(_with_effect(data, key, "noodknop_ack_mean_s", -30.0, -40.0, -20.0)))
    assert "'Huidige procedure' 35.0 ± 1.0 s (significant sneller dan zonder storing: -30.0 s" in nl
    nl = " ".join(f["nl"] for f in findings(_with_effect(data, key, "noodknop_ack_mean_s", 30.0, 20.0, 40.0)))
    assert "'Huidige procedure' 35.0 ± 1.0 s (significant trager dan zonder storing: +30.0 s" in nl


# --- the sentence builders for paired effects (sim/outputs/parts/effects.py), on fabricated numbers ---
UP = {"mean": 1.2, "ci95_low": 0.4, "ci95_high": 2.0, "n": 10}
DOWN = {"mean": -1.2, "ci95_low": -2.0, "ci95_high": -0.4, "n": 10}
STRADDLES = {"mean": 0.3, "ci95_low": -0.5, "ci95_high": 1.1, "n": 10}
ONE = {"mean": 0.3, "ci95_low": math.nan, "ci95_high": math.nan, "n": 1}
SUBJECT = ("eOCS-uitval", "eOCS outage")


@pytest.mark.parametrize(
    "d, significant, step", [(UP, True, 1), (DOWN, True, -1), (STRADDLES, False, 0), (ONE, False, 0), ({}, False, 0)]
)
def test_significance_is_the_ci_excluding_zero(d, significant, step):
    assert effects.significant(d) is significant
    assert effects.direction(d) == step


def test_tone_follows_the_kpi_direction():
    assert effects.tone("opkomsttijd_mean_min", UP) == "worse"
    assert effects.tone("opkomsttijd_mean_min", DOWN) == "better"
    assert effects.tone("processing_within_60s_share", UP) == "better"
    assert effects.tone("processing_within_60s_share", DOWN) == "worse"
    assert effects.tone("opkomsttijd_mean_min", STRADDLES) == ""


def test_signed_differences():
    assert effects.signed("opkomsttijd_mean_min", 1.26) == "+1.3 min"
    assert effects.signed("opkomsttijd_mean_min", -1.26, lang="en") == "-1.3 min"
    assert effects.signed("opkomsttijd_mean_min", -0.01) == "0.0 min"  # rounds to zero: no sign
    assert effects.signed("processing_within_60s_share", -0.042) == "-4.2 procentpunt"
    assert effects.signed("processing_within_60s_share", 0.042, lang="en") == "+4.2 percentage points"
    assert effects.signed("idle_unknown_unit_min", math.nan) == "–"
    assert effects.ci_text("opkomsttijd_mean_min", DOWN) == "[-2.0, -0.4]"
    assert effects.ci_text("opkomsttijd_mean_min", ONE) == ""


def cells(d: dict) -> list:
    return [("'Geen terugval' 360 min", "'No fallback' 360 min", d), ("'Huidig' 360 min", "'Today' 360 min", STRADDLES)]


def test_significant_cells_flips_with_the_sign():
    up = effects.significant_cells("opkomsttijd_mean_min", SUBJECT, cells(UP))
    down = effects.significant_cells("opkomsttijd_mean_min", SUBJECT, cells(DOWN))
    assert "significant langer bij 'Geen terugval' 360 min (+1.2 min, 95%-BI [+0.4, +2.0])" in up["nl"]
    assert "significantly longer with 'No fallback' 360 min (+1.2 min, 95 % CI [+0.4, +2.0])" in up["en"]
    assert "korter" not in up["nl"] and "shorter" not in up["en"]
    assert "significant korter bij 'Geen terugval' 360 min (-1.2 min" in down["nl"]
    assert "significantly shorter with 'No fallback' 360 min (-1.2 min" in down["en"]
    assert "langer" not in down["nl"] and "longer" not in down["en"]
    assert "in 1 van de 2 cellen sluit het 95%-BI 0 niet uit" in up["nl"]
    both = effects.significant_cells("opkomsttijd_mean_min", SUBJECT, [cells(UP)[0], ("b", "b", DOWN)])
    assert "in all 2 cells the 95 % CI excludes 0" in both["en"] and "significantly shorter with b" in both["en"]


def test_significant_cells_without_a_significant_one():
    found = effects.significant_cells("opkomsttijd_mean_min", SUBJECT, cells(STRADDLES))
    assert "in geen van de 2 cellen verandert opkomsttijd, gemiddeld significant" in found["nl"]
    assert "in none of the 2 cells does opkomsttijd, mean change significantly" in found["en"]
    assert effects.significant_cells("opkomsttijd_mean_min", SUBJECT, [("a", "a", {}), ("b", "b", ONE)]) is not None
    assert effects.significant_cells("opkomsttijd_mean_min", SUBJECT, [("a", "a", {})]) is None


def test_significant_cells_names_the_largest_first_and_counts_the_rest():
    many = [
        (f"cel {i}", f"cell {i}", {"mean": i, "ci95_low": i - 0.5, "ci95_high": i + 0.5, "n": 5}) for i in range(1, 8)
    ]
    found = effects.significant_cells("realarms", SUBJECT, many)
    assert found["en"].index("cell 7") < found["en"].index("cell 6")
    assert "cell 1 " not in found["en"] and "and 3 more" in found["en"] and "en 3 andere" in found["nl"]


def level(mean: float) -> dict:
    return {"mean": mean, "ci95_low": mean - 1, "ci95_high": mean + 1, "n": 10}


def test_level_effects_say_slower_or_faster_as_the_numbers_say():
    slower = effects.level_effects("noodknop_ack_mean_s", SUBJECT, [("Geen", "None", level(40.0), UP)])
    faster = effects.level_effects("noodknop_ack_mean_s", SUBJECT, [("Geen", "None", level(40.0), DOWN)])
    same = effects.level_effects("noodknop_ack_mean_s", SUBJECT, [("Geen", "None", level(40.0), STRADDLES)])
    untested = effects.level_effects("noodknop_ack_mean_s", SUBJECT, [("Geen", "None", level(40.0), ONE)])
    assert "'Geen' 40.0 ± 1.0 s (significant trager dan zonder storing: +1.2 s, 95%-BI [+0.4, +2.0])" in slower["nl"]
    assert "significantly slower than without an outage" in slower["en"]
    assert "significant sneller dan zonder storing: -1.2 s" in faster["nl"]
    assert "significantly faster than without an outage" in faster["en"]
    assert "niet significant anders dan zonder storing" in same["nl"]
    assert "not significantly different from the no-outage run" in same["en"]
    assert "niet te toetsen" in untested["nl"] and "n = 1, no CI" in untested["en"]


def test_level_effects_all_zero_and_nothing():
    zero = {"mean": 0.0, "ci95_low": 0.0, "ci95_high": 0.0, "n": 5}
    found = effects.level_effects(
        "lost_reinforcement_requests", SUBJECT, [("A", "A", zero, zero), ("B", "B", zero, zero)]
    )
    assert found["en"].endswith("0.0 with every procedure, as without an outage.")
    mixed = effects.level_effects(
        "lost_reinforcement_requests", SUBJECT, [("A", "A", zero, zero), ("B", "B", level(3), UP)]
    )
    assert "'A' 0.0 ± 0.0 (gelijk aan zonder storing: 0.0, 95%-BI [0.0, 0.0])" in mixed["nl"]
    assert "'B' 3.0 ± 1.0 (significantly more than without an outage: +1.2" in mixed["en"]
    assert effects.level_effects("idle_unknown_unit_min", SUBJECT, [("A", "A", {}, UP)]) is None
    assert effects.joined(None, None) is None
    assert effects.joined({"nl": "a.", "en": "b."}, None, {"nl": "c.", "en": "d."}) == {"nl": "a. c.", "en": "b. d."}


def test_the_method_has_the_response_time_validation_against_cbs(built):
    """Issue 15: per region, alarmering, uitruk, rij and response of priority-1 fires beside CBS 2019."""
    run, page = built
    assert "id='validatie'" in page and "83123NED" in page
    cells = re.findall(r"data-region='([^']+)' data-part='([a-z]+)' data-mean='([^']*)'", page)
    assert len(re.findall(r"data-part='volunteer'", page)) == 5  # first on scene by crew kind, per region
    assert {(r, p) for r, p, _ in cells} == {
        (r, p)
        for r in ("IJsselland", "Twente", "VNOG", "VGGM", "VGZ")
        for p in ("alarmering", "uitruk", "rij", "response")
    }
    light = json.loads((run / "cells" / "nacht__baseline" / "summary.json").read_text())  # the lighter load
    shown = {(r, p): m for r, p, m in cells}
    for region in ("IJsselland", "Twente", "VNOG", "VGGM", "VGZ"):
        mean = light[f"p1_fire_response_min[region={region}]"]["mean"]
        if mean is None or math.isnan(mean):
            assert shown[(region, "response")] in ("nan", "None")
        else:
            assert float(shown[(region, "response")]) == pytest.approx(mean)


# --- issue 16: the eOCS outage local (this room only) beside national, with a partner's takeover -----
SCOPE_TD = re.compile(
    r'<td class="num( better| worse)?" data-scope="([^"]+)" data-pair="(\w+)" data-kpi="([^"]+)" '
    r'data-diff="([^"]*)" data-significant="(true|false)">'
)


def test_local_twins_hit_this_room_only_and_national_cells_every_room(built):
    run, _ = built
    index = json.loads((run / "matrix.json").read_text())
    twins = [c for c in index["cells"] if c["kind"] == "scope"]
    assert {c["key"] for c in twins} == {
        f"{load}__eocs-local__{d}__overname" for load in ("nacht", "oud") for d in (20, 60)
    }
    for twin in twins:
        local = json.loads((run / "cells" / twin["key"] / "manifest.json").read_text())["scenario"]
        national_key = cell_key(twin["load"], "eocs", twin["duration_min"], "overname")
        national = json.loads((run / "cells" / national_key / "manifest.json").read_text())["scenario"]
        assert [o["rooms"] for o in local["outages"]] == [["main"]]
        assert [o.get("rooms") for o in national["outages"]] == [None]  # eOCS is national by default
        assert set(local["partners"]) == set(national["partners"]) == {"MKNN"}
    # the takeover procedure runs only for the targets it names; the others for every target
    assert not any(c["procedure"] == "overname" and c["target"] != "eocs" for c in index["cells"])


def test_local_or_national_table_shows_paired_differences_from_the_files(built):
    run, page = built
    assert "id='lokaal-landelijk'" in page and "Lokaal of landelijk" in html.unescape(page)
    shown = {(key, pair, kpi): (diff, sig) for _, key, pair, kpi, diff, sig in SCOPE_TD.findall(page)}
    scope_kpis = ["opkomsttijd_mean_min", "unit_minutes_unreachable", "calls_taken_over"]
    assert len(shown) == 4 * 3 * len(scope_kpis)

    def reps(key):
        return pq.read_table(run / "cells" / key / "replications.parquet").to_pydict()

    for load in ("nacht", "oud"):
        for d in (20, 60):
            local, national = reps(local_key(load, "eocs", d, "overname")), reps(cell_key(load, "eocs", d, "overname"))
            reference = reps(cell_key(load, "eocs", d, "huidig"))
            for kpi in scope_kpis:
                for pair, a, b in (
                    ("local_vs_national", local, national),
                    ("local_vs_reference", local, reference),
                    ("national_vs_reference", national, reference),
                ):
                    expected = paired_difference(a[kpi], b[kpi])
                    diff, sig = shown[local_key(load, "eocs", d, "overname"), pair, kpi]
                    assert json.loads(diff) == pytest.approx(expected["mean"], nan_ok=True), (load, d, pair, kpi)
                    assert sig == str(bool(expected["ci95_low"] > 0 or expected["ci95_high"] < 0)).lower()
    # the takeover takes calls: MKNN answers some of this room's calls in every cell with a takeover
    for load in ("nacht", "oud"):
        assert summary(run, cell_key(load, "eocs", 60, "overname"))["calls_taken_over"]["mean"] > 0


def test_findings_say_local_against_national_from_the_numbers(built):
    run, _ = built
    data = collect(run)
    found = [f for f in findings(data) if f["en"].startswith("Local or national")]
    assert len(found) == 1
    entry = next(e for e in data["scope"] if e["load"] == "oud" and e["duration_min"] == 60)
    local = data["cells"][entry["local"]]["summary"]["opkomsttijd_mean_min"]
    assert mean_pm("opkomsttijd_mean_min", local, "en") in found[0]["en"]
    assert "significant" in found[0]["nl"] and ("not significant" in found[0]["en"] or "significant" in found[0]["en"])
    changed = copy.deepcopy(data)
    changed["scope"][data["scope"].index(entry)]["national_vs_reference"]["opkomsttijd_mean_min"].update(
        mean=4.0, ci95_low=3.0, ci95_high=5.0
    )
    after = next(f for f in findings(changed) if f["en"].startswith("Local or national"))
    assert "Δ +4.0 min, 95 % CI [+3.0, +5.0]; significant)" in after["en"]


@pytest.mark.parametrize(
    "change, where, message",
    [
        (lambda d: d["procedures"]["overname"].update(targets=["radio"]), "procedures.overname.targets", "'radio'"),
        (lambda d: d["scope"].update(procedure="nowhere"), "scope.procedure", "'nowhere' is not one of"),
        (lambda d: d["scope"].update(target="p2000"), "scope.target", "'p2000' is not one of"),
        (lambda d: d["procedures"]["geen"].update(targets=["eocs"]), "procedures.geen.targets", "reference"),
        (lambda d: d["scope"].update(kpis=["nope"]), "scope.kpis", "unknown KPI"),
        (lambda d: d["scope"].update(rooms=["MKXX"]), "scope.rooms", "MKXX"),
    ],
)
def test_bad_scope_names_the_field(tmp_path, change, where, message):
    path = write(tmp_path, change)
    with pytest.raises(ScenarioError) as info:
        build_cells(load_matrix(path), path)
    lines = [str(p) for p in info.value.problems]
    assert any(f"{path}: {where}" in line and message in line for line in lines), lines
