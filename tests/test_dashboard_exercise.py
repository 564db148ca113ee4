"""The dashboard's Exercise page without a browser (issue 17): scenarios to choose from, making a
script exactly as ``meldsim exercise`` writes it, the preview and downloads, and the debrief from
the form or an upload (problems by row and field, nothing run) through ``meldsim debrief``'s code."""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from dash import no_update
from dashboard_support import SCENARIOS, TINY, component_ids, texts

from dashboard import debriefs, exercises, ids
from dashboard.components import Config
from dashboard.pages import exercise as page
from dashboard.pages import exercise_debrief as db
from sim import cli
from sim.experiments.debrief import fill_csv
from sim.model.loading import ScenarioError
from sim.outputs.exercise import EXERCISE_JSON

SEED = 2
#: the dashboard tests' two-hour eOCS night, on the bundled base, so the folder needs no other file
SCRIPT = TINY.replace("base: nye_eocs_outage.yaml", "base: nye_eocs_outage")


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    base = tmp_path_factory.mktemp("exercise-page")
    scenarios = base / "scenarios"
    scenarios.mkdir()
    (scenarios / "tiny.yaml").write_text(SCRIPT, encoding="utf-8")
    (scenarios / "weekday.yaml").write_text((SCENARIOS / "weekday.yaml").read_text(), encoding="utf-8")
    (scenarios / "broken.yaml").write_text("name: broken\nhorizon: {duration_min: -5}\n", encoding="utf-8")
    return Config(base / "results", scenarios)


@pytest.fixture(scope="module")
def made(cfg):
    """A script made on the page: (result message, store data)."""
    result, info = page.generate_view(cfg, None, "tiny.yaml", SEED, "worst", "unit_minutes_unreachable", 0, 4, "nl")
    assert info is not no_update, texts(result)
    return result, info


def upload(name: str, data: bytes) -> str:
    return f"data:application/octet-stream;base64,{base64.b64encode(data).decode()}"


# --- choosing a scenario -------------------------------------------------------------------------
def test_scenario_choices_are_the_folder_then_the_bundled_ones(cfg):
    choices = {c["value"]: c for c in exercises.scenario_choices(cfg.scenarios_dir)}
    assert choices["tiny.yaml"]["valid"] and not choices["tiny.yaml"]["bundled"]
    assert not choices["broken.yaml"]["valid"] and choices["broken.yaml"]["problems"]
    assert choices["nye"]["bundled"] and "weekday" not in choices  # the folder's weekday.yaml shadows it
    options = page.scenario_options_view(cfg, "en")
    assert {"label": "nye (bundled)", "value": "nye", "disabled": False} in options
    assert next(o for o in options if o["value"] == "broken.yaml")["disabled"]
    assert exercises.scenario_source(cfg.scenarios_dir, "nye").name == "nye.yaml"
    assert exercises.scenario_source(cfg.scenarios_dir, "tiny.yaml") == (cfg.scenarios_dir / "tiny.yaml").resolve()
    for bad in ("../tiny.yaml", "/etc/passwd", "nope", "", "tiny.yaml\0"):
        with pytest.raises(ScenarioError):
            exercises.scenario_source(cfg.scenarios_dir, bad)


def test_pick_controls_follow_the_choice():
    assert page.pick_controls_view("median") == (True, False, False)
    assert page.pick_controls_view("replication") == (False, True, True)
    assert exercises.pick_of("worst", None) == "worst" and exercises.pick_of("replication", 7) == 7
    with pytest.raises(ValueError):
        exercises.pick_of("best", None)


