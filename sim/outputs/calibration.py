"""The calibration table (``docs/calibration.md``): the room's load in the model against published figures.

``meldsim calibrate`` runs the bundled scenarios ``weekday`` and ``nye`` with the same seeds in one
pool (:func:`sim.experiments.api.run_group`) into a temporary directory, reads the figures back
from the result files (:func:`collect`), builds one row per figure (:func:`rows`) and writes a
markdown table (:func:`render`). The published figures are constants below, each with its
source; every model figure comes from the run. Issue 14 asks for "every row sourced or marked as
an estimate": a :class:`Row` whose source is neither a citation with an address nor marked
"estimate" or "no source found" cannot be made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim.bundled import scenario_resource
from sim.cliargs import non_negative_int, positive_int
from sim.experiments import runner
from sim.experiments.api import Options, run_group
from sim.experiments.fit import CBS_83123NED_2019, fit_geography
from sim.experiments.hours import clock_hours
from sim.experiments.results import git_commit, publish_dir, staged, write_text_atomic
from sim.experiments.stats import summarise
from sim.model.loading import load_scenario
from sim.model.scenario import Scenario
from sim.outputs.parts import validation
from sim.outputs.parts.html import finite

SCENARIOS = ("weekday", "nye")
DEFAULT_OUT = Path("docs/calibration.md")
DEFAULT_REPLICATIONS = 60  # enough for the per-region response times (about 4 priority-1 fires a day each)
EXIT_BAD_INPUT = 2  # as sim.cli

# --- published figures --------------------------------------------------------------------
# CBS StatLine 83121NED, 2019 (provisional), rows "Overijssel (PV)" and "Gelderland (PV)": the
# two provinces are exactly the five MKON regions (Overijssel = IJsselland + Twente, Gelderland =
# VNOG + VGGM + VGZ). Copied from shared/data/cbs_83121NED_2019_desk_incidents.csv.
CBS_DESK = (
    "CBS StatLine 83121NED (2019, provisional), Overijssel + Gelderland, "
    "[cbs.nl](https://www.cbs.nl/nl-nl/cijfers/detail/83121NED)"
)
DESK_INCIDENTS = 15_040 + 25_520  # totaal_incidenten
DESK_HANDLED = (1_900 + 340 + 5_360) + (3_040 + 1_000 + 6_960)  # automatic, phoned fires, assistance
#: incidents with at least one alarm, by CBS category, and the scenario types that stand for them
ALARMINGS = {
    "automatic fire alarms (OMS)": (1_900 + 2_640, ("oms",)),
    "fires reported by phone": (2_480 + 4_620, ("buitenbrand", "autobrand", "woningbrand")),
    "assistance": ((8_440 - 5_360) + (14_200 - 6_960), ("hulpverlening", "dienstverlening")),
}
CBS_RATE_PER_HOUR = DESK_INCIDENTS / 8_760

# CBS StatLine 83123NED, 2019 (provisional): mean minutes for priority-1 fires where the brigade
# arrived and every GMS status time is present. Copied from shared/data/cbs_83123NED_2019_response_times.csv.
CBS_TIMES = (
    "CBS StatLine 83123NED (2019, provisional), priority-1 fires, "
    "[cbs.nl](https://www.cbs.nl/nl-nl/cijfers/detail/83123NED)"
)

# New Year's Eve (shared/domain.md §5b; issue-14 research notes)
NYE_NATIONAL = (
    "national ≈ 4,100 fire incidents in the 32 h, 2024-25 (NH Nieuws quoting the minister, "
    "[n173426](https://www.nhnieuws.nl/nieuws/n173426/politie-jaarwisseling-ontaardde-op-veel-plaatsen-in-geweld-en-vernieling))"
)
NYE_WINDOW_H = 32  # 31 Dec 00:00 to 1 Jan 08:00, the national count's window
NYE_MKON_32H = (450, 550)  # E: 11-13 % of the national count (domain.md §5b)
DESTENTOR_2023 = (
    "De Stentor, 1 Jan 2023, 'Tientallen incidenten in de nieuwjaarsnacht' "
    "([destentor.nl](https://www.destentor.nl/veluwe/afgebroken-windmolen-zou-bijna-worden-weggehaald-"
    "dit-jaar-wordt-het-hele-park-vernieuwd~ac6dc3259/))"
)
#: fire-service calls 1 Jan 00:00-08:00 per region: (value, what it counts, source)
NYE_NIGHT_BY_REGION = {
    "VNOG": (102, "102 calls 00:00–08:00, 2022-23", DESTENTOR_2023),
    "IJsselland": (71, "71 calls 00:00–08:00, 2022-23", DESTENTOR_2023),
    "Twente": (
        61,
        "61 call-outs after midnight, 2022-23 (141 in the 32 h; the year before 37 of 94, counted to 08:00). "
        "The 131 sometimes quoted is a whole 31 Dec and night (RTV Oost 323665)",
        "1Twente, 1 Jan 2023, [1964421](https://1twente.nl/artikel/1964421/"
        "onrustige-jaarwisseling-voor-hulpdiensten-in-twente-9-aanhoudingen)",
    ),
    "VGGM": (
        90,
        "90 turnouts 'last night', in a fireworks-ban year (2020-21 or 2021-22; the year before 97)",
        "Omroep Gelderland [6688228](https://www.omroepgelderland.nl/nieuws/6688228/"
        "Ondanks-vuurwerkverbod-toch-nog-honderden-incidenten-tijdens-jaarwisseling)",
    ),
}
NYE_PEAK_PER_HOUR = (60, 90)  # E: domain.md §5b
NYE_PEAK_SOURCE = (
    "estimate (range 60–90/h) from the national count: 1,333 of 3,959 fire calls 'around midnight' "
    "(ANP via [zeelandnet.nl](https://www.zeelandnet.nl/nieuws/brandweer-tijdens-oud-en-nieuw-bijna-4000-keer-"
    "gealarmeerd); year and window not stated) × MKON's 11–13 % share"
)

# centralist occupancy
OCCUPANCY_NORMAL = (0.25, 0.60)  # E, low confidence: issue-14 research notes, parameter 2
OCCUPANCY_CEILING = (0.85, 0.90)
RETAINS = (
    "APCO Project RETAINS glossary, 'Agent Occupancy Rate': sustained occupancy above 85–90 % drives "
    "turnover (US call centres; [retains4.apcointl.org](https://retains4.apcointl.org/help/glossary))"
)
NO_CACO_SOURCE = (
    "no source found (NIPV: 'we still know little about the continuity role: how often, what share of an FTE', "
    "[nipv.nl](https://nipv.nl/?p=196669)); range varied: `room.caco.background_tasks_per_hour` 0.5–3, "
    "`task_min` 2–15 min"
)


# --- rows -----------------------------------------------------------------------------------
@dataclass
class Row:
    """One figure: what the source says, what the model gives, and why they differ."""

    figure: str
    unit: str  # "count", "share" or "min": how values and the gap are written
    source_value: str
    source: str  # a citation with an address, or "estimate (range ...) ..." / "no source found ..."
    reference: float | tuple[float, float] | None  # what the gap is measured against
    model: dict  # summarise(): mean, ci95_low, ci95_high, n
    model_figure: str  # scenario and KPI
    explanation: str

    def __post_init__(self):
        if not sourced(self.source):
            raise ValueError(
                f"{self.figure}: the source must cite an address or say 'estimate (range ...)'/'no source found'"
            )


def sourced(text: str) -> bool:
    """Whether a source cell cites an address, or says plainly that nothing was found or that it is an
    estimate, with the range it spans (issue 14: "where there is no source, say so and give the range")."""
    return "https://" in text or text.startswith(("estimate (range ", "no source found"))


@dataclass
class ScenarioResult:
    """What the table needs of one scenario's run: its KPIs per replication and the kept incident records."""

    scenario: Scenario
    kpis: dict[str, list[float]]
    incidents: dict[str, list]
    kept: list[int]  # replications whose records are kept

    def column(self, kpi: str) -> np.ndarray:
        return np.asarray(self.kpis[kpi], dtype=float)

    def counts(self, mask: np.ndarray) -> list[int]:
        """Per kept replication: how many incident records ``mask`` selects."""
        replication = np.asarray(self.incidents["replication"])
        return [int(np.sum(mask & (replication == r))) for r in self.kept]

    def minutes(self) -> np.ndarray:
        return np.asarray(self.incidents["minute"], dtype=float)


