"""The Exercise page's debrief: the team's times from a small form (prefilled with the script's
times) or an uploaded filled ``exercise.csv``, a background job that runs
:func:`sim.experiments.api.debrief_exercise` (as ``meldsim debrief``), and the result: per KPI
the paired difference team − procedure with its CI, the timings, and what each step alone cost,
the costliest marked. A bad upload or form shows every problem by row, step and field; nothing runs.
"""

from __future__ import annotations

import datetime as dt
import math

from dash import ALL, Input, Output, State, dcc, html, no_update

from sim import labels
from sim.experiments.debrief import DEFAULT_REPLICATIONS
from sim.experiments.metrics import METRICS
from sim.model.loading import ScenarioError
from sim.outputs.debrief import DEBRIEF_HTML, DEBRIEF_JSON, MAX_CSV_BYTES
from sim.outputs.exercise import COUNT_EVENTS

from .. import data, debriefs, exercises, i18n, ids, jobs
from ..components import Config, background_job, button, field, job_controls, job_progress, message, simple_table
from ..i18n import t

SOURCES = ("form", "upload")


def actual_id(event: str) -> dict:
    return {"type": "ex-actual", "event": event}


def count_id(event: str) -> dict:
    return {"type": "ex-count", "event": event}


def card(lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                className="card",
                children=[
                    html.Div(className="card-head", children=[html.H3(t("db.title", lang))]),
                    html.P(t("db.intro", lang), className="note"),
                    field(
                        t("db.source", lang),
                        dcc.RadioItems(
                            id=ids.EX_DB_SOURCE,
                            className="choices choices-inline",
                            inline=True,
                            value="form",
                            options=[{"label": t(f"db.source.{s}", lang), "value": s} for s in SOURCES],
                        ),
                    ),
                    html.Div(
                        className="grid-2",
                        children=[
                            html.Fieldset(
                                [html.Legend(t("db.form", lang)), html.Div(id=ids.EX_DB_FORM)],
                                id=ids.EX_DB_FORM_BOX,
                            ),
                            html.Fieldset(
                                [
                                    html.Legend(t("db.source.upload", lang)),
                                    dcc.Upload(
                                        id=ids.EX_DB_UPLOAD,
                                        multiple=True,
                                        accept=".csv,.json,text/csv,application/json",
                                        max_size=MAX_CSV_BYTES,
                                        className="upload",
                                        children=html.Div(t("db.upload", lang)),
                                    ),
                                    html.Div(id=ids.EX_DB_UPLOADED),
                                ],
                                id=ids.EX_DB_UPLOAD_BOX,
                            ),
                        ],
                    ),
                    *job_controls(
                        button(t("db.run", lang), ids.EX_DB_RUN, kind="primary"),
                        button(t("db.cancel", lang), ids.EX_DB_CANCEL, disabled=True),
                        ids.EX_DB_PROGRESS,
                        ids.EX_DB_PROGRESS_TEXT,
                        before=[
                            html.Label(t("db.replications", lang)),
                            dcc.Input(
                                id=ids.EX_DB_REPLICATIONS,
                                type="number",
                                min=2,
                                max=debriefs.MAX_REPLICATIONS,
                                step=1,
                                value=DEFAULT_REPLICATIONS,
                                style={"width": "110px"},
                                persistence=True,
                                persistence_type="session",
                            ),
                        ],
                        row="inline",
                    ),
                    html.Div(id=ids.EX_DB_MESSAGES),
                ],
            ),
            html.Div(
                id=ids.EX_DB_RESULT,
                className="card",
                style={"display": "none"},
                children=[
                    html.Div(
                        className="card-head",
                        children=[
                            html.H3(t("db.result", lang)),
                            html.Div(
                                className="card-tools",
                                children=[
                                    button(t("db.download.html", lang), ids.EX_DB_HTML),
                                    button(t("db.download.json", lang), ids.EX_DB_JSON),
                                ],
                            ),
                        ],
                    ),
                    html.Div(id=ids.EX_DB_VIEW),
                    dcc.Download(id=ids.EX_DB_HTML_FILE),
                    dcc.Download(id=ids.EX_DB_JSON_FILE),
                ],
            ),
            dcc.Store(id=ids.EX_DB_STORE, storage_type="session"),
        ]
    )


