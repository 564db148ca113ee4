"""Compare (the main page): two or more runs side by side.

A KPI table (mean and 95 % CI per run, the paired difference with the first run), the night
as time series with outage and fallback windows, the utilisation of the centralists and the
CaCo by clock hour, ECDFs of processing time and opkomsttijd with the norm, and per-region
bars. Runs with partner rooms (issue 16) also get the rooms side by side (one run's KPIs per
room, from its summary) and a choice of whose KPIs the KPI table compares. The ``*_view``
functions are the callbacks as plain functions of (config, inputs); :func:`register` binds
them to an app.
"""

from __future__ import annotations

import json

from dash import Input, Output, State, dcc, html

from sim.experiments.metrics import GROUPED, metric_of

from .. import data, figures, i18n, ids
from ..components import (
    Config,
    broken_runs,
    csv_payload,
    current_config,
    field,
    figure_card,
    message,
    run_options,
    table_card,
)
from ..i18n import t
from ..norms import NORM_SHARE, NORMS, PROCESSING_TARGET_S, norm_of

PATH = "/"
DEFAULT_REGION_KPI = "opkomsttijd_within_norm_share"


def layout(lang: str = "nl", runs: str | None = None, **_query) -> html.Div:
    """The page for the app serving this request; ``?runs=a,b`` preselects runs."""
    return build_layout(current_config(), lang, runs)


def build_layout(cfg: Config, lang: str = "nl", runs: str | None = None) -> html.Div:
    lang = i18n.lang_of(lang)
    entries = data.list_run_entries(cfg.results_root)
    readable = {e.key for e in entries if not e.error}
    preset = [r for r in (runs or "").split(",") if r in readable]
    value = preset or default_selection(cfg, entries)
    return html.Div(
        className="page",
        children=[
            html.H2(t("cmp.title", lang)),
            html.P(t("cmp.intro", lang), className="intro"),
            field(
                t("cmp.runs", lang),
                dcc.Dropdown(
                    id=ids.CMP_RUNS,
                    multi=True,
                    value=value,
                    options=run_options(entries, lang),
                    placeholder=t("cmp.runs.placeholder", lang),
                    persistence=not preset,
                    persistence_type="session",
                ),
            ),
            html.Div(broken_runs(entries, lang), id=ids.CMP_BROKEN),
            html.Div(id=ids.CMP_MESSAGES),
            table_card(
                ids.TABLE_KPIS,
                t("cmp.table.title", lang),
                lang,
                html.Div(id=ids.CMP_TABLE, className="scroll"),
                head_extra=[room_choice(lang)],
            ),
            rooms_card(lang),
            figure_card(ids.FIG_TIMESERIES, t("cmp.ts.title", lang), lang),
            figure_card(
                ids.FIG_HOURS,
                t("hours.title", lang),
                lang,
                note=f"{t('hours.note', lang)} {t('hours.note.runs', lang)}",
            ),
            html.Div(
                className="grid-2",
                children=[
                    figure_card(
                        ids.FIG_ECDF_PROCESSING, t("fig.processing", lang), lang, note=t("fig.ecdf.note", lang)
                    ),
                    figure_card(ids.FIG_ECDF_OPKOMST, t("fig.opkomst", lang), lang, note=t("fig.ecdf.note", lang)),
                ],
            ),
            figure_card(
                ids.FIG_REGIONS,
                t("cmp.regions.title", lang),
                lang,
                controls=html.Div(
                    className="inline",
                    children=[
                        html.Label(t("cmp.regions.kpi", lang)),
                        dcc.Dropdown(
                            id=ids.CMP_REGION_KPI,
                            value=DEFAULT_REGION_KPI,
                            clearable=False,
                            options=[{"label": i18n.kpi_label(k, lang), "value": k} for k in GROUPED],
                            persistence=True,
                            persistence_type="session",
                            style={"minWidth": "340px"},
                        ),
                    ],
                ),
            ),
            norms_note(lang),
        ],
    )


