"""Paired effects in numbers and words: "the opkomsttijd gets significantly longer (+2.1 min, 95 % CI [1.0, 3.2])".

Every function takes paired-difference summaries as :func:`sim.experiments.stats.paired_difference`
returns them (``mean``, ``ci95_low``, ``ci95_high``, ``n``) and level summaries as in a
``summary.json`` (``mean``, ``ci95_low``, ``ci95_high``). The wording follows the sign of the
mean difference and whether its 95 % confidence interval excludes 0; nothing here says what
the result is before the numbers do. Sentence builders return an ``(nl, en)`` pair or None
when there is nothing to say (no finite number).
"""

from __future__ import annotations

from sim import labels
from sim.experiments.metrics import metric_of
from sim.outputs.parts.html import finite, mean_pm, value_text

#: the room's picture of its units and what a wrong picture costs (issue 13): the report's second
#: effect table and rows of the comparison sheet
BOARD_KPIS = (
    "idle_unknown_unit_min",
    "double_dispatches",
    "realarms",
    "alarm_ack_mean_min",
    "reinforcement_delay_mean_min",
    "lost_reinforcement_requests",
    "noodknop_ack_mean_s",
    "board_reconciliation_min",
)
#: per KPI: the comparative for an increase and for a decrease, in Dutch and in English
CHANGE: dict[str, tuple[str, str, str, str]] = {
    "opkomsttijd_mean_min": ("langer", "korter", "longer", "shorter"),
    "processing_within_60s_share": ("hoger", "lager", "higher", "lower"),
    "alarm_ack_mean_min": ("langer", "korter", "longer", "shorter"),
    "reinforcement_delay_mean_min": ("langer", "korter", "longer", "shorter"),
    "noodknop_ack_mean_s": ("trager", "sneller", "slower", "faster"),
    "board_reconciliation_min": ("langer", "korter", "longer", "shorter"),
}
DEFAULT_CHANGE = ("meer", "minder", "more", "less")

#: per KPI: what the level means, as the lead of a sentence about it
LEADS: dict[str, tuple[str, str]] = {
    "idle_unknown_unit_min": (
        "eenheden stonden vrij terwijl het bord van de meldkamer ze bezet toonde",
        "units were free while the room's board showed them busy",
    ),
    "reinforcement_delay_mean_min": (
        "een opschalingsverzoek wachtte tot de alarmering van de extra eenheid",
        "a reinforcement request waited until the extra unit was alarmed",
    ),
    "lost_reinforcement_requests": (
        "opschalingsverzoeken die de meldkamer nooit bereikten",
        "reinforcement requests that never reached the room",
    ),
    "noodknop_ack_mean_s": (
        "van noodknop tot een centralist in gesprek met de eenheid",
        "from noodknop to a centralist talking to the unit",
    ),
}
MOST_LISTED = 4  # significant cells named per direction; the rest are counted


def significant(d: dict | None) -> bool:
    """The 95 % CI of the difference excludes 0."""
    d = d or {}
    low, high = d.get("ci95_low"), d.get("ci95_high")
    return finite(low) and finite(high) and (low > 0 or high < 0)


def direction(d: dict | None) -> int:
    """+1 significantly up, -1 significantly down, 0 otherwise."""
    if not significant(d):
        return 0
    return 1 if d["mean"] > 0 else -1


def tone(kpi: str, d: dict | None) -> str:
    """CSS class of a difference: ``better``/``worse`` when significant and the KPI has a direction."""
    better = metric_of(kpi).better
    step = direction(d)
    if not step or not better:
        return ""
    return "better" if (step < 0) == (better == "lower") else "worse"


def signed(kpi: str, value, *, unit: bool = True, lang: str = "nl") -> str:
    """A difference with its sign, in the KPI's unit (percentage points for shares)."""
    if not finite(value):
        return "–"
    if metric_of(kpi).unit == "share":
        points = ("procentpunt" if lang == "nl" else "percentage points") if unit else ""
        text = f"{abs(value) * 100:.1f} {points}".rstrip()
    else:
        text = value_text(kpi, abs(value), unit=unit, lang=lang)
    if not any(c in "123456789" for c in text.split(" ")[0]):  # rounds to zero: no sign
        return text
    return ("+" if value > 0 else "-") + text


def ci_text(kpi: str, d: dict | None) -> str:
    """``[low, high]`` of a difference, without unit; empty when there is no interval."""
    d = d or {}
    low, high = d.get("ci95_low"), d.get("ci95_high")
    if not (finite(low) and finite(high)):
        return ""
    return f"[{signed(kpi, low, unit=False)}, {signed(kpi, high, unit=False)}]"


def diff_text(kpi: str, d: dict | None, lang: str = "nl") -> str:
    """``+2.1 min, 95%-BI [1.0, 3.2]`` (or without the interval when there is none)."""
    d = d or {}
    ci = ci_text(kpi, d)
    if not ci:
        n = d.get("n", 0)
        return f"{signed(kpi, d.get('mean'), lang=lang)}, n = {n}, " + ("geen BI" if lang == "nl" else "no CI")
    return f"{signed(kpi, d['mean'], lang=lang)}, " + (f"95%-BI {ci}" if lang == "nl" else f"95 % CI {ci}")


