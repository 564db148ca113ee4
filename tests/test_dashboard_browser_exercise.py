"""The Exercise page in real headless Chromium (issue 17): make a script, download its CSV and
printable HTML (the files as written on the server), upload the CSV filled in by the trainer,
and see what the team's timings cost. Screenshots go to test-artifacts/.

Without Chromium this skips, naming the packages to install, except on CI (tests/browser_gate.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_dashboard_browser import ARTIFACTS, css_id, pick, screenshot, start, type_into
from test_dashboard_exercise import SCRIPT, _later

from sim.experiments.debrief import fill_csv

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)


def test_make_download_and_debrief_an_exercise(dash_duo, tmp_path):
    scenarios, results = tmp_path / "scenarios", tmp_path / "results"
    scenarios.mkdir()
    (scenarios / "tiny.yaml").write_text(SCRIPT, encoding="utf-8")
    start(dash_duo, results, scenarios, tmp_path / "cache", "/oefening")
    dash_duo.wait_for_text_to_equal(".page h2", "Oefening voorbereiden en nabespreken", timeout=30)
    assert "Maak eerst hierboven een script" in dash_duo.find_element("#ex-db-form").text

    # make the script: the median of three replications
    pick(dash_duo, "ex-scenario", ["tiny.yaml"])
    type_into(dash_duo, "#ex-replications", "3")
    dash_duo.find_element("#ex-generate").click()
    dash_duo.wait_for_element("#ex-result .msg-ok", timeout=90)
    assert dash_duo.find_element("#ex-progress-text").text == "3 van 3 replicaties"
    (made,) = [p for p in (results / "exercises" / "tiny").iterdir() if not p.name.startswith(".")]
    dash_duo.wait_for_contains_text("#ex-injects", "eOCS", timeout=60)
    facts = dash_duo.find_element("#ex-facts").text
    assert "tiny.yaml · seed 1 · replicatie" in facts and "(de mediane van 3)" in facts
    assert dash_duo.find_elements("#ex-injects tr.cat-outage") and dash_duo.find_elements(
        "#ex-injects tr.cat-procedure"
    )
    dash_duo.wait_for_element(f"{css_id({'type': 'fig', 'fig': 'exercise-timeline'})} .scatterlayer .trace", timeout=60)
    # the form is prefilled with the script's times
    noticed = css_id({"type": "ex-actual", "event": "detected"})
    dash_duo.wait_for_element(noticed, timeout=30)
    planned = dash_duo.find_element(noticed).get_attribute("value")
    assert planned in dash_duo.find_element("#ex-db-form").text  # "script: HH:MM" beside it
    screenshot(dash_duo, "exercise", 2600)

    # both downloads are the files as written (Chrome lets a page start one download without
    # asking, so the page is reloaded in between; the script comes back from the session)
    download = Path(dash_duo.download_path)
    dash_duo.find_element("#ex-csv").click()
    (csv_file,) = _downloaded(download, ".csv")
    assert csv_file.read_bytes() == (made / "exercise.csv").read_bytes()
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#ex-injects", "eOCS", timeout=60)
    dash_duo.find_element("#ex-html").click()
    (html_file,) = _downloaded(download, ".html")
    assert html_file.read_bytes() == (made / "exercise.html").read_bytes()

    # a filled CSV with a mistake: every problem by row, step and field, nothing run
    text = csv_file.read_text(encoding="utf-8")
    bad = fill_csv(text, {"detected": "25:99"})
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    upload = dash_duo.find_element("#ex-db-upload input[type=file]")
    upload.send_keys(str(tmp_path / "bad.csv"))
    dash_duo.wait_for_contains_text("#ex-db-uploaded .msg-error", "'25:99' is not a clock time", timeout=40)
    assert "Storing opgemerkt" in dash_duo.find_element("#ex-db-uploaded").text
    assert not (results / "debriefs").exists()

    # the trainer's file: noticed six minutes late (so every later step too), the last fallback never running
    inputs = dash_duo.find_elements("#ex-db-form input[id*='ex-actual']")
    times = {json.loads(e.get_attribute("id"))["event"]: e.get_attribute("value") for e in inputs}
    assert len(times) >= 3 and times["detected"] == planned
    late = {event: _later(clock, 6) for event, clock in times.items()}
    filled = fill_csv(text, late | {list(times)[-1]: "never"})
    (tmp_path / "filled.csv").write_text(filled, encoding="utf-8")
    dash_duo.driver.refresh()  # a fresh file input
    dash_duo.wait_for_contains_text("#ex-injects", "eOCS", timeout=60)  # the script is back from the session
    dash_duo.wait_for_element("#ex-db-upload input[type=file]", timeout=60).send_keys(str(tmp_path / "filled.csv"))
    dash_duo.wait_for_element("#ex-db-uploaded .msg", timeout=40)
    said = dash_duo.find_element("#ex-db-uploaded").text
    assert dash_duo.find_elements("#ex-db-uploaded .msg-ok") and f"({len(times)} anders dan het script)" in said, said
    assert dash_duo.find_element("#ex-db-source input[value='upload']").is_selected()
    type_into(dash_duo, "#ex-db-replications", "3")
    dash_duo.find_element("#ex-db-run").click()
    dash_duo.wait_for_element("#ex-db-costliest", timeout=120)
    assert dash_duo.find_element("#ex-db-costliest").text.startswith("Kostte het meest: Storing opgemerkt")
    assert len(dash_duo.find_elements("#ex-db-kpis tbody tr")) == 5
    assert dash_duo.find_elements("#ex-db-steps tr.row-costliest")
    assert "nooit" in dash_duo.find_element("#ex-db-view").text
    (debrief,) = [p for p in (results / "debriefs" / "tiny").iterdir() if not p.name.startswith(".")]
    assert (debrief / "exercise.csv").read_text(encoding="utf-8") == filled
    dash_duo.driver.execute_script("document.getElementById('ex-db-source').scrollIntoView()")
    screenshot(dash_duo, "exercise-debrief", 2600)
    assert dash_duo.get_logs() == []


def _downloaded(folder: Path, suffix: str) -> list[Path]:
    """The exercise file(s) with ``suffix`` once the browser has finished writing them."""
    deadline = time.time() + 30
    while time.time() < deadline:
        found = [p for p in folder.glob(f"exercise-tiny-seed1-rep*{suffix}") if p.stat().st_size]
        if found and not list(folder.glob("*.crdownload")):
            time.sleep(0.3)
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded; got {sorted(p.name for p in folder.iterdir())}")
