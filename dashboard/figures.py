"""Plotly figure builders: pure functions from arrays (see :mod:`dashboard.data`) to figures.

Every builder takes the language and returns a ``go.Figure``; none reads files. Times are
numpy ``datetime64`` (clock time of the scenario); shares are drawn as percentages.
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim import labels

from . import i18n
from .data import HOURLY_UTILISATION, minutes_to_datetimes
from .i18n import t

COLOURS = ("#1c5d99", "#e8590c", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#5c940d", "#495057")
OUTAGE_COLOUR = "#e03131"
NORM_COLOUR = "#c92a2a"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
KIND_COLOURS = MappingProxyType(
    {
        "outage": "#e03131",
        "detection": "#f59f00",
        "decision": "#fab005",
        "activation": "#a9e34b",
        "fallback": "#2b8a3e",
        "relocating": "#7048e8",
        "relocated": "#9775fa",
        "call_in": "#1971c2",
        "generator_failed": "#212529",
        "roll_call": "#1098ad",
        "takeover": "#5f3dc4",  # the desk handed to a partner room, and that room taking it (issue 16)
        "taking_over": "#5f3dc4",
    }
)
#: the unit board panel: one colour per series and per event
BOARD_COLOURS = MappingProxyType(
    {
        "units_busy": "#1c5d99",
        "units_busy_true": "#2b8a3e",
        "units_idle_unknown": "#e8590c",
        "units_double_dispatched": "#c2255c",
        "status_misnoted": "#862e9c",
        "realarm": "#f08c00",
        "next_unit_alarmed": "#c92a2a",
        "reinforcement_lost": "#495057",
        "status_not_noted": "#5f3dc4",
        "double_alarm": "#0b7285",
    }
)
BOARD_SYMBOLS = MappingProxyType(
    {
        "status_misnoted": "x",
        "realarm": "circle",
        "next_unit_alarmed": "triangle-up",
        "reinforcement_lost": "square",
        "status_not_noted": "diamond",
        "double_alarm": "star",
    }
)


def colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def _style(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT, "size": 13},
        margin={"l": 60, "r": 20, "t": 60 if title else 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"namelength": -1},
    )
    if title:
        fig.update_layout(
            title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            legend={"y": 1.0, "yanchor": "bottom"},
        )
    return fig


def empty_figure(message: str, height: int = 300) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 15, "color": "#868e96"}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, height)


def _iso(value) -> str:
    return str(np.datetime64(value, "s"))


# --- Compare: the night --------------------------------------------------------------------
def timeseries_figure(series: list[dict], windows: list[dict], lang: str = "nl", title: str | None = None) -> go.Figure:
    """Four rows over clock time: calls waiting, centralists busy (on duty dotted), messages
    waiting, units unreachable; one colour per run (or per room of one replication, issue 16);
    outage windows shaded red and each run's fallback window shaded in the run's colour.

    ``series``: ``{"label", "colour", "time", "values": {column: array}}`` per run;
    ``windows``: ``{"label", "colour", "kind", "subject", "start", "end"}`` (datetimes); a band
    that is not a fallback window names itself in ``"legend"``.
    """
    rows = ("calls_waiting", "centralists_busy", "messages_waiting", "units_unreachable")
    fig = make_subplots(
        rows=len(rows),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[i18n.heading(i18n.pick(labels.series(r), lang)) for r in rows],
    )
    on_duty_label = i18n.pick(labels.series("centralists_on_duty"), lang)
    for run in series:
        for r, column in enumerate(rows, start=1):
            values = run["values"].get(column)
            if values is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=run["time"],
                    y=np.round(values, 3),
                    name=run["label"],
                    mode="lines",
                    line={"color": run["colour"], "width": 2, "shape": "hv"},
                    legendgroup=run["label"],
                    showlegend=r == 1,
                    hovertemplate="%{x|%d-%m %H:%M}: %{y:.2f}<extra>" + run["label"] + "</extra>",
                ),
                row=r,
                col=1,
            )
        on_duty = run["values"].get("centralists_on_duty")
        if on_duty is not None:
            fig.add_trace(
                go.Scatter(
                    x=run["time"],
                    y=np.round(on_duty, 3),
                    name=f"{run['label']}: {on_duty_label}",
                    mode="lines",
                    line={"color": run["colour"], "width": 1, "dash": "dot", "shape": "hv"},
                    legendgroup=run["label"],
                    showlegend=False,
                    hovertemplate="%{x|%d-%m %H:%M}: %{y:.1f}<extra>" + on_duty_label + "</extra>",
                ),
                row=2,
                col=1,
            )
    seen = set()
    runs = list(dict.fromkeys(w["label"] for w in windows if w["kind"] != "outage"))
    for w in windows:
        x0, x1 = _iso(w["start"]), _iso(w["end"])
        if w["kind"] == "outage":
            key = (w["subject"], x0, x1)
            if key in seen:
                continue
            seen.add(key)
            fig.add_vrect(
                x0=x0, x1=x1, row="all", col=1, fillcolor=OUTAGE_COLOUR, opacity=0.09, line_width=0, layer="below"
            )
            _legend_swatch(fig, f"{t('fig.outage', lang)} {w['subject']}", OUTAGE_COLOUR, 0.3)
            continue
        # a run's fallback window: a band in the run's colour along the top of every panel
        i = runs.index(w["label"])
        top = 0.99 - 0.06 * i
        for r in range(1, len(rows) + 1):
            axis = "y" if r == 1 else f"y{r}"
            fig.add_shape(
                type="rect",
                x0=x0,
                x1=x1,
                xref="x" if r == 1 else f"x{r}",
                y0=top - 0.035,
                y1=top,
                yref=f"{axis} domain",
                fillcolor=w["colour"],
                opacity=0.55,
                line_width=0,
            )
        name = w.get("legend") or f"{t('fig.fallback', lang)} {w['label'].split(':')[0]}"
        _legend_swatch(fig, name, w["colour"], 0.55)
    fig.update_xaxes(tickformat="%H:%M\n%d-%m")
    fig.update_yaxes(rangemode="tozero")
    _style(fig, 760, title)
    if title:  # the legend between the title and the first panel's own title
        fig.update_layout(margin={"t": 110}, legend={"y": 1.045}, title={"y": 0.985, "yanchor": "top"})
    return fig


def _legend_swatch(fig: go.Figure, name: str, colour: str, opacity: float) -> None:
    """A legend entry for a shaded window (shapes have no legend of their own)."""
    if any(trace.name == name for trace in fig.data):
        return
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=name,
            hoverinfo="skip",
            marker={"symbol": "square", "size": 13, "color": colour, "opacity": opacity},
        ),
        row=1,
        col=1,
    )


# --- Compare: distributions ----------------------------------------------------------------
def ecdf_figure(
    curves: list[dict],
    title: str,
    x_title: str,
    norms: list[tuple[float, str]],
    norm_share: float | None,
    lang: str = "nl",
) -> go.Figure:
    """Empirical CDFs (``{"label", "colour", "x", "y"}``) with vertical norm lines and the
    required share as a horizontal line."""
    fig = go.Figure()
    x_max = 0.0
    for c in curves:
        if not len(c["x"]):
            continue
        fig.add_trace(
            go.Scatter(
                x=np.round(c["x"], 2),
                y=np.round(100 * np.asarray(c["y"]), 2),
                name=c["label"],
                mode="lines",
                line={"color": c["colour"], "width": 2, "shape": "hv"},
                hovertemplate="%{x:.1f}: %{y:.1f} %<extra>" + c["label"] + "</extra>",
            )
        )
        x_max = max(x_max, float(np.quantile(c["x"], 0.99)))
    for value, label in norms:
        fig.add_vline(x=value, line={"color": NORM_COLOUR, "dash": "dash", "width": 1.5})
        fig.add_annotation(
            x=value,
            y=1,
            yref="paper",
            text=label,
            showarrow=False,
            xanchor="left",
            yanchor="top",
            textangle=-90,
            font={"size": 11, "color": NORM_COLOUR},
        )
    if norm_share is not None:
        fig.add_hline(y=100 * norm_share, line={"color": NORM_COLOUR, "dash": "dot", "width": 1})
        fig.add_annotation(
            x=1,
            xref="paper",
            y=100 * norm_share,
            text=t("fig.norm_share", lang, value=f"{100 * norm_share:g} %"),
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"size": 11, "color": NORM_COLOUR},
        )
    top = max([v for v, _ in norms] + [x_max]) * 1.1 if (norms or x_max) else None
    fig.update_xaxes(title=x_title, range=[0, top] if top else None)
    fig.update_yaxes(title=f"{t('fig.share_within', lang)} (%)", range=[0, 101])
    return _style(fig, 400, title)


# --- Compare: per region -------------------------------------------------------------------
def region_figure(bars: list[dict], kpi: str, unit: str, norm, lang: str = "nl") -> go.Figure:
    """Grouped bars per region with the 95 % CI as error bars; ``bars`` holds
    ``{"label", "colour", "stats": {region: summary}}``."""
    fig = go.Figure()
    scale = 100.0 if unit == "share" else 1.0
    for b in bars:
        regions = list(b["stats"])
        mean = [_scaled(b["stats"][r].get("mean"), scale) for r in regions]
        up = [_gap(b["stats"][r].get("ci95_high"), b["stats"][r].get("mean"), scale) for r in regions]
        down = [_gap(b["stats"][r].get("mean"), b["stats"][r].get("ci95_low"), scale) for r in regions]
        fig.add_trace(
            go.Bar(
                x=regions,
                y=mean,
                name=b["label"],
                marker_color=b["colour"],
                error_y={"type": "data", "array": up, "arrayminus": down, "thickness": 1.2},
                hovertemplate="%{x}: %{y:.2f}<extra>" + b["label"] + "</extra>",
            )
        )
    if norm is not None and (norm.minimum is not None or norm.maximum is not None):
        level = norm.minimum if norm.minimum is not None else norm.maximum
        fig.add_hline(
            y=level * scale,
            line={"color": NORM_COLOUR, "dash": "dash", "width": 1.5},
            annotation_text=t(
                "fig.norm", lang, value=i18n.value(level, unit, lang) + (" %" if unit == "share" else "")
            ),
            annotation_position="top left",
            annotation_font_color=NORM_COLOUR,
        )
    unit_text = i18n.unit_label(unit, lang)
    fig.update_layout(barmode="group")
    fig.update_xaxes(title=t("fig.region", lang))
    fig.update_yaxes(title=f"{i18n.kpi_label(kpi, lang)} ({unit_text})")
    return _style(fig, 420)


def _scaled(x, scale):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x * scale


def _gap(a, b, scale):
    if a is None or b is None:
        return 0
    return max(0.0, (a - b) * scale)


# --- Timeline: one replication --------------------------------------------------------------
_KIND_ORDER = (
    "outage",
    "detection",
    "decision",
    "activation",
    "fallback",
    "relocating",
    "relocated",
    "call_in",
    "generator_failed",
    "roll_call",
    "takeover",
    "taking_over",
)
#: windows whose subject is a room (``main`` or a partner's name), shown by its label
_ROOM_KINDS = ("takeover", "taking_over")


def gantt_label(kind: str, subject: str, lang: str) -> str:
    if kind in _ROOM_KINDS:
        subject = i18n.room_label(subject, lang)
    return t(f"gantt.{kind}", lang, subject=subject)


def gantt_figure(
    windows, start: np.datetime64, end_min: float, rates: dict | None, lang: str = "nl", title: str | None = None
) -> go.Figure:
    """A Gantt of the replication's outages and procedure steps (``data.Window``) over clock
    time, with incidents and 112 calls per hour below it."""
    return rooms_gantt_figure([{"windows": windows, "rates": rates}], start, end_min, lang, title)


def rooms_gantt_figure(
    rooms: list[dict], start: np.datetime64, end_min: float, lang: str = "nl", title: str | None = None
) -> go.Figure:
    """The Gantt of :func:`gantt_figure` for one or more rooms of one replication (issue 16),
    stacked on one time axis: a Gantt panel per room, then incidents and 112 calls per hour with
    a bar per room in the room's colour.

    ``rooms``: ``{"windows", "rates"}`` (see :func:`gantt_figure`), with ``"label"`` and
    ``"colour"`` when there are several.
    """
    n = len(rooms)
    several = n > 1
    names = [_gantt_names(room["windows"], lang) for room in rooms]
    if several:  # each room's panel as tall as its rows of bars
        sizes = np.array([max(2, len(labels)) for labels in names], dtype=float)
        heights, titles = [*(0.6 * sizes / sizes.sum()), 0.2, 0.2], [room["label"] for room in rooms]
    else:
        heights, titles = [0.5, 0.25, 0.25], [""]
    fig = _rows_over_time(heights, [*titles, t("fig.incident_rate", lang), t("fig.call_rate", lang)])
    for r, room in enumerate(rooms, start=1):
        _gantt_panel(fig, room["windows"], start, r, lang)
        if not room["windows"]:
            if several:
                _faint_note(fig, t("gantt.none", lang), f"x{r} domain", f"y{r} domain")
            else:
                _faint_note(fig, t("gantt.none", lang), "paper", "paper", y=0.85, size=14)
        for w in room["windows"]:
            if w.kind == "outage":
                _shade(fig, start, w.start, w.end, OUTAGE_COLOUR, 0.06, rows=[r] if several else None)
        fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names[r - 1], row=r, col=1)
    for room in rooms:
        rates = room.get("rates")
        if not rates:
            continue
        step = float(rates["minute"][1] - rates["minute"][0]) if len(rates["minute"]) > 1 else 0.0
        times = start + np.round((rates["minute"] + step / 2) * 60_000).astype("timedelta64[ms]")
        for offset, (column, text, fallback) in enumerate(
            (("incidents", "fig.incident_rate", COLOURS[0]), ("calls", "fig.call_rate", COLOURS[1]))
        ):
            if column not in rates:
                continue
            name = room["label"] if several else t(text, lang)
            fig.add_trace(
                go.Bar(
                    x=times,
                    y=rates[column],
                    name=name,
                    marker_color=room["colour"] if several else fallback,
                    legendgroup=name,
                    showlegend=several and offset == 0,
                    hovertemplate="%{x|%H:%M}: %{y:.0f} "
                    + t("fig.per_hour", lang)
                    + ("<extra>" + name + "</extra>" if several else "<extra></extra>"),
                ),
                row=n + 1 + offset,
                col=1,
            )
    end = start + np.timedelta64(int(end_min * 60_000), "ms")
    fig.update_xaxes(type="date", range=[_iso(start), _iso(end)], tickformat="%H:%M\n%d-%m")
    fig.update_layout(bargap=0.25)
    return _style(fig, 640 + 280 * (n - 1), title)


def _gantt_names(windows, lang: str) -> list[str]:
    """The Gantt's rows, top to bottom: by kind of window, then subject and start."""
    names = []
    for w in sorted(windows, key=_gantt_order):
        label = gantt_label(w.kind, w.subject, lang)
        if label not in names:
            names.append(label)
    return names


