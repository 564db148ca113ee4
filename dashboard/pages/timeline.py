"""Timeline: one replication of one run as a Gantt of outages and procedure steps, with the
incident and 112 call rate under it, the utilisation of the centralists and the CaCo by clock
hour, the room's unit board (GMS) against the truth, and the map of its posts, incidents and
units unreachable at a chosen minute."""

from __future__ import annotations

import math

from dash import Input, Output, State, ctx, dcc, html

from .. import data, figures, i18n, ids, map_data, map_figure
from ..components import Config, broken_runs, current_config, field, figure_card, message, run_options
from ..i18n import t

PATH = "/tijdlijn"


def layout(lang: str = "nl", run: str | None = None, replication: str | None = None, **_query) -> html.Div:
    """The page for the app serving this request; ``?run=KEY&replication=N`` preselects."""
    return build_layout(current_config(), lang, run, replication)


def build_layout(cfg: Config, lang: str = "nl", run: str | None = None, replication: str | None = None) -> html.Div:
    lang = i18n.lang_of(lang)
    entries = data.list_run_entries(cfg.results_root)
    readable = [e for e in entries if not e.error]
    with_records = [e.key for e in readable if (e.records or 0) > 0]
    preset = run if run in {e.key for e in readable} else None
    try:
        rep = int(replication) if replication is not None else None
    except ValueError:
        rep = None
    return html.Div(
        className="page",
        children=[
            html.H2(t("tl.title", lang)),
            html.P(t("tl.intro", lang), className="intro"),
            html.Div(
                className="grid-2 controls",
                children=[
                    field(
                        t("tl.run", lang),
                        dcc.Dropdown(
                            id=ids.TL_RUN,
                            value=preset or (with_records or [None])[0],
                            options=run_options(entries, lang),
                            clearable=False,
                            placeholder=t("tl.run.placeholder", lang),
                            persistence=preset is None,
                            persistence_type="session",
                        ),
                    ),
                    field(t("tl.replication", lang), dcc.Dropdown(id=ids.TL_REPLICATION, options=[], clearable=False)),
                ],
            ),
            html.Div(broken_runs(entries, lang), id=ids.TL_BROKEN),
            html.Div(id=ids.TL_MESSAGES),
            dcc.Store(id=ids.TL_WANTED, data=rep),
            figure_card(ids.FIG_GANTT, t("tl.title", lang), lang),
            figure_card(ids.FIG_TL_HOURS, t("hours.title", lang), lang, note=t("hours.note", lang)),
            figure_card(ids.FIG_BOARD, t("tl.board.title", lang), lang, note=t("tl.board.note", lang)),
            figure_card(ids.FIG_MAP, t("map.title", lang), lang, note=t("map.note", lang), controls=map_controls(lang)),
        ],
    )


def map_controls(lang: str) -> html.Div:
    """The minute slider (shown once a replication with unreachable units is chosen) and a note."""
    return html.Div(
        [
            html.Div(
                field(
                    t("map.minute", lang),
                    dcc.Slider(id=ids.MAP_MINUTE, min=0, max=1, step=1, value=0, marks={}, allow_direct_input=False),
                ),
                id=ids.MAP_SLIDER,
                style={"display": "none"},
            ),
            html.Div(id=ids.MAP_NOTE),
        ]
    )


def replication_choices_view(cfg: Config, key, current, lang: str):
    """(replication options, value, messages) for run ``key``."""
    lang = i18n.lang_of(lang)
    if not key:
        return [], None, None
    try:
        run = data.load_run(cfg.results_root, key)
        kept = data.replications_with_records(run)
    except data.DataError as exc:
        return [], None, message(t("error.run", lang, run=key, error=exc), "error")
    if not kept:
        return [], None, message(t("empty.no_records", lang), "warning")
    value = current if current in kept else kept[0]
    return [{"label": str(r), "value": r} for r in kept], value, None


def gantt_view(cfg: Config, key, replication, lang: str):
    def build(run, rep, title, lang):
        windows = data.replication_windows(run, rep)
        rates = data.arrival_rates(run, rep)
        return figures.gantt_figure(windows, run.start, run.duration, rates, lang, title)

    return one_replication_view(cfg, key, replication, lang, build)


def board_view(cfg: Config, key, replication, lang: str):
    def build(run, rep, title, lang):
        board = data.unit_board(run, rep)
        windows = data.replication_windows(run, rep)
        events = data.board_events(run, rep)
        return figures.board_figure(board, windows, events, run.start, run.duration, lang, title)

    return one_replication_view(cfg, key, replication, lang, build)


def hours_view(cfg: Config, key, replication, lang: str):
    def build(run, rep, title, lang):
        hours = data.hourly_utilisation(run, rep)
        if hours is None:
            return figures.empty_figure(t("empty.no_data", lang))
        group = {"label": f"{t('tl.replication', lang)} {rep}", "colour": figures.colour(0), "origin": run.start}
        return figures.utilisation_figure([{**group, **hours}], lang, title)

    return one_replication_view(cfg, key, replication, lang, build)


HIDDEN_SLIDER = {"min": 0, "max": 1, "value": 0, "marks": {}, "show": False}


