"""Exercise: make an inject script for an exercise (as ``meldsim exercise``) as a background job,
preview its injects and timeline, download the CSV and the printable HTML, and debrief it
(:mod:`.exercise_debrief`).

The generated exercise's key and preview live in a session ``dcc.Store``, so the preview
survives the page being rebuilt in the other language; the files stay on the server under
``results/exercises/`` and are sent as written, byte for byte.
"""

from __future__ import annotations

import uuid
from html import escape

import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from sim.experiments.metrics import METRICS
from sim.model.loading import ScenarioError
from sim.outputs.exercise import CATEGORIES, DEFAULT_KPI, DEFAULT_REPLICATIONS

from .. import exercises, i18n, ids, jobs
from ..components import (
    Config,
    background_job,
    button,
    current_config,
    field,
    graph_config,
    job_controls,
    job_progress,
    message,
)
from ..i18n import t
from . import exercise_debrief

PATH = "/oefening"
PREVIEW_PREDICTIONS = ("calls_waiting", "units_unreachable", "messages_waiting", "centralists_busy")


def layout(lang: str = "nl", **_query) -> html.Div:
    """The page for the app serving this request."""
    return build_layout(current_config(), lang)


def build_layout(cfg: Config, lang: str = "nl") -> html.Div:
    lang = i18n.lang_of(lang)
    return html.Div(
        className="page",
        children=[
            html.H2(t("ex.title", lang)),
            html.P(t("ex.intro", lang), className="intro"),
            make_card(cfg, lang),
            preview_card(lang),
            exercise_debrief.card(lang),
            dcc.Store(id=ids.EX_STORE, storage_type="session"),
            dcc.Store(id=ids.EX_NONCE, data=uuid.uuid4().hex),
        ],
    )


def _persist(**props) -> dict:
    return {"persistence": True, "persistence_type": "session", **props}


def make_card(cfg: Config, lang: str) -> html.Div:
    return html.Div(
        className="card",
        children=[
            html.Div(className="card-head", children=[html.H3(t("ex.make", lang))]),
            html.Div(
                className="grid-3x controls",
                children=[
                    field(
                        t("ex.scenario", lang),
                        dcc.Dropdown(
                            id=ids.EX_SCENARIO,
                            options=scenario_options_view(cfg, lang),
                            placeholder=t("ex.scenario.placeholder", lang),
                            **_persist(),
                        ),
                    ),
                    field(
                        t("ex.seed", lang),
                        dcc.Input(id=ids.EX_SEED, type="number", min=0, step=1, value=1, **_persist()),
                    ),
                    field(
                        t("ex.replications", lang),
                        dcc.Input(
                            id=ids.EX_REPLICATIONS,
                            type="number",
                            min=1,
                            max=exercises.MAX_REPLICATIONS,
                            step=1,
                            value=30,
                            **_persist(),
                        ),
                    ),
                ],
            ),
            html.Div(
                className="grid-3x controls",
                children=[
                    field(
                        t("ex.pick", lang),
                        dcc.RadioItems(
                            id=ids.EX_PICK,
                            className="choices",
                            value="median",
                            options=[{"label": t(f"ex.pick.{p}", lang), "value": p} for p in exercises.PICKS],
                            **_persist(),
                        ),
                    ),
                    field(
                        t("ex.replication", lang),
                        dcc.Input(
                            id=ids.EX_REPLICATION, type="number", min=0, step=1, value=0, disabled=True, **_persist()
                        ),
                        hint=t("ex.replication.hint", lang),
                    ),
                    field(
                        t("ex.kpi", lang),
                        dcc.Dropdown(
                            id=ids.EX_KPI,
                            options=[{"label": i18n.kpi_label(k, lang), "value": k} for k in exercises.PICK_KPIS],
                            value=DEFAULT_KPI,
                            clearable=False,
                            **_persist(),
                        ),
                        hint=t("ex.kpi.hint", lang),
                    ),
                ],
            ),
            *job_controls(
                button(t("ex.generate", lang), ids.EX_GENERATE, kind="primary"),
                button(t("ex.cancel", lang), ids.EX_CANCEL, disabled=True),
                ids.EX_PROGRESS,
                ids.EX_PROGRESS_TEXT,
            ),
            html.Div(id=ids.EX_RESULT),
        ],
    )


