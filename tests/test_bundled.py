"""Bundled scenarios, matrices and documents (sim.bundled), and scenario names on the command line.

After ``pip install meldsim`` there is no scenarios/ folder, so every command that takes a
scenario also takes a bundled scenario's name; these tests run from an empty directory so
nothing can be found through the source tree by accident.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sim import bundled, cli
from sim.cliargs import matrix_path, scenario_path
from sim.model.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_every_scenario_of_the_source_tree_is_bundled_by_name():
    on_disk = sorted(
        p.relative_to(ROOT / "scenarios").with_suffix("").as_posix()
        for p in (ROOT / "scenarios").rglob("*.yaml")
        if not {"matrix", "meldkamers"} & set(p.parts)  # report matrices and partner rooms (issue 16)
    )
    assert list(bundled.bundled_scenarios()) == on_disk
    assert "weekday" in on_disk and "nye_eocs_outage" in on_disk
    assert list(bundled.bundled_matrices()) == ["inspectie"]
    assert bundled.standard_matrix().read_text(encoding="utf-8").find("name: inspectie") >= 0


def test_bundled_overlays_resolve_their_base():
    """nye.yaml says ``base: weekday.yaml``: resolved next to the bundled file, wherever that is."""
    nye = load_scenario(bundled.scenario_resource("nye"))
    assert nye.name != load_scenario(bundled.scenario_resource("weekday")).name
    with pytest.raises(KeyError, match="bundled: gms_outage, nye"):
        bundled.scenario_resource("nye.yaml")


def test_the_report_documents_are_bundled():
    assert bundled.doc_text("assumptions.md").lstrip().startswith("#")
    assert "STRESS-DES" in bundled.doc_text("stress_des.md")


def test_bundled_files_must_be_plain_files(tmp_path):
    """Scenarios refer to each other by relative path; from inside a zip that cannot work, and says so."""
    archive = tmp_path / "sim.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("scenarios/weekday.yaml", "name: x\n")
    with pytest.raises(RuntimeError, match="inside an archive"):
        bundled._on_disk(zipfile.Path(archive, "scenarios/"))


def test_a_path_wins_over_a_bundled_name(tmp_path):
    Path("weekday").write_text("name: mine\n", encoding="utf-8")
    assert scenario_path("weekday") == Path("weekday")
    assert scenario_path("nye") == bundled.scenario_resource("nye")
    assert matrix_path(None) == matrix_path("inspectie") == bundled.standard_matrix()


def test_validate_takes_names_and_paths(capsys):
    names = list(bundled.bundled_scenarios())
    assert cli.main(["validate", *names, str(ROOT / "scenarios" / "weekday.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{name}: ok" for name in names] + [f"{ROOT / 'scenarios' / 'weekday.yaml'}: ok"]


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "weekday", "wekday"],
        ["run", "wekday"],
        ["compare", "weekday", "wekday"],
        ["sweep", "wekday", "--set", "procedure.revert_min=5,10"],
        ["sensitivity", "wekday", "--kpi", "unit_minutes_unreachable", "--param", "procedure.detection_min=1:20"],
        ["exercise", "wekday", "--out", "script"],
        ["report", "inspectei", "--out", "r.html"],
    ],
    ids=lambda c: c[0],
)
def test_an_unknown_name_lists_the_bundled_ones(capsys, command):
    assert cli.main(command) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    what = "matrix (bundled: inspectie)" if command[0] == "report" else "scenario (bundled: gms_outage, nye,"
    typo = "inspectei" if command[0] == "report" else "wekday"
    assert f"{typo}: (top level): file not found, and not the name of a bundled {what}" in err
    assert list(Path().iterdir()) == []  # nothing written


def test_run_a_bundled_scenario_by_name(capsys):
    assert cli.main(["run", "weekday_night", "-n", "1", "--jobs", "1", "--quiet", "--out", "run"]) == 0
    manifest = json.loads(Path("run/manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_file"] == str(bundled.scenario_resource("weekday_night"))
    assert manifest["replications"] == 1


def test_report_without_a_matrix_uses_the_standard_one(capsys):
    """The whole standard matrix is validated (and would run) when no MATRIX is given."""
    Path("taken").mkdir()
    assert cli.main(["report", "--out", "r.html", "--run-dir", "taken"]) == cli.EXIT_BAD_INPUT
    assert "--run-dir: taken already exists" in capsys.readouterr().err