# --- making the script -------------------------------------------------------------------------------
def test_the_page_writes_the_same_bytes_as_meldsim_exercise(cfg, made, tmp_path, monkeypatch):
    _, info = made
    directory = exercises.exercise_dir(cfg.results_root, info["key"])
    monkeypatch.chdir(cfg.scenarios_dir)  # the command is given the same name the page shows: tiny.yaml
    argv = ["exercise", "tiny.yaml", "--seed", str(SEED), "--pick", "worst", "--kpi", "unit_minutes_unreachable"]
    assert cli.main([*argv, "-n", "4", "-j", "1", "--out", str(tmp_path / "cli")]) == 0
    for name in ("exercise.csv", "exercise.html", EXERCISE_JSON):
        assert (directory / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # and what the download buttons send is those files, byte for byte
    for suffix in ("csv", "html"):
        sent = page.download_view(cfg, info, suffix)
        assert base64.b64decode(sent["content"]) == (directory / f"exercise.{suffix}").read_bytes()
        assert sent["filename"] == f"exercise-tiny-seed{SEED}-rep{info['replication']}.{suffix}"


def test_the_store_holds_what_the_preview_needs(made):
    result, info = made
    assert "Klaar: replicatie" in " ".join(texts(result))
    assert info["key"].startswith("exercises/tiny/") and info["scenario"] == "tiny.yaml"
    assert (info["seed"], info["pick"], info["kpi"], info["replications"]) == (
        SEED,
        "worst",
        "unit_minutes_unreachable",
        4,
    )
    assert {"outage", "procedure", "incident"} <= {i["category"] for i in info["injects"]}
    assert [s["event"] for s in info["steps"]][:2] == ["detected", "decided"]
    assert all(":" in s["time"] for s in info["steps"])
    for lang in ("nl", "en"):
        assert info["figures"][lang]["data"] and json.dumps(info["figures"][lang])  # plain JSON
    assert info["figures"]["en"]["layout"]["yaxis"]["title"]["text"] == "count"


def test_preview_shows_the_injects_and_can_hide_routine_incidents(cfg, made):
    _, info = made
    style, facts, figure, table = page.preview_view(cfg, info, ["on"], "en")
    assert style == {} and figure["data"]
    words = " ".join(texts(facts))
    assert "tiny.yaml · seed 2" in words and "a hard one (90th percentile, bad side) of 4" in words
    assert "Unit-minutes unreachable" in words
    incidents = sum(i["category"] == "incident" for i in info["injects"])
    html_table = _markdown(table)
    assert (
        html_table.count("<tr ") == len(info["injects"]) and html_table.count('<tr class="cat-incident">') == incidents
    )
    assert "<th>What happens</th>" in html_table and "eOCS (radio console system)" in html_table
    _, _, _, short = page.preview_view(cfg, info, [], "nl")
    assert f"{incidents} gewone incidenten verborgen" in texts(short)
    assert 'cat-incident"' not in _markdown(short) and "<th>Gebeurtenis</th>" in _markdown(short)
    assert page.preview_view(cfg, None, ["on"], "nl")[0] == {"display": "none"}


def test_a_preview_whose_files_are_gone_says_so_and_downloads_nothing(cfg, made):
    _, info = made
    gone = {**info, "key": "exercises/tiny/19990101-000000-abcdef"}
    style, facts, _, table = page.preview_view(cfg, gone, ["on"], "en")
    assert style == {} and "are gone" in " ".join(texts(facts)) and table is None
    for key in (gone["key"], "../scenarios", "exercises/../../etc", "/etc", "exercises"):
        assert page.download_view(cfg, {**info, "key": key}, "csv") is None
        with pytest.raises(exercises.ExerciseError):
            exercises.exercise_dir(cfg.results_root, key)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((None, 1, "median", "processing_time_mean_s", 0, 5), "Kies eerst een scenario"),
        (("tiny.yaml", -1, "median", "processing_time_mean_s", 0, 5), "Seed: geef een geheel getal van 0"),
        (("tiny.yaml", 1, "median", "processing_time_mean_s", 0, 0), "Replicaties om uit te kiezen: geef"),
        (("tiny.yaml", 1, "median", "calls", 0, 5), "Kies een kerncijfer"),  # no better side
        (("tiny.yaml", 1, "replication", "processing_time_mean_s", "x", 5), "Replicatienummer: geef"),
        (("broken.yaml", 1, "median", "processing_time_mean_s", 0, 5), "broken.yaml: horizon.duration_min"),
        (("../tiny.yaml", 1, "median", "processing_time_mean_s", 0, 5), "no such scenario file"),
    ],
)
def test_bad_choices_are_refused_and_write_nothing(tmp_path, cfg, args, expected):
    mine = Config(tmp_path / "results", cfg.scenarios_dir)
    result, info = page.generate_view(mine, None, *args, "nl")
    assert info is no_update
    assert expected in " ".join(texts(result))
    assert not (tmp_path / "results" / exercises.FOLDER).exists()