def preview_card(lang: str) -> html.Div:
    return html.Div(
        id=ids.EX_PREVIEW,
        className="card",
        style={"display": "none"},
        children=[
            html.Div(
                className="card-head",
                children=[
                    html.H3(t("ex.preview", lang)),
                    html.Div(
                        className="card-tools",
                        children=[
                            button(t("ex.download.csv", lang), ids.EX_CSV, title=t("ex.download.csv.title", lang)),
                            button(t("ex.download.html", lang), ids.EX_HTML, title=t("ex.download.html.title", lang)),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.EX_FACTS),
            html.H4(t("ex.fig.title", lang)),
            html.P(t("ex.fig.note", lang), className="note"),
            dcc.Graph(id=ids.fig(ids.FIG_EXERCISE), figure=go.Figure(), config=graph_config(ids.FIG_EXERCISE)),
            html.Div(
                className="card-head",
                children=[
                    html.H4(t("ex.injects", lang)),
                    dcc.Checklist(
                        id=ids.EX_ROUTINE,
                        options=[{"label": " " + t("ex.routine", lang), "value": "on"}],
                        value=["on"],
                        **_persist(),
                    ),
                ],
            ),
            html.Div(id=ids.EX_INJECTS, className="scroll scroll-y"),
            dcc.Download(id=ids.EX_CSV_FILE),
            dcc.Download(id=ids.EX_HTML_FILE),
        ],
    )


# --- callbacks as plain functions ----------------------------------------------------------
def scenario_options_view(cfg: Config, lang: str) -> list[dict]:
    """Scenario files first (invalid ones shown, disabled), then the bundled scenarios."""
    options = []
    for choice in exercises.scenario_choices(cfg.scenarios_dir):
        label = choice["value"]
        if choice["bundled"]:
            label = f"{label} ({t('ex.bundled', lang)})"
        elif not choice["valid"]:
            label = f"{label} — {t('sc.invalid', lang, n=len(choice['problems']))}"
        options.append({"label": label, "value": choice["value"], "disabled": not choice["valid"]})
    return options


def pick_controls_view(mode: str) -> tuple[bool, bool, bool]:
    """(replication number disabled, KPI disabled, replications to choose from disabled)."""
    given = mode == "replication"
    return not given, given, given


def generate_view(cfg: Config, set_progress, scenario, seed, mode, kpi, replication, replications, lang: str):
    """The background job: check the inputs, make and write the script; (result message, store data)."""
    lang = i18n.lang_of(lang)
    if not scenario:
        return message(t("ex.none_chosen", lang), "error"), no_update
    checked = {
        "seed": (jobs.check_number(seed, 0, 2**32 - 1), (0, 2**32 - 1), t("ex.seed", lang)),
        "replications": (
            jobs.check_number(replications, 1, exercises.MAX_REPLICATIONS),
            (1, exercises.MAX_REPLICATIONS),
            t("ex.replications", lang),
        ),
    }
    if mode == "replication":
        checked = {
            "seed": checked["seed"],
            "replication": (
                jobs.check_number(replication, 0, exercises.MAX_REPLICATION_INDEX),
                (0, exercises.MAX_REPLICATION_INDEX),
                t("ex.replication", lang),
            ),
        }
    bad = [
        message(t("run.bad_number", lang, field=label, low=low, high=high), "error")
        for value, (low, high), label in checked.values()
        if value is None
    ]
    if mode not in exercises.PICKS or kpi not in exercises.PICK_KPIS:
        bad.append(message(t("ex.bad_kpi", lang), "error"))
    if bad:
        return html.Div(bad), no_update
    pick = exercises.pick_of(mode, checked.get("replication", (None,))[0])

    progress, queued = job_progress(set_progress, lang)
    try:
        key, exercise = exercises.generate(
            cfg.results_root,
            cfg.scenarios_dir,
            scenario,
            checked["seed"][0],
            pick,
            kpi,
            checked["replications"][0] if "replications" in checked else DEFAULT_REPLICATIONS,
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
        return message(t("ex.stopped", lang), "warning"), no_update
    except Exception as exc:  # noqa: BLE001 - shown to the user; nothing was written
        return message(t("ex.failed", lang, error=f"{type(exc).__name__}: {exc}"), "error"), no_update
    done = message(t("ex.done", lang, replication=exercise.replication, injects=len(exercise.injects)), "ok")
    return done, exercises.preview(exercise, key)


def preview_view(cfg: Config, info, routine, lang: str):
    """(card style, facts, figure, inject table) for the stored exercise."""
    lang = i18n.lang_of(lang)
    hidden = {"display": "none"}
    if not info or not info.get("key"):
        return hidden, None, go.Figure(), None
    try:
        exercises.exercise_dir(cfg.results_root, info["key"])
    except exercises.ExerciseError:
        return {}, message(t("ex.missing", lang, where=info["key"]), "warning"), go.Figure(), None
    figure = (info.get("figures") or {}).get(lang) or go.Figure()
    return {}, facts_view(info, lang), figure, injects_table(info.get("injects") or [], bool(routine), lang)


def facts_view(info: dict, lang: str) -> html.Div:
    pick = info["pick"]
    pick_text = t(f"ex.pick.{pick}", lang) if pick in ("median", "worst") else t("ex.facts.given", lang)
    if info.get("replications") and pick in ("median", "worst"):
        pick_text = t("ex.facts.of", lang, pick=pick_text, n=info["replications"])
    line = t(
        "ex.facts",
        lang,
        scenario=info["scenario"],
        seed=info["seed"],
        replication=info["replication"],
        pick=pick_text,
        window=" – ".join(info["window"]),
        injects=len(info.get("injects") or []),
    )
    kpi = info["kpi"]
    unit = METRICS[kpi].unit if kpi in METRICS else ""
    value = i18n.value(info.get("kpi_value"), unit, lang) + (
        "" if unit == "share" else f" {i18n.unit_label(unit, lang)}"
    )
    return html.Div(
        [
            html.Div(line),
            html.Div(t("ex.facts.kpi", lang, kpi=i18n.kpi_label(kpi, lang), value=value), className="hint"),
        ],
        className="msg msg-info",
    )


def injects_table(injects: list[dict], routine: bool, lang: str) -> html.Div:
    """The inject list as one HTML table (text escaped): as Dash components, a script of a few
    hundred rows takes the browser tens of seconds to draw."""
    shown = [i for i in injects if routine or i["category"] != "incident"]
    hidden = len(injects) - len(shown)
    head = "".join(
        f"<th>{escape(t(f'ex.col.{k}', lang))}</th>" for k in ("time", "category", "what", "action", "detail")
    )
    head += "".join(f'<th class="num">{escape(t(f"ex.col.{k}", lang))}</th>' for k in PREVIEW_PREDICTIONS)
    rows = []
    for inj in shown:
        code = escape(inj["category"])
        category = escape(i18n.pick(CATEGORIES.get(inj["category"], (code, code)), lang))
        cells = [
            f'<td><b>{escape(inj["time"])}</b><div class="hint">{escape(str(inj["minute"]))} min</div></td>',
            f'<td><span class="badge cat-{code}">{category}</span></td>',
            *(f"<td>{escape(inj[f'{k}_{lang}'])}</td>" for k in ("what", "action", "detail")),
            *(f'<td class="num">{escape(_number(inj.get(k), lang))}</td>' for k in PREVIEW_PREDICTIONS),
        ]
        rows.append(f'<tr class="cat-{code}">{"".join(cells)}</tr>')
    table = f'<table class="table injects"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    note = html.P(t("ex.routine.hidden", lang, n=hidden), className="hint") if hidden else None
    return html.Div([note, dcc.Markdown(table, dangerously_allow_html=True)])


def _number(text, lang: str) -> str:
    try:
        return i18n.number(float(text), lang, 1)
    except (TypeError, ValueError):
        return "–"


def download_view(cfg: Config, info, suffix: str):
    """The file ``exercise.<suffix>`` of the stored exercise, byte for byte, or None when it is gone."""
    if not info or not info.get("key"):
        return None
    try:
        path = exercises.exercise_dir(cfg.results_root, info["key"]) / f"exercise.{suffix}"
    except exercises.ExerciseError:
        return None
    if not path.is_file():
        return None
    return dcc.send_file(str(path), filename=exercises.download_name(info, suffix))


# --- wiring --------------------------------------------------------------------------------
def register(app, cfg: Config) -> None:
    exercise_debrief.register(app, cfg)

    @app.callback(
        Output(ids.EX_REPLICATION, "disabled"),
        Output(ids.EX_KPI, "disabled"),
        Output(ids.EX_REPLICATIONS, "disabled"),
        Input(ids.EX_PICK, "value"),
    )
    def _pick(mode):
        return pick_controls_view(mode)

    @app.callback(
        Output(ids.EX_RESULT, "children"),
        Output(ids.EX_STORE, "data"),
        Input(ids.EX_GENERATE, "n_clicks"),
        State(ids.EX_SCENARIO, "value"),
        State(ids.EX_SEED, "value"),
        State(ids.EX_PICK, "value"),
        State(ids.EX_KPI, "value"),
        State(ids.EX_REPLICATION, "value"),
        State(ids.EX_REPLICATIONS, "value"),
        State(ids.LANG, "data"),
        State(ids.EX_NONCE, "data"),
        **background_job(ids.EX_GENERATE, ids.EX_CANCEL, ids.EX_PROGRESS, ids.EX_PROGRESS_TEXT),
    )
    def _generate(set_progress, n_clicks, scenario, seed, mode, kpi, replication, replications, lang, _nonce):
        if not n_clicks:
            return no_update, no_update
        set_progress(("0", "1", ""))
        return generate_view(cfg, set_progress, scenario, seed, mode, kpi, replication, replications, lang)

    @app.callback(
        Output(ids.EX_RESULT, "children", allow_duplicate=True),
        Input(ids.EX_CANCEL, "n_clicks"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def _cancelled(n_clicks, lang):
        if not n_clicks:
            return no_update
        return message(t("ex.cancelled", lang), "warning")

    @app.callback(
        Output(ids.EX_PREVIEW, "style"),
        Output(ids.EX_FACTS, "children"),
        Output(ids.fig(ids.FIG_EXERCISE), "figure"),
        Output(ids.EX_INJECTS, "children"),
        Input(ids.EX_STORE, "data"),
        Input(ids.EX_ROUTINE, "value"),
        State(ids.LANG, "data"),
    )
    def _preview(info, routine, lang):
        return preview_view(cfg, info, routine, lang)

    for suffix, button_id, download_id in (
        ("csv", ids.EX_CSV, ids.EX_CSV_FILE),
        ("html", ids.EX_HTML, ids.EX_HTML_FILE),
    ):

        @app.callback(
            Output(download_id, "data"),
            Input(button_id, "n_clicks"),
            State(ids.EX_STORE, "data"),
            prevent_initial_call=True,
        )
        def _download(n_clicks, info, suffix=suffix):
            return (download_view(cfg, info, suffix) or no_update) if n_clicks else no_update