def expected_incidents(scenario: Scenario, start: float, end: float) -> float:
    """Incidents the generator creates on average between two horizon minutes (base rate × profile)."""
    factors = scenario.load.hourly_factors
    origin = scenario.horizon.start.hour * 60 + scenario.horizon.start.minute
    total, t = 0.0, start
    while t < end:
        clock = origin + t
        step = min(end, (clock // 60 + 1) * 60 - origin) - t
        total += factors[int(clock // 60) % len(factors)] * step
        t += step
    return total * scenario.load.base_rate_per_hour / 60


def counted_share(scenario: Scenario) -> float:
    """The share of a replication's incidents that fall after the warm-up, by the profile (not by the clock:
    the weekday's warm-up hour is a quiet one)."""
    horizon = scenario.horizon
    return expected_incidents(scenario, horizon.warmup_min, horizon.duration_min) / expected_incidents(
        scenario, 0, horizon.duration_min
    )


def per_year(scenario: Scenario) -> float:
    """Factor from incidents counted after the warm-up to incidents a year, the horizon standing for every day."""
    return 365 * 1440 / scenario.horizon.duration_min / counted_share(scenario)


def rows(data: dict[str, ScenarioResult]) -> list[Row]:
    weekday, nye = data["weekday"], data["nye"]
    return [
        *desk_rows(weekday),
        *nye_rows(nye),
        *occupancy_rows(weekday, nye),
        *processing_rows(weekday),
    ]


def desk_rows(weekday: ScenarioResult) -> list[Row]:
    """Incidents at the desk, the share it handles alone and the alarmings, against CBS 2019."""
    scenario, scale = weekday.scenario, per_year(weekday.scenario)
    incidents, desk = weekday.column("incidents"), weekday.column("desk_handled_incidents")
    profile_mean = float(np.mean(scenario.load.hourly_factors[:24]))
    planned = expected_incidents(scenario, 0, 1440) * 365
    types = scenario.load.incident_types
    desk_share_in = sum(t.share for t in types.values() if t.desk)
    how = (
        f"`weekday` `incidents` (counted after the {scenario.horizon.warmup_min:g}-min warm-up) × "
        f"{1 / counted_share(scenario):.3f} (the warm-up's share of the day by the profile) × 365"
    )
    out = [
        Row(
            "incidents at the fire desk per year",
            "count",
            f"{DESK_INCIDENTS:,} (Overijssel 15,040 + Gelderland 25,520)",
            CBS_DESK,
            DESK_INCIDENTS,
            summarise(incidents * scale),
            how,
            f"Input {scenario.load.base_rate_per_hour:g}/h (CBS: {CBS_RATE_PER_HOUR:.2f}/h) × the weekday profile, "
            f"whose mean is {profile_mean:.3f}, not 1: {planned:,.0f} a year expected. The weekday stands for every "
            "day of the year; weekends (busier evenings and nights) and holidays are not run here.",
        ),
        Row(
            "share handled by the desk without alarming",
            "share",
            f"{_number(DESK_HANDLED / DESK_INCIDENTS, 'share')} ({DESK_HANDLED:,} of {DESK_INCIDENTS:,})",
            CBS_DESK,
            DESK_HANDLED / DESK_INCIDENTS,
            summarise(desk / incidents),
            "`weekday` `desk_handled_incidents` / `incidents`, per replication",
            f"The desk types' shares in the scenario sum to {_number(desk_share_in, 'share')} (CBS's split by "
            "category); the rest is noise. A desk incident still unanswered at the end does not count as handled.",
        ),
        Row(
            "alarmings per year (incidents with at least one alarm)",
            "count",
            f"{DESK_INCIDENTS - DESK_HANDLED:,} (= {DESK_INCIDENTS:,} − {DESK_HANDLED:,})",
            CBS_DESK,
            DESK_INCIDENTS - DESK_HANDLED,
            summarise((incidents - desk) * scale),
            "`weekday` (`incidents` − `desk_handled_incidents`), scaled as above",
            "CBS counts incidents with at least one alarm, as the model does (one incident, however many units). "
            "The gap is the incidents' gap and the desk share's together.",
        ),
    ]
    return out + category_rows(weekday, scale)


def category_rows(weekday: ScenarioResult, scale: float) -> list[Row]:
    """Alarmings per CBS category, from the incident records by type."""
    warmup = weekday.scenario.horizon.warmup_min
    types = np.asarray(weekday.incidents["type"])
    after = weekday.minutes() >= warmup
    out = []
    for category, (value, names) in ALARMINGS.items():
        counts = np.asarray(weekday.counts(after & np.isin(types, names)), dtype=float)
        out.append(
            Row(
                f"alarmings per year: {category}",
                "count",
                f"{value:,}",
                CBS_DESK,
                value,
                summarise(counts * scale),
                f"`weekday` incident records of types {', '.join(names)}, scaled as above",
                "The alarmed types' shares follow CBS's category split; the split inside a category is an estimate.",
            )
        )
    return out


def nye_rows(nye: ScenarioResult) -> list[Row]:
    """New Year's Eve: incidents in the night, per region after midnight, and the busiest hour."""
    scenario = nye.scenario
    horizon = scenario.horizon
    counted_h = (horizon.duration_min - horizon.warmup_min) / 60
    outside = (NYE_WINDOW_H - counted_h) * CBS_RATE_PER_HOUR
    low, high = (v - outside for v in NYE_MKON_32H)
    first = horizon.start + dt.timedelta(minutes=horizon.warmup_min)
    out = [
        Row(
            "New Year's Eve incidents (fire desk)",
            "count",
            f"{NYE_MKON_32H[0]}–{NYE_MKON_32H[1]} in 32 h (31 Dec 00:00 – 1 Jan 08:00); "
            f"≈ {low:,.0f}–{high:,.0f} in the model's {first:%H:%M}–{horizon.end:%H:%M}",
            f"estimate (range {NYE_MKON_32H[0]}–{NYE_MKON_32H[1]}): 11–13 % of the {NYE_NATIONAL}; no MKON count found",
            (low, high),
            summarise(nye.column("incidents")),
            f"`nye` `incidents`, {first:%d %b %H:%M} – {horizon.end:%d %b %H:%M} (after the warm-up)",
            f"The model counts {counted_h:g} of the 32 h. The range for that window takes off "
            f"{NYE_WINDOW_H - counted_h:g} h of 31 Dec at CBS's mean {CBS_RATE_PER_HOUR:.2f}/h ({outside:.0f} "
            "incidents): an upper bound, since 31 Dec is busier than an average day from the afternoon on. "
            + regions_text(nye),
        ),
        *night_rows(nye),
        peak_row(nye),
    ]
    return out


def night_mask(nye: ScenarioResult) -> np.ndarray:
    """Which incident records fall on 1 Jan 00:00-08:00, the window of the regions' own counts."""
    horizon = nye.scenario.horizon
    start = horizon.minute_of(dt.datetime.combine(horizon.start.date() + dt.timedelta(days=1), dt.time()))
    minutes = nye.minutes()
    return (minutes >= start) & (minutes < start + 480)


def regions_text(nye: ScenarioResult) -> str:
    """The regions' own night counts added up against the model's for the same regions."""
    names = [n for n in nye.scenario.regions if n in NYE_NIGHT_BY_REGION]
    reported = sum(NYE_NIGHT_BY_REGION[n][0] for n in names)
    regions = np.isin(np.asarray(nye.incidents["region"]), names)
    model = summarise(nye.counts(night_mask(nye) & regions))
    text = (
        f"The regions with a count of their own ({', '.join(names)}) report {reported} for 00:00–08:00 "
        f"(different years, rows below); the model gives them {_number(model['mean'], 'count', 0)}."
    )
    if finite(model["ci95_high"]) and reported > model["ci95_high"]:
        text += " If those years are typical, MKON's share of the national count is above 11–13 %."
    return text


def night_rows(nye: ScenarioResult) -> list[Row]:
    """Incidents 1 Jan 00:00-08:00 per region, beside the regions' own New Year's counts."""
    night, region = night_mask(nye), np.asarray(nye.incidents["region"])
    out = []
    for name in nye.scenario.regions:
        value, what, source = NYE_NIGHT_BY_REGION.get(name, (None, "–", "no source found"))
        share = nye.scenario.load.region_shares[name] * 100
        out.append(
            Row(
                f"New Year's night 00:00–08:00, {name}",
                "count",
                what,
                source,
                value,
                summarise(nye.counts(night & (region == name))),
                f"`nye` incident records, 1 Jan 00:00–08:00, region {name}",
                f"The model gives {name} its weekday share ({share:.0f} %, CBS-based) "
                "on New Year's Eve too, and is set to the national level of 2024-25; regional counts differ by "
                "year (2022-23 was the first New Year's Eve after two fireworks bans) and by what they count "
                "(calls, alarms or turnouts).",
            )
        )
    return out


def peak_row(nye: ScenarioResult) -> Row:
    """The busiest clock hour of the mean hourly profile over replications, with its CI."""
    scenario = nye.scenario
    minutes = nye.minutes()
    hours = clock_hours(scenario.horizon.start, scenario.horizon.duration_min, scenario.horizon.warmup_min)
    per_hour = [summarise(nye.counts((minutes >= a) & (minutes < b))) for a, b in hours]
    best = int(np.nanargmax([s["mean"] for s in per_hour]))
    clock = scenario.horizon.start + dt.timedelta(minutes=hours[best][0])
    planned = expected_incidents(scenario, *hours[best])
    return Row(
        "New Year's Eve peak hour (incidents per hour)",
        "count",
        f"{NYE_PEAK_PER_HOUR[0]}–{NYE_PEAK_PER_HOUR[1]} an hour at 00:00–02:00",
        NYE_PEAK_SOURCE,
        NYE_PEAK_PER_HOUR,
        per_hour[best],
        f"`nye` incident records: the clock hour with the highest mean count, {clock:%H:%M}–"
        f"{clock + dt.timedelta(hours=1):%H:%M}",
        f"The profile puts {planned:.0f} incidents in that hour (input, domain.md §5b); the count per "
        "replication varies around it as a Poisson count does.",
    )


def occupancy_rows(weekday: ScenarioResult, nye: ScenarioResult) -> list[Row]:
    """Centralist occupancy on a normal day and on New Year's Eve, and the CaCo's, which has no source."""
    busy = (
        "Busy counts calls, radio, desk incidents, follow-up, closing, crew calls and the other desks' requests; "
        "monitoring talkgroups while nothing is said and staff matters are not modelled."
    )
    normal = (
        f"estimate (range {_pct_range(OCCUPANCY_NORMAL)}; low confidence): [issue-14 research notes]"
        "(research/issue14_workload_sources.md); "
        "no Dutch measurement found"
    )
    return [
        Row(
            "centralist occupancy, normal day (mean over the day)",
            "share",
            _pct_range(OCCUPANCY_NORMAL),
            normal,
            OCCUPANCY_NORMAL,
            summarise(weekday.column("centralist_utilisation")),
            "`weekday` `centralist_utilisation`",
            f"{busy} From incidents alone the notes expect 10–15 % on 3–4 centralists; the estimate assumes "
            "unmodelled background work fills the rest.",
        ),
        Row(
            "centralist occupancy, normal day's busiest hour",
            "share",
            _pct_range(OCCUPANCY_NORMAL),
            normal,
            OCCUPANCY_NORMAL,
            summarise(weekday.column("centralist_utilisation_peak_hour")),
            "`weekday` `centralist_utilisation_peak_hour`",
            f"{busy} A normal day's busiest hour is still a normal hour: it should sit inside the range "
            f"and well below the {_pct_range(OCCUPANCY_CEILING)} ceiling.",
        ),
        Row(
            "centralist occupancy, New Year's Eve busiest hour",
            "share",
            f"ceiling {_pct_range(OCCUPANCY_CEILING)}",
            RETAINS,
            OCCUPANCY_CEILING,
            summarise(nye.column("centralist_utilisation_peak_hour")),
            "`nye` `centralist_utilisation_peak_hour`",
            "A ceiling for sustained work, not a target: one hour near it is a hard night, not turnover. "
            "The roster (10 centralists 22:00–04:00) is an estimate (docs/assumptions.md).",
        ),
        *(
            Row(
                f"CaCo occupancy, {label}",
                "share",
                "–",
                NO_CACO_SOURCE,
                None,
                summarise(result.column("caco_utilisation")),
                f"`{name}` `caco_utilisation`",
                "One CaCo on duty (VRGZ, LMS); routine tasks and incident tasks are estimates (docs/assumptions.md).",
            )
            for name, label, result in (("weekday", "normal day", weekday), ("nye", "New Year's Eve", nye))
        ),
    ]


def processing_rows(weekday: ScenarioResult) -> list[Row]:
    """Alarmering per region (CBS, priority-1 fires) against the model's processing time per region."""
    p1 = summarise(weekday.column("processing_time_mean_s[priority=1]") / 60)["mean"]
    out = []
    for region in weekday.scenario.regions:
        alarm, start = CBS_83123NED_2019[region]["alarmering"], CBS_83123NED_2019[region]["starttijd"]
        model = summarise(weekday.column(f"processing_time_mean_s[region={region}]") / 60)
        out.append(
            Row(
                f"processing time (CBS: alarmering), {region}",
                "min",
                f"alarmering {alarm} min (starttijd + alarmering {start + alarm:.1f} min)",
                CBS_TIMES,
                alarm,
                model,
                f"`weekday` `processing_time_mean_s[region={region}]` / 60 (all priorities)",
                "The model's time runs from the first call reaching the room to the first alarm, over every "
                "alarmed incident (no KPI is split by region and priority; priority 1 over all regions, the "
                f"alarmed automatic alarms included: {_number(p1, 'min')} min). CBS's definitions of starttijd "
                "and alarmering were not captured: if starttijd runs from the call to the incident being made "
                f"in GMS, starttijd + alarmering ({start + alarm:.1f} min) is the closer match.",
            )
        )
    return out


# --- writing --------------------------------------------------------------------------------
def _pct_range(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 100:.0f}–{pair[1] * 100:.0f} %"


def _number(value: float, unit: str, digits: int | None = None) -> str:
    if not finite(value):
        return "–"
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "min":
        return f"{value:.2f}"
    if digits is None:
        digits = 1 if abs(value) < 100 else 0
    return f"{value:,.{digits}f}"


def model_text(row: Row) -> str:
    """Mean and 95 % CI over replications, in the row's unit (the CI with the mean's decimals)."""
    m = row.model
    digits = 1 if finite(m["mean"]) and abs(m["mean"]) < 100 else 0
    text = _number(m["mean"], row.unit, digits)
    if finite(m.get("ci95_low")) and finite(m.get("ci95_high")):
        text += f" [{_number(m['ci95_low'], row.unit, digits)} – {_number(m['ci95_high'], row.unit, digits)}]"
    return text + (" min" if row.unit == "min" else "") + f" (n = {m['n']})"


def gap(model: float, reference: float | tuple[float, float] | None) -> tuple[float, float] | None:
    """(model − source, relative to the source); against a range, the distance to its nearer end (0 inside)."""
    if reference is None or not finite(model):
        return None
    if isinstance(reference, tuple):
        low, high = reference
        nearest = low if model < low else high if model > high else model
        return model - nearest, (model - nearest) / nearest
    return model - reference, (model - reference) / reference


def gap_text(row: Row) -> str:
    found = gap(row.model["mean"], row.reference)
    if found is None:
        return "–"
    diff, rel = found
    ranged = isinstance(row.reference, tuple)
    if ranged and diff == 0:
        return "inside the range"
    if row.unit == "share":
        absolute = f"{diff * 100:+.1f} pp"
    else:
        absolute = f"{diff:+,.2f} min" if row.unit == "min" else f"{diff:+,.0f}"
    where = (" below the range" if diff < 0 else " above the range") if ranged else ""
    return f"{absolute} ({rel * 100:+.0f} %){where}".replace("-", "−")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(found: list[Row]) -> str:
    head = "| figure | source value | source | model: mean [95 % CI] | gap: model − source | model figure | why |"
    lines = [head, "|" + "---|" * 7]
    for r in found:
        cells = (r.figure, r.source_value, r.source, model_text(r), gap_text(r), r.model_figure, r.explanation)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def render(
    found: list[Row], *, command: str, commit: str | None, date: str, wall_s: float, jobs: int, validation: str = ""
) -> str:
    """The whole document: a header that says how it was made, the table and how to read it."""
    return f"""# Calibration: the room's load against published figures

<!-- generated by `{command}`: edit sim/outputs/calibration.py and run it again, not this file -->

Generated by `{command}` on {date} at commit `{commit or "unknown"}` ({wall_s:.0f} s on {jobs} worker
processes; the same seed gives the same numbers whatever the number of processes). Issue 14:
"every row sourced or marked as an estimate".

The model runs the bundled scenarios `weekday` (a normal Wednesday, 24 h) and `nye` (31 Dec 18:00 –
1 Jan 08:00) with the same seeds. "Model" is the mean over replications with its t-based 95 %
confidence interval; n is the number of replications (of kept incident records for rows read from
them). "Gap" is model − source and, in brackets, relative to the source; against a range, the
distance to the range's nearer end. A source marked "estimate" or "no source found" is not a
measurement: read its gap as a plausibility check, not as an error.

{table(found)}

Each row cites its source. The estimates (MKON's 11–13 % of the national New Year's count, the
60–90 an hour peak, the 25–60 % occupancy of a normal hour) come from the project's domain notes
(domain.md §5b) and the [issue-14 research notes](research/issue14_workload_sources.md); the scenarios'
own estimates and the ranges they are varied over are in [assumptions.md](assumptions.md).
{validation}"""


def validation_section(weekday: ScenarioResult) -> str:
    """Issue 15's table: response times of priority-1 fires per region beside CBS 2019."""
    rows = validation.response_rows(lambda kpi: summarise(weekday.column(kpi)), weekday.scenario.regions)
    return f"""
## Response times of priority-1 fires per region (issue 15)

`weekday`, mean over replications of each replication's mean, 95 % CI, beside
{CBS_TIMES}. {validation.DEFINITIONS_EN} The issue's tolerance: response within ±10 %, uitruk and
rij within ±15 % (✓ / ✗); alarmering is shown, not fitted. The posts are an approximate
reconstruction and the per-region drive and volunteer-turnout factors are fitted to these CBS
figures (`meldsim calibrate --fit-geography`), so a ✓ for uitruk and rij says the fit holds, and the
response says whether the parts add up; the share of first arrivals by crew kind
(`first_on_scene_volunteer_share`) is what the map adds. See [assumptions.md](assumptions.md).

{validation.markdown(rows)}
"""


# --- running --------------------------------------------------------------------------------
def run_scenarios(options: Options, root: Path, progress=None) -> Path:
    """Both scenarios in one pool with the same seeds, into ``root/calibration``; returns that directory."""
    scenarios = {name: load_scenario(scenario_resource(name)) for name in SCENARIOS}
    target = Path(root) / "calibration"
    with staged(target) as staging:
        group = run_group(scenarios, options, {n: staging / n for n in scenarios}, staging, progress)
        for name in scenarios:
            group.writers[name].finish(group.manifest(name, name))
        return publish_dir(staging, target)


def collect(run_dir: Path) -> dict[str, ScenarioResult]:
    """What :func:`rows` needs, read from the result directories only."""
    found = {}
    for name in SCENARIOS:
        directory = Path(run_dir) / name
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        kpis = pq.read_table(directory / "replications.parquet").to_pydict()
        kept = [r for r in kpis["replication"] if r < manifest["records_kept_for"]]
        incidents = pq.read_table(directory / "incidents.parquet", columns=["replication", "minute", "region", "type"])
        scenario = Scenario.model_validate(manifest["scenario"])
        found[name] = ScenarioResult(scenario, kpis, incidents.to_pydict(), kept)
    return found


def calibrate(options: Options, command: str) -> str:
    """Run, read back and render: the markdown of ``docs/calibration.md``."""
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="meldsim-calibrate-") as tmp:
        data = collect(run_scenarios(options, Path(tmp)))
    return render(
        rows(data),
        validation=validation_section(data["weekday"]),
        command=command,
        commit=git_commit(),
        date=dt.date.today().isoformat(),
        wall_s=time.perf_counter() - clock,
        jobs=options.jobs,
    )


# --- command line ---------------------------------------------------------------------------
def add_calibrate_command(subparsers) -> argparse.ArgumentParser:
    """Register ``meldsim calibrate`` on the sub-command set of sim/cli.py's parser."""
    p = subparsers.add_parser(
        "calibrate", help="run weekday and nye and write the calibration table (model against published figures)"
    )
    p.add_argument("--replications", "-n", type=positive_int, default=DEFAULT_REPLICATIONS)
    p.add_argument("--seed", type=non_negative_int, default=1)
    p.add_argument("--jobs", "-j", type=positive_int, default=runner.default_jobs())
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE.md", help=f"default {DEFAULT_OUT}")
    p.add_argument(
        "--fit-geography",
        metavar="SCENARIO",
        nargs="?",
        const="weekday",
        help="instead: fit the per-region drive and volunteer-turnout factors of SCENARIO (default the bundled "
        "weekday) to CBS 2019 and print them as YAML; writes nothing",
    )
    p.add_argument("--rounds", type=positive_int, default=4, help="rounds of the fit (default 4)")
    p.set_defaults(handler=cmd_calibrate)
    return p


def out_problem(path: Path) -> str | None:
    """Why the table cannot be written to ``path`` (checked before anything runs), or None."""
    parent = path.parent
    if path.is_dir():
        return f"{path}: is a directory; give a file name"
    if not parent.exists():
        return f"{parent}: no such directory"
    if not parent.is_dir():
        return f"{parent}: is a file, not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent}: not writable (permission denied)"
    return None


def cmd_fit_geography(args) -> int:
    source = args.fit_geography
    scenario = load_scenario(scenario_resource(source) if source == "weekday" else Path(source))
    if scenario.geography is None:
        print(f"--fit-geography: {source}: the scenario has no geography section", file=sys.stderr)
        return EXIT_BAD_INPUT
    fit = fit_geography(scenario, seed=args.seed, replications=args.replications, jobs=args.jobs, rounds=args.rounds)
    print("# round: region uitruk / rij (model mean, minutes) -> CBS 2019")
    for k, means in enumerate(fit.rounds, 1):
        cells = ", ".join(f"{r} {m['uitruk']:.2f}/{m['rij']:.2f}" for r, m in means.items() if r in CBS_83123NED_2019)
        print(f"# {k}: {cells}")
    print("# CBS: " + ", ".join(f"{r} {c['uitruk']}/{c['rij']}" for r, c in CBS_83123NED_2019.items()))
    print(fit.yaml())
    return 0


def cmd_calibrate(args) -> int:
    if args.fit_geography is not None:
        return cmd_fit_geography(args)
    problem = out_problem(args.out)
    if problem:
        print(f"--out: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = Options(replications=args.replications, seed=args.seed, jobs=args.jobs, keep_records=args.replications)
    command = f"meldsim calibrate --replications {args.replications} --seed {args.seed} --jobs {args.jobs}"
    if args.out != DEFAULT_OUT:
        command += f" --out {args.out}"
    print(write_text_atomic(args.out, calibrate(options, command)))
    return 0
