"""Debriefs from the dashboard: the filled exercise CSV (uploaded, or the page's form written into
the generated exercise's own CSV), the ``exercise.json`` it belongs to, and
:func:`sim.experiments.api.debrief_exercise`, as ``meldsim debrief`` runs them.

A debrief is written like a run: ``results_root/debriefs/<scenario>/<stamp>-<random>`` with
``debrief.json``, ``debrief.html`` and the filled ``exercise.csv`` it was made from, through a
staging directory renamed when complete. Uploads come from browsers: their size is limited,
their names are only shown, and every problem is returned at once before anything runs.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sim.experiments import api
from sim.experiments.results import publish_dir, staged
from sim.model.loading import Problem, ScenarioError
from sim.outputs.debrief import DEBRIEF_HTML, DEBRIEF_JSON, MAX_CSV_BYTES, render_debrief_html
from sim.outputs.exercise import EXERCISE_JSON

from . import exercises, jobs

FOLDER = "debriefs"
MAX_REPLICATIONS = 2000  # per arm; a debrief runs two arms and one more per step the team did differently
MAX_JSON_BYTES = 5_000_000  # exercise.json holds the scenario as data: tens of kB


class Filled(NamedTuple):
    """A filled exercise CSV and the exercise it belongs to, ready for the debrief."""

    csv_text: str
    csv_name: str
    exercise: dict | None
    json_name: str


# --- where the filled CSV comes from ---------------------------------------------------------------
def _decode(content: str, name: str, limit: int) -> str:
    """The text of one uploaded file (a data URL); a BOM (Excel writes one) is dropped."""
    try:
        _, encoded = str(content).split(",", 1)
        if len(encoded) > limit * 4 // 3 + 4:
            raise ScenarioError([Problem(name, "", f"too large (more than {limit // 1_000_000} MB)")])
        data = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise ScenarioError([Problem(name, "", "could not be read as an upload")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(name, "", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from None


def from_upload(contents, names, page_exercise: dict | None) -> Filled:
    """One ``.csv`` and at most one ``.json`` (the exercise.json beside it); without the JSON, the
    exercise generated on the page. Every problem of the files at once."""
    contents = contents if isinstance(contents, list) else [contents] if contents else []
    names = names if isinstance(names, list) else [names] if names else []
    problems: list[Problem] = []
    csvs, jsons = [], []
    for content, name in zip(contents, names, strict=False):
        name = Path(str(name)).name[:120] or "upload"
        suffix = Path(name).suffix.lower()
        if suffix not in (".csv", ".json"):
            problems.append(Problem(name, "", "not a .csv (the filled exercise.csv) nor a .json (its exercise.json)"))
            continue
        try:
            text = _decode(content, name, MAX_CSV_BYTES if suffix == ".csv" else MAX_JSON_BYTES)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        (csvs if suffix == ".csv" else jsons).append((name, text))
    if len(csvs) != 1:
        problems.append(Problem("upload", "", f"{len(csvs)} CSV files: upload exactly one filled exercise.csv"))
    if len(jsons) > 1:
        problems.append(Problem("upload", "", f"{len(jsons)} JSON files: at most one exercise.json"))
    exercise, json_name = page_exercise, EXERCISE_JSON
    if len(jsons) == 1:
        json_name, text = jsons[0]
        try:
            exercise = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(json_name, "", f"not JSON: {exc.msg} (line {exc.lineno})"))
    elif exercise is None:
        problems.append(Problem(EXERCISE_JSON, "", "missing: upload it with the CSV, or make the exercise above first"))
    if problems:
        raise ScenarioError(problems)
    csv_name, csv_text = csvs[0]
    return Filled(csv_text, csv_name, exercise, json_name)


def exercise_files(results_root: Path, key: str) -> tuple[str, dict]:
    """The generated exercise's ``exercise.csv`` (as written, empty ``actual``) and ``exercise.json``."""
    directory = exercises.exercise_dir(results_root, key)
    text = (directory / "exercise.csv").read_text(encoding="utf-8")
    return text, json.loads((directory / EXERCISE_JSON).read_text(encoding="utf-8"))


def from_form(results_root: Path, key: str, times: dict[str, str], counts: dict[str, int | None]) -> Filled:
    """The generated exercise's CSV with the form's times and counts in its ``actual`` column."""
    text, exercise = exercise_files(results_root, key)
    actual: dict[str, str | int] = {event: str(value or "").strip() for event, value in times.items()}
    actual.update({event: value for event, value in counts.items() if value is not None})
    return Filled(api.fill_csv(text, actual), "exercise.csv (formulier / form)", exercise, EXERCISE_JSON)


def events_by_row(csv_text: str) -> dict[int, str]:
    """Line number -> the ``event`` of that row, so a problem of "row N" can name its step."""
    reader = csv.reader(io.StringIO(csv_text))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error:
        return {}
    if not rows:
        return {}
    names = [h.strip().lower() for h in rows[0][1]]
    if "event" not in names:
        return {}
    e = names.index("event")
    return {line: row[e].strip() for line, row in rows[1:] if len(row) > e and row[e].strip()}


def check(filled: Filled):
    """The debrief read from the CSV, without running anything (raises ScenarioError)."""
    exercise = filled.exercise if isinstance(filled.exercise, dict) else None
    return api.read_debrief(filled.csv_text, filled.csv_name, exercise)


# --- running and finding again ---------------------------------------------------------------------
def run(
    results_root: Path,
    filled: Filled,
    replications: int,
    *,
    jobs_: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> tuple[str, dict]:
    """Run the debrief as ``meldsim debrief`` does and write its files; (key, the result as JSON data)."""
    root = Path(results_root)
    with jobs.terminate_stops(), jobs.run_slot(root, waiting=waiting):
        result = api.debrief_exercise(
            filled.csv_text,
            filled.exercise,
            source=filled.csv_name,
            exercise_source=filled.json_name,
            replications=replications,
            options=api.Options(jobs=jobs_ or jobs.default_jobs()),
            progress=progress,
        )
    data = result.to_dict()
    target = jobs.unique_run_dir(root, result.scenario_name, group=FOLDER)
    with staged(target, root) as staging:
        (staging / DEBRIEF_JSON).write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (staging / DEBRIEF_HTML).write_text(render_debrief_html(result), encoding="utf-8")
        (staging / "exercise.csv").write_text(filled.csv_text, encoding="utf-8")
        done = publish_dir(staging, target)
    return done.relative_to(root).as_posix(), data


def debrief_file(results_root: Path, key: str, name: str) -> Path:
    """``debrief.html`` or ``debrief.json`` of debrief ``key`` (under ``results_root/debriefs``)."""
    if name not in (DEBRIEF_HTML, DEBRIEF_JSON):
        raise exercises.ExerciseError(f"{name}: not a debrief file")
    return exercises.stored_file(results_root, FOLDER, key, name)