# --- callbacks as plain functions ----------------------------------------------------------
def _step_label(item: str, lang: str) -> str:
    return i18n.heading(i18n.pick(labels.debrief_item(item), lang))


def form_view(info, lang: str):
    """The form for the exercise on the page: one time per step (the script's), the two counts."""
    lang = i18n.lang_of(lang)
    steps = (info or {}).get("steps") or []
    if not steps:
        return message(t("db.form.none", lang))
    fields = [
        field(
            _step_label(step["event"], lang),
            dcc.Input(id=actual_id(step["event"]), type="text", value=step["time"]),
            hint=t("db.form.planned", lang, time=step["time"]),
        )
        for step in steps
    ]
    counts = [
        field(
            t(f"db.{event}", lang),
            dcc.Input(id=count_id(event), type="number", min=0, step=1, value=None),
        )
        for event in COUNT_EVENTS
    ]
    return html.Div(
        [
            html.Div(fields, className="grid-2"),
            html.P(t("db.form.hint", lang), className="hint"),
            html.Div(counts, className="grid-2"),
        ]
    )


def problems_view(problems, lang: str, csv_text: str | None = None) -> html.Div:
    """Every problem as a row: file, row, step (the event of that row), field, problem."""
    events = debriefs.events_by_row(csv_text) if csv_text else {}
    rows = []
    for p in problems:
        where = str(p.path or "")
        row = where.removeprefix("row ") if where.startswith("row ") else ""
        name, problem = where, p.message
        if row and ":" in p.message:
            name, problem = (x.strip() for x in p.message.split(":", 1))
        elif row:
            name = ""
        event = events.get(int(row)) if row.isdigit() else None
        rows.append([p.file, row, _step_label(event, lang) if event else "", name, problem])
    columns = [t(f"db.col.{k}", lang) for k in ("file", "row", "step", "field", "problem")]
    return html.Div(
        className="msg msg-error",
        children=[
            html.B(t("db.problems", lang, n=len(rows))),
            simple_table(columns, rows, class_name="table problems"),
        ],
    )


def upload_view(cfg: Config, contents, names, info, lang: str):
    """(what the upload holds or its problems, the source to switch to) as soon as a file is dropped."""
    lang = i18n.lang_of(lang)
    if not contents:
        return None, no_update
    try:
        filled = debriefs.from_upload(contents, names, _page_json(cfg, info))
    except ScenarioError as exc:
        return problems_view(exc.problems, lang), "upload"
    try:
        debrief = debriefs.check(filled)
    except ScenarioError as exc:
        return problems_view(exc.problems, lang, filled.csv_text), "upload"
    late = sum(1 for s in debrief.steps if s.changed)
    ok = t("db.upload.ok", lang, file=filled.csv_name, steps=len(debrief.steps), late=late)
    return message(ok, "ok"), "upload"


def _page_json(cfg: Config, info) -> dict | None:
    """The exercise.json of the exercise made on the page, if there is one."""
    if not (info and info.get("key")):
        return None
    try:
        return debriefs.exercise_files(cfg.results_root, info["key"])[1]
    except (exercises.ExerciseError, OSError, ValueError):
        return None


def _filled(cfg: Config, source, info, contents, names, times: dict, counts: dict) -> debriefs.Filled:
    if source == "upload":
        return debriefs.from_upload(contents, names, _page_json(cfg, info))
    return debriefs.from_form(cfg.results_root, info["key"], times, counts)