def room_choice(lang: str) -> html.Div:
    """Whose KPIs the table compares: the main room (as without partners), a partner, all rooms."""
    return html.Div(
        className="inline",
        id=ids.CMP_ROOM_FIELD,
        style={"display": "none"},
        children=[
            html.Label(t("cmp.room", lang)),
            dcc.Dropdown(
                id=ids.CMP_ROOM,
                value=data.MAIN_ROOM,
                options=[{"label": i18n.room_label(data.MAIN_ROOM, lang), "value": data.MAIN_ROOM}],
                clearable=False,
                style={"minWidth": "180px"},
            ),
        ],
    )


def rooms_card(lang: str) -> html.Div:
    """One run's KPIs per room, rooms as columns (shown when a chosen run has partner rooms)."""
    return html.Div(
        id=ids.CMP_ROOMS_CARD,
        style={"display": "none"},
        children=table_card(
            ids.TABLE_ROOMS,
            t("cmp.rooms.title", lang),
            lang,
            html.Div(
                [
                    html.P(t("cmp.rooms.note", lang), className="note"),
                    field(t("cmp.rooms.run", lang), dcc.Dropdown(id=ids.CMP_ROOMS_RUN, options=[], clearable=False)),
                    html.Div(id=ids.CMP_ROOMS_TABLE, className="scroll"),
                ]
            ),
        ),
    )


def norms_note(lang: str) -> html.Details:
    return html.Details(
        className="note",
        children=[
            html.Summary(t("cmp.norms", lang)),
            html.Ul(
                [html.Li([html.B(i18n.kpi_label(k, lang)), f" {n.describe()}: {n.source}"]) for k, n in NORMS.items()]
            ),
        ],
    )


# --- callbacks as plain functions ----------------------------------------------------------
def default_selection(cfg: Config, entries) -> list[str]:
    """The runs of the newest comparison (baseline first), else the two newest runs."""
    good = [e for e in entries if not e.error]
    for e in good:  # newest first: the first run inside a comparison directory names the newest comparison
        parts = e.key.split("/")
        if "runs" in parts[:-1]:
            group = "/".join(parts[: parts.index("runs")])
            members = [g.key for g in good if g.key.startswith(group + "/runs/")]
            try:
                order = json.loads((cfg.results_root / group / "comparison.json").read_text(encoding="utf-8"))[
                    "scenarios"
                ]
                members.sort(key=lambda k: order.index(k.rsplit("/", 1)[-1]) if k.rsplit("/", 1)[-1] in order else 99)
            except (OSError, ValueError, KeyError, TypeError):
                pass
            if len(members) >= 2:
                return members
    return [e.key for e in good[:2]][::-1]


def _load(cfg: Config, keys):
    return data.load_runs(cfg.results_root, keys or [])


def table_view(cfg: Config, keys, lang: str, room: str = data.MAIN_ROOM):
    """(table, CSV payload, messages) for the chosen runs: the KPIs of ``room`` (issue 16)."""
    lang = i18n.lang_of(lang)
    runs, errors = _load(cfg, keys)
    messages = [message(t("error.run", lang, run=k, error=e), "error") for k, e in errors]
    if not runs:
        return message(t("empty.choose_runs", lang)), None, messages
    rooms = data.summary_rooms(runs)
    room = room if room in (*rooms, data.ALL_ROOMS) and rooms else data.MAIN_ROOM
    rows = data.kpi_rows(runs, room)
    for run in runs:  # without replications.parquet there are means but no differences
        try:
            problem = None if run.table("replications", ["replication"]) is not None else "—"
        except data.DataError as exc:
            problem = str(exc)
        if problem:
            messages.append(
                message(t("error.file", lang, file="replications.parquet", run=run.key, error=problem), "warning")
            )
    return kpi_table(rows, runs, lang), csv_payload(ids.TABLE_KPIS, rows), messages


