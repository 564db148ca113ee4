"""Building blocks shared by the pages: cards with a figure or a table and their download
buttons (PNG, HTML, CSV), plain HTML tables, messages; and the download callbacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update

from . import ids
from .data import to_csv
from .i18n import t
from .jobs import MAX_CONCURRENT_RUNS, throttled


@dataclass(frozen=True)
class Config:
    """What one app serves: read-only settings, fixed when the app is created."""

    results_root: Path
    scenarios_dir: Path


def graph_config(name: str) -> dict:
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": f"meldsim-{name}", "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def button(
    text: str, id_, *, kind: str = "secondary", title: str | None = None, disabled: bool = False, **extra
) -> html.Button:
    return html.Button(text, id=id_, className=f"btn btn-{kind}", title=title, disabled=disabled, n_clicks=0, **extra)


def figure_card(name: str, title: str, lang: str, figure=None, note: str | None = None, controls=None) -> html.Div:
    """A card with a title, PNG and HTML download buttons and the graph ``ids.fig(name)``."""
    return html.Div(
        className="card",
        id=f"card-{name}",
        children=[
            html.Div(
                className="card-head",
                children=[
                    html.H3(title),
                    html.Div(
                        className="card-tools",
                        children=[
                            button(t("download.png", lang), ids.fig_png(name), title=t("download.png.title", lang)),
                            button(t("download.html", lang), ids.fig_html(name), title=t("download.html.title", lang)),
                        ],
                    ),
                ],
            ),
            html.P(note, className="note") if note else None,
            controls,
            dcc.Loading(
                dcc.Graph(id=ids.fig(name), figure=figure or go.Figure(), config=graph_config(name)),
                type="dot",
                delay_show=300,
            ),
            dcc.Download(id=ids.fig_html_download(name)),
            html.Span(id=ids.fig_png_done(name), hidden=True),
        ],
    )


def table_card(name: str, title: str, lang: str, body, *, head_extra=None) -> html.Div:
    """A card with a title, a CSV download button and ``body``; the CSV comes from the store
    ``ids.csv_data(name)`` that the table's callback fills."""
    return html.Div(
        className="card",
        children=[
            html.Div(
                className="card-head",
                children=[
                    html.H3(title),
                    html.Div(
                        className="card-tools",
                        children=[
                            *(head_extra or []),
                            button(t("download.csv", lang), ids.csv_button(name), title=t("download.csv.title", lang)),
                        ],
                    ),
                ],
            ),
            body,
            dcc.Download(id=ids.csv_download(name)),
            dcc.Store(id=ids.csv_data(name)),
        ],
    )


def csv_payload(name: str, rows: list[dict], columns: list[str] | None = None) -> dict:
    return {"filename": f"meldsim-{name}.csv", "columns": columns or (list(rows[0]) if rows else []), "rows": rows}


def simple_table(columns: list[str], rows: list[list], *, class_name: str = "table", row_classes=None) -> html.Table:
    row_classes = row_classes or [None] * len(rows)
    return html.Table(
        className=class_name,
        children=[
            html.Thead(html.Tr([html.Th(c) for c in columns])),
            html.Tbody(
                [
                    html.Tr([html.Td(cell) for cell in row], className=cls)
                    for row, cls in zip(rows, row_classes, strict=False)
                ]
            ),
        ],
    )


def job_controls(start: html.Button, cancel: html.Button, progress_id, text_id, *, before=(), row="buttons") -> list:
    """A background job's start and cancel buttons (after ``before``, in a ``row`` div) and its progress bar."""
    return [
        html.Div(className=row, children=[*before, start, cancel]),
        html.Div(
            className="progress",
            children=[
                html.Progress(id=progress_id, value="0", max="1"),
                html.Span(id=text_id, className="progress-text"),
            ],
        ),
    ]


def background_job(start_id, cancel_id, progress_id, text_id) -> dict:
    """The keyword arguments of a background callback started by ``start_id``: the buttons swap while it
    runs, it reports (value, max, text) to the progress bar, and ``cancel_id`` stops it."""
    return {
        "background": True,
        "running": [(Output(start_id, "disabled"), True, False), (Output(cancel_id, "disabled"), False, True)],
        "progress": [Output(progress_id, "value"), Output(progress_id, "max"), Output(text_id, "children")],
        "cancel": [Input(cancel_id, "n_clicks")],
        "prevent_initial_call": True,
    }