def run_view(cfg: Config, set_progress, source, info, contents, names, times, counts, replications, lang: str):
    """The background job: the filled CSV from the form or the upload, checked, run and written;
    (messages, result store data)."""
    lang = i18n.lang_of(lang)
    if source == "upload" and not contents:
        return message(t("db.no_upload", lang), "error"), no_update
    if source != "upload" and not (info and info.get("key")):
        return message(t("db.no_exercise", lang), "error"), no_update
    n = jobs.check_number(replications, 2, debriefs.MAX_REPLICATIONS)
    if n is None:
        text = t("run.bad_number", lang, field=t("db.replications", lang), low=2, high=debriefs.MAX_REPLICATIONS)
        return message(text, "error"), no_update

    progress, queued = job_progress(set_progress, lang)
    filled = None
    try:
        filled = _filled(cfg, source, info, contents, names, times, counts)
        key, result = debriefs.run(cfg.results_root, filled, n, progress=progress, waiting=queued)
    except ScenarioError as exc:
        return problems_view(exc.problems, lang, filled.csv_text if filled else None), no_update
    except jobs.Busy:
        return message(
            t("run.busy", lang, limit=jobs.MAX_CONCURRENT_RUNS, queue=jobs.MAX_QUEUED_RUNS), "warning"
        ), no_update
    except jobs.Stopped:
        return message(t("db.stopped", lang), "warning"), no_update
    except Exception as exc:  # noqa: BLE001 - shown to the user; nothing was written
        return message(t("db.failed", lang, error=f"{type(exc).__name__}: {exc}"), "error"), no_update
    return None, {"key": key, "result": result}


def _clock(start: str, minute, lang: str) -> str:
    if minute is None or not math.isfinite(minute):
        return t("db.never", lang)
    try:
        origin = dt.datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return f"{minute:.1f}"
    return (origin + dt.timedelta(minutes=minute)).strftime("%H:%M")


def _with_unit(text: str, unit: str, lang: str) -> str:
    return text if unit in ("", "count") or text == "–" else f"{text} {i18n.unit_label(unit, lang)}"


def _diff_cell(kpi: str, d: dict | None, lang: str, *, ran: bool = True) -> html.Td:
    """A paired difference with its CI, coloured better/worse as on the Compare page."""
    unit = METRICS[kpi].unit if kpi in METRICS else ""
    if not ran:
        return html.Td(t("db.as_planned", lang), className="num")
    d = d or {}
    significant, change = data.change_of(d.get("ci95_low"), d.get("ci95_high"), METRICS[kpi].better)
    cls = "num" + (
        {"better": " cell-sig-better", "worse": " cell-sig-worse"}.get(change, " cell-sig") if significant else ""
    )
    return html.Td(
        [
            html.Div(_with_unit(i18n.value(d.get("mean"), unit, lang, signed=True), unit, lang), className="mean"),
            html.Div(i18n.interval(d.get("ci95_low"), d.get("ci95_high"), unit, lang), className="ci"),
        ],
        className=cls,
    )


def _mean_cell(kpi: str, s: dict, lang: str) -> html.Td:
    unit = METRICS[kpi].unit if kpi in METRICS else ""
    return html.Td(
        [
            html.Div(_with_unit(i18n.value(s.get("mean"), unit, lang), unit, lang), className="mean"),
            html.Div(i18n.interval(s.get("ci95_low"), s.get("ci95_high"), unit, lang), className="ci"),
        ],
        className="num",
    )


def result_view(stored, lang: str):
    """(card style, the result) of the last debrief."""
    lang = i18n.lang_of(lang)
    if not stored or not stored.get("result"):
        return {"display": "none"}, None
    r = stored["result"]
    rank = r["rank_kpi"]
    kpis = [k["kpi"] for k in r["kpis"]]
    about = t(
        "db.result.about",
        lang,
        scenario=r["scenario_name"],
        seed=r["seed"],
        replication=r["exercise_replication"],
        n=r["replications"],
    )
    return {}, html.Div(
        [
            html.P(about, className="note"),
            _verdict(r, rank, lang),
            _kpi_table(r, lang),
            html.H4(t("db.timings", lang)),
            html.Div(_timings(r, lang), style={"maxWidth": "760px"}),
            html.H4(t("db.steps", lang)),
            html.P(t("db.steps.note", lang, kpi=i18n.kpi_label(rank, lang).lower()), className="hint"),
            _steps_table(r, kpis, lang),
        ]
    )