def kpi_table(rows: list[dict], runs, lang: str) -> html.Table:
    by_kpi: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_kpi.setdefault(row["kpi"], {})[row["run"]] = row
    ref = runs[0]
    head = [html.Th(t("cmp.table.kpi", lang)), html.Th(t("cmp.table.unit", lang))]
    head += [html.Th([html.Span(run.letter, className="letter"), f" {run.scenario}"], title=run.key) for run in runs]
    head += [html.Th(t("cmp.table.diff", lang, run=run.letter, ref=ref.letter), title=run.key) for run in runs[1:]]
    body = []
    for kpi, cells in by_kpi.items():
        first = next(iter(cells.values()))
        unit = first["unit"]
        tds = [
            html.Td(i18n.kpi_label(kpi, lang), title=kpi, className="kpi"),
            html.Td(i18n.unit_label(unit, lang), className="unit"),
        ]
        tds += [mean_cell(cells.get(run.key, {}), unit, lang) for run in runs]
        for run in runs[1:]:
            r = cells.get(run.key, {})
            cls = "num"
            if r.get("significant"):
                cls += {"better": " cell-sig-better", "worse": " cell-sig-worse"}.get(r.get("change"), " cell-sig")
            mark = "" if r.get("paired") in (True, None) else " †"
            tds.append(
                html.Td(
                    [
                        html.Div(i18n.value(r.get("diff_mean"), unit, lang, signed=True) + mark, className="mean"),
                        html.Div(
                            i18n.interval(r.get("diff_ci95_low"), r.get("diff_ci95_high"), unit, lang), className="ci"
                        ),
                    ],
                    className=cls,
                    title=None if mark == "" else t("cmp.table.unpaired", lang),
                )
            )
        body.append(html.Tr(tds))
    legend = html.Div(
        className="legend",
        children=[
            html.Span(t("cmp.legend.better", lang), className="swatch cell-sig-better"),
            html.Span(t("cmp.legend.worse", lang), className="swatch cell-sig-worse"),
            html.Span(t("cmp.legend.neutral", lang), className="swatch cell-sig"),
            html.Span(t("cmp.legend.norm", lang), className="swatch cell-norm-broken"),
            html.Span(t("cmp.legend.ci", lang) + f" † = {t('cmp.table.unpaired', lang)}.", className="legend-text"),
        ],
    )
    return html.Div([html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="table kpi-table"), legend])


def room_choices_view(cfg: Config, keys, current, lang: str):
    """(options, value, style) of the table's room choice: shown when a chosen run has partner
    rooms; the main room, each partner, all rooms; ``current`` kept when it is still there."""
    lang = i18n.lang_of(lang)
    runs, _ = _load(cfg, keys)
    rooms = data.summary_rooms(runs)
    every = [data.MAIN_ROOM, *rooms, data.ALL_ROOMS] if rooms else [data.MAIN_ROOM]
    options = [{"label": i18n.room_label(r, lang), "value": r} for r in every]
    return options, current if current in every else data.MAIN_ROOM, {} if rooms else {"display": "none"}


def rooms_view(cfg: Config, keys, chosen, lang: str):
    """(card style, run options, run, table, CSV payload) of the rooms side by side: KPIs as rows,
    the rooms of run ``chosen`` (the first chosen run with partner rooms by default) as columns."""
    lang = i18n.lang_of(lang)
    hidden = {"display": "none"}
    runs, _ = _load(cfg, keys)
    with_rooms = [run for run in runs if data.summary_rooms([run])]
    if not with_rooms:
        return hidden, [], None, None, None
    options = [{"label": run.label, "value": run.key} for run in with_rooms]
    run = next((r for r in with_rooms if r.key == chosen), with_rooms[0])
    rows = data.room_rows(run)
    return {}, options, run.key, rooms_table(rows, lang), csv_payload(ids.TABLE_ROOMS, rows)


def rooms_table(rows: list[dict], lang: str) -> html.Table:
    """KPIs as rows, rooms as columns: mean and 95 % CI, a broken norm marked as in the KPI table."""
    rooms = list(dict.fromkeys(r["room"] for r in rows))
    by_kpi: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_kpi.setdefault(row["kpi"], {})[row["room"]] = row
    head = [html.Th(t("cmp.table.kpi", lang)), html.Th(t("cmp.table.unit", lang))]
    head += [html.Th(i18n.heading(i18n.room_label(room, lang))) for room in rooms]
    body = []
    for kpi, cells in by_kpi.items():
        unit = next(iter(cells.values()))["unit"]
        tds = [
            html.Td(i18n.kpi_label(kpi, lang), title=kpi, className="kpi"),
            html.Td(i18n.unit_label(unit, lang), className="unit"),
        ]
        tds += [mean_cell(cells.get(room, {}), unit, lang) for room in rooms]
        body.append(html.Tr(tds))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="table kpi-table rooms-table")