def _gantt_order(w):
    return (_KIND_ORDER.index(w.kind) if w.kind in _KIND_ORDER else 99, w.subject, w.start)


def _gantt_panel(fig: go.Figure, windows, start: np.datetime64, row: int, lang: str) -> None:
    """The bars of one room's windows, a trace per kind, in panel ``row``."""
    ordered = sorted(windows, key=_gantt_order)
    for kind in _KIND_ORDER:
        group = [w for w in ordered if w.kind == kind]
        if not group:
            continue
        starts = start + np.round(np.array([w.start for w in group]) * 60_000).astype("timedelta64[ms]")
        length_ms = [max((w.end - w.start) * 60_000, 60_000 * 0.5) for w in group]
        names = [gantt_label(w.kind, w.subject, lang) for w in group]
        text = [f"{_clock(start, w.start)}–{_clock(start, w.end)} ({w.end - w.start:.1f} min)" for w in group]
        fig.add_trace(
            go.Bar(
                base=[str(s) for s in starts],
                x=length_ms,
                y=names,
                orientation="h",
                marker_color=KIND_COLOURS.get(kind, "#868e96"),
                name=names[0].split(":")[0],
                text=text,
                textposition="none",
                hovertemplate="%{y}: %{text}<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )


def board_figure(
    board: dict | None,
    windows,
    events: list[dict],
    start: np.datetime64,
    end_min: float,
    lang: str = "nl",
    title: str | None = None,
) -> go.Figure:
    """The room's unit board (GMS) against the truth in one replication, over clock time.

    Top: units busy on the board and units busy in truth. Middle: where the board is wrong,
    units free but busy on the board (an area) and units alarmed while busy elsewhere. Bottom:
    the events where the two part (a status noted on the wrong unit) or the room finds out
    (re-alarm, next unit alarmed), and lost reinforcement requests. Outages are shaded red,
    the roll call after the outage in its own colour.

    ``board``: :func:`dashboard.data.unit_board`; ``windows``: ``data.Window`` of the
    replication; ``events``: :func:`dashboard.data.board_events`.
    """
    if not board:
        return empty_figure(t("empty.no_data", lang))
    return rooms_board_figure([{"board": board, "windows": windows, "events": events}], start, end_min, lang, title)


def rooms_board_figure(
    rooms: list[dict], start: np.datetime64, end_min: float, lang: str = "nl", title: str | None = None
) -> go.Figure:
    """The unit board of :func:`board_figure` for one or more rooms (issue 16): its three panels
    per room, the rooms stacked on one time axis, each panel's title naming its room.

    ``rooms``: ``{"board", "windows", "events"}``, with ``"label"`` when there are several.
    """
    n = len(rooms)
    panels = (t("tl.board.busy", lang), t("tl.board.wrong", lang), t("tl.board.events", lang))
    titles = [f"{room['label']}: {p}" if n > 1 else p for room in rooms for p in panels]
    fig = _rows_over_time([h / n for _ in rooms for h in (0.42, 0.33, 0.25)], titles)
    event_rows = [t(f"tl.event.{k}", lang) for k in reversed(BOARD_SYMBOLS)]  # every kind, always in one place
    for i, room in enumerate(rooms):
        first = 3 * i + 1
        _board_panels(fig, room, start, first, lang, legend=i == 0)
        rows = [first, first + 1, first + 2] if n > 1 else None
        for w in room["windows"]:
            if w.kind not in ("outage", "roll_call"):
                continue
            colour = OUTAGE_COLOUR if w.kind == "outage" else KIND_COLOURS["roll_call"]
            opacity = 0.08 if w.kind == "outage" else 0.16
            _shade(fig, start, w.start, max(w.end, w.start + 0.5), colour, opacity, rows=rows)
            _legend_swatch(fig, gantt_label(w.kind, w.subject, lang), colour, 0.3)
        fig.update_yaxes(rangemode="tozero", row=first, col=1)
        fig.update_yaxes(rangemode="tozero", row=first + 1, col=1)
        fig.update_yaxes(
            type="category",  # also without events: the rows stay in place
            categoryorder="array",
            categoryarray=event_rows,
            tickmode="array",
            tickvals=event_rows,
            range=[-0.6, len(event_rows) - 0.4],
            row=first + 2,
            col=1,
        )
    end = minutes_to_datetimes(start, end_min)
    fig.update_xaxes(type="date", range=[_iso(start), _iso(end)], tickformat="%H:%M\n%d-%m")
    _style(fig, 740 + 600 * (n - 1), title)
    # two rows of legend between the title and the first panel's own title
    legend_y = 1 + 0.07 * 740 / (740 + 600 * (n - 1))
    fig.update_layout(margin={"t": 135 if title else 100}, legend={"y": legend_y, "yanchor": "bottom"})
    if title:
        fig.update_layout(title={"y": 1 - 0.015 * 740 / (740 + 600 * (n - 1)), "yanchor": "top"})
    return fig


def _board_panels(fig: go.Figure, room: dict, start: np.datetime64, first: int, lang: str, legend: bool) -> None:
    """One room's three board panels from row ``first``: busy, where the board is wrong, events."""
    board, events = room["board"], room["events"]
    if not board:
        for r in range(first, first + 3):
            _faint_note(fig, t("empty.no_data", lang), f"x{r} domain", f"y{r} domain")
        return
    times = minutes_to_datetimes(start, board["minute"])
    rows = {"units_busy": 0, "units_busy_true": 0, "units_idle_unknown": 1, "units_double_dispatched": 1}
    for column, row in rows.items():
        values = board.get(column)
        if values is None:
            continue
        name = i18n.heading(i18n.pick(labels.series(column), lang))
        colour = BOARD_COLOURS[column]
        area = column == "units_idle_unknown"
        fig.add_trace(
            go.Scatter(
                x=times,
                y=np.round(values, 2),
                name=name,
                mode="lines",
                line={
                    "color": colour,
                    "width": 2,
                    "shape": "hv",
                    "dash": "dot" if column == "units_busy_true" else None,
                },
                fill="tozeroy" if area else None,
                fillcolor=_rgba(colour, 0.25) if area else None,
                legendgroup=name,
                showlegend=legend,
                hovertemplate="%{x|%d-%m %H:%M}: %{y:.1f}<extra>" + name + "</extra>",
            ),
            row=first + row,
            col=1,
        )
    kinds = [k for k in (e["event"] for e in events) if k]
    for kind in dict.fromkeys(kinds):
        group = [e for e in events if e["event"] == kind]
        name = t(f"tl.event.{kind}", lang)
        fig.add_trace(
            go.Scatter(
                x=minutes_to_datetimes(start, [e["minute"] for e in group]),
                y=[name] * len(group),
                name=name,
                mode="markers",
                marker={
                    "color": BOARD_COLOURS.get(kind, "#868e96"),
                    "symbol": BOARD_SYMBOLS.get(kind, "circle"),
                    "size": 8,
                },
                text=[f"{e['subject']} {e['detail']}".strip() for e in group],
                hovertemplate="%{x|%H:%M}: %{text}<extra>" + name + "</extra>",
                showlegend=False,
            ),
            row=first + 2,
            col=1,
        )
    if not events:
        _faint_note(fig, t("tl.board.no_events", lang), f"x{first + 2} domain", f"y{first + 2} domain")
        # plotly draws no axes (nor the note) for a panel without a trace: an invisible point keeps it
        fig.add_trace(
            go.Scatter(
                x=times[:1],
                y=[t(f"tl.event.{next(iter(BOARD_SYMBOLS))}", lang)],
                mode="markers",
                marker={"opacity": 0},
                hoverinfo="skip",
                showlegend=False,
            ),
            row=first + 2,
            col=1,
        )


def utilisation_figure(groups: list[dict], lang: str = "nl", title: str | None = None) -> go.Figure:
    """Utilisation per clock hour as bars over clock time, the centralists above and the CaCo
    below, one colour per run; with more than one replication a bar is the mean and its whisker
    runs from the lowest to the highest replication. A part hour is a narrower bar, so every
    bar stands over the time it measures.

    ``groups``: ``{"label", "colour", "origin" (the horizon's start)}`` with the fields of
    :func:`dashboard.data.hourly_utilisation` (minutes after ``origin``).
    """
    kpis = tuple(HOURLY_UTILISATION)
    fig = _rows_over_time([0.5, 0.5], [i18n.kpi_label(k, lang) for k in kpis])
    for i, group in enumerate(groups):
        for row, kpi in enumerate(kpis, start=1):
            if kpi in group:
                legend = row == 1 and len(groups) > 1  # one replication: the title names it
                fig.add_trace(_hour_bars(group, kpi, i, len(groups), lang, legend), row=row, col=1)
    for row, kpi in enumerate(kpis, start=1):
        if not any(kpi in group for group in groups):  # results written before the model had it
            _faint_note(fig, t("empty.no_data", lang), f"x{row} domain", f"y{row} domain")
    # the whole horizon, warm-up included, as the other figures over clock time show it
    ends = [minutes_to_datetimes(g["origin"], [0, g["end"][-1]]) for g in groups if len(g["end"])]
    span = [_iso(min(e[0] for e in ends)), _iso(max(e[1] for e in ends))] if ends else None
    fig.update_xaxes(type="date", range=span, tickformat="%H:%M\n%d-%m")
    fig.update_yaxes(title=t("fig.utilisation", lang), range=[0, 102])
    fig.update_layout(barmode="overlay")
    return _style(fig, 560, title)


def _hour_bars(group: dict, kpi: str, i: int, count: int, lang: str, legend: bool) -> go.Bar:
    """One run's bars of ``kpi``, the ``i``-th of ``count`` side by side within each hour
    (placed by hand: plotly's grouping knows nothing of bars as wide as their hour)."""
    origin, start, end = group["origin"], group["start"], group["end"]
    length = (end - start) * 60_000  # ms, the unit of a date axis
    width = 0.9 * length / count
    mean, low, high = (100 * group[kpi][k] for k in ("mean", "low", "high"))
    hours = [f"{_clock(origin, a)}–{_clock(origin, b)}" for a, b in zip(start, end, strict=True)]
    hover, whiskers = "%{customdata[0]}: %{y:.1f} %", None
    if group["n"] > 1:
        hover += " (" + t("fig.utilisation.range", lang, low="%{customdata[1]}", high="%{customdata[2]}") + ")"
        whiskers = {"type": "data", "array": high - mean, "arrayminus": mean - low, "thickness": 1.2}
    return go.Bar(
        x=minutes_to_datetimes(origin, start),
        y=np.round(mean, 2),
        offset=0.05 * length + i * width,
        width=width,
        name=group["label"],
        marker_color=group["colour"],
        legendgroup=group["label"],
        showlegend=legend,
        error_y=whiskers,
        customdata=np.column_stack([hours, np.round(low, 1), np.round(high, 1)]),
        hovertemplate=hover + "<extra>" + group["label"] + "</extra>",
    )


def _rows_over_time(heights: list[float], titles: list[str]) -> go.Figure:
    """Panels stacked on one time axis, ``heights`` as shares of the figure."""
    return make_subplots(
        rows=len(heights), cols=1, shared_xaxes=True, vertical_spacing=0.07, row_heights=heights, subplot_titles=titles
    )


def _shade(
    fig: go.Figure,
    start: np.datetime64,
    begin: float,
    end: float,
    colour: str,
    opacity: float,
    rows: list[int] | None = None,
) -> None:
    """Minutes ``begin``-``end`` after ``start`` shaded in every row, or in ``rows`` (one room's)."""
    for row in rows or ["all"]:
        fig.add_vrect(
            x0=_iso(minutes_to_datetimes(start, begin)),
            x1=_iso(minutes_to_datetimes(start, end)),
            row=row,
            col=1,
            exclude_empty_subplots=False,  # shaded in every panel, also one without events
            fillcolor=colour,
            opacity=opacity,
            line_width=0,
            layer="below",
        )


def _faint_note(fig: go.Figure, text: str, xref: str, yref: str, y: float = 0.5, size: int = 12) -> None:
    """A grey line of text where there is nothing to draw."""
    fig.add_annotation(
        text=text, x=0.5, y=y, xref=xref, yref=yref, showarrow=False, font={"size": size, "color": "#868e96"}
    )


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _clock(start: np.datetime64, minute: float) -> str:
    when = start + np.timedelta64(int(round(minute * 60_000)), "ms")
    return str(when)[11:16]
