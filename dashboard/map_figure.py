"""The map of one replication: region outlines, posts, incidents by opkomsttijd against the norm,
and the posts whose units cannot be reached at a chosen minute.

Drawn as plain ``go.Scatter`` in longitude and latitude, with no tile layer and no base map (a
``Scattergeo`` loads its coastlines from a CDN): the dashboard works without a network. One degree
of latitude is drawn ``1 / cos(latitude)`` times as tall as one of longitude, so the region keeps
its shape (an equirectangular projection true at the map's middle latitude).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go

from sim import labels

from . import i18n
from .figures import FONT, empty_figure
from .i18n import t
from .map_data import CATEGORIES

CATEGORY_COLOURS = MappingProxyType(
    {"within": "#2b8a3e", "late": "#f08c00", "not_reached": "#e03131", "under_way": "#ffa8a8", "desk": "#adb5bd"}
)
CREW_STYLE = MappingProxyType(  # crew kind -> (marker symbol, colour)
    {
        "professional": ("square", "#1c3f66"),
        "volunteer": ("triangle-up", "#1c5d99"),
        "pre_staffed": ("diamond", "#862e9c"),
    }
)
OUTLINE_COLOUR = "#495057"
UNREACHABLE_COLOUR = "#c2255c"
HEIGHT = 820
MAP_WIDTH = 0.8  # share of the width for the map; the legend to its right


def map_figure(
    outlines: dict[str, dict[str, list]],
    posts: list[dict],
    incidents: dict[str, np.ndarray] | None,
    unreachable: dict[str, list[str]] | None,
    lang: str = "nl",
    title: str | None = None,
    notes: tuple[str, ...] = (),
) -> go.Figure:
    """The map. ``unreachable``: ``{post: [units]}`` at the chosen minute, or None for no
    outage layer; ``notes``: lines shown in a box over the map (what is approximate, left out)."""
    fig = go.Figure()
    _outlines(fig, outlines, lang)
    if incidents is not None:
        _incidents(fig, incidents, lang)
    _posts(fig, posts, lang)
    if unreachable is not None:
        _unreachable(fig, posts, unreachable, lang)
    _frame(fig, outlines, posts, title)
    _notes(fig, notes, lang)
    return fig


def no_geography_figure(lang: str = "nl") -> go.Figure:
    return empty_figure(t("map.no_geography", lang))


def _outlines(fig: go.Figure, outlines: dict[str, dict[str, list]], lang: str) -> None:
    """Each region as a faint filled outline, its name at its middle (drawn first: underneath)."""
    for i, (region, line) in enumerate(sorted(outlines.items())):
        fig.add_trace(
            go.Scatter(
                x=line["lon"],
                y=line["lat"],
                mode="lines",
                fill="toself",
                fillcolor="rgba(73,80,87,0.04)" if i % 2 else "rgba(28,93,153,0.05)",
                line={"color": OUTLINE_COLOUR, "width": 1.2},
                name=t("map.outlines", lang),
                legendgroup="outlines",
                legendrank=1,
                showlegend=i == 0,
                hoverinfo="skip",
            )
        )
        lat = [v for v in line["lat"] if v is not None]
        lon = [v for v in line["lon"] if v is not None]
        fig.add_annotation(
            x=float(np.mean(lon)),
            y=float(np.mean(lat)),
            text=f"<b>{region}</b>",
            showarrow=False,
            font={"size": 13, "color": "rgba(33,37,41,0.45)"},
        )


def _posts(fig: go.Figure, posts: list[dict], lang: str) -> None:
    for crew, (symbol, colour) in CREW_STYLE.items():
        mine = [p for p in posts if p.get("crew") == crew]
        if not mine:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p["lon"] for p in mine],
                y=[p["lat"] for p in mine],
                mode="markers",
                marker={"symbol": symbol, "size": 8, "color": colour, "line": {"color": "#fff", "width": 1}},
                name=f"{t('map.crew.' + crew, lang)} ({len(mine)})",
                legendgroup="posts",
                legendrank=20 + list(CREW_STYLE).index(crew),
                legendgrouptitle={"text": t("map.posts", lang)},
                customdata=[[p["name"], p.get("region", ""), p.get("units", ""), p.get("source", "")] for p in mine],
                hovertemplate=(
                    f"<b>%{{customdata[0]}}</b> (%{{customdata[1]}})<br>{t('map.crew.' + crew, lang)}, "
                    f"%{{customdata[2]}} {t('map.units', lang)}<br>%{{customdata[3]}}<extra></extra>"
                ),
            )
        )


def _incidents(fig: go.Figure, incidents: dict[str, np.ndarray], lang: str) -> None:
    """One trace per category, so the legend counts them and each can be hidden."""
    for category in ("desk", "under_way", "within", "late", "not_reached"):  # the ones that matter most on top
        mask = incidents["category"] == category
        if not mask.any():
            continue
        opkomst = incidents["opkomsttijd"][mask]
        custom = np.column_stack(
            [
                [i18n.heading(i18n.pick(labels.incident_type(str(x)), lang)) for x in incidents["type"][mask]],
                [f"P{int(p)}" for p in incidents["priority"][mask]],
                [_minutes(x, lang) for x in opkomst],
                [_minutes(x, lang) for x in np.asarray(incidents["norm_min"], dtype=float)[mask]],
                incidents["region"][mask],
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=incidents["lon"][mask],
                y=incidents["lat"][mask],
                mode="markers",
                marker={
                    "size": 6 if category == "desk" else 7,
                    "color": CATEGORY_COLOURS[category],
                    "opacity": 0.55 if category == "desk" else 0.85,
                    "line": {"width": 0},
                },
                name=f"{t('map.incident.' + category, lang)} ({int(mask.sum())})",
                legendgroup="incidents",
                legendrank=10 + CATEGORIES.index(category),  # legend in the order of CATEGORIES
                legendgrouptitle={"text": t("map.incidents", lang)},
                customdata=custom,
                hovertemplate=(
                    "<b>%{customdata[0]}</b> %{customdata[1]} (%{customdata[4]})<br>"
                    f"{t('map.opkomsttijd', lang)}: %{{customdata[2]}}<br>"
                    f"{t('map.norm', lang)}: %{{customdata[3]}}<extra></extra>"
                ),
            )
        )


def _minutes(value: float, lang: str) -> str:
    return "–" if not math.isfinite(value) else f"{i18n.number(value, lang, 1)} min"


def _unreachable(fig: go.Figure, posts: list[dict], unreachable: dict[str, list[str]], lang: str) -> None:
    """A ring around each post with a unit that cannot be reached (always in the legend, even empty)."""
    where = {p["name"]: p for p in posts}
    hit = [where[name] for name in sorted(unreachable) if name in where]
    units = sum(len(unreachable[p["name"]]) for p in hit)
    fig.add_trace(
        go.Scatter(
            x=[p["lon"] for p in hit] or [None],
            y=[p["lat"] for p in hit] or [None],
            mode="markers",
            marker={"symbol": "circle-open", "size": 20, "color": UNREACHABLE_COLOUR, "line": {"width": 3}},
            name=t("map.unreachable.legend", lang, units=units, posts=len(hit)),
            legendrank=30,
            customdata=[[p["name"], ", ".join(unreachable[p["name"]])] for p in hit] or None,
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{t('map.unreachable.units', lang)}: "
            "%{customdata[1]}<extra></extra>",
        )
    )


def _frame(fig: go.Figure, outlines: dict[str, dict[str, list]], posts: list[dict], title: str | None) -> None:
    """Axes hidden, ranges around everything drawn, latitude stretched by 1 / cos(latitude)."""
    lats = [v for line in outlines.values() for v in line["lat"] if v is not None] + [p["lat"] for p in posts]
    lons = [v for line in outlines.values() for v in line["lon"] if v is not None] + [p["lon"] for p in posts]
    if not lats:
        lats, lons = [52.0, 52.5], [5.5, 7.0]
    pad_lat, pad_lon = 0.03 * (max(lats) - min(lats) or 1), 0.03 * (max(lons) - min(lons) or 1)
    middle = math.radians((max(lats) + min(lats)) / 2)
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_xaxes(
        range=[min(lons) - pad_lon, max(lons) + pad_lon], domain=[0, MAP_WIDTH], constrain="domain", **axis
    )
    fig.update_yaxes(
        range=[min(lats) - pad_lat, max(lats) + pad_lat],
        scaleanchor="x",
        scaleratio=1 / math.cos(middle),
        constrain="domain",
        **axis,
    )
    fig.update_layout(
        template="plotly_white",
        height=HEIGHT,
        font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 40},
        plot_bgcolor="#fbfcfd",
        legend={
            "x": MAP_WIDTH + 0.01,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#e4e7ec",
            "borderwidth": 1,
            "groupclick": "toggleitem",
        },
        hoverlabel={"namelength": -1},
        dragmode="pan",
    )
    if title:
        fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}})


def _notes(fig: go.Figure, notes: tuple[str, ...], lang: str) -> None:
    """The notes in a box at the top left, the attribution small at the bottom."""
    if notes:
        fig.add_annotation(
            text="<br>".join(notes),
            x=0,
            y=1,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            bgcolor="rgba(255,244,229,0.92)",
            bordercolor="#f08c00",
            borderwidth=1,
            borderpad=6,
            font={"size": 12, "color": "#5c3c00"},
        )
    fig.add_annotation(
        text=t("map.attribution", lang),
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="top",
        yshift=-6,
        showarrow=False,
        font={"size": 10, "color": "#868e96"},
    )
