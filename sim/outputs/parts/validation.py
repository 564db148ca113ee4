"""The response-time validation table (issue 15): per region, the model's alarmering, uitruk,
rij and response time of priority-1 fires beside CBS 2019 (83123NED), with 95 % CIs.

One builder, two renderings: markdown for ``docs/calibration.md``, HTML for the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape as esc

from sim.experiments.fit import CBS_83123NED_2019, COMPONENT_KPI
from sim.outputs.parts.html import finite

#: the issue's tolerance per part (alarmering is reported, not held to one)
TOLERANCE = {"alarmering": None, "uitruk": 0.15, "rij": 0.15, "response": 0.10}
PART_NAMES = {
    "alarmering": ("alarmering", "alarmering"),
    "uitruk": ("uitruk", "turnout (uitruk)"),
    "rij": ("rij", "drive (rij)"),
    "response": ("responstijd", "response time"),
}
DEFINITIONS_EN = (
    "CBS 83123NED: priority-1 fires the brigade reached, mean minutes; responstijd = alarmering + "
    "uitruk + rij. The model: alarmering from a centralist answering the call to the first alarm, "
    "uitruk from that alarm to the first-arriving unit leaving its post, rij from leaving to on scene. "
    "The wait for a centralist before the answer is CBS's starttijd and is not in the response."
)
DEFINITIONS_NL = (
    "CBS 83123NED: prioriteit-1-branden waar de brandweer ter plaatse kwam, gemiddelde minuten; "
    "responstijd = alarmering + uitruk + rij. Het model: alarmering van het aannemen van de melding tot "
    "de eerste alarmering, uitruk van die alarmering tot het vertrek van de eerst aankomende eenheid, "
    "rij van vertrek tot ter plaatse. De wachttijd vóór het aannemen is CBS' starttijd en telt niet mee."
)


@dataclass(frozen=True)
class Cell:
    model: dict  # summarise(): mean, ci95_low, ci95_high, n
    cbs: float

    @property
    def gap(self) -> float | None:
        mean = self.model.get("mean")
        return (mean - self.cbs) / self.cbs if finite(mean) and finite(self.cbs) else None

    def within(self, tolerance: float | None) -> bool | None:
        return None if tolerance is None or self.gap is None else abs(self.gap) <= tolerance


VOLUNTEER_KPI = "first_on_scene_volunteer_share"


def response_rows(summary_of: Callable[[str], dict], regions) -> list[tuple[str, dict[str, Cell]]]:
    """(region, part -> Cell) for every region CBS has; ``summary_of(kpi)`` gives a KPI's summary.

    Beside the parts, the share of incidents whose first unit was a volunteer crew (no CBS figure:
    ``cbs`` is NaN), which the map decides."""
    return [
        (
            region,
            {
                **{
                    part: Cell(summary_of(f"{kpi}[region={region}]") or {}, CBS_83123NED_2019[region][part])
                    for part, kpi in COMPONENT_KPI.items()
                },
                "volunteer": Cell(summary_of(f"{VOLUNTEER_KPI}[region={region}]") or {}, math.nan),
            },
        )
        for region in regions
        if region in CBS_83123NED_2019
    ]


def _interval(cell: Cell, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    """The model's mean and 95 % CI: ``7.88 [7.50–8.27]``, or ``64 % [59–69]`` for a share."""
    m = cell.model
    if not finite(m.get("mean")):
        return "–"
    text = f"{m['mean'] * scale:.{digits}f}{unit}"
    if finite(m.get("ci95_low")) and finite(m.get("ci95_high")):
        text += f" [{m['ci95_low'] * scale:.{digits}f}–{m['ci95_high'] * scale:.{digits}f}]"
    return text


def _share_text(cell: Cell) -> str:
    return _interval(cell, 100, 0, " %")


def _gap_text(cell: Cell, tolerance: float | None) -> str:
    if cell.gap is None:
        return ""
    mark = "" if tolerance is None else (" ✓" if cell.within(tolerance) else " ✗")
    return f"{cell.gap * 100:+.0f} %{mark}".replace("-", "−")


def markdown(rows: list[tuple[str, dict[str, Cell]]]) -> str:
    parts = list(COMPONENT_KPI)
    head = "| region | " + " | ".join(f"{PART_NAMES[p][1]}: model [95 % CI] / CBS (gap)" for p in parts)
    head += " | first on scene: volunteer crew [95 % CI] |"
    lines = [head, "|" + "---|" * (len(parts) + 2)]
    for region, cells in rows:
        texts = [f"{_interval(cells[p])} / {cells[p].cbs:.1f} ({_gap_text(cells[p], TOLERANCE[p])})" for p in parts]
        lines.append(f"| {region} | " + " | ".join(texts) + f" | {_share_text(cells['volunteer'])} |")
    return "\n".join(lines)


def html_table(rows: list[tuple[str, dict[str, Cell]]]) -> str:
    parts = list(COMPONENT_KPI)
    head = "".join(
        f"<th>{esc(PART_NAMES[p][0])}<br><span class='en'>{esc(PART_NAMES[p][1])}</span></th>" for p in parts
    )
    body = []
    for region, cells in rows:
        tds = []
        for p in parts:
            cell, tol = cells[p], TOLERANCE[p]
            ok = cell.within(tol)
            cls = "num" + ("" if ok is None else " ok" if ok else " off")
            tds.append(
                f"<td class='{cls}' data-region='{esc(region)}' data-part='{p}' data-mean='{cell.model.get('mean')}'>"
                f"{esc(_interval(cell))}<br><span class='muted'>CBS {cell.cbs:.1f} · "
                f"{esc(_gap_text(cell, tol))}</span></td>"
            )
        tds.append(
            f"<td class='num' data-region='{esc(region)}' data-part='volunteer'>{_share_text(cells['volunteer'])}</td>"
        )
        body.append(f"<tr><th>{esc(region)}</th>{''.join(tds)}</tr>")
    head += "<th>eerste ter plaatse: vrijwilligers<br><span class='en'>first on scene: volunteer crews</span></th>"
    return (
        "<table class='validation'><thead><tr><th>regio<br><span class='en'>region</span></th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
