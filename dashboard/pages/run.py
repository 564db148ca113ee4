"""Run: start replications of one or more scenarios as a background job (diskcache manager),
with a progress bar and a cancel button; finished runs appear in the list below.

Each page load gets its own nonce, an argument of the background callback, so two users who
press Start with the same choices still get two jobs (Dash keys jobs by their arguments).
"""

from __future__ import annotations

import uuid

from dash import Input, Output, State, dcc, html, no_update

from sim.model.loading import ScenarioError

from .. import data, i18n, ids, jobs
from ..components import (
    Config,
    background_job,
    button,
    csv_payload,
    current_config,
    field,
    job_controls,
    job_progress,
    mark,
    message,
    simple_table,
    table_card,
)
from ..i18n import t
from ..scenario_form import scenario_statuses

PATH = "/simuleren"
MAX_JOBS = 64


def layout(lang: str = "nl", **_query) -> html.Div:
    """The page for the app serving this request."""
    return build_layout(current_config(), lang)


def build_layout(cfg: Config, lang: str = "nl") -> html.Div:
    lang = i18n.lang_of(lang)
    return html.Div(
        className="page",
        children=[
            html.H2(t("run.title", lang)),
            html.P(t("run.intro", lang), className="intro"),
            html.Div(
                className="grid-run controls",
                children=[
                    field(
                        t("run.scenarios", lang),
                        dcc.Dropdown(
                            id=ids.RUN_SCENARIOS,
                            multi=True,
                            options=scenario_options_view(cfg, lang),
                            placeholder=t("run.scenarios.placeholder", lang),
                            persistence=True,
                            persistence_type="session",
                        ),
                    ),
                    field(
                        t("run.replications.label", lang),
                        dcc.Input(
                            id=ids.RUN_REPLICATIONS,
                            type="number",
                            min=1,
                            max=jobs.MAX_REPLICATIONS,
                            step=1,
                            value=30,
                            persistence=True,
                            persistence_type="session",
                        ),
                    ),
                    field(
                        t("run.seed", lang),
                        dcc.Input(
                            id=ids.RUN_SEED,
                            type="number",
                            min=0,
                            step=1,
                            value=1,
                            persistence=True,
                            persistence_type="session",
                        ),
                    ),
                    field(
                        t("run.jobs", lang),
                        dcc.Input(
                            id=ids.RUN_JOBS,
                            type="number",
                            min=1,
                            max=MAX_JOBS,
                            step=1,
                            value=jobs.default_jobs(),
                            persistence=True,
                            persistence_type="session",
                        ),
                    ),
                ],
            ),
            *job_controls(
                button(t("run.start", lang), ids.RUN_START, kind="primary"),
                button(t("run.cancel", lang), ids.RUN_CANCEL, disabled=True),
                ids.RUN_PROGRESS,
                ids.RUN_PROGRESS_TEXT,
            ),
            html.Div(id=ids.RUN_RESULT),
            dcc.Store(id=ids.RUN_DONE),
            dcc.Store(id=ids.RUN_NONCE, data=uuid.uuid4().hex),
            table_card(
                ids.TABLE_RUNS,
                t("run.list.title", lang),
                lang,
                html.Div(id=ids.RUN_LIST, className="scroll"),
                head_extra=[button(t("run.list.refresh", lang), ids.RUN_REFRESH)],
            ),
        ],
    )


# --- callbacks as plain functions ----------------------------------------------------------
def scenario_options_view(cfg: Config, lang: str) -> list[dict]:
    """Valid scenario files can be chosen; invalid ones are shown, disabled, with their status."""
    options = []
    for status in scenario_statuses(cfg.scenarios_dir):
        label = (
            status["file"]
            if status["valid"]
            else f"{status['file']} — {t('sc.invalid', lang, n=len(status['problems']))}"
        )
        options.append({"label": label, "value": status["file"], "disabled": not status["valid"]})
    return options


def runs_list_view(cfg: Config, lang: str):
    """(table of every run with its status, CSV payload)."""
    lang = i18n.lang_of(lang)
    entries = data.list_run_entries(cfg.results_root)
    rows, classes, csv_rows = [], [], []
    for e in entries:
        status = t("status.ok", lang) if not e.error else f"{mark(e, lang)}: {e.status}"
        link = e.key if e.error else dcc.Link(e.key, href=f"/?runs={e.key}")
        rows.append(
            [
                link,
                e.scenario or "–",
                (e.finished or "")[:19].replace("T", " "),
                "" if e.replications is None else str(e.replications),
                "" if e.seed is None else str(e.seed),
                status,
            ]
        )
        classes.append("row-error" if e.error else None)
        csv_rows.append(
            {
                "run": e.key,
                "scenario": e.scenario,
                "finished": e.finished,
                "replications": e.replications,
                "seed": e.seed,
                "records_kept_for": e.records,
                "error": e.error,
            }
        )
    columns = [
        t(k, lang) for k in ("col.run", "col.scenario", "col.finished", "col.replications", "col.seed", "col.status")
    ]
    if not rows:
        return message(t("empty.no_data", lang)), csv_payload(ids.TABLE_RUNS, csv_rows)
    return (
        html.Div([html.P(str(cfg.results_root), className="hint"), simple_table(columns, rows, row_classes=classes)]),
        csv_payload(ids.TABLE_RUNS, csv_rows),
    )