def map_view(cfg: Config, key, replication, minute, lang: str, keep_minute: bool = False):
    """(figure, slider settings, note) of the map of one replication. The slider spans the
    replication's unreachable stretches and starts at the minute with the most units unreachable;
    ``keep_minute`` keeps ``minute`` (the user moved the slider) instead."""
    lang = i18n.lang_of(lang)
    if not key or replication is None:
        return figures.empty_figure(t("tl.run.placeholder", lang)), HIDDEN_SLIDER, None
    try:
        run = data.load_run(cfg.results_root, key)
        if not map_data.has_geography(run):
            return map_figure.no_geography_figure(lang), HIDDEN_SLIDER, None
        rep = int(replication)
        stretches = map_data.unreachable_stretches(run, rep)
        slider, unreachable, note = _map_slider(run, stretches, minute if keep_minute else None, lang)
        title = f"{run.scenario} · {t('tl.replication', lang).lower()} {rep}"
        if unreachable is not None:
            units, posts = sum(len(u) for u in unreachable.values()), len(unreachable)
            when = _clock(run, slider["value"])
            title += f" · {t('map.unreachable.title', lang, when=when, units=units, posts=posts)}"
        posts = map_data.posts(run)
        figure = map_figure.map_figure(
            map_data.region_outlines(),
            posts,
            map_data.incident_points(run, rep),
            unreachable,
            lang,
            title,
            _map_notes(posts, lang),
        )
        return figure, slider, note
    except data.DataError as exc:
        return figures.empty_figure(str(exc)), HIDDEN_SLIDER, None


def _map_slider(run, stretches, minute, lang: str):
    """(slider settings, {post: units} at its minute or None, note) for the replication's stretches."""
    span = map_data.unreachable_span(stretches)
    if span is None:
        return HIDDEN_SLIDER, None, message(t("map.no_unreachable", lang), "info")
    low, high = span
    if minute is None or not low <= minute <= high:
        minute = map_data.busiest_minute(stretches)
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 240) if (high - low) / s <= 10), 480)
    marks = {m: _clock(run, m) for m in range(math.ceil(low / step) * step, high + 1, step)}
    slider = {"min": low, "max": high, "value": int(minute), "marks": marks, "show": True}
    return slider, map_data.unreachable_at(stretches, int(minute)), None


def _map_notes(posts, lang: str) -> tuple[str, ...]:
    return (t("map.approximate", lang),) if map_data.approximate(posts) else ()


def _clock(run, minute: float) -> str:
    return str(run.times([minute])[0])[11:16]


def one_replication_view(cfg: Config, key, replication, lang: str, build):
    """``build(run, replication, title, lang)`` for replication ``replication`` of run ``key``;
    a figure saying what is missing when nothing is chosen or the run cannot be read."""
    lang = i18n.lang_of(lang)
    if not key or replication is None:
        return figures.empty_figure(t("tl.run.placeholder", lang))
    try:
        run = data.load_run(cfg.results_root, key)
        title = f"{run.scenario} · {t('tl.replication', lang).lower()} {replication}"
        return build(run, int(replication), title, lang)
    except data.DataError as exc:
        return figures.empty_figure(str(exc))


def register(app, cfg: Config) -> None:
    @app.callback(
        Output(ids.TL_REPLICATION, "options"),
        Output(ids.TL_REPLICATION, "value"),
        Output(ids.TL_MESSAGES, "children"),
        Input(ids.TL_RUN, "value"),
        State(ids.LANG, "data"),
        State(ids.TL_REPLICATION, "value"),
        State(ids.TL_WANTED, "data"),
    )
    def _replications(key, lang, current, wanted):
        return replication_choices_view(cfg, key, current if current is not None else wanted, lang)

    @app.callback(
        Output(ids.fig(ids.FIG_GANTT), "figure"),
        Output(ids.fig(ids.FIG_TL_HOURS), "figure"),
        Output(ids.fig(ids.FIG_BOARD), "figure"),
        Input(ids.TL_RUN, "value"),
        Input(ids.TL_REPLICATION, "value"),
        State(ids.LANG, "data"),
    )
    def _figures(key, replication, lang):
        return tuple(view(cfg, key, replication, lang) for view in (gantt_view, hours_view, board_view))

    @app.callback(
        Output(ids.fig(ids.FIG_MAP), "figure"),
        Output(ids.MAP_MINUTE, "min"),
        Output(ids.MAP_MINUTE, "max"),
        Output(ids.MAP_MINUTE, "value"),
        Output(ids.MAP_MINUTE, "marks"),
        Output(ids.MAP_SLIDER, "style"),
        Output(ids.MAP_NOTE, "children"),
        Input(ids.TL_RUN, "value"),
        Input(ids.TL_REPLICATION, "value"),
        Input(ids.MAP_MINUTE, "value"),
        State(ids.LANG, "data"),
    )
    def _map(key, replication, minute, lang):
        moved = ctx.triggered_id == ids.MAP_MINUTE
        figure, slider, note = map_view(cfg, key, replication, minute, lang, keep_minute=moved)
        style = {} if slider["show"] else {"display": "none"}
        return figure, slider["min"], slider["max"], slider["value"], slider["marks"], style, note
