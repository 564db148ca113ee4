"""The dashboard in real headless Chromium (dash[testing]'s dash_duo, Debian's chromium and
chromium-driver; .ci/run installs them). Screenshots of every page go to test-artifacts/.

Without Chromium these tests skip, naming the packages to install, except on CI (``CI`` set),
where a missing browser is a broken setup and every test errors (tests/browser_gate.py).
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from dashboard_support import ROOT, make_world
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module", autouse=True)
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("dashboard-browser"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(dash_duo, results, scenarios, cache, path: str = "/"):
    app = create_app(results, scenarios, cache_dir=cache)
    dash_duo.start_server(app, port=free_port())
    if path != "/":
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
    return app


def css_id(component_id: dict) -> str:
    """A CSS selector for a pattern-matching id (Dash writes it as sorted-key JSON)."""
    text = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"[id='{text}']"


def pick(dash_duo, dropdown: str, values: list[str]) -> None:
    """Choose ``values`` in a Dash 4 dropdown, in that order."""
    dash_duo.find_element(f"#{dropdown}").click()
    for value in values:
        option = dash_duo.wait_for_element_by_css_selector(f'.dash-dropdown-content input[value="{value}"]', timeout=10)
        option.find_element(By.XPATH, "./ancestor::label").click()
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()


def screenshot(dash_duo, name: str, height: int = 1800) -> None:
    dash_duo.driver.set_window_size(1400, height)
    time.sleep(0.5)
    dash_duo.driver.save_screenshot(str(ARTIFACTS / f"dashboard-{name}.png"))


def wait_for_file(path: Path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and not (path.exists() and path.stat().st_size):
        time.sleep(0.2)
    time.sleep(0.3)  # let the browser finish writing
    assert path.exists(), f"{path.name} not downloaded; got {sorted(p.name for p in path.parent.iterdir())}"


def type_into(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.clear_input(element)
    element.send_keys(text)


def test_compare_two_runs(dash_duo, world, tmp_path):
    start(dash_duo, world.results, world.scenarios, tmp_path / "cache")
    dash_duo.wait_for_contains_text("#cmp-kpi-table", "Δ B − A", timeout=30)
    # choose the two runs by hand: first the reference, then the better fallback
    dash_duo.find_element("#cmp-runs .dash-dropdown-clear").click()
    dash_duo.wait_for_contains_text("#cmp-kpi-table", "Kies hierboven", timeout=10)
    pick(dash_duo, "cmp-runs", [world.baseline, world.better])
    dash_duo.wait_for_contains_text("#cmp-kpi-table", "Δ B − A", timeout=20)

    means = [e.text for e in dash_duo.find_elements("#cmp-kpi-table td.num .mean")]
    assert len(means) > 40 and sum(any(ch.isdigit() for ch in m) for m in means) > 40
    assert "Opkomsttijd, gemiddeld" in dash_duo.find_element("#cmp-kpi-table").text
    assert dash_duo.find_elements("#cmp-kpi-table .cell-norm-broken")  # 60 s processing: well below 90 %
    for card in ("timeseries", "ecdf-processing", "ecdf-opkomsttijd"):
        dash_duo.wait_for_element(f"#card-{card} .scatterlayer .trace", timeout=20)
    dash_duo.wait_for_element("#card-regions .barlayer .trace", timeout=20)
    assert len(dash_duo.find_elements("#card-timeseries .scatterlayer .trace")) >= 10
    assert dash_duo.find_elements("#card-timeseries .shapelayer path")  # outage and fallback windows
    # utilisation by clock hour: per run, bars for the centralists and for the CaCo, with whiskers
    dash_duo.wait_for_element("#card-hours .barlayer .trace", timeout=20)
    assert len(dash_duo.find_elements("#card-hours .barlayer .trace")) == 4
    assert len(dash_duo.find_elements("#card-hours .barlayer .trace .point")) == 4 * 3  # 22:50, 23:00, 00:00
    assert dash_duo.find_elements("#card-hours .errorbar")
    titles = [e.text for e in dash_duo.find_elements("#card-hours .annotation-text")]
    assert titles[:2] == ["Bezetting centralisten", "Bezetting CaCo"]
    screenshot(dash_duo, "compare", 4500)

    # the table as CSV (the figures' downloads are tried on the Timeline page)
    dash_duo.find_element(css_id({"type": "csv-button", "table": "kpis"})).click()
    wait_for_file(Path(dash_duo.download_path) / "meldsim-kpis.csv")
    assert (Path(dash_duo.download_path) / "meldsim-kpis.csv").read_text().startswith("kpi,unit,run,letter")

    # English, and the choice of runs survives the switch
    dash_duo.find_element("#lang-radio").find_element(By.XPATH, ".//label[contains(., 'EN')]").click()
    dash_duo.wait_for_text_to_equal(".page h2", "Compare", timeout=10)
    dash_duo.wait_for_contains_text("#cmp-kpi-table", "Opkomsttijd, mean", timeout=20)
    assert "Δ B − A" in dash_duo.find_element("#cmp-kpi-table").text
    dash_duo.wait_for_text_to_equal("#nav a.active", "Compare")
    dash_duo.find_element("#lang-radio").find_element(By.XPATH, ".//label[contains(., 'NL')]").click()
    dash_duo.wait_for_text_to_equal(".page h2", "Vergelijken", timeout=10)
    assert dash_duo.get_logs() == []


def test_start_a_run_and_see_it_listed(dash_duo, world, tmp_path):
    results = tmp_path / "results"
    start(dash_duo, results, world.scenarios, tmp_path / "cache", "/simuleren")
    dash_duo.wait_for_contains_text("#run-list", "Geen gegevens", timeout=10)
    pick(dash_duo, "run-scenarios", ["tiny.yaml"])
    type_into(dash_duo, "#run-replications", "2")
    type_into(dash_duo, "#run-jobs", "1")
    dash_duo.find_element("#run-start").click()
    dash_duo.wait_for_element("#run-result .msg-ok", timeout=90)
    assert "Klaar" in dash_duo.find_element("#run-result").text
    assert dash_duo.find_element("#run-progress-text").text == "2 van 2 replicaties"
    dash_duo.wait_for_contains_text("#run-list", "tiny/", timeout=10)
    assert dash_duo.find_element("#run-start").is_enabled() and not dash_duo.find_element("#run-cancel").is_enabled()
    (key,) = [p.relative_to(results).as_posix() for p in results.glob("tiny/*") if not p.name.startswith(".")]
    assert key in dash_duo.find_element("#run-list").text
    screenshot(dash_duo, "run")

    # a long run, cancelled: the buttons come back and nothing new is listed
    type_into(dash_duo, "#run-replications", "5000")
    dash_duo.find_element("#run-start").click()
    dash_duo.wait_for_contains_text("#run-progress-text", "van 5000 replicaties", timeout=30)
    dash_duo.find_element("#run-cancel").click()
    dash_duo.wait_for_contains_text("#run-result", "Geannuleerd", timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and not dash_duo.find_element("#run-start").is_enabled():
        time.sleep(0.2)
    assert dash_duo.find_element("#run-start").is_enabled()
    assert [p.name for p in results.glob("tiny/*") if not p.name.startswith(".")] == [key.rsplit("/", 1)[1]]
    assert dash_duo.get_logs() == []


def test_scenario_form_shows_the_field_error(dash_duo, world, tmp_path):
    start(dash_duo, world.results, world.scenarios, tmp_path / "cache", "/scenarios")
    dash_duo.wait_for_contains_text("#sc-list", "tiny.yaml", timeout=10)
    assert "ongeldig" in dash_duo.find_element("#sc-list").text  # zz_broken.yaml
    capacity = css_id({"type": "sc-capacity", "channel": "handhelds"})
    dash_duo.wait_for_element(capacity, timeout=10)
    type_into(dash_duo, "#sc-filename", "handhelds_negative")
    type_into(dash_duo, capacity, "-3")
    dash_duo.find_element("#sc-save").click()
    error = css_id({"type": "sc-capacity-error", "channel": "handhelds"})
    dash_duo.wait_for_contains_text(error, "greater than or equal to 0", timeout=10)
    assert "Niet opgeslagen" in dash_duo.find_element("#sc-result").text
    assert not (world.scenarios / "handhelds_negative.yaml").exists()
    pick(dash_duo, "sc-view", ["tiny.yaml"])
    dash_duo.wait_for_contains_text("#sc-details", "horizon.duration_min", timeout=10)
    screenshot(dash_duo, "scenarios", 2600)
    assert dash_duo.get_logs() == []


def test_timeline_of_one_replication(dash_duo, world, tmp_path):
    start(dash_duo, world.results, world.scenarios, tmp_path / "cache", f"/tijdlijn?run={world.better}&replication=1")
    dash_duo.wait_for_element("#card-gantt .barlayer .trace", timeout=20)
    assert "replicatie 1" in dash_duo.find_element("#card-gantt .gtitle").text
    assert len(dash_duo.find_elements("#card-gantt .barlayer .trace")) >= 5  # outage, steps, fallbacks, two rates
    # the unit board: GMS against the truth, with the outage and the roll call shaded
    dash_duo.wait_for_element("#card-board .scatterlayer .trace", timeout=20)
    legend = dash_duo.find_element("#card-board .legend").text
    for name in ("Eenheden bezet volgens GMS", "Eenheden bezet in werkelijkheid", "Vrije eenheden onbekend in GMS"):
        assert name in legend
    assert len(dash_duo.find_elements("#card-board .shapelayer path")) >= 6  # two windows in three panels
    # utilisation by clock hour of this replication: centralists and CaCo, no whiskers
    dash_duo.wait_for_element("#card-tl-hours .barlayer .trace", timeout=20)
    assert len(dash_duo.find_elements("#card-tl-hours .barlayer .trace")) == 2
    assert len(dash_duo.find_elements("#card-tl-hours .barlayer .trace .point")) == 2 * 3
    assert not dash_duo.find_elements("#card-tl-hours .errorbar")
    assert "Bezetting (%)" in dash_duo.find_element("#card-tl-hours .ytitle").text
    screenshot(dash_duo, "timeline", 2700)

    # a figure as HTML and as PNG (Chrome lets a page start one download without asking, so the
    # page is reloaded in between)
    download = Path(dash_duo.download_path)
    dash_duo.find_element(css_id({"type": "fig-html", "fig": "gantt"})).click()
    wait_for_file(download / "meldsim-gantt.html")
    assert "<html>" in (download / "meldsim-gantt.html").read_text()[:200]
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#card-gantt .barlayer .trace", timeout=20)
    dash_duo.find_element(css_id({"type": "fig-png", "fig": "gantt"})).click()
    wait_for_file(download / "meldsim-gantt.png")
    assert (download / "meldsim-gantt.png").read_bytes()[:4] == b"\x89PNG"
    assert dash_duo.get_logs() == []


def test_map_of_one_replication(dash_duo, world, tmp_path):
    start(dash_duo, world.results, world.scenarios, tmp_path / "cache", f"/tijdlijn?run={world.baseline}&replication=0")
    dash_duo.wait_for_element("#card-map .scatterlayer .trace .point", timeout=30)
    assert len(dash_duo.find_elements("#card-map .scatterlayer .trace .point")) > 150  # posts, incidents
    assert len(dash_duo.find_elements("#card-map .scatterlayer .trace path.js-fill")) == 5  # the region outlines
    legend = dash_duo.find_element("#card-map .legend").text
    for name in ("Regiogrenzen", "Binnen de norm", "Vrijwilligerspost", "Onbereikbaar:"):
        assert name in legend
    notes = " ".join(e.text for e in dash_duo.find_elements("#card-map .annotation-text"))
    assert "Posten bij benadering" in notes and "CBS/PDOK" in notes and "Twente" in notes
    title = dash_duo.find_element("#card-map .gtitle").text
    assert "replicatie 0" in title and "eenheden onbereikbaar" in title
    # the slider (keyboard: Home goes to the first minute) moves the rings and says so in the title
    handle = dash_duo.find_element("#map-minute [role='slider']")
    handle.send_keys(Keys.HOME)
    dash_duo.wait_for_contains_text("#card-map .gtitle", "23:00:", timeout=10)
    dash_duo.driver.execute_script("document.getElementById('card-map').scrollIntoView()")
    screenshot(dash_duo, "map", 1800)
    dash_duo.find_element("#card-map").screenshot(str(ARTIFACTS / "dashboard-map-card.png"))
    assert dash_duo.get_logs() == []


def test_rooms_side_by_side(dash_duo, world, tmp_path):
    """A night of two rooms (issue 16): MKNN beside MKBM on the Timeline page, on one time axis, and
    the rooms as columns on the Compare page."""
    start(dash_duo, world.results, world.scenarios, tmp_path / "cache", f"/tijdlijn?run={world.rooms}&replication=0")
    dash_duo.wait_for_element("#card-gantt .barlayer .trace", timeout=20)
    dash_duo.wait_for_element("#tl-rooms-field .dash-dropdown", timeout=10)
    assert dash_duo.find_element("#tl-rooms-field").is_displayed()
    pick(dash_duo, "tl-rooms", ["MKNN"])
    dash_duo.wait_for_contains_text("#card-gantt .gtitle", "MKBM + MKNN", timeout=20)
    ticks = " ".join(e.text for e in dash_duo.find_elements("#card-gantt .ytick, #card-gantt .y2tick"))
    assert "112 overgenomen door MKNN" in ticks and "Neemt 112 over van MKBM" in ticks
    panels = [e.text for e in dash_duo.find_elements("#card-gantt .annotation-text")]
    assert panels[:2] == ["MKBM", "MKNN"]
    # the load minute by minute: one colour per room, the takeover as a band
    dash_duo.wait_for_contains_text("#card-tl-load .gtitle", "MKBM + MKNN", timeout=20)
    legend = dash_duo.find_element("#card-tl-load .legend").text
    assert "MKBM" in legend and "MKNN" in legend and "112 overgenomen door MKNN" in legend
    dash_duo.wait_for_contains_text("#card-board .gtitle", "MKBM + MKNN", timeout=20)
    titles = " ".join(e.text for e in dash_duo.find_elements("#card-board .annotation-text"))
    assert "MKBM: Eenheden bezet" in titles and "MKNN: Eenheden bezet" in titles
    # the map stays MKBM's, and says so
    dash_duo.wait_for_contains_text("#map-note", "De kaart toont MKBM", timeout=20)
    assert "MKBM" in dash_duo.find_element("#card-map .gtitle").text
    screenshot(dash_duo, "timeline-rooms", 5200)

    # Compare: the rooms side by side, and the table for one room
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/?runs={world.baseline},{world.rooms}")
    dash_duo.wait_for_contains_text("#cmp-rooms-table", "MKNN", timeout=30)
    head = [e.text for e in dash_duo.find_elements("#cmp-rooms-table th")]
    assert head == ["Kerncijfer", "Eenheid", "MKBM", "MKNN", "Alle meldkamers"]
    assert len(dash_duo.find_elements("#cmp-rooms-table tbody tr")) >= 8
    assert dash_duo.find_element("#cmp-room-field").is_displayed()
    pick(dash_duo, "cmp-room", ["MKNN"])
    dash_duo.wait_for_contains_text("#cmp-kpi-table", "112-meldingen (meldkamer MKNN)", timeout=20)
    assert "Δ B − A" in dash_duo.find_element("#cmp-kpi-table").text
    dash_duo.driver.execute_script("document.getElementById('cmp-rooms-card').scrollIntoView()")
    screenshot(dash_duo, "compare-rooms", 1800)
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    screenshot(dash_duo, "compare-rooms-top", 2400)
    assert dash_duo.get_logs() == []
