"""Exercise scripts: one replication turned into a minute-by-minute inject list.

``meldsim exercise SCENARIO --seed S --pick median|worst|REP --out DIR`` runs the scenario's
replications (KPIs only), picks one, simulates it again (a replication depends only on
scenario, seed and index, so it is the same night) and writes

- ``exercise.csv``: one row per inject, ordered by time, for exercise software;
- ``exercise.html``: the same as a printable page (A4 landscape) with a timeline figure.

Each inject says when (clock time and model minute), what happens (an incident, a surge of
112 calls, an outage starting or ending, a unit that cannot reach the room, an alarm that
cannot go out over P2000), which decision or fallback action the procedure expects then
(from the timeline the model produced: detected, decided, activated ..., relocation,
call-in) and what the model predicts for the room in that minute (calls waiting, units
unreachable, messages waiting, centralists busy). Nothing depends on the clock or on how
many processes ran the replications: the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim import __version__, labels
from sim.cliargs import SCENARIO_HELP, scenario_path
from sim.cliargs import non_negative_int as _non_negative_int
from sim.cliargs import positive_int as _positive_int
from sim.experiments import runner
from sim.experiments.kpis import METRICS, metric_of, minute_series, outage_windows, unreachable_intervals
from sim.model.loading import Problem, ScenarioError, load_scenario
from sim.model.procedure import (
    ACTIVATED,
    CALL_IN,
    CALLED_IN,
    DECIDED,
    DETECTED,
    GENERATOR_FAILED,
    OUTAGE_END,
    OUTAGE_START,
    RELOCATED,
    RELOCATION_START,
    STOOD_DOWN,
)
from sim.model.room import (
    CACO,
    CACO_DECISION,
    DOUBLE_ALARM,
    LATE,
    NEXT_UNIT,
    NOODKNOP,
    NOT_REACHED,
    REALARMED,
    REINFORCEMENT,
    REINFORCEMENT_LOST,
    ROLL_CALL,
    ROLL_CALL_END,
    ROLL_CALL_START,
    STATUS_MISNOTED,
    STATUS_NOT_NOTED,
    STATUSES,
    Outcome,
    simulate,
)
from sim.model.rows import CallRow
from sim.model.rows import DispatchRow as D
from sim.model.rows import MessageRow as M
from sim.model.scenario import Scenario
from sim.outputs.parts import words
from sim.outputs.parts.html import Figures, document, esc, value_text

DEFAULT_KPI = "processing_time_mean_s"
DEFAULT_REPLICATIONS = 30
DEFAULT_SURGE_CALLS = 10
SURGE_WINDOW_MIN = 5.0
ALARM_WAIT_MIN = 1.0  # an alarm that waits longer than this for a channel counts as failing on P2000
REQUEST_WAIT_MIN = 1.0  # a reinforcement request that waits longer than this for the room counts as delayed
WINDOW_MARGIN_MIN = 30.0
WORST_PERCENTILE = 90
LANGS = ("nl+en", "nl", "en")

#: (code, nl, en), in the order rows of the same minute are listed
CATEGORIES = {
    "outage": ("storing", "outage"),
    "procedure": ("procedure", "procedure"),
    "noodknop": ("noodknop", "noodknop"),
    "surge": ("meldingenpiek", "call surge"),
    "alarm": ("alarmering", "alarm"),
    "request": ("opschaling", "reinforcement"),
    "board": ("eenheidstatus", "unit status"),
    "unreachable": ("verbinding", "connection"),
    "incident": ("incident", "incident"),
    "debrief": ("nabespreking", "debrief"),
}
_ORDER = {code: i for i, code in enumerate(CATEGORIES)}

#: the ``event`` column: the outage the first response answers, and its steps the trainer times in ``actual``
OUTAGE_EVENT = "outage_start"
STEP_DETECTED, STEP_DECIDED, STEP_RELOCATED = "detected", "decided", "relocated"
ACTIVATED_PREFIX = "activated:"
#: optional debrief counts, one row each at the end of the CSV: (nl, en) of the row's text
COUNT_EVENTS = {
    "statuses_lost": (
        "Nabespreking: gesproken statussen die de meldkamer miste (aantal, optioneel)",
        "Debrief: spoken statuses the room missed (count, optional)",
    ),
    "statuses_wrong": (
        "Nabespreking: gesproken statussen op de verkeerde eenheid genoteerd (aantal, optioneel)",
        "Debrief: spoken statuses noted on the wrong unit (count, optional)",
    ),
}
DEBRIEF_NOTE = (
    "Vul in kolom actual de kloktijd (UU:MM) in, of 'never' als het team dit nooit deed",
    "Write the clock time (HH:MM) in the actual column, or 'never' if the team never did this",
)
EXERCISE_JSON = "exercise.json"

#: model prediction columns: per-minute series (named in sim.labels.SERIES)
PREDICTIONS = ("calls_waiting", "units_unreachable", "messages_waiting", "centralists_busy", "centralists_on_duty")

#: text columns: (key, nl, en); each has an _nl and an _en variant
TEXT_COLUMNS = (
    ("what", "Gebeurtenis", "What happens"),
    ("action", "Verwachte actie (procedure)", "Expected action (procedure)"),
    ("detail", "Modeluitkomst", "Model outcome"),
)


@dataclass(order=True)
class Inject:
    minute: float
    rank: int
    seq: int
    category: str = field(compare=False)
    what_nl: str = field(compare=False)
    what_en: str = field(compare=False)
    action_nl: str = field(compare=False, default="")
    action_en: str = field(compare=False, default="")
    detail_nl: str = field(compare=False, default="")
    detail_en: str = field(compare=False, default="")
    source: str = field(compare=False, default="")  # timeline event, or what the row was made from
    event: str = field(compare=False, default="")  # debrief key of a procedure step (STEP_EVENTS), else ""


@dataclass
class Exercise:
    scenario: Scenario
    source: str
    seed: int
    replication: int
    pick: str
    kpi: str
    kpi_value: float
    kpi_values: list[float]
    outcome: Outcome
    injects: list[Inject]
    series: dict[str, np.ndarray]
    window: tuple[float, float]
    lang: str = "nl+en"

    # --- times ---
    def clock(self, minute: float) -> str:
        return _clock(self.scenario, minute)

    def date(self, minute: float) -> str:
        when = self.scenario.horizon.start + dt.timedelta(minutes=math.floor(round(minute, 1) + 1e-9))
        return when.strftime("%Y-%m-%d")

    def day_clock(self, minute: float) -> str:
        when = self.scenario.horizon.start + dt.timedelta(minutes=math.floor(minute + 1e-9))
        return when.strftime("%d-%m %H:%M")

    def prediction(self, name: str, minute: float) -> float:
        values = self.series.get(name)
        if values is None or not len(values):
            return math.nan
        return float(values[min(max(int(math.floor(round(minute, 1) + 1e-9)), 0), len(values) - 1)])

    # --- output ---
    def columns(self) -> list[tuple[str, str]]:
        """(key, header) of every CSV column for the chosen language(s)."""

        def label(nl: str, en: str) -> str:
            return {"nl": nl, "en": en}.get(self.lang, f"{nl} / {en}")

        cols = [
            ("time", label("Tijd", "Time")),
            ("minute", label("Minuut", "Minute")),
            ("date", label("Datum", "Date")),
            ("category", label("Soort", "Category")),
        ]
        for key, nl, en in TEXT_COLUMNS:
            if self.lang in ("nl", "nl+en"):
                cols.append((f"{key}_nl", nl if self.lang == "nl" else f"{nl} (NL)"))
            if self.lang in ("en", "nl+en"):
                cols.append((f"{key}_en", en if self.lang == "en" else f"{en} (EN)"))
        for name in PREDICTIONS:
            nl, en = labels.series(name)
            cols.append((name, label(f"Model: {nl}", f"Model: {en}")))
        cols += [("event", "event"), ("actual", "actual")]  # machine-readable: the debrief reads these
        return cols

    def rows(self) -> list[dict[str, str]]:
        out = []
        for inj in self.injects:
            cat_nl, cat_en = CATEGORIES[inj.category]
            row = {
                "time": self.clock(inj.minute),
                "minute": f"{inj.minute:.1f}",
                "date": self.date(inj.minute),
                "category": {"nl": cat_nl, "en": cat_en}.get(
                    self.lang, cat_nl if cat_nl == cat_en else f"{cat_nl} / {cat_en}"
                ),
            }
            for key, _nl, _en in TEXT_COLUMNS:
                row[f"{key}_nl"] = getattr(inj, f"{key}_nl")
                row[f"{key}_en"] = getattr(inj, f"{key}_en")
            for name in PREDICTIONS:
                value = self.prediction(name, inj.minute)
                row[name] = "" if math.isnan(value) else f"{value:.1f}"
            row["event"], row["actual"] = inj.event, ""
            out.append(row)
        return out + self.count_rows()

    def steps(self) -> list[Inject]:
        """The rows the trainer times for the debrief, in order."""
        return [i for i in self.injects if i.event and i.event != OUTAGE_EVENT]

    def count_rows(self) -> list[dict[str, str]]:
        """The optional debrief counts (statuses lost, wrong), at the end of the window; only with steps to time."""
        if not self.steps():
            return []
        minute = self.window[1]
        cat_nl, cat_en = CATEGORIES["debrief"]
        out = []
        for event, (nl, en) in COUNT_EVENTS.items():
            row = dict.fromkeys(key for key, _ in self.columns())
            row.update(
                time=self.clock(minute),
                minute=f"{minute:.1f}",
                date=self.date(minute),
                category={"nl": cat_nl, "en": cat_en}.get(self.lang, f"{cat_nl} / {cat_en}"),
                what_nl=nl,
                what_en=en,
                action_nl="Aantal invullen in kolom actual; leeg = niet geteld",
                action_en="Write the count in the actual column; empty = not counted",
                event=event,
            )
            out.append({k: v or "" for k, v in row.items()})
        return out

    def to_json(self) -> dict:
        """What identifies the exercise for its debrief: scenario (as data), seed, replication, steps."""
        from sim.experiments.results import scenario_json

        response = first_response(self.outcome)
        return {
            "format": "meldsim-exercise",
            "version": 1,
            "meldsim": __version__,
            "scenario_source": self.source,
            "scenario_name": self.scenario.name,
            "scenario": scenario_json(self.scenario),
            "seed": self.seed,
            "replication": self.replication,
            "pick": self.pick,
            "kpi": self.kpi,
            "kpi_value": None if math.isnan(self.kpi_value) else self.kpi_value,
            "window_min": list(self.window),
            "outage_start_min": response.start if response else None,
            "outage_target": response.target if response else None,
            "steps": [
                {"event": event, "minute": minute, "time": self.clock(minute)}
                for event, minute in (response.steps if response else [])
            ],
        }

    def to_csv(self) -> str:
        buffer = io.StringIO()
        columns = self.columns()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([header for _, header in columns])
        for row in self.rows():
            writer.writerow([row[key] for key, _ in columns])
        return buffer.getvalue()

    def to_html(self) -> str:
        return render_html(self)


def _clock(scenario: Scenario, minute: float) -> str:
    """HH:MM of the minute as shown (rounded to 0.1 min), so clock and minute always agree."""
    when = scenario.horizon.start + dt.timedelta(minutes=math.floor(round(minute, 1) + 1e-9))
    return when.strftime("%H:%M")


# --- picking the replication -------------------------------------------------------------
def parse_pick(text: str) -> str | int:
    text = str(text).strip().lower()
    if text in ("median", "worst"):
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not median, worst or a replication number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a replication number must not be negative")
    return value


def pick_replication(values: list[float], rule: str, better: str = "lower") -> int:
    """The replication closest to the median (``median``) or to the bad-side 90th percentile (``worst``).

    For a KPI where lower is better the bad side is the high values (90th percentile), for
    one where higher is better it is the low values (10th percentile). Ties go to the
    lowest replication number; replications where the KPI is NaN are never picked.
    """
    x = np.asarray(values, dtype=float)
    ok = np.flatnonzero(~np.isnan(x))
    if not ok.size:
        raise ValueError("the KPI could not be observed in any replication")
    if rule == "median":
        target = float(np.median(x[ok]))
    elif rule == "worst":
        q = 100 - WORST_PERCENTILE if better == "higher" else WORST_PERCENTILE
        target = float(np.percentile(x[ok], q))
    else:
        raise ValueError(f"unknown pick rule '{rule}'")
    distance = np.abs(x[ok] - target)
    return int(ok[int(np.argmin(distance))])  # argmin: the first of equals


# --- building the injects ----------------------------------------------------------------
def _primary_alarm(scenario: Scenario) -> list[str]:
    return [n for n, ch in scenario.channels.items() if ch.purpose == "alarm" and not ch.standby]


def _fallback_steps(scenario: Scenario, purpose: str) -> list[str]:
    steps = scenario.procedure.steps if scenario.procedure else []
    return [s for s in steps if s in scenario.channels and scenario.channels[s].purpose == purpose]


def _join(items: list[str], limit: int = 6, sep: str = ", ") -> str:
    shown = items[:limit]
    more = len(items) - len(shown)
    return sep.join(shown) + (f" (+{more})" if more > 0 else "")


class _Script:
    """The injects of one replication as they are added; ``seq`` keeps the model's order within a minute."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.scenario = outcome.scenario
        self.procedure = outcome.scenario.procedure
        self.injects: list[Inject] = []
        self.incidents = {inc.id: inc for inc in outcome.incidents}
        self.stations = [station.name for station in outcome.scenario.units.stations]
        self.outages = outage_windows(outcome)

    def clock(self, minute: float) -> str:
        return _clock(self.scenario, minute)

    def fallbacks_up(self, minute: float, purpose: str) -> list[str]:
        """Fallback channels for ``purpose`` that the timeline has up at ``minute`` (activated, not stood down)."""
        up: dict[str, None] = {}
        for m, event, subject, _ in self.outcome.timeline:
            if m > minute:
                break
            if event == ACTIVATED:
                up[subject] = None
            elif event == STOOD_DOWN:
                up.pop(subject, None)
        channels = self.scenario.channels
        return [c for c in up if c in channels and channels[c].purpose == purpose]

    def reach(self, minute: float) -> tuple[str, str] | None:
        """How the room talks to a unit at ``minute``: ("via ...", "over ...") or ("zodra ...", "once ...").

        Over the voice fallbacks up then; in an outage before they are up, once the
        procedure's voice steps are; outside an outage over the normal voice channels;
        None in an outage with no voice step in the procedure.
        """
        up = self.fallbacks_up(minute, "voice")
        in_outage = any(a <= minute < b for a, b in self.outages)
        if up:
            names = up
        elif in_outage:
            steps = _fallback_steps(self.scenario, "voice")
            if not steps:
                return None
            nl = " of ".join(labels.channel(c)[0] for c in steps)
            en = " or ".join(labels.channel(c)[1] for c in steps)
            return f"zodra {nl} er is", f"once {en} is up"
        else:
            names = [n for n, ch in self.scenario.channels.items() if ch.purpose == "voice" and not ch.standby]
        nl = " of ".join(labels.channel(c)[0] for c in names)
        en = " or ".join(labels.channel(c)[1] for c in names)
        return f"via {nl}", f"over {en}"

    def add(self, minute, category, what, action=("", ""), detail=("", ""), source="") -> None:
        self.injects.append(
            Inject(
                float(minute),
                _ORDER[category],
                len(self.injects),
                category,
                what[0],
                what[1],
                action[0],
                action[1],
                detail[0],
                detail[1],
                source,
            )
        )