def mean_cell(row: dict, unit: str, lang: str) -> html.Td:
    """A KPI's mean over its 95 % CI, red with the norm in its tooltip when the norm is not met."""
    broken = row.get("norm_broken")
    return html.Td(
        [
            html.Div(i18n.value(row.get("mean"), unit, lang), className="mean"),
            html.Div(i18n.interval(row.get("ci95_low"), row.get("ci95_high"), unit, lang), className="ci"),
        ],
        className="num cell-norm-broken" if broken else "num",
        title=f"{t('cmp.legend.norm', lang)}: {row['norm']}" if broken else None,
    )


def timeseries_view(cfg: Config, keys, lang: str):
    lang = i18n.lang_of(lang)
    runs, _ = _load(cfg, keys)
    series, windows = [], []
    for i, run in enumerate(runs):
        try:
            ts = data.mean_timeseries(run)
            run_windows = data.run_windows(run)
        except data.DataError:
            continue
        if ts is None:
            continue
        colour = figures.colour(i)
        series.append(
            {
                "label": run.label,
                "colour": colour,
                "time": run.times(ts["minute"]),
                "values": {k: v for k, v in ts.items() if k not in ("minute", "step")},
            }
        )
        for w in run_windows:
            windows.append(
                {
                    **w,
                    "label": run.label,
                    "colour": colour,
                    "start": run.times([w["start"]])[0],
                    "end": run.times([w["end"]])[0],
                }
            )
    if not series:
        return figures.empty_figure(t("empty.choose_runs", lang) if not runs else t("empty.no_records", lang))
    return figures.timeseries_figure(series, windows, lang)


def hours_view(cfg: Config, keys, lang: str):
    """Utilisation by clock hour of the chosen runs, over their replications with records."""
    lang = i18n.lang_of(lang)
    runs, _ = _load(cfg, keys)
    groups = []
    for i, run in enumerate(runs):
        try:
            hours = data.hourly_utilisation(run)
        except data.DataError:
            continue
        if hours is not None:
            groups.append({"label": run.label, "colour": figures.colour(i), "origin": run.start, **hours})
    if not groups:
        return figures.empty_figure(t("empty.choose_runs", lang) if not runs else t("empty.no_records", lang))
    return figures.utilisation_figure(groups, lang)


def ecdf_view(cfg: Config, keys, lang: str):
    lang = i18n.lang_of(lang)
    runs, _ = _load(cfg, keys)
    processing, opkomst, norms = [], [], set()
    for i, run in enumerate(runs):
        try:
            times = data.response_times(run)
        except data.DataError:
            continue
        if times is None:
            continue
        x, y = data.ecdf(times["processing_s"])
        processing.append({"label": run.label, "colour": figures.colour(i), "x": x, "y": y})
        x, y = data.ecdf(times["opkomsttijd_min"])
        opkomst.append({"label": run.label, "colour": figures.colour(i), "x": x, "y": y})
        norms.update(times["norms_min"])
    if not processing:
        empty = figures.empty_figure(t("empty.choose_runs", lang) if not runs else t("empty.no_records", lang))
        return empty, empty
    share = NORMS["processing_within_60s_share"].minimum
    fig_p = figures.ecdf_figure(
        processing,
        None,
        t("fig.processing.x", lang),
        [(PROCESSING_TARGET_S, t("fig.norm", lang, value=f"{PROCESSING_TARGET_S:g} s"))],
        share,
        lang,
    )
    fig_o = figures.ecdf_figure(
        opkomst,
        None,
        t("fig.opkomst.x", lang),
        [(n, t("fig.norm", lang, value=f"{n:g} min")) for n in sorted(norms)],
        NORMS["opkomsttijd_within_norm_share"].minimum or NORM_SHARE,
        lang,
    )
    return fig_p, fig_o