def start_view(cfg: Config, set_progress, files, replications, seed, n_jobs, lang: str):
    """The background job: check the inputs, run, and report (result message, done-store data)."""
    lang = i18n.lang_of(lang)
    if not files:
        return message(t("run.none_chosen", lang), "error"), no_update
    checked = {
        "replications": jobs.check_number(replications, 1, jobs.MAX_REPLICATIONS),
        "seed": jobs.check_number(seed, 0, 2**32 - 1),
        "jobs": jobs.check_number(n_jobs, 1, MAX_JOBS),
    }
    limits = {"replications": (1, jobs.MAX_REPLICATIONS), "seed": (0, 2**32 - 1), "jobs": (1, MAX_JOBS)}
    labels = {
        "replications": t("run.replications.label", lang),
        "seed": t("run.seed", lang),
        "jobs": t("run.jobs", lang),
    }
    bad = [
        t("run.bad_number", lang, field=labels[k], low=limits[k][0], high=limits[k][1])
        for k, v in checked.items()
        if v is None
    ]
    if bad:
        return html.Div([message(b, "error") for b in bad]), no_update

    progress, queued = job_progress(set_progress, lang)
    try:
        keys = jobs.start_runs(
            cfg.results_root,
            cfg.scenarios_dir,
            list(files),
            checked["replications"],
            checked["seed"],
            checked["jobs"],
            progress=progress,
            waiting=queued,
        )
    except ScenarioError as exc:
        return html.Div([message(jobs.problem_text(p, cfg.scenarios_dir), "error") for p in exc.problems]), no_update
    except jobs.Busy:
        return message(
            t("run.busy", lang, limit=jobs.MAX_CONCURRENT_RUNS, queue=jobs.MAX_QUEUED_RUNS), "warning"
        ), no_update
    except jobs.Stopped:
        return message(t("run.stopped", lang), "warning"), no_update
    except Exception as exc:  # noqa: BLE001 - shown to the user; the run wrote nothing
        return message(t("run.failed", lang, error=f"{type(exc).__name__}: {exc}"), "error"), no_update
    result = html.Div(
        className="msg msg-ok",
        children=[
            html.Div(t("run.done", lang, paths=", ".join(keys))),
            dcc.Link(
                t("run.open_compare", lang),
                href="/?runs=" + ",".join(keys),
                className="btn btn-primary",
                id="run-open-compare",
            ),
        ],
    )
    return result, {"runs": keys, "nonce": uuid.uuid4().hex}


# --- wiring --------------------------------------------------------------------------------
def register(app, cfg: Config) -> None:
    @app.callback(
        Output(ids.RUN_LIST, "children"),
        Output(ids.csv_data(ids.TABLE_RUNS), "data"),
        Input(ids.RUN_DONE, "data"),
        Input(ids.RUN_REFRESH, "n_clicks"),
        State(ids.LANG, "data"),
    )
    def _list(_done, _refresh, lang):
        return runs_list_view(cfg, lang)

    @app.callback(
        Output(ids.RUN_RESULT, "children"),
        Output(ids.RUN_DONE, "data"),
        Input(ids.RUN_START, "n_clicks"),
        State(ids.RUN_SCENARIOS, "value"),
        State(ids.RUN_REPLICATIONS, "value"),
        State(ids.RUN_SEED, "value"),
        State(ids.RUN_JOBS, "value"),
        State(ids.LANG, "data"),
        State(ids.RUN_NONCE, "data"),
        **background_job(ids.RUN_START, ids.RUN_CANCEL, ids.RUN_PROGRESS, ids.RUN_PROGRESS_TEXT),
    )
    def _start(set_progress, n_clicks, files, replications, seed, n_jobs, lang, _nonce):
        if not n_clicks:
            return no_update, no_update
        set_progress(("0", "1", ""))
        return start_view(cfg, set_progress, files, replications, seed, n_jobs, lang)

    @app.callback(
        Output(ids.RUN_RESULT, "children", allow_duplicate=True),
        Input(ids.RUN_CANCEL, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def _cancelled(n_clicks, lang):
        if not n_clicks:
            return no_update
        return message(t("run.cancelled", lang), "warning")