def _verdict(r: dict, rank: str, lang: str) -> html.Div:
    label = i18n.kpi_label(rank, lang)
    costliest = r.get("costliest")
    if not costliest:
        return message(t("db.costliest.none", lang, kpi=label), "ok")
    item = next(a for a in r["attribution"] if a["item"] == costliest)
    unit = METRICS[rank].unit
    amount = _with_unit(i18n.value(item["difference"][rank]["mean"], unit, lang, signed=True), unit, lang)
    text = t("db.costliest", lang, step=_step_label(costliest, lang), amount=amount, kpi=label.lower())
    return html.Div(html.B(text), className="msg msg-warning costliest", id=ids.EX_DB_COSTLIEST)


def _kpi_table(r: dict, lang: str) -> html.Div:
    head = [html.Th(t(f"db.col.{k}", lang)) for k in ("kpi", "planned", "team", "diff")]
    body = [
        html.Tr(
            [
                html.Td(i18n.kpi_label(k["kpi"], lang), className="kpi", title=k["kpi"]),
                _mean_cell(k["kpi"], k["planned"], lang),
                _mean_cell(k["kpi"], k["observed"], lang),
                _diff_cell(k["kpi"], k["difference"], lang),
            ]
        )
        for k in r["kpis"]
    ]
    legend = html.Div(
        className="legend",
        children=[
            html.Span(t("cmp.legend.better", lang), className="swatch cell-sig-better"),
            html.Span(t("cmp.legend.worse", lang), className="swatch cell-sig-worse"),
            html.Span(t("cmp.legend.ci", lang), className="legend-text"),
        ],
    )
    table = html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="table kpi-table", id=ids.EX_DB_KPIS)
    return html.Div([table, legend], className="scroll")


def _timings(r: dict, lang: str) -> html.Div:
    start = r.get("horizon_start", "")
    rows = []
    for s in r["steps"]:
        planned, observed = s["planned_min"], s["observed_min"]
        late = "–" if observed is None else f"{i18n.number(observed - planned, lang, 1)} min"
        if observed is not None and observed - planned > 0:
            late = "+" + late
        rows.append([_step_label(s["event"], lang), _clock(start, planned, lang), _clock(start, observed, lang), late])
    columns = [t(f"db.col.{k}", lang) for k in ("step", "script", "team", "late")]
    notes = []
    if r.get("statuses_lost") is not None or r.get("statuses_wrong") is not None:
        notes.append(
            html.P(
                t(
                    "db.statuses",
                    lang,
                    lost=r.get("statuses_lost") if r.get("statuses_lost") is not None else "–",
                    wrong=r.get("statuses_wrong") if r.get("statuses_wrong") is not None else "–",
                    spoken=r["rates"].get("spoken_statuses_in_script", "–"),
                ),
                className="hint",
            )
        )
    return html.Div([simple_table(columns, rows), *notes])


def _steps_table(r: dict, kpis: list[str], lang: str) -> html.Div:
    head = [html.Th(t("db.col.step", lang))] + [html.Th(i18n.kpi_label(k, lang), title=k) for k in kpis]
    body = []
    for item in r["attribution"]:
        costliest = item["item"] == r.get("costliest")
        name = [_step_label(item["item"], lang)]
        if costliest:
            name.append(html.Span(t("db.costliest.badge", lang), className="badge cat-outage"))
        body.append(
            html.Tr(
                [html.Td(name, className="kpi")]
                + [_diff_cell(k, item["difference"].get(k), lang, ran=item["ran"]) for k in kpis],
                className="row-costliest" if costliest else None,
            )
        )
    table = html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="table steps-table", id=ids.EX_DB_STEPS)
    return html.Div(table, className="scroll")