def job_progress(set_progress, lang: str):
    """(progress, waiting) callbacks for a job: replications done on the progress bar (at most 100
    updates), and a note while it waits in line for a run slot."""

    def report(done: int, total: int) -> None:
        if set_progress is not None:
            set_progress((str(done), str(max(total, 1)), t("run.progress", lang, done=done, total=total)))

    def queued() -> None:
        if set_progress is not None:
            set_progress(("0", "1", t("run.queued", lang, limit=MAX_CONCURRENT_RUNS)))

    return throttled(report), queued


def message(text, kind: str = "info") -> html.Div:
    return html.Div(text, className=f"msg msg-{kind}")


def field(label: str, control, error_id=None, hint: str | None = None) -> html.Div:
    return html.Div(
        className="field",
        children=[
            html.Label(label),
            control,
            html.Div(hint, className="hint") if hint else None,
            html.Div(id=error_id, className="field-error") if error_id is not None else None,
        ],
    )


# --- downloads (one set of pattern-matching callbacks for every page) ----------------------
PNG_JS = """
function(n, id) {
    if (!n) { return window.dash_clientside.no_update; }
    const graphId = {fig: id.fig, type: "fig"};
    const key = JSON.stringify(graphId, Object.keys(graphId).sort());
    const holder = document.getElementById(key);
    const gd = holder && (holder.classList.contains("js-plotly-plot") ? holder
                                                                      : holder.querySelector(".js-plotly-plot"));
    if (gd && window.Plotly) {
        window.Plotly.downloadImage(gd, {format: "png", filename: "meldsim-" + id.fig, scale: 2});
    }
    return String(n);
}
"""


def figure_html(figure: dict | None) -> str:
    """A figure as a standalone HTML page with plotly.js inlined (works offline)."""
    return go.Figure(figure or {}).to_html(include_plotlyjs=True, full_html=True)


def register_download_callbacks(app) -> None:
    app.clientside_callback(
        PNG_JS,
        Output(ids.fig_png_done(MATCH), "children"),
        Input(ids.fig_png(MATCH), "n_clicks"),
        State(ids.fig_png(MATCH), "id"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.fig_html_download(MATCH), "data"),
        Input(ids.fig_html(MATCH), "n_clicks"),
        State(ids.fig(MATCH), "figure"),
        prevent_initial_call=True,
    )
    def download_html(n_clicks, figure):
        if not n_clicks:
            return no_update
        name = ctx.triggered_id["fig"] if ctx.triggered_id else "figure"
        return {"content": figure_html(figure), "filename": f"meldsim-{name}.html", "type": "text/html"}

    @app.callback(
        Output(ids.csv_download(MATCH), "data"),
        Input(ids.csv_button(MATCH), "n_clicks"),
        State(ids.csv_data(MATCH), "data"),
        prevent_initial_call=True,
    )
    def download_csv(n_clicks, payload):
        if not n_clicks or not payload:
            return no_update
        return {
            "content": to_csv(payload["rows"], payload.get("columns")),
            "filename": payload["filename"],
            "type": "text/csv",
        }


# --- runs as choices -------------------------------------------------------------------------
def run_label(entry, lang: str) -> str:
    if entry.error:
        return f"⚠ {entry.key} — {mark(entry, lang)}: {entry.status[:90]}"
    when = (entry.finished or "")[:16].replace("T", " ")
    return f"{entry.scenario} · {when} · {entry.replications} {t('run.replications', lang)} · {entry.key}"


def mark(entry, lang: str) -> str:
    """ "damaged" (files swapped or changed after the run) or "unreadable" (cannot be read at all)."""
    return t("run.damaged" if getattr(entry, "damaged", False) else "run.unreadable", lang)


def run_options(entries, lang: str) -> list[dict]:
    """Dropdown options for runs; unreadable ones are listed but cannot be chosen."""
    return [{"label": run_label(e, lang), "value": e.key, "disabled": bool(e.error)} for e in entries]


def broken_runs(entries, lang: str):
    """A warning listing unreadable result directories (or None)."""
    broken = [e for e in entries if e.error]
    if not broken:
        return None
    return html.Details(
        className="msg msg-warning",
        children=[
            html.Summary(f"{t('broken.title', lang)}: {len(broken)}"),
            html.Ul([html.Li([html.Code(e.key), f" — {mark(e, lang)}: {e.status}"]) for e in broken]),
        ],
    )


# --- the app's settings, for layouts (which Dash calls inside a request) -------------------
CONFIG_KEY = "MELDSIM_DASHBOARD"


def current_config() -> Config:
    """The settings of the app serving this request (stored in its Flask config by create_app)."""
    import flask

    return flask.current_app.config[CONFIG_KEY]