def test_a_given_replication_is_made_without_choosing(cfg, tmp_path):
    mine = Config(tmp_path / "results", cfg.scenarios_dir)
    progress = []
    result, info = page.generate_view(
        mine, progress.append, "tiny.yaml", SEED, "replication", "processing_time_mean_s", 3, None, "en"
    )
    assert info["replication"] == 3 and info["replications"] == 0 and progress == []
    assert "as asked" in " ".join(texts(page.facts_view(info, "en")))


def test_the_page_in_both_languages(cfg):
    for lang, title in (("nl", "Oefening voorbereiden en nabespreken"), ("en", "Prepare and debrief an exercise")):
        layout = page.build_layout(cfg, lang)
        words = texts(layout)
        assert title in words
        assert not [w for w in words if w.startswith(("ex.", "db."))], "a text key without a text"
        found = [json.dumps(i, sort_keys=True) if isinstance(i, dict) else i for i in component_ids(layout)]
        assert len(found) == len(set(found))
        assert {ids.EX_GENERATE, ids.EX_CSV, ids.EX_HTML, ids.EX_DB_UPLOAD, ids.EX_DB_RUN} <= set(found)


# --- the debrief ----------------------------------------------------------------------------------
def test_the_form_lists_each_step_with_the_scripts_time(made):
    _, info = made
    form = db.form_view(info, "en")
    inputs = {json.dumps(i, sort_keys=True) for i in component_ids(form)}
    for step in info["steps"]:
        assert json.dumps(db.actual_id(step["event"]), sort_keys=True) in inputs
        assert f"script: {step['time']}" in texts(form)
    assert json.dumps(db.count_id("statuses_lost"), sort_keys=True) in inputs
    assert "First make a script" in " ".join(texts(db.form_view(None, "en")))


def test_uploads_need_one_csv_and_an_exercise(cfg, made):
    _, info = made
    directory = exercises.exercise_dir(cfg.results_root, info["key"])
    text = (directory / "exercise.csv").read_bytes()
    identity = (directory / EXERCISE_JSON).read_bytes()
    both = debriefs.from_upload([upload("a", text), upload("b", identity)], ["exercise.csv", "exercise.json"], None)
    assert both.csv_text == text.decode() and both.exercise["seed"] == SEED
    # Excel writes a BOM; without the JSON the page's exercise is used
    page_json = json.loads(identity)
    alone = debriefs.from_upload(upload("a", b"\xef\xbb\xbf" + text), "filled.csv", page_json)
    assert alone.csv_text == text.decode() and alone.exercise is page_json
    cases = [
        (([upload("a", text)], ["filled.csv"], None), "exercise.json: missing"),
        (([upload("a", text), upload("b", text)], ["a.csv", "b.csv"], page_json), "2 CSV files"),
        (([upload("a", b"\xff\xfe")], ["x.csv"], page_json), "x.csv: not UTF-8"),
        (([upload("a", text)], ["x.xlsx"], page_json), "x.xlsx: not a .csv"),
        ((["data:text/csv;base64,@@@"], ["x.csv"], page_json), "could not be read"),
        (([upload("a", text), upload("b", b"{")], ["x.csv", "e.json"], None), "e.json: not JSON"),
    ]
    for (contents, names, exercise), expected in cases:
        with pytest.raises(ScenarioError) as caught:
            debriefs.from_upload(contents, names, exercise)
        assert expected in " ".join(f"{p.file}: {p.message}" for p in caught.value.problems), expected


