"""The research-question report (issue 6): built from a tiny matrix, every section present,
numbers equal to the result files, no network needed to open it, findings made from the numbers."""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from sim.bundled import bundled_matrices, standard_matrix
from sim.experiments.api import Options
from sim.model.loading import ScenarioError
from sim.outputs.parts.html import mean_pm
from sim.outputs.report import (
    add_report_command,
    build_cells,
    build_report,
    cell_key,
    collect,
    findings,
    load_matrix,
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
    # 2 loads x 1 target x 2 durations x 2 procedures + 2 baselines + 2 parameters x 2 levels
    assert len(keys) == 14 and len(set(keys)) == 14
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
    assert kinds.count("cell") == (
        len(matrix.loads) * len(matrix.targets) * len(matrix.durations_min) * len(matrix.procedures)
    )
    assert set(matrix.loads) == {"normale_nacht", "oudejaarsnacht"}
    assert kinds.count("sensitivity") == 2 * len(matrix.sensitivity.parameters)


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(TINY.read_text())
    for load in data["loads"].values():
        load["base"] = str((TINY.parent / load["base"]).resolve())
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