def regions_view(cfg: Config, keys, kpi: str | None, lang: str):
    """The per-region bars of ``kpi`` (a base KPI reported per region)."""
    lang = i18n.lang_of(lang)
    runs, _ = _load(cfg, keys)
    bases = data.grouped_bases(runs)
    if not runs:
        return figures.empty_figure(t("empty.choose_runs", lang))
    kpi = kpi if kpi in bases else (DEFAULT_REGION_KPI if DEFAULT_REGION_KPI in bases else (bases or [None])[0])
    if kpi is None:
        return figures.empty_figure(t("empty.no_data", lang))
    bars = [
        {"label": run.label, "colour": figures.colour(i), "stats": data.region_stats(run, kpi)}
        for i, run in enumerate(runs)
    ]
    try:
        unit = metric_of(kpi).unit
    except KeyError:
        unit = ""
    return figures.region_figure(bars, kpi, unit, norm_of(kpi), lang)


# --- wiring --------------------------------------------------------------------------------
# The page is rebuilt when the language changes, so the language is State here, not Input.
def register(app, cfg: Config) -> None:
    @app.callback(
        Output(ids.CMP_TABLE, "children"),
        Output(ids.csv_data(ids.TABLE_KPIS), "data"),
        Output(ids.CMP_MESSAGES, "children"),
        Input(ids.CMP_RUNS, "value"),
        Input(ids.CMP_ROOM, "value"),
        State(ids.LANG, "data"),
    )
    def _table(keys, room, lang):
        return table_view(cfg, keys, lang, room)

    @app.callback(
        Output(ids.CMP_ROOM, "options"),
        Output(ids.CMP_ROOM, "value"),
        Output(ids.CMP_ROOM_FIELD, "style"),
        Input(ids.CMP_RUNS, "value"),
        State(ids.CMP_ROOM, "value"),
        State(ids.LANG, "data"),
    )
    def _room(keys, current, lang):
        return room_choices_view(cfg, keys, current, lang)

    @app.callback(
        Output(ids.CMP_ROOMS_CARD, "style"),
        Output(ids.CMP_ROOMS_RUN, "options"),
        Output(ids.CMP_ROOMS_RUN, "value"),
        Output(ids.CMP_ROOMS_TABLE, "children"),
        Output(ids.csv_data(ids.TABLE_ROOMS), "data"),
        Input(ids.CMP_RUNS, "value"),
        Input(ids.CMP_ROOMS_RUN, "value"),
        State(ids.LANG, "data"),
    )
    def _rooms(keys, chosen, lang):
        return rooms_view(cfg, keys, chosen, lang)

    @app.callback(Output(ids.fig(ids.FIG_TIMESERIES), "figure"), Input(ids.CMP_RUNS, "value"), State(ids.LANG, "data"))
    def _timeseries(keys, lang):
        return timeseries_view(cfg, keys, lang)

    @app.callback(Output(ids.fig(ids.FIG_HOURS), "figure"), Input(ids.CMP_RUNS, "value"), State(ids.LANG, "data"))
    def _hours(keys, lang):
        return hours_view(cfg, keys, lang)

    @app.callback(
        Output(ids.fig(ids.FIG_ECDF_PROCESSING), "figure"),
        Output(ids.fig(ids.FIG_ECDF_OPKOMST), "figure"),
        Input(ids.CMP_RUNS, "value"),
        State(ids.LANG, "data"),
    )
    def _ecdf(keys, lang):
        return ecdf_view(cfg, keys, lang)

    @app.callback(
        Output(ids.fig(ids.FIG_REGIONS), "figure"),
        Input(ids.CMP_RUNS, "value"),
        Input(ids.CMP_REGION_KPI, "value"),
        State(ids.LANG, "data"),
    )
    def _regions(keys, kpi, lang):
        return regions_view(cfg, keys, kpi, lang)
