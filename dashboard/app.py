"""The Dash app: ``create_app(results_root)`` builds one app serving one results directory.

Five pages (Dash pages, registered here rather than from a folder so each app binds its own
settings): Vergelijken / Compare (``/``, the main page), Simuleren / Run, Tijdlijn /
Timeline, Scenario's and Oefening / Exercise. The language is a ``dcc.Store`` fed by the NL/EN switch and is an
input of the page router, so a page is rebuilt in the chosen language; the controls keep
their values through Dash persistence.

The app only reads result directories and calls :mod:`sim.experiments.api`; runs started from the Run
page go through a ``DiskcacheManager`` (one process per job), so the server stays
responsive. Nothing is kept in module globals: settings live in the callbacks' closures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dash
import diskcache
from dash import Dash, DiskcacheManager, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from . import components, ids
from .components import Config
from .i18n import t
from .pages import compare, exercise, run, scenarios, timeline

PAGES = (  # (module, path, text key)
    (compare, compare.PATH, "nav.compare"),
    (run, run.PATH, "nav.run"),
    (timeline, timeline.PATH, "nav.timeline"),
    (scenarios, scenarios.PATH, "nav.scenarios"),
    (exercise, exercise.PATH, "nav.exercise"),
)

CSS = """
:root { --ink:#1d2733; --muted:#667085; --line:#e4e7ec; --bg:#f5f7fa; --brand:#b42318; --blue:#1c5d99; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       background: var(--bg); font-size: 14px; }
.header { display:flex; align-items:center; gap:28px; padding:10px 24px; background:#fff;
          border-bottom:3px solid var(--brand); position:sticky; top:0; z-index:10; }
.header h1 { font-size:17px; margin:0; white-space:nowrap; }
.header .subtitle { color:var(--muted); font-size:12px; }
.nav { display:flex; gap:4px; flex:1; }
.nav a { padding:7px 14px; border-radius:6px; text-decoration:none; color:var(--ink); font-weight:500; }
.nav a:hover { background:#f2f4f7; }
.nav a.active { background:var(--brand); color:#fff; }
.lang label { margin-left:8px; cursor:pointer; }
main { padding:18px 24px 60px; max-width:1500px; margin:0 auto; }
.page h2 { margin:4px 0 6px; font-size:22px; }
.intro, .note, .hint { color:var(--muted); }
.hint { font-size:12px; }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; margin:14px 0; }
.card-head { display:flex; justify-content:space-between; align-items:center; gap:12px; }
.card-head h3 { margin:0; font-size:16px; }
.card-tools { display:flex; gap:6px; }
.btn { border:1px solid #d0d5dd; background:#fff; color:var(--ink); padding:6px 12px; border-radius:6px;
       cursor:pointer; font-size:13px; text-decoration:none; display:inline-block; }
.btn:hover { background:#f9fafb; }
.btn:disabled { opacity:.45; cursor:not-allowed; }
.btn-primary { background:var(--blue); border-color:var(--blue); color:#fff; }
.btn-primary:hover { background:#174d80; }
.buttons { display:flex; gap:8px; margin:12px 0; }
.field { margin:6px 0; }
.field label { display:block; font-weight:600; font-size:12px; margin-bottom:4px; }
.field input[type=text], .field input[type=number] { width:100%; padding:7px 9px; border:1px solid #d0d5dd;
       border-radius:6px; font-size:14px; }
.field-error { color:#b42318; font-size:12px; margin-top:3px; min-height:0; }
.field-error:empty { display:none; }
fieldset { border:1px solid var(--line); border-radius:8px; margin:10px 0; padding:8px 12px; }
legend { font-weight:600; padding:0 6px; }
.grid-2 { display:grid; grid-template-columns:repeat(2, minmax(0,1fr)); gap:14px; }
.grid-3 { display:grid; grid-template-columns:repeat(3, minmax(0,1fr)); gap:12px; }
.grid-4 { display:grid; grid-template-columns:repeat(4, minmax(0,1fr)); gap:10px; }
.grid-run { display:grid; grid-template-columns:3fr 1fr 1fr 1fr; gap:12px; }
.grid-3x { display:grid; grid-template-columns:2fr 1fr 1fr; gap:12px; }
.grid-2 > .card { margin:0; }
@media (max-width: 1000px) { .grid-2, .grid-3, .grid-4, .grid-run, .grid-3x { grid-template-columns:1fr; } }
.scroll { overflow-x:auto; }
.table { border-collapse:collapse; width:100%; font-size:13px; margin-top:8px; }
.table th { text-align:left; background:#f9fafb; border-bottom:2px solid var(--line); padding:7px 8px;
            position:sticky; top:0; }
.table td { border-bottom:1px solid var(--line); padding:5px 8px; vertical-align:top; }
.table td.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.table td .ci { color:var(--muted); font-size:11px; }
.table td.kpi { font-weight:500; }
.table td.unit { color:var(--muted); }
.kpi-table th { white-space:nowrap; }
.letter { display:inline-block; background:var(--ink); color:#fff; border-radius:4px; padding:0 6px; font-size:12px; }
.cell-sig-better { background:#d3f9d8; }
.cell-sig-worse { background:#ffe3c2; }
.cell-sig { background:#dbe4ff; }
.cell-norm-broken { background:#ffe0e0; color:#a61e1e; font-weight:600; box-shadow: inset 3px 0 0 #e03131; }
.legend { display:flex; flex-wrap:wrap; gap:10px; margin-top:10px; align-items:center; font-size:12px; }
.swatch { padding:2px 8px; border-radius:4px; }
.legend-text { color:var(--muted); }
.row-error td { background:#fff5f5; color:#a61e1e; }
.msg { padding:8px 12px; border-radius:6px; margin:8px 0; }
.msg-info { background:#eef4ff; }
.msg-ok { background:#e6f7ea; display:flex; gap:14px; align-items:center; }
.msg-warning { background:#fff4e5; }
.msg-error { background:#ffe9e9; color:#8a1c1c; }
.ok { color:#2b8a3e; font-weight:600; }
.bad { color:#b42318; }
.progress { display:flex; gap:12px; align-items:center; }
.progress progress { width:360px; height:16px; }
.inline { display:flex; align-items:center; gap:10px; margin:8px 0; }
details > summary { cursor:pointer; margin:6px 0; font-weight:500; }
code { font-size:12px; }
.scroll-y { max-height:680px; overflow-y:auto; }
.upload { border:2px dashed #b8c2d0; border-radius:8px; padding:18px; text-align:center; color:var(--muted);
          cursor:pointer; background:#fafbfc; }
.upload:hover { border-color:var(--blue); color:var(--ink); }
.faded { opacity:.55; }
.costliest { font-size:15px; }
.table tr.row-costliest td.kpi { font-weight:700; box-shadow: inset 4px 0 0 #e8590c; }
.table.steps-table th { white-space:normal; vertical-align:bottom; }
.table td .badge { margin-left:8px; }
.field .choices label { display:flex; align-items:center; gap:6px; font-weight:normal; font-size:14px; margin:4px 0; }
.field .choices-inline label { display:inline-flex; margin-right:18px; }
.page h4 { margin:14px 0 4px; font-size:14px; }
.table.injects td:first-child { white-space:nowrap; }
.table.injects tr.cat-outage td { background:#fdecea; }
.table.injects tr.cat-procedure td { background:#e8f1fb; }
.table.injects tr.cat-surge td, .table.injects tr.cat-alarm td { background:#fff6e0; }
.table.injects tr.cat-noodknop td { background:#fbe3f0; }
.table.injects tr.cat-board td, .table.injects tr.cat-request td { background:#f3effa; }
.badge { display:inline-block; color:#fff; border-radius:4px; padding:1px 7px; font-size:11px; white-space:nowrap;
         background:#57606a; }
.badge.cat-outage { background:#b3261e; } .badge.cat-procedure { background:#0b5cad; }
.badge.cat-surge { background:#9a6700; } .badge.cat-alarm { background:#bc4c00; }
.badge.cat-unreachable { background:#6f42c1; } .badge.cat-noodknop { background:#a1126b; }
.badge.cat-board { background:#5a3e99; } .badge.cat-request { background:#7d4e00; }
"""

INDEX = (
    """<!DOCTYPE html>
<html lang="nl">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <style>"""
    + CSS
    + """</style>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""
)


def nav_links(lang: str, pathname: str | None) -> list:
    current = (pathname or "/").rstrip("/") or "/"
    return [dcc.Link(t(key, lang), href=path, className="active" if current == path else "") for _, path, key in PAGES]


def shell() -> html.Div:
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dcc.Store(id=ids.LANG, data="nl"),
            html.Header(
                className="header",
                children=[
                    html.Div(
                        [
                            html.H1(t("app.title", "nl"), id=ids.HEADER_TITLE),
                            html.Div(t("app.subtitle", "nl"), id=ids.HEADER_SUBTITLE, className="subtitle"),
                        ]
                    ),
                    html.Nav(nav_links("nl", "/"), id=ids.NAV, className="nav"),
                    dcc.RadioItems(
                        id=ids.LANG_RADIO,
                        className="lang",
                        inline=True,
                        value="nl",
                        options=[{"label": "NL", "value": "nl"}, {"label": "EN", "value": "en"}],
                        persistence=True,
                        persistence_type="local",
                    ),
                ],
            ),
            html.Main(dash.page_container),
        ]
    )


def create_app(
    results_root: str | Path = "results",
    scenarios_dir: str | Path = "scenarios",
    *,
    cache_dir: str | Path | None = None,
) -> Dash:
    """The dashboard for the runs under ``results_root`` and the scenario files in ``scenarios_dir``.

    Background jobs (the Run page) use a diskcache under ``results_root/.dash-cache`` (a hidden
    directory, which run listings skip), or ``cache_dir``.
    """
    cfg = Config(Path(results_root).resolve(), Path(scenarios_dir).resolve())
    if cache_dir is None:
        try:
            cfg.results_root.mkdir(parents=True, exist_ok=True)
            cache_dir = cfg.results_root / ".dash-cache"
        except OSError:
            cache_dir = Path(tempfile.mkdtemp(prefix="meldsim-dash-cache-"))
    manager = DiskcacheManager(diskcache.Cache(str(cache_dir)))
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
        title="meldsim",
        update_title=None,
        routing_callback_inputs={"lang": Input(ids.LANG, "data")},
    )
    app.index_string = INDEX
    app.server.config[components.CONFIG_KEY] = cfg  # for the page layouts; per app, not global
    for module, path, key in PAGES:
        dash.register_page(
            f"meldsim.{module.__name__.rsplit('.', 1)[-1]}",
            path=path,
            name=t(key, "nl"),
            title=f"meldsim · {t(key, 'nl')}",
            layout=module.layout,
        )
    app.layout = shell
    warm_up()
    register_shell_callbacks(app)
    components.register_download_callbacks(app)
    for module, _, _ in PAGES:
        module.register(app, cfg)
    return app


def warm_up() -> None:
    """Build and serialise one figure before serving: plotly imports optional modules (pandas,
    if installed) on first use, and two callback threads doing that at once can see a
    half-imported module. Importing pandas here (when installed; the dashboard does not need
    it) makes sure no request thread ever sees it half-imported."""
    import importlib

    import numpy as np
    import plotly.graph_objects as go

    try:
        importlib.import_module("pandas")
    except ImportError:
        pass

    from plotly.subplots import make_subplots

    from sim.experiments.stats import paired_difference, unpaired_difference

    figure = make_subplots(rows=2, cols=1, shared_xaxes=True)
    figure.add_trace(go.Bar(x=["a"], y=np.array([1.0]), error_y={"array": np.array([0.1])}), row=1, col=1)
    figure.add_trace(go.Scatter(x=np.array(["2025-01-01T00:00"], dtype="datetime64[ms]"), y=[1]), row=2, col=1)
    figure.add_vrect(x0=0, x1=1, row="all", col=1)
    figure.to_json()
    paired_difference([1.0, 2.0, 4.0], [0.0, 1.0, 1.0])  # scipy.stats loads its t-test lazily (~2 s)
    unpaired_difference([1.0, 2.0, 4.0], [0.0, 1.0, 1.0])


def register_shell_callbacks(app) -> None:
    @app.callback(Output(ids.LANG, "data"), Input(ids.LANG_RADIO, "value"), State(ids.LANG, "data"))
    def _language(choice, current):
        if choice not in ("nl", "en") or choice == current:
            raise PreventUpdate
        return choice

    @app.callback(
        Output(ids.NAV, "children"),
        Output(ids.HEADER_TITLE, "children"),
        Output(ids.HEADER_SUBTITLE, "children"),
        Input(ids.LANG, "data"),
        Input(ids.URL, "pathname"),
    )
    def _header(lang, pathname):
        return nav_links(lang, pathname), t("app.title", lang), t("app.subtitle", lang)
