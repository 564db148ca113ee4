"""Timeline: one replication of one run as a Gantt of outages and procedure steps, with the
incident and 112 call rate under it, the load of the room minute by minute, the utilisation of
the centralists and the CaCo by clock hour, the room's unit board (GMS) against the truth, and
the map of its posts, incidents and units unreachable at a chosen minute.

A run with partner rooms (issue 16) shows one or two of its rooms side by side: the same
replication, every figure on one time axis with the rooms stacked or in their own colours. The
map is the main room's only: partner rooms have no geography."""

from __future__ import annotations

import math

from dash import Input, Output, State, ctx, dcc, html

from .. import data, figures, i18n, ids, map_data, map_figure
from ..components import Config, broken_runs, current_config, field, figure_card, message, run_options
from ..data import MAIN_ROOM
from ..i18n import t

PATH = "/tijdlijn"
#: rooms shown side by side at most (issue 16; the hint says "one or two"): more would stack
#: the board ever taller
MAX_ROOMS = 2
#: the load of a room minute by minute (the per-minute series the Compare page averages)
LOAD_SERIES = (*data.SERIES, "centralists_on_duty")


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
                className="grid-3 controls",
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
                    html.Div(
                        field(
                            t("tl.rooms", lang),
                            dcc.Dropdown(id=ids.TL_ROOMS, options=[], value=[MAIN_ROOM], multi=True, clearable=False),
                            hint=t("tl.rooms.hint", lang),
                        ),
                        id=ids.TL_ROOMS_FIELD,
                        style={"display": "none"},
                    ),
                ],
            ),
            html.Div(broken_runs(entries, lang), id=ids.TL_BROKEN),
            html.Div(id=ids.TL_MESSAGES),
            dcc.Store(id=ids.TL_WANTED, data=rep),
            figure_card(ids.FIG_GANTT, t("tl.title", lang), lang),
            figure_card(ids.FIG_TL_LOAD, t("tl.load.title", lang), lang, note=t("tl.load.note", lang)),
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


def rooms_choices_view(cfg: Config, key, current, lang: str):
    """(room options, chosen rooms, field style) for run ``key``: the rooms it kept records for,
    the main room first; at most :data:`MAX_ROOMS` chosen (the latest choices), never none."""
    lang = i18n.lang_of(lang)
    hidden = {"display": "none"}
    if not key:
        return [], [MAIN_ROOM], hidden
    try:
        rooms = data.load_run(cfg.results_root, key).rooms_with_records()
    except data.DataError:
        return [], [MAIN_ROOM], hidden
    options = [{"label": i18n.room_label(r, lang), "value": r} for r in rooms]
    chosen = [r for r in dict.fromkeys(current or []) if r in rooms][-MAX_ROOMS:] or rooms[:1] or [MAIN_ROOM]
    return options, chosen, {} if len(rooms) > 1 else hidden


def gantt_view(cfg: Config, key, replication, lang: str, rooms=None):
    def build(run, rep, chosen, title, lang):
        shown = [
            {
                **room,
                "windows": data.replication_windows(room["run"], rep),
                "rates": data.arrival_rates(room["run"], rep),
            }
            for room in chosen
        ]
        return figures.rooms_gantt_figure(shown, run.start, run.duration, lang, title)

    return one_replication_view(cfg, key, replication, lang, build, rooms)


def load_view(cfg: Config, key, replication, lang: str, rooms=None):
    """Calls and messages waiting, centralists busy and units unreachable minute by minute, one
    colour per room; outages shaded, the fallback and a takeover as bands in the room's colour."""

    def build(run, rep, chosen, title, lang):
        series, windows = [], []
        for room in chosen:
            values = data.replication_series(room["run"], rep, LOAD_SERIES)
            if values is None:
                continue
            minute = values.pop("minute")
            series.append({**room, "time": run.times(minute), "values": values})
            windows += _load_windows(run, room, data.replication_windows(room["run"], rep), lang)
        if not series:
            return figures.empty_figure(t("empty.no_data", lang))
        return figures.timeseries_figure(series, _merged_outages(windows, len(chosen) > 1), lang, title)

    return one_replication_view(cfg, key, replication, lang, build, rooms)