def download_view(cfg: Config, stored, name: str):
    """``debrief.html`` or ``debrief.json`` of the last debrief, as written, or None."""
    if not stored or not stored.get("key"):
        return None
    try:
        path = debriefs.debrief_file(cfg.results_root, stored["key"], name)
    except exercises.ExerciseError:
        return None
    r = stored.get("result") or {}
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(r.get("scenario_name", "")))[:60]
    suffix = path.suffix
    return dcc.send_file(
        str(path), filename=f"debrief-{stem}-seed{r.get('seed')}-rep{r.get('exercise_replication')}{suffix}"
    )


# --- wiring --------------------------------------------------------------------------------
def register(app, cfg: Config) -> None:
    @app.callback(Output(ids.EX_DB_FORM, "children"), Input(ids.EX_STORE, "data"), State(ids.LANG, "data"))
    def _form(info, lang):
        return form_view(info, lang)

    @app.callback(
        Output(ids.EX_DB_FORM_BOX, "className"),
        Output(ids.EX_DB_UPLOAD_BOX, "className"),
        Input(ids.EX_DB_SOURCE, "value"),
    )
    def _source(source):
        return ("" if source != "upload" else "faded"), ("" if source == "upload" else "faded")

    @app.callback(
        Output(ids.EX_DB_UPLOADED, "children"),
        Output(ids.EX_DB_SOURCE, "value"),
        Input(ids.EX_DB_UPLOAD, "contents"),
        State(ids.EX_DB_UPLOAD, "filename"),
        State(ids.EX_STORE, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def _uploaded(contents, names, info, lang):
        return upload_view(cfg, contents, names, info, lang)

    @app.callback(
        Output(ids.EX_DB_MESSAGES, "children"),
        Output(ids.EX_DB_STORE, "data"),
        Input(ids.EX_DB_RUN, "n_clicks"),
        State(ids.EX_DB_SOURCE, "value"),
        State(ids.EX_STORE, "data"),
        State(ids.EX_DB_UPLOAD, "contents"),
        State(ids.EX_DB_UPLOAD, "filename"),
        State(actual_id(ALL), "value"),
        State(actual_id(ALL), "id"),
        State(count_id(ALL), "value"),
        State(count_id(ALL), "id"),
        State(ids.EX_DB_REPLICATIONS, "value"),
        State(ids.LANG, "data"),
        State(ids.EX_NONCE, "data"),
        **background_job(ids.EX_DB_RUN, ids.EX_DB_CANCEL, ids.EX_DB_PROGRESS, ids.EX_DB_PROGRESS_TEXT),
    )
    def _run(set_progress, n_clicks, source, info, contents, names, times, time_ids, counts, count_ids, n, lang, _):
        if not n_clicks:
            return no_update, no_update
        set_progress(("0", "1", ""))
        timed = {i["event"]: v for i, v in zip(time_ids or [], times or [], strict=False)}
        counted = {
            i["event"]: jobs.check_number(v, 0, 10**6) for i, v in zip(count_ids or [], counts or [], strict=False)
        }
        return run_view(cfg, set_progress, source, info, contents, names, timed, counted, n, lang)

    @app.callback(
        Output(ids.EX_DB_MESSAGES, "children", allow_duplicate=True),
        Input(ids.EX_DB_CANCEL, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def _cancelled(n_clicks, lang):
        return message(t("db.cancelled", lang), "warning") if n_clicks else no_update

    @app.callback(
        Output(ids.EX_DB_RESULT, "style"),
        Output(ids.EX_DB_VIEW, "children"),
        Input(ids.EX_DB_STORE, "data"),
        State(ids.LANG, "data"),
    )
    def _result(stored, lang):
        return result_view(stored, lang)

    for name, button_id, download_id in (
        (DEBRIEF_HTML, ids.EX_DB_HTML, ids.EX_DB_HTML_FILE),
        (DEBRIEF_JSON, ids.EX_DB_JSON, ids.EX_DB_JSON_FILE),
    ):

        @app.callback(
            Output(download_id, "data"),
            Input(button_id, "n_clicks"),
            State(ids.EX_DB_STORE, "data"),
            prevent_initial_call=True,
        )
        def _download(n_clicks, stored, name=name):
            return (download_view(cfg, stored, name) or no_update) if n_clicks else no_update