# --- the outage and the procedure's answer, exactly as the model logged them: one handler per timeline event ---
def _outage_started(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    info = _info(detail)
    t_nl, t_en = labels.target(subject)
    regions = info.get("regions", "all")
    r_nl, r_en = labels.regions(None if regions == "all" else regions.split(","))
    factor = float(info.get("factor", 0))
    how_nl = "valt uit" if factor == 0 else f"werkt nog op {factor * 100:.0f} % capaciteit"
    how_en = "falls out" if factor == 0 else f"runs at {factor * 100:.0f} % capacity"
    lasts = float(info["lasts_min"]) if "lasts_min" in info else math.nan
    if s.procedure is None:
        action = (
            "Geen terugvalprocedure: centralisten merken de storing en improviseren",
            "No fallback procedure: centralists notice the outage and improvise",
        )
    elif s.procedure.detection == "first_failure":
        action = (
            "Herkennen bij de eerste mislukte uitzending en de CaCo waarschuwen",
            "Detect at the first failed transmission and alert the CaCo",
        )
    else:
        action = (
            "Herkennen: uitzendingen komen niet aan; de CaCo waarschuwen",
            "Detect: transmissions do not get through; alert the CaCo",
        )
    s.add(
        minute,
        "outage",
        (f"{t_nl} {how_nl} ({r_nl})", f"{t_en} {how_en} ({r_en})"),
        action,
        ("", "") if math.isnan(lasts) else (f"duurt {lasts:.0f} min", f"lasts {lasts:.0f} min"),
        event,
    )


def _outage_ended(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    t_nl, t_en = labels.target(subject)
    action = (
        (
            "Herstel bevestigen; terugvalmiddelen afschalen na de terugschakeltijd",
            "Confirm recovery; stand fallbacks down after the revert time",
        )
        if s.procedure
        else ("Herstel bevestigen", "Confirm recovery")
    )
    what = (
        (f"{t_nl} werkt weer", f"{t_en} is back")
        if subject != "power"
        else (
            "De meldkamer heeft weer stroom (noodstroomaggregaat of net)",
            "The room has power again (generator or mains)",
        )
    )
    s.add(minute, "outage", what, action, source=event)


def _decided(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    steps = s.procedure.steps if s.procedure else []
    steps_nl = [labels.step(step)[0] for step in steps]
    steps_en = [labels.step(step)[1] for step in steps]
    s.add(
        minute,
        "procedure",
        ("De CaCo kondigt de terugvalprocedure af", "The CaCo declares the fallback procedure"),
        (
            "Terugvalprocedure afkondigen: " + (", ".join(steps_nl) or "geen stappen"),
            "Declare the fallback procedure: " + (", ".join(steps_en) or "no steps"),
        ),
        source=event,
    )


def _activated(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    c_nl, c_en = labels.channel(subject)
    s.add(
        minute,
        "procedure",
        (f"Terugvalkanaal beschikbaar: {c_nl}", f"Fallback channel up: {c_en}"),
        labels.channel_action(subject),
        source=f"{event} {subject}",
    )


def _stood_down(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    c_nl, c_en = labels.channel(subject)
    s.add(
        minute,
        "procedure",
        (f"Terugvalkanaal afgeschaald: {c_nl}", f"Fallback channel stood down: {c_en}"),
        ("Terug naar de normale werkwijze", "Back to the normal way of working"),
        source=f"{event} {subject}",
    )


def _call_in(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    s.add(
        minute,
        "procedure",
        (f"Extra centralisten opgeroepen ({detail})", f"Extra centralists called in ({detail})"),
        ("Centralisten oproepen", "Call in centralists"),
        source=event,
    )


def _called_in(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    s.add(
        minute,
        "procedure",
        (f"Extra centralisten aan het werk ({detail})", f"Extra centralists at their desks ({detail})"),
        ("Extra centralisten werk toewijzen", "Give the extra centralists work"),
        source=event,
    )


def _fixed(category: str, what: tuple[str, str], action: tuple[str, str]):
    """A handler for an event whose inject never changes."""

    def handler(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
        s.add(minute, category, what, action, source=event)

    return handler


# --- the room's picture of its units and its alarms, as the model logged them ---
def _info(detail: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in detail.split() if "=" in part)


def _spaced(reach: tuple[str, str] | None) -> tuple[str, str]:
    """``Scripts.reach`` with a leading space, or nothing, to put after a verb."""
    return (f" {reach[0]}", f" {reach[1]}") if reach else ("", "")


def _alarm_group(s: _Script, incident: int, station: str, minute: float) -> list[list]:
    """The dispatch rows one alarm of ``station`` for ``incident`` went to, as they stood at ``minute``.

    Rows alarmed together share their dispatch time; the group is the latest one before
    ``minute`` with a unit that had not acknowledged by then.
    """
    s_index = s.stations.index(station) if station in s.stations else -1
    rows = [
        d
        for d in s.outcome.dispatches
        if d[D.INCIDENT] == incident
        and d[D.STATION] == s_index
        and d[D.T_DISPATCHED] <= minute
        and not d[D.T_ACK] <= minute  # NaN (never) counts as not acknowledged
    ]
    if not rows:
        return []
    latest = max(d[D.T_DISPATCHED] for d in rows)
    return [d for d in rows if d[D.T_DISPATCHED] == latest]


def _realarmed(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    incident = int(_info(detail).get("incident", -1))
    n = int(_info(detail).get("units", 0))
    steps = _fallback_steps(s.scenario, "alarm")
    via_nl, via_en = _spaced(s.reach(minute))
    action_nl = "Herhaalalarmering" + (
        " via de volgende alarmeringsroute (" + ", ".join(labels.channel(c)[0] for c in steps) + ")" if steps else ""
    )
    action_en = "Re-alarm" + (
        " over the next alarm path (" + ", ".join(labels.channel(c)[1] for c in steps) + ")" if steps else ""
    )
    action_nl += f"; eenheid vragen of ze is uitgerukt{via_nl}"
    action_en += f"; ask the unit whether it turned out{via_en}"
    rows = _alarm_group(s, incident, subject, minute)
    acks = [d[D.T_ACK] for d in rows if not math.isnan(d[D.T_ACK])]
    if not rows:
        outcome = ("", "")
    elif len(acks) == len(rows):
        outcome = (
            f"bevestigd na {max(acks) - minute:.1f} min",
            f"acknowledged after {max(acks) - minute:.1f} min",
        )
    else:
        outcome = (
            f"{len(rows) - len(acks)} van {len(rows)} zonder bevestiging",
            f"{len(rows) - len(acks)} of {len(rows)} never acknowledged",
        )
    s.add(
        minute,
        "alarm",
        (
            f"Geen bevestiging van {subject} voor incident {incident}: herhaalalarmering ({n} eenh.)",
            f"No acknowledgement from {subject} for incident {incident}: re-alarm ({n} unit{'s' if n != 1 else ''})",
        ),
        (action_nl, action_en),
        outcome,
        source=f"{event} {subject}",
    )


def _next_unit(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    incident = int(_info(detail).get("incident", -1))
    n = int(_info(detail).get("units", 0))
    names = s.outcome.unit_names
    new = [
        d
        for d in s.outcome.dispatches
        if d[D.INCIDENT] == incident and d[D.ROLE] == "realarm" and d[D.T_DISPATCHED] == minute
    ]
    units = [f"{names[d[D.UNIT]]} ({s.stations[d[D.STATION]]})" for d in new]
    s.add(
        minute,
        "alarm",
        (
            f"{subject} blijft stil voor incident {incident}: volgende eenheid alarmeren ({n})",
            f"{subject} stays silent for incident {incident}: alarm the next unit ({n})",
        ),
        (
            "Volgende eenheid alarmeren; de stille eenheid als twijfelachtig noteren voor de statuscontrole",
            "Alarm the next unit; note the silent unit as in doubt for the roll call",
        ),
        (
            (f"gealarmeerd: {_join(units)}", f"alarmed: {_join(units)}")
            if units
            else ("wacht op een vrije eenheid", "waits for a free unit")
        ),
        source=f"{event} {subject}",
    )


def _misnoted(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    wrong = _info(detail).get("noted_as", "?")
    s.add(
        minute,
        "board",
        (
            f"Gesproken status beschikbaar van {subject} genoteerd op {wrong}",
            f"Spoken status beschikbaar of {subject} noted on {wrong}",
        ),
        (
            "Gesproken statussen teruglezen met roepnummer; bij twijfel de eenheid opnieuw uitvragen",
            "Read spoken statuses back with the call sign; ask the unit again when in doubt",
        ),
        (
            f"GMS toont {wrong} vrij terwijl die bezet is, en {subject} bezet terwijl die vrij is",
            f"GMS shows {wrong} free while it is busy, and {subject} busy while it is free",
        ),
        source=f"{event} {subject}",
    )


def _missed(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    s.add(
        minute,
        "board",
        (
            f"Gesproken status '{_info(detail).get('status', '?')}' van {subject} niet genoteerd",
            f"Spoken status '{_info(detail).get('status', '?')}' of {subject} not noted",
        ),
        ("Status alsnog uitvragen", "Ask the unit for its status"),
        ("GMS houdt de oude status van de eenheid", "GMS keeps the unit's old status"),
        source=f"{event} {subject}",
    )


def _double_alarm(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    info = _info(detail)
    s.add(
        minute,
        "alarm",
        (
            f"Alarm voor {subject} (incident {info.get('incident', '?')}) voor de tweede keer verstuurd",
            f"Alarm for {subject} (incident {info.get('incident', '?')}) sent a second time",
        ),
        (
            "Verstuurde alarmen afvinken op de lijst; niet opnieuw sturen zonder terugmelding af te wachten",
            "Tick off alarms sent on the list; do not send again without waiting for the acknowledgement",
        ),
        (
            f"Kanaal {info.get('channel', '?')} nog een keer bezet; er rukt niemand extra uit",
            f"Channel {info.get('channel', '?')} taken once more; nobody extra turns out",
        ),
        source=f"{event} {subject}",
    )


def _roll_call_started(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    n = int(_info(detail).get("units", 0))
    end = next((m for m, e, *_ in s.outcome.timeline if e == ROLL_CALL_END and m >= minute), None)
    s.add(
        minute,
        "board",
        (
            f"Statuscontrole na herstel: {n} eenheden met onzekere status",
            f"Roll call after recovery: {n} units whose status is in doubt",
        ),
        (
            "Statuscontrole: alle eenheden in twijfel een voor een oproepen en hun status in GMS bijwerken",
            "Statuscontrole (roll call): call every unit in doubt, one by one, and update its status in GMS",
        ),
        (
            (
                f"klaar om {s.clock(end)} (na {end - minute:.0f} min)",
                f"done at {s.clock(end)} (after {end - minute:.0f} min)",
            )
            if end is not None
            else ("niet klaar voor het einde", "not done before the end")
        ),
        source=f"{event} {subject}",
    )


def _roll_call_ended(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    start = max((m for m, e, *_ in s.outcome.timeline if e == ROLL_CALL_START and m <= minute), default=minute)
    called = sum(
        1
        for m in s.outcome.messages
        if m[M.KIND] == ROLL_CALL and m[M.STATE] == "delivered" and start <= m[M.T_END] <= minute
    )
    s.add(
        minute,
        "board",
        ("Statuscontrole afgerond: het GMS-bord klopt weer", "Roll call done: the GMS unit board is right again"),
        ("Normale werkwijze hervatten", "Resume the normal way of working"),
        (f"{called} eenheden nagelopen", f"{called} units checked"),
        source=f"{event} {subject}",
    )


def _reinforcement_lost(s: _Script, minute: float, event: str, subject: str, detail: str) -> None:
    incident = int(_info(detail).get("incident", -1))
    names = s.outcome.unit_names
    row = next(
        (
            m
            for m in s.outcome.messages
            if m[M.KIND] == REINFORCEMENT
            and m[M.INCIDENT] == incident
            and m[M.STATE] == "undelivered"
            and names[m[M.UNIT]] == subject
        ),
        None,
    )
    via_nl, via_en = _spaced(s.reach(minute))
    s.add(
        minute,
        "request",
        (
            f"Opschalingsverzoek van {subject} (incident {incident}) verloren",
            f"Reinforcement request from {subject} (incident {incident}) lost",
        ),
        (
            f"Bevelvoerders van lopende incidenten actief uitvragen{via_nl}: opschaling nodig?",
            f"Actively ask the commanders of running incidents{via_en} whether they need more units",
        ),
        (
            (
                f"gevraagd om {s.clock(row[M.T_CREATED])}; {minute - row[M.T_CREATED]:.0f} min geprobeerd, "
                "tot de bevelvoerder de plaats verliet",
                f"asked at {s.clock(row[M.T_CREATED])}; tried for {minute - row[M.T_CREATED]:.0f} min, "
                "until the commander left the scene",
            )
            if row is not None
            else ("", "")
        ),
        source=f"{event} {subject}",
    )


TIMELINE_INJECTS = {
    OUTAGE_START: _outage_started,
    OUTAGE_END: _outage_ended,
    GENERATOR_FAILED: _fixed(
        "outage",
        ("Noodstroomaggregaat faalt: de meldkamer is zonder stroom", "The generator fails: the room has no power"),
        ("Uitwijk overwegen", "Consider relocating"),
    ),
    DETECTED: _fixed(
        "procedure",
        ("De meldkamer merkt de storing op", "The room notices the outage"),
        ("Storing melden aan de CaCo", "Report the outage to the CaCo"),
    ),
    DECIDED: _decided,
    ACTIVATED: _activated,
    STOOD_DOWN: _stood_down,
    RELOCATION_START: _fixed(
        "procedure",
        ("Uitwijk naar de back-upmeldkamer begint", "Relocation to the backup room starts"),
        (
            "Uitwijken: een deel van de centralisten verhuist, de rest werkt door",
            "Relocate (uitwijk): part of the centralists move, the rest keep working",
        ),
    ),
    RELOCATED: _fixed(
        "procedure",
        ("De meldkamer werkt vanuit de uitwijklocatie", "The room works from the backup room"),
        ("Werkplekken in de uitwijklocatie bemensen", "Staff the desks in the backup room"),
    ),
    CALL_IN: _call_in,
    CALLED_IN: _called_in,
    REALARMED: _realarmed,
    NEXT_UNIT: _next_unit,
    STATUS_MISNOTED: _misnoted,
    STATUS_NOT_NOTED: _missed,
    DOUBLE_ALARM: _double_alarm,
    ROLL_CALL_START: _roll_call_started,
    ROLL_CALL_END: _roll_call_ended,
    REINFORCEMENT_LOST: _reinforcement_lost,
}


# --- what else the night brings: incidents, surges, units out of reach, alarms that fail ---
def _incidents(s: _Script) -> None:
    outcome = s.outcome
    primary = set(_primary_alarm(s.scenario))
    first_alarm: dict[int, str] = {}
    for d in outcome.dispatches:
        if not math.isnan(d[D.T_ALARM]) and d[D.INCIDENT] not in first_alarm:
            first_alarm[d[D.INCIDENT]] = d[D.ALARM_CHANNEL]
    for inc in outcome.incidents:
        ty_nl, ty_en = labels.incident_type(inc.type)
        n = inc.units_needed
        what = (
            f"Incident: {ty_nl} in {inc.region} (prio {inc.priority}, {n} {'eenheid' if n == 1 else 'eenheden'})",
            f"Incident: {ty_en} in {inc.region} (priority {inc.priority}, {n} unit{'s' if n != 1 else ''})",
        )
        via = first_alarm.get(inc.id)
        if inc.state == "abandoned":
            action = ("Melding aannemen (alle bellers haken af)", "Take the call (every caller hangs up)")
            detail = ("niet gemeld: alle bellers haakten af", "never reported: every caller hung up")
        else:
            if via is None or via in primary:
                action = ("Aannemen, uitgeven en alarmeren via P2000", "Take the call, dispatch and alarm via P2000")
            else:
                c_nl, c_en = labels.channel(via)
                action = (
                    f"Aannemen, uitgeven en alarmeren via {c_nl}",
                    f"Take the call, dispatch and alarm via {c_en}",
                )
            detail = _incident_outcome(inc)
        s.add(inc.minute, "incident", what, action, detail, source=f"incident {inc.id}")


def _incident_outcome(inc) -> tuple[str, str]:
    parts_nl, parts_en = [], []
    if inc.t_answered is not None:
        parts_nl.append(f"aangenomen na {inc.t_answered - inc.minute:.1f} min")
        parts_en.append(f"answered after {inc.t_answered - inc.minute:.1f} min")
    if inc.t_alarm is not None:
        parts_nl.append(f"gealarmeerd na {inc.t_alarm - inc.minute:.1f} min")
        parts_en.append(f"alarmed after {inc.t_alarm - inc.minute:.1f} min")
    if inc.t_on_scene is not None:
        late = inc.t_on_scene - inc.minute > inc.norm_min
        parts_nl.append(
            f"ter plaatse na {inc.t_on_scene - inc.minute:.1f} min"
            + (f" (norm {inc.norm_min:g} overschreden)" if late else "")
        )
        parts_en.append(
            f"on scene after {inc.t_on_scene - inc.minute:.1f} min"
            + (f" (norm {inc.norm_min:g} exceeded)" if late else "")
        )
    return "; ".join(parts_nl), "; ".join(parts_en)


def _surges(s: _Script, surge_calls: int) -> None:
    """One inject when ``surge_calls`` or more 112 calls arrive within 5 minutes (again after it halves)."""
    arrivals = sorted(c[CallRow.T_ARRIVAL] for c in s.outcome.calls)
    surging, lo = False, 0
    for i, t in enumerate(arrivals):
        while arrivals[lo] <= t - SURGE_WINDOW_MIN:
            lo += 1
        count = i - lo + 1
        if not surging and count >= surge_calls:
            surging = True
            s.add(
                t,
                "surge",
                (f"Piek: {count} 112-meldingen binnen 5 minuten", f"Surge: {count} 112 calls within 5 minutes"),
                (
                    "Prioriteren; bij aanhoudende drukte extra centralisten overwegen",
                    "Prioritise; consider extra centralists if it keeps up",
                ),
                source="calls",
            )
        elif surging and count < surge_calls / 2:
            surging = False


def _unreachable(s: _Script) -> None:
    """Units that cannot reach the room, per minute the gaps start."""
    names = s.outcome.unit_names
    steps = _fallback_steps(s.scenario, "voice")
    voice_nl = [labels.channel(step)[0] for step in steps]
    voice_en = [labels.channel(step)[1] for step in steps]
    reach_action = (
        ("Eenheid bereiken via " + " of ".join(voice_nl), "Reach the unit via " + " or ".join(voice_en))
        if voice_nl
        else ("Geen terugvalkanaal: eenheid handelt zelfstandig", "No fallback channel: the unit acts on its own")
    )
    by_minute: dict[int, list[tuple[float, float, int]]] = {}
    for i, a, b in unreachable_intervals(s.outcome):
        by_minute.setdefault(int(math.floor(a)), []).append((a, b, i))
    for _minute, gaps in sorted(by_minute.items()):
        gaps.sort()
        units = [f"{names[s.outcome.dispatches[i][D.UNIT]]} ({b - a:.0f} min)" for a, b, i in gaps]
        n = len(units)
        s.add(
            gaps[0][0],
            "unreachable",
            (
                f"{n} {'eenheid kan' if n == 1 else 'eenheden kunnen'} de meldkamer niet bereiken: {_join(units)}",
                f"{n} unit{' cannot' if n == 1 else 's cannot'} reach the room: {_join(units)}",
            ),
            reach_action,
            source="unreachable",
        )


def _undelivered(s: _Script) -> None:
    """Messages given up, per minute: those to the room, and unit-to-unit traffic on the scene."""
    names = s.outcome.unit_names
    undelivered: dict[int, list[list]] = {}
    for m in s.outcome.messages:
        if m[M.STATE] == "undelivered":
            undelivered.setdefault(int(math.floor(m[M.T_END])), []).append(m)
    for _minute, rows in sorted(undelivered.items()):
        rows.sort(key=lambda m: (m[M.T_END], m[M.MESSAGE]))
        room = [m for m in rows if m[M.KIND] not in ("scene", REINFORCEMENT, *STATUSES)]
        scene = [m for m in rows if m[M.KIND] == "scene"]
        if room:
            items_nl = [f"{names[m[M.UNIT]]} ({labels.message_kind(m[M.KIND])[0]})" for m in room]
            items_en = [f"{names[m[M.UNIT]]} ({labels.message_kind(m[M.KIND])[1]})" for m in room]
            patience = s.scenario.room.message_patience_min
            s.add(
                room[0][M.T_END],
                "unreachable",
                (
                    f"Bericht niet afgeleverd na {patience:g} min: {_join(items_nl)}",
                    f"Message given up after {patience:g} min: {_join(items_en)}",
                ),
                ("Eenheid actief oproepen; status nagaan", "Call the unit actively; check its status"),
                ("eenheid handelt zelfstandig", "the unit acts on its own"),
                source="undelivered",
            )
        if scene:
            items = [names[m[M.UNIT]] for m in scene]
            s.add(
                scene[0][M.T_END],
                "unreachable",
                (
                    f"Verkeer ter plaatse komt niet door (DMO): {_join(items)}",
                    f"Traffic on the scene does not get through (DMO): {_join(items)}",
                ),
                ("Bevelvoerder laat ploegen onderling afstemmen", "The bevelvoerder has the crews coordinate directly"),
                source="undelivered scene",
            )


def _failing_alarms(s: _Script) -> None:
    """Alarms that could not go out over P2000 (a fallback path, or waiting long), per minute."""
    steps = _fallback_steps(s.scenario, "alarm")
    alarm_nl = [labels.channel(step)[0] for step in steps]
    alarm_en = [labels.channel(step)[1] for step in steps]
    alarm_action = (
        ("Alarmeringsroute omzetten: " + ", ".join(alarm_nl), "Switch the alarm path: " + ", ".join(alarm_en))
        if alarm_nl
        else (
            "Alarm opnieuw proberen; kazerne of bevelvoerder bellen",
            "Retry the alarm; phone the post or the bevelvoerder",
        )
    )
    primary = set(_primary_alarm(s.scenario))
    stations = [station.name for station in s.scenario.units.stations]
    seen: set[tuple[int, int, float]] = set()
    failing: dict[int, list[list]] = {}
    for d in s.outcome.dispatches:
        key = (d[D.INCIDENT], d[D.STATION], d[D.T_DISPATCHED])
        if key in seen:
            continue
        seen.add(key)
        alarmed = not math.isnan(d[D.T_ALARM])
        if not alarmed or d[D.ALARM_CHANNEL] not in primary or d[D.T_ALARM] - d[D.T_DISPATCHED] > ALARM_WAIT_MIN:
            failing.setdefault(int(math.floor(d[D.T_DISPATCHED])), []).append(d)
    for _minute, rows in sorted(failing.items()):
        rows.sort(key=lambda d: (d[D.T_DISPATCHED], d[D.INCIDENT], d[D.STATION]))
        items = []
        for d in rows:
            if math.isnan(d[D.T_ALARM]):
                items.append(f"{stations[d[D.STATION]]}: niet verstuurd|{stations[d[D.STATION]]}: not sent")
            else:
                c_nl, c_en = labels.channel(d[D.ALARM_CHANNEL])
                items.append(
                    f"{stations[d[D.STATION]]}: via {c_nl} na {d[D.T_ALARM] - d[D.T_DISPATCHED]:.1f} min|"
                    f"{stations[d[D.STATION]]}: via {c_en} after {d[D.T_ALARM] - d[D.T_DISPATCHED]:.1f} min"
                )
        nl_items = [x.split("|")[0] for x in items]
        en_items = [x.split("|")[1] for x in items]
        n = len(rows)
        s.add(
            rows[0][D.T_DISPATCHED],
            "alarm",
            (
                f"P2000-alarmering lukt niet voor {n} {'post' if n == 1 else 'posten'}",
                f"P2000 alarm fails for {n} post{'s' if n != 1 else ''}",
            ),
            alarm_action,
            (_join(nl_items, sep="; "), _join(en_items, sep="; ")),
            source="alarm",
        )


def _statuses_not_received(s: _Script) -> None:
    """Statuses that never reached the room, at the minute the unit sent them (the row's t_created).

    One inject per minute, listing the units whose status first went missing in it. A unit
    whose statuses keep going missing is listed once, until the room hears from it again
    (a status, a late report or the roll call); its further missing statuses are counted in
    that inject's model outcome. So a long outage gives at most one line per minute and one
    line per unit per contact lost, not one per status.
    """
    names = s.outcome.unit_names
    heard: dict[int, list[float]] = {}
    for m in s.outcome.messages:
        if m[M.STATE] == "delivered" and (m[M.KIND].removesuffix(LATE) in STATUSES or m[M.KIND] == ROLL_CALL):
            heard.setdefault(m[M.UNIT], []).append(m[M.T_END])
    for times in heard.values():
        times.sort()
    missing = sorted(
        (m for m in s.outcome.messages if m[M.KIND] in STATUSES and m[M.STATE] == "undelivered"),
        key=lambda m: (m[M.T_CREATED], m[M.MESSAGE]),
    )
    episodes: list[list] = []  # [first missing row, further missing, heard from again at (None: never)]
    latest: dict[int, list] = {}
    for m in missing:
        unit, created = m[M.UNIT], m[M.T_CREATED]
        episode = latest.get(unit)
        if episode is not None and (episode[2] is None or episode[2] > created):
            episode[1] += 1
            continue
        times = heard.get(unit, [])
        i = bisect.bisect_right(times, created)
        latest[unit] = episode = [m, 0, times[i] if i < len(times) else None]
        episodes.append(episode)
    by_minute: dict[int, list[list]] = {}
    for episode in episodes:
        by_minute.setdefault(int(math.floor(episode[0][M.T_CREATED])), []).append(episode)
    for _minute, group in sorted(by_minute.items()):
        first = group[0][0][M.T_CREATED]
        n = len(group)
        items_nl = [f"{names[e[0][M.UNIT]]} ({labels.message_kind(e[0][M.KIND])[0]})" for e in group]
        items_en = [f"{names[e[0][M.UNIT]]} ({labels.message_kind(e[0][M.KIND])[1]})" for e in group]
        outcome_nl, outcome_en = [], []
        for row, more, again in group:
            unit = names[row[M.UNIT]]
            extra_nl = f", nog {more} gemist" if more else ""
            extra_en = f", {more} more missed" if more else ""
            if again is None:
                outcome_nl.append(f"{unit}: niet meer gehoord{extra_nl}")
                outcome_en.append(f"{unit}: not heard from again{extra_en}")
            else:
                outcome_nl.append(f"{unit}: weer gehoord om {s.clock(again)}{extra_nl}")
                outcome_en.append(f"{unit}: heard from again at {s.clock(again)}{extra_en}")
        reach = s.reach(first)
        action = (
            (
                f"Eenheid uitvragen {reach[0]}; de status in GMS bijwerken",
                f"Ask the unit {reach[1]}; update its status in GMS",
            )
            if reach
            else (
                "Geen terugvalkanaal: eenheid in twijfel houden tot de statuscontrole",
                "No fallback channel: keep the unit in doubt until the roll call",
            )
        )
        s.add(
            first,
            "board",
            (
                f"Status van {'eenheid' if n == 1 else f'{n} eenheden'} niet ontvangen: {_join(items_nl)}",
                f"Status of {'unit' if n == 1 else f'{n} units'} not received: {_join(items_en)}",
            ),
            action,
            (_join(outcome_nl, sep="; "), _join(outcome_en, sep="; ")),
            source="status not received",
        )


def _caco_busy(s: _Script) -> None:
    """The fallback decision waiting for the CaCo, who first finishes the task in hand."""
    rows = s.outcome.messages
    for m in rows:
        if m[M.KIND] != CACO_DECISION or not m[M.T_START] > m[M.T_CREATED]:
            continue
        busy = [r for r in rows if r[M.CHANNEL] == CACO and r[M.KIND] != CACO_DECISION]
        in_hand = next((r for r in busy if r[M.T_START] <= m[M.T_CREATED] < r[M.T_END]), None)
        wait = m[M.T_START] - m[M.T_CREATED]
        inc = s.incidents.get(in_hand[M.INCIDENT]) if in_hand else None
        about_nl, about_en = (
            (
                f"incident {inc.id} ({labels.incident_type(inc.type)[0]})",
                f"incident {inc.id} ({labels.incident_type(inc.type)[1]})",
            )
            if inc
            else ("contact met LMS en de andere desks", "contact with LMS and the other desks")
        )
        s.add(
            m[M.T_CREATED],
            "procedure",
            (f"De CaCo is bezig met {about_nl}", f"The CaCo is busy with {about_en}"),
            (
                "Storing melden; de CaCo beslist over de terugval zodra de lopende taak klaar is, of draagt die over",
                "Report the outage; the CaCo decides on the fallback once the task in hand is done, or hands it over",
            ),
            (f"het besluit wacht {wait:.0f} min", f"the decision waits {wait:.0f} min"),
            source=CACO_DECISION,
        )


def _noodknop(s: _Script) -> None:
    """Every press of the emergency button, at the press (t_created), with the wait until a centralist answered.

    The wait is the row's t_start - t_created: the conversation that acknowledges the button starts.
    """
    names = s.outcome.unit_names
    heard = s.scenario.noodknop.heard
    for m in s.outcome.messages:
        if m[M.KIND] != NOODKNOP:
            continue
        pressed = m[M.T_CREATED]
        inc = s.incidents.get(m[M.INCIDENT])
        ty_nl, ty_en = labels.incident_type(inc.type) if inc else ("", "")
        action_nl, action_en = "Noodknop direct beantwoorden", "Answer the noodknop at once"
        if any(a <= pressed < b for a, b in s.outages):
            # only the channels the scenario hears the button on (none listed: every voice channel)
            up = [c for c in s.fallbacks_up(pressed, "voice") if not heard or c in heard]
            later = [c for c in _fallback_steps(s.scenario, "voice") if not heard or c in heard]
            channels = up or later
            c_nl = " of ".join(labels.channel(c)[0] for c in channels)
            c_en = " or ".join(labels.channel(c)[1] for c in channels)
            if up:
                action_nl, action_en = (
                    f"Noodknop direct beantwoorden op de {c_nl}",
                    f"Answer the noodknop at once on the {c_en}",
                )
            elif later:
                action_nl = f"Noodknop beantwoorden zodra de {c_nl} er is"
                action_en = f"Answer the noodknop as soon as the {c_en} is up"
            if any(heard.get(c, 1.0) < 1.0 for c in channels):
                action_nl += ", afgestemd op de gespreksgroep van het incident (alleen daar hoorbaar)"
                action_en += ", tuned to the incident's talkgroup (heard only there)"
            if not channels:
                action_nl += "; geen terugvalkanaal hoort de noodknop: de eenheid actief oproepen"
                action_en += "; no fallback channel hears the noodknop: call the unit actively"
        action_nl += "; situatie uitvragen en hulp sturen"
        action_en += "; ask what is happening and send help"
        if math.isnan(m[M.T_START]):
            detail = ("geen antwoord voor het einde", "not answered before the end")
        else:
            c_nl, c_en = labels.channel(m[M.CHANNEL])
            wait = (m[M.T_START] - pressed) * 60
            tries_nl = f", {m[M.ATTEMPTS]} pogingen" if m[M.ATTEMPTS] > 1 else ""
            tries_en = f", {m[M.ATTEMPTS]} attempts" if m[M.ATTEMPTS] > 1 else ""
            detail = (
                f"centralist antwoordt na {wait:.0f} s via {c_nl}{tries_nl}",
                f"a centralist answers after {wait:.0f} s over {c_en}{tries_en}",
            )
        unit = names[m[M.UNIT]]
        s.add(
            pressed,
            "noodknop",
            (
                f"Noodknop van {unit} (incident {m[M.INCIDENT]}{', ' + ty_nl if ty_nl else ''})",
                f"Noodknop from {unit} (incident {m[M.INCIDENT]}{', ' + ty_en if ty_en else ''})",
            ),
            (action_nl, action_en),
            detail,
            source=f"noodknop {unit}",
        )


def _reinforcement_delayed(s: _Script) -> None:
    """Reinforcement requests that reached the room late: at the request (t_created), if the room
    took it more than REQUEST_WAIT_MIN later (t_start); lost ones are the timeline's."""
    names = s.outcome.unit_names
    first_extra: dict[int, float] = {}
    for d in s.outcome.dispatches:
        if d[D.ROLE] == "reinforcement" and not math.isnan(d[D.T_ALARM]):
            first_extra[d[D.INCIDENT]] = min(first_extra.get(d[D.INCIDENT], math.inf), d[D.T_ALARM])
    for m in s.outcome.messages:
        if m[M.KIND] != REINFORCEMENT or m[M.STATE] != "delivered":
            continue
        asked, taken = m[M.T_CREATED], m[M.T_START]
        if taken - asked <= REQUEST_WAIT_MIN:
            continue
        unit = names[m[M.UNIT]]
        c_nl, c_en = labels.channel(m[M.CHANNEL])
        via_nl, via_en = _spaced(s.reach(asked))
        alarmed = first_extra.get(m[M.INCIDENT])
        detail_nl = f"pas na {taken - asked:.1f} min aangenomen via {c_nl}"
        detail_en = f"taken only after {taken - asked:.1f} min over {c_en}"
        if alarmed is not None:
            detail_nl += f"; extra eenheden gealarmeerd na {alarmed - asked:.1f} min"
            detail_en += f"; extra units alarmed after {alarmed - asked:.1f} min"
        s.add(
            asked,
            "request",
            (
                f"{unit} vraagt opschaling (incident {m[M.INCIDENT]}); het verzoek komt niet direct door",
                f"{unit} asks for reinforcement (incident {m[M.INCIDENT]}); the request does not get through at once",
            ),
            (
                f"Bevelvoerders van lopende incidenten actief uitvragen{via_nl}; opschaling direct alarmeren",
                f"Actively ask the commanders of running incidents{via_en}; alarm the reinforcement at once",
            ),
            (detail_nl, detail_en),
            source=f"reinforcement delayed {unit}",
        )


def _double_dispatches(s: _Script) -> None:
    """Alarms that went to a unit the board showed free but that was in fact busy (state not_reached), at the alarm."""
    names = s.outcome.unit_names
    for d in s.outcome.dispatches:
        if d[D.STATE] != NOT_REACHED:
            continue
        unit, station = names[d[D.UNIT]], s.stations[d[D.STATION]]
        s.add(
            d[D.T_ALARM],
            "alarm",
            (
                f"Alarm voor {unit} ({station}, incident {d[D.INCIDENT]}): de eenheid is in werkelijkheid bezet",
                f"Alarm to {unit} ({station}, incident {d[D.INCIDENT]}): the unit is in fact busy",
            ),
            (
                "Het bord klopt niet: zonder 'uitgerukt' een andere eenheid alarmeren; status van deze eenheid nagaan",
                "The board is wrong: with no 'uitgerukt', alarm another unit and check this unit's status",
            ),
            (
                f"GMS had {unit} vrij; {d[D.ALARMS]}x gealarmeerd, nooit bereikt",
                f"GMS showed {unit} free; alarmed {d[D.ALARMS]}x, never reached",
            ),
            source=f"double dispatch {unit}",
        )


class Response(NamedTuple):
    """The procedure's first answer to an outage: when that outage began, and (debrief event, minute) per step."""

    start: float
    target: str
    steps: list[tuple[str, float]]


def step_event(event: str, subject: str, relocate_step: bool) -> str | None:
    """The debrief key of a timeline event, or None if the trainer does not time it."""
    if event == DETECTED:
        return STEP_DETECTED
    if event == DECIDED:
        return STEP_DECIDED
    if event == ACTIVATED:
        return ACTIVATED_PREFIX + subject
    if event == RELOCATED and relocate_step:
        return STEP_RELOCATED
    return None


def first_response(outcome: Outcome) -> Response | None:
    """The first outage the room noticed and what it did about it, up to the stand-down.

    An outage over before anyone noticed is skipped (the procedure then has nothing to time);
    an outage that begins while another is on belongs to the response already under way.
    """
    procedure = outcome.scenario.procedure
    if procedure is None:
        return None
    relocate_step = "relocate" in procedure.steps
    start, target, ongoing, steps = None, "", 0, []
    for minute, event, subject, _ in outcome.timeline:
        if event == OUTAGE_START:
            if ongoing == 0 and not steps:
                start, target = minute, subject
            ongoing += 1
        elif event == OUTAGE_END:
            ongoing -= 1
        elif event == STOOD_DOWN and steps:
            break
        elif start is not None:
            key = step_event(event, subject, relocate_step)
            if key is not None and key not in (k for k, _ in steps):
                steps.append((key, minute))
    return Response(start, target, steps) if steps else None


def _tag_steps(injects: list[Inject], outcome: Outcome) -> None:
    """Mark the rows of the first response's outage and steps with their debrief ``event``."""
    response = first_response(outcome)
    if response is None:
        return
    wanted = {(OUTAGE_EVENT, response.start)} | set(response.steps)
    relocate_step = "relocate" in outcome.scenario.procedure.steps
    for inj in injects:
        event, _, subject = inj.source.partition(" ")
        key = OUTAGE_EVENT if event == OUTAGE_START else step_event(event, subject, relocate_step)
        if key is not None and (key, inj.minute) in wanted:
            inj.event = key
            wanted.discard((key, inj.minute))


def build_injects(
    outcome: Outcome, *, surge_calls: int = DEFAULT_SURGE_CALLS, window: tuple[float, float] | None = None
) -> list[Inject]:
    """Every inject of one replication, ordered by time (then category, then model order)."""
    script = _Script(outcome)
    for minute, event, subject, detail in outcome.timeline:
        handler = TIMELINE_INJECTS.get(event)
        if handler is not None:
            handler(script, minute, event, subject, detail)
    _incidents(script)
    _surges(script, surge_calls)
    _unreachable(script)
    _undelivered(script)
    _failing_alarms(script)
    _statuses_not_received(script)
    _noodknop(script)
    _caco_busy(script)
    _reinforcement_delayed(script)
    _double_dispatches(script)
    injects = sorted(script.injects)
    _tag_steps(injects, outcome)
    if window is not None:
        lo_w, hi_w = window
        injects = [i for i in injects if lo_w <= i.minute <= hi_w]
    return injects


def default_window(outcome: Outcome) -> tuple[float, float]:
    """Around the outages (30 min either side, up to the last procedure step); else the whole horizon."""
    horizon = outcome.scenario.horizon
    starts = [m for m, e, *_ in outcome.timeline if e == OUTAGE_START]
    if not starts:
        return (horizon.warmup_min, horizon.duration_min)
    last = max(m for m, *_ in outcome.timeline)
    return (max(0.0, min(starts) - WINDOW_MARGIN_MIN), min(horizon.duration_min, last + WINDOW_MARGIN_MIN))


def parse_time(text: str, scenario: Scenario) -> float:
    """``HH:MM`` (first time that clock reads at or after the horizon start) or minutes."""
    text = str(text).strip()
    if ":" in text:
        try:
            h, m = (int(x) for x in text.split(":"))
        except ValueError:
            raise ValueError(f"'{text}' is not HH:MM or minutes") from None
        if not (0 <= h < 24 and 0 <= m < 60):
            raise ValueError(f"'{text}' is not HH:MM or minutes")
        start = scenario.horizon.start
        minute = (h * 60 + m) - (start.hour * 60 + start.minute)
        return float(minute % 1440)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not HH:MM or minutes") from None


def make_exercise(
    source: str | Path | Scenario,
    seed: int,
    *,
    pick: str | int = "median",
    kpi: str = DEFAULT_KPI,
    replications: int = DEFAULT_REPLICATIONS,
    jobs: int = 1,
    lang: str = "nl+en",
    surge_calls: int = DEFAULT_SURGE_CALLS,
    start: float | None = None,
    end: float | None = None,
    progress=None,
) -> Exercise:
    """Pick a replication, simulate it again and build its inject list."""
    scenario = source if isinstance(source, Scenario) else load_scenario(source)
    name = f"<{scenario.name}>" if isinstance(source, Scenario) else str(source)
    if kpi.split("[", 1)[0] not in METRICS:
        raise ScenarioError([Problem(name, "--kpi", f"unknown KPI '{kpi}' (see sim/kpis.py)")])
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    values: list[float] = []
    if isinstance(pick, int):
        replication = pick
    else:
        total = replications
        for done, result in enumerate(runner.iterate(scenario, seed, replications, jobs=jobs), start=1):
            values.append(result.kpis.get(kpi, math.nan))
            if progress:
                progress(done, total)
        try:
            replication = pick_replication(values, pick, metric_of(kpi).better)
        except ValueError as exc:
            raise ScenarioError([Problem(name, "--kpi", f"{kpi}: {exc}")]) from None
    outcome = simulate(scenario, seed, replication)
    from sim.experiments.kpis import compute

    value = compute(outcome).get(kpi, math.nan)
    window = default_window(outcome)
    window = (window[0] if start is None else start, window[1] if end is None else end)
    injects = build_injects(outcome, surge_calls=surge_calls, window=window)
    return Exercise(
        scenario,
        name,
        seed,
        replication,
        str(pick),
        kpi,
        value,
        values,
        outcome,
        injects,
        minute_series(outcome),
        window,
        lang,
    )


def write_exercise(exercise: Exercise, out: Path) -> tuple[Path, Path]:
    """``exercise.csv``, ``exercise.html`` and ``exercise.json`` (what the debrief needs) in ``out``
    (created if needed), each written atomically; returns the CSV and HTML paths."""
    import json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    identity = json.dumps(exercise.to_json(), indent=2, allow_nan=False) + "\n"
    for name, text in (
        ("exercise.csv", exercise.to_csv()),
        ("exercise.html", exercise.to_html()),
        (EXERCISE_JSON, identity),
    ):
        path = out / name
        tmp = out / f".{name}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
        paths.append(path)
    return paths[0], paths[1]


# --- the printable page --------------------------------------------------------------------
SHORT_PREDICTIONS = (
    ("112 wachtend", "calls waiting"),
    ("onbereikbaar", "unreachable"),
    ("berichten wachtend", "msgs waiting"),
    ("centralisten bezet", "centralists busy"),
)

EXERCISE_CSS = """
@page { size: A4 landscape; margin: 10mm; }
table.injects { table-layout: fixed; }
table.debrief td { height: 2.2em; }
table.debrief td:last-child { width: 25%; }
table.injects td { font-size: 8.5pt; }
table.injects th { font-size: 8pt; }
table.injects th.pred { width: 6.5%; white-space: normal; }
table.injects th.c-time { width: 6%; } table.injects th.c-category { width: 9%; }
table.injects th.c-what { width: 24%; } table.injects th.c-action { width: 21%; }
table.injects td.time { white-space: nowrap; font-weight: 600; }
tr.cat-outage td { background: #fdecea; }
tr.cat-procedure td { background: #e8f1fb; }
tr.cat-surge td, tr.cat-alarm td { background: #fff6e0; }
.badge.cat-outage { background: #b3261e; } .badge.cat-procedure { background: #0b5cad; }
.badge.cat-surge { background: #9a6700; } .badge.cat-alarm { background: #bc4c00; }
.badge.cat-unreachable { background: #6f42c1; } .badge.cat-incident { background: #57606a; }
tr.cat-noodknop td { background: #fbe3f0; } tr.cat-board td, tr.cat-request td { background: #f3effa; }
.badge.cat-noodknop { background: #a1126b; } .badge.cat-board { background: #5a3e99; }
.badge.cat-request { background: #7d4e00; }
"""


def timeline_figure(ex: Exercise):
    """The three model series over the window, outages shaded, procedure steps marked (page and dashboard)."""
    import plotly.graph_objects as go

    lo, hi = ex.window
    minutes = ex.series["minute"]
    keep = (minutes >= math.floor(lo)) & (minutes <= math.ceil(hi))
    start = ex.scenario.horizon.start
    x = [start + dt.timedelta(minutes=int(m)) for m in minutes[keep]]
    fig = go.Figure()
    colours = {"calls_waiting": "#b3261e", "units_unreachable": "#6f42c1", "messages_waiting": "#0b5cad"}
    for name in PREDICTIONS[:3]:
        nl, en = labels.series(name)
        label = {"nl": nl, "en": en}.get(ex.lang, f"{nl} / {en}")
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.round(ex.series[name][keep], 3),
                mode="lines",
                name=label,
                line={"width": 1.6, "color": colours[name]},
            )
        )
    for a, b in _outage_spans(ex.outcome):
        if b >= lo and a <= hi:
            fig.add_vrect(
                x0=start + dt.timedelta(minutes=max(a, lo)),
                x1=start + dt.timedelta(minutes=min(b, hi)),
                fillcolor="#b3261e",
                opacity=0.08,
                line_width=0,
            )
    for inj in ex.injects:
        if inj.category == "procedure":
            when = start + dt.timedelta(minutes=inj.minute)
            fig.add_vline(x=when, line={"width": 1, "dash": "dot", "color": "#0b5cad"})
    marks = [i for i in ex.injects if i.category in ("procedure", "outage")]
    if marks:
        fig.add_trace(
            go.Scatter(
                x=[start + dt.timedelta(minutes=i.minute) for i in marks],
                y=[0] * len(marks),
                mode="markers",
                marker={
                    "symbol": "triangle-up",
                    "size": 9,
                    "color": ["#b3261e" if i.category == "outage" else "#0b5cad" for i in marks],
                },
                name={"nl": "storing/procedure", "en": "outage/procedure"}.get(
                    ex.lang, "storing/procedure · outage/procedure"
                ),
                text=[i.what_nl if ex.lang != "en" else i.what_en for i in marks],
                hoverinfo="text+x",
            )
        )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        template="simple_white",
        yaxis_title="aantal / count",
        hovermode="x",
    )
    return fig


def _outage_spans(outcome: Outcome) -> list[tuple[float, float]]:
    return outage_windows(outcome)


def render_html(ex: Exercise) -> str:
    lang = ex.lang

    def t(nl: str, en: str) -> str:
        if lang == "en":
            return esc(en)
        if lang == "nl":
            return esc(nl)
        return f'{esc(nl)}<br><span class="en">{esc(en)}</span>' if en and en != nl else esc(nl)

    sc = ex.scenario
    kpi_nl, kpi_en = labels.kpi(ex.kpi)
    if ex.kpi_values:
        x = np.asarray(ex.kpi_values, dtype=float)
        x = x[~np.isnan(x)]
        rank = float((x <= ex.kpi_value).mean() * 100) if x.size else math.nan
        pick_nl = {
            "median": "mediane replicatie",
            "worst": f"zware replicatie ({WORST_PERCENTILE}e percentiel, slechte kant)",
        }.get(ex.pick, ex.pick)
        pick_en = {
            "median": "median replication",
            "worst": f"hard replication ({WORST_PERCENTILE}th percentile, bad side)",
        }.get(ex.pick, ex.pick)
        pick_nl += f" van {len(ex.kpi_values)}; {kpi_nl} = {value_text(ex.kpi, ex.kpi_value)} (rang {rank:.0f} %)"
        pick_en += (
            f" of {len(ex.kpi_values)}; {kpi_en} = {value_text(ex.kpi, ex.kpi_value, lang='en')} (rank {rank:.0f} %)"
        )
    else:
        pick_nl = f"replicatie {ex.replication} op verzoek; {kpi_nl} = {value_text(ex.kpi, ex.kpi_value)}"
        pick_en = f"replication {ex.replication} as asked; {kpi_en} = {value_text(ex.kpi, ex.kpi_value, lang='en')}"
    proc_nl, proc_en = words.procedure_text(
        sc.model_dump(mode="json")["procedure"], sc.model_dump(mode="json")["channels"]
    )
    out_nl, out_en = words.outages_text(sc.model_dump(mode="json")["outages"])
    lo, hi = ex.window
    seed_nl = f"seed {ex.seed}, replicatie {ex.replication}: {pick_nl}"
    seed_en = f"seed {ex.seed}, replication {ex.replication}: {pick_en}"
    span = f"{ex.day_clock(lo)} – {ex.day_clock(hi)}"
    window_nl = f"{span} (minuut {lo:.0f}–{hi:.0f}; {len(ex.injects)} injects)"
    window_en = f"{span} (minute {lo:.0f}–{hi:.0f}; {len(ex.injects)} injects)"
    columns_note = t(
        "Kolommen: tijd (klok en modelminuut vanaf de start van het scenario), wat er gebeurt, welke "
        "beslissing of terugvalactie de procedure op dat moment verwacht, en wat het model voorspelt "
        "voor de meldkamer in die minuut (gemiddelden over de minuut).",
        "Columns: time (clock and model minute from the scenario start), what happens, which decision "
        "or fallback action the procedure expects then, and what the model predicts for the room in "
        "that minute (averages over the minute).",
    )
    header = [
        f"<h1>{t('Oefenscript', 'Exercise script')}: {esc(sc.name)}</h1>",
        f'<p class="muted">{esc(sc.description)}</p>' if sc.description else "",
        '<div class="box"><table class="small">',
        f"<tr><th>{t('Scenario', 'Scenario')}</th><td>{esc(ex.source)}</td></tr>",
        f"<tr><th>{t('Storing', 'Outage')}</th><td>{t(out_nl, out_en)}</td></tr>",
        f"<tr><th>{t('Terugvalprocedure', 'Fallback procedure')}</th><td>{t(proc_nl, proc_en)}</td></tr>",
        f"<tr><th>{t('Seed, replicatie', 'Seed, replication')}</th><td>{t(seed_nl, seed_en)}</td></tr>",
        f"<tr><th>{t('Venster', 'Window')}</th><td>{t(window_nl, window_en)}</td></tr>",
        f"<tr><th>{t('Gemaakt met', 'Made with')}</th><td>meldsim {esc(__version__)}; "
        f"{t('zelfde seed = zelfde script', 'same seed = same script')}</td></tr>",
        "</table></div>",
        f"<p class='small'>{columns_note}</p>",
    ]
    figure = Figures().html(timeline_figure(ex), "exercise-timeline", width=1000, height=300)
    cols = [
        ("time", "Tijd", "Time"),
        ("category", "Soort", "Category"),
        ("what", "Gebeurtenis", "What happens"),
        ("action", "Verwachte actie", "Expected action"),
        ("detail", "Modeluitkomst", "Model outcome"),
    ]
    head = "".join(f'<th class="c-{k}">{t(nl, en)}</th>' for k, nl, en in cols)
    head += "".join(f'<th class="num pred">{t(nl, en)}</th>' for nl, en in SHORT_PREDICTIONS)
    body = []
    for inj in ex.injects:
        cat_nl, cat_en = CATEGORIES[inj.category]
        day = ex.date(inj.minute)[8:10] + "-" + ex.date(inj.minute)[5:7]
        cells = [
            f'<td class="time">{esc(ex.clock(inj.minute))}<br><span class="muted small">{day} · '
            f"{inj.minute:.1f}</span></td>",
            f'<td><span class="badge cat-{inj.category}">{esc(cat_nl if lang != "en" else cat_en)}</span></td>',
            f"<td>{t(inj.what_nl, inj.what_en)}</td>",
            f"<td>{t(inj.action_nl, inj.action_en)}</td>",
            f"<td>{t(inj.detail_nl, inj.detail_en)}</td>",
        ]
        for name in PREDICTIONS[:4]:
            value = ex.prediction(name, inj.minute)
            cells.append(f'<td class="num">{"" if math.isnan(value) else f"{value:.1f}"}</td>')
        body.append(
            f'<tr class="cat-{inj.category}" data-minute="{inj.minute:.1f}" data-source="{esc(inj.source)}">'
            + "".join(cells)
            + "</tr>"
        )
    table = f'<table class="injects"><thead><tr>{head}</tr></thead><tbody>' + "\n".join(body) + "</tbody></table>"
    content = (
        "\n".join(header) + f"\n<h2>{t('Tijdlijn', 'Timeline')}</h2>\n{figure}\n"
        f"<h2>{t('Injects', 'Injects')}</h2>\n{table}" + _debrief_form(ex, t)
    )
    return document(f"Oefenscript {sc.name}", content, lang="en" if lang == "en" else "nl", css=EXERCISE_CSS)


def _debrief_form(ex: Exercise, t) -> str:
    """Where the trainer notes the team's times on paper, to copy into the CSV's actual column."""
    steps = ex.steps()
    if not steps:
        return ""
    rows = [
        f"<tr><td>{t(*labels.debrief_item(i.event))}</td><td><code>{esc(i.event)}</code></td>"
        f'<td class="time">{esc(ex.clock(i.minute))}</td><td></td></tr>'
        for i in steps
    ]
    rows += [
        f"<tr><td>{t(nl, en)}</td><td><code>{esc(e)}</code></td><td></td><td></td></tr>"
        for e, (nl, en) in COUNT_EVENTS.items()
    ]
    head = (
        f"<tr><th>{t('Stap', 'Step')}</th><th>event</th><th>{t('Procedure', 'Procedure')}</th>"
        f"<th>{t('Team (actual)', 'Team (actual)')}</th></tr>"
    )
    return (
        f"\n<h2>{t('Nabespreking', 'Debrief')}</h2>\n<p class='small'>{t(*DEBRIEF_NOTE)}; "
        f"{t('daarna: meldsim debrief exercise.csv', 'then: meldsim debrief exercise.csv')}</p>"
        f'<table class="debrief"><thead>{head}</thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


# --- command line --------------------------------------------------------------------------
def add_exercise_command(subparsers) -> argparse.ArgumentParser:
    """Register ``meldsim exercise`` on the sub-command set of sim/cli.py's parser."""
    p = subparsers.add_parser(
        "exercise", help="turn one replication into a minute-by-minute exercise script (CSV and printable HTML)"
    )
    p.add_argument("file", metavar="SCENARIO", help=SCENARIO_HELP)
    p.add_argument("--seed", type=_non_negative_int, default=1)
    p.add_argument(
        "--pick",
        type=parse_pick,
        default="median",
        metavar="median|worst|REP",
        help="median: the replication closest to the median of --kpi; worst: the one at the "
        f"{WORST_PERCENTILE}th percentile on the KPI's bad side; a number: that replication",
    )
    p.add_argument("--kpi", default=DEFAULT_KPI, help=f"KPI for --pick (default {DEFAULT_KPI})")
    p.add_argument(
        "--replications",
        "-n",
        type=_positive_int,
        default=DEFAULT_REPLICATIONS,
        help="replications to choose from (KPIs only)",
    )
    p.add_argument("--jobs", "-j", type=_positive_int, default=runner.default_jobs())
    p.add_argument("--lang", choices=LANGS, default="nl+en", help="language of the texts (default both, Dutch first)")
    p.add_argument(
        "--surge",
        type=_positive_int,
        default=DEFAULT_SURGE_CALLS,
        metavar="N",
        help="a call surge is N or more 112 calls within 5 minutes",
    )
    p.add_argument(
        "--from",
        dest="start",
        metavar="HH:MM|MIN",
        help="first inject time (default: 30 min before the first outage, or the end of the warm-up)",
    )
    p.add_argument(
        "--to",
        dest="end",
        metavar="HH:MM|MIN",
        help="last inject time (default: 30 min after the last procedure step, or the horizon)",
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="directory for exercise.csv and exercise.html"
    )
    p.set_defaults(handler=cmd_exercise)
    return p


def cmd_exercise(args) -> int:
    import sys

    file = scenario_path(args.file)
    scenario = load_scenario(file)
    try:
        start = None if args.start is None else parse_time(args.start, scenario)
        end = None if args.end is None else parse_time(args.end, scenario)
    except ValueError as exc:
        raise ScenarioError([Problem(args.file, "--from/--to", str(exc))]) from None
    if scenario.procedure is None and not scenario.outages and not scenario.random_outages:
        print(
            f"{args.file}: note: no outage in this scenario; the script has incidents and surges only", file=sys.stderr
        )
    exercise = make_exercise(
        file,
        args.seed,
        pick=args.pick,
        kpi=args.kpi,
        replications=args.replications,
        jobs=args.jobs,
        lang=args.lang,
        surge_calls=args.surge,
        start=start,
        end=end,
    )
    exercise.source = args.file
    csv_path, html_path = write_exercise(exercise, args.out)
    print(
        f"replication {exercise.replication} ({exercise.pick}, {exercise.kpi} = "
        f"{value_text(exercise.kpi, exercise.kpi_value)}): {len(exercise.injects)} injects",
        file=sys.stderr,
    )
    print(csv_path)
    print(html_path)
    print(csv_path.with_name(EXERCISE_JSON))
    return 0