def _load_windows(run, room: dict, windows, lang: str) -> list[dict]:
    """A room's outage and fallback windows for :func:`figures.timeseries_figure`; a takeover,
    seen from either room, as a band in the lane and colour of the partner that takes over."""
    out = []
    for w in windows:
        when = {"start": run.times([w.start])[0], "end": run.times([w.end])[0]}
        if w.kind in ("takeover", "taking_over"):
            partner = w.subject if w.kind == "takeover" else room["room"]
            band = {"label": i18n.room_label(partner, lang), "colour": room["colours"].get(partner, room["colour"])}
            legend = figures.gantt_label("takeover", partner, lang)
            out.append({**when, **band, "kind": "takeover", "subject": partner, "legend": legend})
        elif w.kind in ("outage", "fallback"):
            out.append({**when, "kind": w.kind, "subject": w.subject, "label": room["label"], "colour": room["colour"]})
    return out


def _merged_outages(windows: list[dict], several: bool) -> list[dict]:
    """One shaded window per outage, naming the rooms it hit when more than one room is shown,
    and one band per takeover (both rooms see it)."""
    merged: dict[tuple, dict] = {}
    rest = {}
    for w in windows:
        key = (w["kind"], w["subject"], str(w["start"]), str(w["end"]))
        if w["kind"] != "outage":
            rest.setdefault(key if w["kind"] == "takeover" else (*key, w["label"]), w)
        elif key in merged:
            merged[key]["rooms"].append(w["label"])
        else:
            merged[key] = {**w, "rooms": [w["label"]]}
    outages = [
        {**w, "subject": f"{w['subject']} ({', '.join(w['rooms'])})" if several else w["subject"]}
        for w in merged.values()
    ]
    return outages + list(rest.values())


def board_view(cfg: Config, key, replication, lang: str, rooms=None):
    def build(run, rep, chosen, title, lang):
        shown = [
            {
                **room,
                "board": data.unit_board(room["run"], rep),
                "windows": data.replication_windows(room["run"], rep),
                "events": data.board_events(room["run"], rep),
            }
            for room in chosen
        ]
        if not any(room["board"] for room in shown):
            return figures.empty_figure(t("empty.no_data", lang))
        return figures.rooms_board_figure(shown, run.start, run.duration, lang, title)

    return one_replication_view(cfg, key, replication, lang, build, rooms)


def hours_view(cfg: Config, key, replication, lang: str, rooms=None):
    def build(run, rep, chosen, title, lang):
        groups = []
        for room in chosen:
            hours = data.hourly_utilisation(room["run"], rep)
            if hours is not None:
                label = room["label"] if len(chosen) > 1 else f"{t('tl.replication', lang)} {rep}"
                groups.append({"label": label, "colour": room["colour"], "origin": run.start, **hours})
        if not groups:
            return figures.empty_figure(t("empty.no_data", lang))
        return figures.utilisation_figure(groups, lang, title)

    return one_replication_view(cfg, key, replication, lang, build, rooms)


HIDDEN_SLIDER = {"min": 0, "max": 1, "value": 0, "marks": {}, "show": False}


def map_view(cfg: Config, key, replication, minute, lang: str, keep_minute: bool = False, rooms=None):
    """(figure, slider settings, note) of the map of one replication. The slider spans the
    replication's unreachable stretches and starts at the minute with the most units unreachable;
    ``keep_minute`` keeps ``minute`` (the user moved the slider) instead. Always the main room's
    map: with a partner room among ``rooms`` the note says so (partners have no geography)."""
    lang = i18n.lang_of(lang)
    if not key or replication is None:
        return figures.empty_figure(t("tl.run.placeholder", lang)), HIDDEN_SLIDER, None
    try:
        run = data.load_run(cfg.results_root, key)
        partners = [r for r in rooms or [] if r != MAIN_ROOM and r in run.partners]
        main_only = (
            message(t("map.main_room_only", lang, room=i18n.room_label(MAIN_ROOM, lang), partners=", ".join(partners)))
            if partners
            else None
        )
        if not map_data.has_geography(run):
            return map_figure.no_geography_figure(lang), HIDDEN_SLIDER, main_only
        rep = int(replication)
        stretches = map_data.unreachable_stretches(run, rep)
        slider, unreachable, note = _map_slider(run, stretches, minute if keep_minute else None, lang)
        note = html.Div([main_only, note]) if main_only and note else main_only or note
        title = replication_title(run, chosen_rooms(run, [MAIN_ROOM], lang), rep, lang)
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