def test_a_bad_upload_names_row_step_and_field(cfg, made):
    _, info = made
    text = (exercises.exercise_dir(cfg.results_root, info["key"]) / "exercise.csv").read_text(encoding="utf-8")
    planned = {s["event"]: s["time"] for s in info["steps"]}
    filled = fill_csv(text, planned | {"detected": "23:59", "decided": "25:99", "statuses_lost": "many"})
    shown, source = db.upload_view(cfg, upload("a", filled.encode()), "filled.csv", info, "en")
    assert source == "upload"
    words = texts(shown)
    assert "Not debriefed: 2 problem(s), nothing was run." in words
    rows = debriefs.events_by_row(filled)
    decided_row = next(str(line) for line, event in rows.items() if event == "decided")
    assert decided_row in words and "Fallback declared (CaCo)" in words and "actual" in words
    assert any("'25:99' is not a clock time" in w for w in words)
    assert any("'many' is not a count" in w for w in words)
    # a good one says how many steps differ from the script
    last = info["steps"][-1]
    good = fill_csv(text, planned | {last["event"]: _later(last["time"], 5)})
    shown, _ = db.upload_view(cfg, upload("a", good.encode()), "filled.csv", info, "en")
    assert f"{len(info['steps'])} steps filled in (1 different from the script)" in " ".join(texts(shown))


def test_a_bad_form_runs_nothing(cfg, made, tmp_path):
    _, info = made
    times = {s["event"]: s["time"] for s in info["steps"]} | {"decided": "half past"}
    messages, stored = db.run_view(cfg, None, "form", info, None, None, times, {}, 3, "nl")
    assert stored is no_update
    words = texts(messages)
    assert "Terugval afgekondigd (CaCo)" in words and any("'half past' is not a clock time" in w for w in words)
    assert not (cfg.results_root / debriefs.FOLDER).exists()
    for source, kwargs, expected in (
        ("upload", {}, "Upload eerst"),
        ("form", {"info": None}, "Maak eerst hierboven een script"),
        ("form", {"n": 1}, "Replicaties per arm: geef een geheel getal van 2"),
    ):
        args = {"info": info, "n": 3} | kwargs
        messages, stored = db.run_view(cfg, None, source, args["info"], None, None, times, {}, args["n"], "nl")
        assert stored is no_update and expected in " ".join(texts(messages))


def test_the_form_debriefs_as_meldsim_debrief_does(cfg, made, tmp_path):
    _, info = made
    times = {s["event"]: _later(s["time"], 6) for s in info["steps"]}  # noticed six minutes late, so all after
    times[info["steps"][-1]["event"]] = "never"
    progress = []
    messages, stored = db.run_view(cfg, progress.append, "form", info, None, None, times, {"statuses_lost": 2}, 3, "en")
    assert messages is None, texts(messages)
    assert progress and progress[-1][0] == progress[-1][1]
    result = stored["result"]
    assert stored["key"].startswith("debriefs/tiny/") and result["replications"] == 3
    # the command line on the same filled CSV (written beside the exercise.json) gives the same numbers
    directory = exercises.exercise_dir(cfg.results_root, info["key"])
    shutil.copy(directory / EXERCISE_JSON, tmp_path / EXERCISE_JSON)
    filled = fill_csv((directory / "exercise.csv").read_text(encoding="utf-8"), {**times, "statuses_lost": 2})
    (tmp_path / "exercise.csv").write_text(filled, encoding="utf-8")
    assert cli.main(["debrief", str(tmp_path / "exercise.csv"), "-n", "3", "-j", "1"]) == 0
    expected = json.loads((tmp_path / "debrief.json").read_text(encoding="utf-8"))
    ignore = ("source", "wall_time_s")
    assert {k: v for k, v in result.items() if k not in ignore} == {
        k: v for k, v in expected.items() if k not in ignore
    }
    written = cfg.results_root / stored["key"]
    assert (written / "exercise.csv").read_text(encoding="utf-8") == filled
    assert json.loads((written / "debrief.json").read_text(encoding="utf-8")) == result
    # the result card: the costliest step marked, differences coloured, downloads as written
    style, view = db.result_view(stored, "en")
    assert style == {}
    words = " ".join(texts(view))
    costliest = result["costliest"]
    assert costliest == "detected" and "Cost most: Outage noticed" in words and "costliest step" in words
    assert "never" in words and "Statuses: 2 missed" in words
    sent = db.download_view(cfg, stored, "debrief.html")
    assert base64.b64decode(sent["content"]) == (written / "debrief.html").read_bytes()
    assert sent["filename"] == f"debrief-tiny-seed{SEED}-rep{info['replication']}.html"
    assert db.download_view(cfg, {**stored, "key": "../results"}, "debrief.html") is None
    assert db.download_view(cfg, stored, "exercise.csv") is None