def verdict(kpi: str, d: dict | None) -> tuple[str, str]:
    """How the KPI compares with the no-outage run, following sign and significance."""
    d = d or {}
    up_nl, down_nl, up_en, down_en = CHANGE.get(kpi.split("[", 1)[0], DEFAULT_CHANGE)
    step = direction(d)
    if step > 0:
        return f"significant {up_nl} dan zonder storing", f"significantly {up_en} than without an outage"
    if step < 0:
        return f"significant {down_nl} dan zonder storing", f"significantly {down_en} than without an outage"
    if not (finite(d.get("ci95_low")) and finite(d.get("ci95_high"))):
        return "niet te toetsen tegen zonder storing", "cannot be tested against the no-outage run"
    if d["ci95_low"] == d["ci95_high"] == 0:
        return "gelijk aan zonder storing", "the same as without an outage"
    return "niet significant anders dan zonder storing", "not significantly different from the no-outage run"


def _listing(kpi: str, cells: list[tuple[str, str, dict]], lang: str) -> str:
    """The largest differences first, at most MOST_LISTED named."""
    ordered = sorted(cells, key=lambda c: -abs(c[2]["mean"]))
    named = [f"{c[0] if lang == 'nl' else c[1]} ({diff_text(kpi, c[2], lang)})" for c in ordered[:MOST_LISTED]]
    rest = len(ordered) - len(named)
    if rest:
        named.append(f"en {rest} andere" if lang == "nl" else f"and {rest} more")
    return "; ".join(named)


def significant_cells(kpi: str, subject: tuple[str, str], cells: list[tuple[str, str, dict]]) -> dict | None:
    """Which cells change the KPI significantly against the no-outage run, and in which direction.

    ``cells``: ``(label_nl, label_en, paired difference)`` per matrix cell.
    """
    cells = [c for c in cells if c[2] and finite(c[2].get("mean"))]
    if not cells:
        return None
    k_nl, k_en = labels.kpi(kpi)
    up_nl, down_nl, up_en, down_en = CHANGE.get(kpi.split("[", 1)[0], DEFAULT_CHANGE)
    ups = [c for c in cells if direction(c[2]) > 0]
    downs = [c for c in cells if direction(c[2]) < 0]
    still = len(cells) - len(ups) - len(downs)
    if not ups and not downs:
        largest = max(cells, key=lambda c: abs(c[2]["mean"]))
        return {
            "nl": f"{subject[0]}: in geen van de {len(cells)} cellen verandert {k_nl} significant ten opzichte van "
            f"geen storing (grootste verschil: {largest[0]}, {diff_text(kpi, largest[2], 'nl')}).",
            "en": f"{subject[1]}: in none of the {len(cells)} cells does {k_en} change significantly against no "
            f"outage (largest difference: {largest[1]}, {diff_text(kpi, largest[2], 'en')}).",
        }
    parts_nl, parts_en = [], []
    for group, word_nl, word_en in ((ups, up_nl, up_en), (downs, down_nl, down_en)):
        if group:
            parts_nl.append(f"significant {word_nl} bij {_listing(kpi, group, 'nl')}")
            parts_en.append(f"significantly {word_en} with {_listing(kpi, group, 'en')}")
    if still:
        parts_nl.append(f"in {still} van de {len(cells)} cellen sluit het 95%-BI 0 niet uit")
        parts_en.append(f"in {still} of {len(cells)} cells the 95 % CI does not exclude 0")
    else:
        parts_nl.append(f"in alle {len(cells)} cellen sluit het 95%-BI 0 uit")
        parts_en.append(f"in all {len(cells)} cells the 95 % CI excludes 0")
    return {
        "nl": f"{subject[0]}: {k_nl} (gepaard verschil met geen storing): {'; '.join(parts_nl)}.",
        "en": f"{subject[1]}: {k_en} (paired difference with no outage): {'; '.join(parts_en)}.",
    }


def level_effects(kpi: str, subject: tuple[str, str], parts: list[tuple[str, str, dict, dict]]) -> dict | None:
    """The KPI's level per procedure and how it compares with the no-outage run.

    ``parts``: ``(label_nl, label_en, level summary, paired difference with no outage)``.
    """
    parts = [p for p in parts if p[2] and finite(p[2].get("mean"))]
    if not parts:
        return None
    lead_nl, lead_en = LEADS.get(kpi, labels.kpi(kpi))
    diffs = [p[3] or {} for p in parts]
    if all(p[2]["mean"] == 0 and p[2].get("n", 2) >= 2 for p in parts) and all(d.get("mean", 0) == 0 for d in diffs):
        zero_nl, zero_en = value_text(kpi, 0.0), value_text(kpi, 0.0, lang="en")
        return {
            "nl": f"{subject[0]}: {lead_nl}: {zero_nl} bij elke procedure, net als zonder storing.",
            "en": f"{subject[1]}: {lead_en}: {zero_en} with every procedure, as without an outage.",
        }
    said_nl, said_en = [], []
    for (label_nl, label_en, level, _), d in zip(parts, diffs, strict=True):
        v_nl, v_en = verdict(kpi, d)
        said_nl.append(f"'{label_nl}' {mean_pm(kpi, level)} ({v_nl}: {diff_text(kpi, d, 'nl')})")
        said_en.append(f"'{label_en}' {mean_pm(kpi, level, 'en')} ({v_en}: {diff_text(kpi, d, 'en')})")
    return {
        "nl": f"{subject[0]}: {lead_nl}: {'; '.join(said_nl)}.",
        "en": f"{subject[1]}: {lead_en}: {'; '.join(said_en)}.",
    }


def joined(*found: dict | None) -> dict | None:
    """Several sentences as one finding (None when none has anything to say)."""
    found = [f for f in found if f]
    if not found:
        return None
    return {"nl": " ".join(f["nl"] for f in found), "en": " ".join(f["en"] for f in found)}
