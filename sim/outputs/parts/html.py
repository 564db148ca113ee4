"""The page shell every printable output shares: self-contained HTML with print CSS.

Nothing on a page is fetched from the network: no external scripts, style sheets or fonts
(a system font stack), and plotly.js is inlined once per page by :class:`Figures`.
"""

from __future__ import annotations

import html
import math

from sim import labels
from sim.experiments.kpis import metric_of

esc = html.escape

FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif'

BASE_CSS = f"""
:root {{ --ink: #1b1f23; --muted: #586069; --line: #d0d7de; --accent: #b3261e; --ok: #1a7f37; --bg: #f6f8fa; }}
* {{ box-sizing: border-box; }}
body {{ font-family: {FONT}; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 16px 24px;
        font-size: 10.5pt; line-height: 1.4; }}
h1 {{ font-size: 18pt; margin: 0 0 4px; }}
h2 {{ font-size: 14pt; margin: 22px 0 6px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; }}
h3 {{ font-size: 11.5pt; margin: 14px 0 4px; }}
p {{ margin: 4px 0 8px; }}
.en {{ color: var(--muted); font-style: italic; }}
.muted {{ color: var(--muted); }}
.small {{ font-size: 8.5pt; }}
table {{ border-collapse: collapse; width: 100%; margin: 6px 0 12px; }}
th, td {{ border: 1px solid var(--line); padding: 3px 5px; vertical-align: top; text-align: left; }}
th {{ background: var(--bg); font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.ok {{ background: #ecfdf3; }} td.off {{ background: #fef3f2; }}
.box {{ border: 1px solid var(--line); background: var(--bg); padding: 8px 12px; margin: 8px 0; }}
.badge {{ display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 8.5pt; color: #fff;
          background: var(--muted); white-space: nowrap; }}
.better {{ color: var(--ok); font-weight: 600; }}
.worse {{ color: var(--accent); font-weight: 600; }}
.figure {{ page-break-inside: avoid; break-inside: avoid; margin: 6px 0; }}
ul {{ margin: 4px 0 8px 18px; padding: 0; }}
@page {{ size: A4; margin: 12mm; }}
@media print {{
  body {{ max-width: none; padding: 0; font-size: 9.5pt; }}
  .noprint {{ display: none !important; }}
  h2 {{ page-break-after: avoid; break-after: avoid; }}
  tr, .box {{ page-break-inside: avoid; break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""


def document(title: str, body: str, *, lang: str = "nl", css: str = "") -> str:
    """A complete, self-contained HTML page."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{BASE_CSS}{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


class Figures:
    """Embeds plotly figures in one page: plotly.js inlined with the first figure only."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, fig, div_id: str, *, width: int | None = 720, height: int | None = None) -> str:
        if width is not None:
            fig.update_layout(width=width)
        if height is not None:
            fig.update_layout(height=height)
        config = {"displaylogo": False, "responsive": False, "displayModeBar": False, "staticPlot": False}
        inline = self.count == 0
        self.count += 1
        out = fig.to_html(
            full_html=False,
            include_plotlyjs=True if inline else False,
            div_id=div_id,
            config=config,
            include_mathjax=False,
        )
        return f'<div class="figure">{out}</div>'


def bilingual(nl: str, en: str) -> str:
    """Dutch text with its English under it, in the report's smaller ``.en`` style."""
    return f'{esc(nl)}<br><span class="en">{esc(en)}</span>'


def entry_label(entry: dict, lang: str) -> str:
    """A matrix entry's label (a load, target or procedure) in the language, Dutch if no English."""
    return (entry.get("label_en") or entry["label"]) if lang == "en" else entry["label"]


def cell_summary(data: dict, key: str, kpi: str) -> dict:
    """One KPI's summary of one report cell (``{}`` when the cell or the KPI is not there)."""
    return data["cells"].get(key, {}).get("summary", {}).get(kpi) or {}


def duration_text(minutes: float, lang: str) -> str:
    """``6-uurs`` / ``6-hour``, as in "een 6-uurs storing"."""
    if minutes % 60 == 0:
        hours = int(minutes // 60)
        return f"{hours}-uurs" if lang == "nl" else f"{hours}-hour"
    return f"{minutes:g}-minuten" if lang == "nl" else f"{minutes:g}-minute"


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value, digits: int = 1) -> str:
    if not finite(value):
        return "–"
    return f"{value:,.{digits}f}".replace(",", "\u202f")


def value_text(kpi: str, value, *, unit: bool = True, lang: str = "nl") -> str:
    """A KPI value in its natural unit: shares as percentages."""
    metric = metric_of(kpi)
    if not finite(value):
        return "–"
    if metric.unit == "share":
        return f"{value * 100:.1f}" + (" %" if unit else "")
    counted = metric.unit in ("count", "calls")
    digits = 0 if counted and abs(value) >= 100 else 1
    suffix = "" if counted else " " + labels.unit(metric.unit)[lang != "nl"]
    return number(value, digits) + (suffix if unit else "")


def half_width(summary: dict) -> float:
    low, high = summary.get("ci95_low"), summary.get("ci95_high")
    if not (finite(low) and finite(high)):
        return math.nan
    return (high - low) / 2


def mean_pm(kpi: str, summary: dict | None, lang: str = "nl") -> str:
    """``mean ± CI half-width`` in the KPI's unit (percentage points for shares)."""
    if not summary or not finite(summary.get("mean")):
        return "–"
    hw = half_width(summary)
    metric = metric_of(kpi)
    if not finite(hw):
        return value_text(kpi, summary["mean"], lang=lang)
    if metric.unit == "share":
        return f"{summary['mean'] * 100:.1f} % ± {hw * 100:.1f}"
    return f"{value_text(kpi, summary['mean'], unit=False)} ± {value_text(kpi, hw, lang=lang)}"


def unit_label(kpi: str) -> str:
    """The KPI's unit in Dutch, the language of the printed pages."""
    return labels.unit(metric_of(kpi).unit)[0]