def one_replication_view(cfg: Config, key, replication, lang: str, build, rooms=None):
    """``build(run, replication, rooms, title, lang)`` for replication ``replication`` of run
    ``key``, ``rooms`` the chosen rooms as :func:`chosen_rooms` gives them; a figure saying what
    is missing when nothing is chosen or the run cannot be read."""
    lang = i18n.lang_of(lang)
    if not key or replication is None:
        return figures.empty_figure(t("tl.run.placeholder", lang))
    try:
        run = data.load_run(cfg.results_root, key)
        chosen = chosen_rooms(run, rooms, lang)
        return build(run, int(replication), chosen, replication_title(run, chosen, replication, lang), lang)
    except data.DataError as exc:
        return figures.empty_figure(str(exc))


def chosen_rooms(run, rooms, lang: str) -> list[dict]:
    """``{"room", "label", "colour", "colours", "run"}`` of each room asked for that the run has
    (the main room when none is), at most :data:`MAX_ROOMS`; a room keeps its colour whatever
    else is chosen."""
    every = [MAIN_ROOM, *run.partners]
    colours = {r: figures.colour(i) for i, r in enumerate(every)}
    asked = [r for r in dict.fromkeys(rooms or []) if r in every][:MAX_ROOMS] or [MAIN_ROOM]
    return [
        {
            "room": r,
            "label": i18n.room_label(r, lang),
            "colour": colours[r],
            "colours": colours,
            "run": run.in_room(r),
        }
        for r in asked
    ]


def replication_title(run, chosen: list[dict], replication, lang: str) -> str:
    """``scenario · replicatie 1``, naming the rooms shown when the run has partner rooms."""
    rooms = f" · {' + '.join(room['label'] for room in chosen)}" if run.partners else ""
    return f"{run.scenario}{rooms} · {t('tl.replication', lang).lower()} {replication}"


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
        Output(ids.TL_ROOMS, "options"),
        Output(ids.TL_ROOMS, "value"),
        Output(ids.TL_ROOMS_FIELD, "style"),
        Input(ids.TL_RUN, "value"),
        Input(ids.TL_ROOMS, "value"),
        State(ids.LANG, "data"),
    )
    def _rooms(key, current, lang):
        return rooms_choices_view(cfg, key, current, lang)

    @app.callback(
        Output(ids.fig(ids.FIG_GANTT), "figure"),
        Output(ids.fig(ids.FIG_TL_LOAD), "figure"),
        Output(ids.fig(ids.FIG_TL_HOURS), "figure"),
        Output(ids.fig(ids.FIG_BOARD), "figure"),
        Input(ids.TL_RUN, "value"),
        Input(ids.TL_REPLICATION, "value"),
        Input(ids.TL_ROOMS, "value"),
        State(ids.LANG, "data"),
    )
    def _figures(key, replication, rooms, lang):
        views = (gantt_view, load_view, hours_view, board_view)
        return tuple(view(cfg, key, replication, lang, rooms) for view in views)

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
        Input(ids.TL_ROOMS, "value"),
        State(ids.LANG, "data"),
    )
    def _map(key, replication, minute, rooms, lang):
        moved = ctx.triggered_id in (ids.MAP_MINUTE, ids.TL_ROOMS)  # another room: the same minute
        figure, slider, note = map_view(cfg, key, replication, minute, lang, keep_minute=moved, rooms=rooms)
        style = {} if slider["show"] else {"display": "none"}
        return figure, slider["min"], slider["max"], slider["value"], slider["marks"], style, note