def test_a_form_left_as_the_script_costs_exactly_nothing(cfg, made):
    _, info = made
    times = {s["event"]: s["time"] for s in info["steps"]}
    messages, stored = db.run_view(cfg, None, "form", info, None, None, times, {}, 2, "nl")
    assert messages is None
    result = stored["result"]
    assert all(k["difference"]["mean"] == 0 for k in result["kpis"]) and result["costliest"] is None
    _, view = db.result_view(stored, "nl")
    assert "Geen stap kostte iets" in " ".join(texts(view))
    assert db.result_view(None, "nl") == ({"display": "none"}, None)


def test_difference_cells_are_coloured_as_on_the_compare_page():
    worse = db._diff_cell("opkomsttijd_mean_min", {"mean": 1.0, "ci95_low": 0.5, "ci95_high": 1.5}, "nl")
    better = db._diff_cell("opkomsttijd_mean_min", {"mean": -1.0, "ci95_low": -1.5, "ci95_high": -0.5}, "nl")
    unclear = db._diff_cell("opkomsttijd_mean_min", {"mean": 1.0, "ci95_low": -0.5, "ci95_high": 2.5}, "nl")
    assert "cell-sig-worse" in worse.className and "cell-sig-better" in better.className
    assert unclear.className == "num"
    assert texts(worse)[:2] == ["+1,00 min", "[0,50 ; 1,50]"]
    assert texts(db._diff_cell("opkomsttijd_mean_min", None, "en", ran=False)) == ["0 (as planned)"]


def _markdown(component) -> str:
    """The HTML of the one Markdown component in a tree."""
    (found,) = [c for c in _tree(component) if type(c).__name__ == "Markdown"]
    return found.children


def _tree(node):
    yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if not isinstance(child, str):
            yield from _tree(child)


def test_the_inject_table_escapes_what_it_shows():
    inject = {
        "time": "23:00",
        "minute": "15.0",
        "category": '"><script>',
        **{
            f"{k}_{lang}": "<img src=x onerror=alert(1)>" for k in ("what", "action", "detail") for lang in ("nl", "en")
        },
    }
    text = _markdown(page.injects_table([inject], True, "en"))
    assert "<script>" not in text and "<img" not in text and "&lt;img src=x" in text


def _later(clock: str, minutes: int) -> str:
    h, m = (int(x) for x in clock.split(":"))
    total = (h * 60 + m + minutes) % 1440
    return f"{total // 60:02d}:{total % 60:02d}"


def test_background_jobs_and_their_nonce(cfg, tmp_path):
    from dashboard.app import create_app

    app = create_app(cfg.results_root, cfg.scenarios_dir, cache_dir=tmp_path / "cache")
    jobs = [v for v in app.callback_map.values() if v.get("background")]
    keys = [k for k, v in app.callback_map.items() if v.get("background")]
    assert any("ex-result.children" in k for k in keys) and any("ex-db-messages.children" in k for k in keys)
    for job in jobs:
        assert job["background"]["cancel_inputs"] and len(job["background"]["progress"]) == 3
    page_ids = [s["id"] for job in jobs for s in job["state"]]
    assert page_ids.count(ids.EX_NONCE) == 2
    with app.server.test_request_context():
        assert "Oefening voorbereiden en nabespreken" in texts(page.layout("nl"))
