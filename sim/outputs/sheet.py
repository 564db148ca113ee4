"""The procedure comparison sheet for managers: one printable page from a ``compare`` result.

``write_sheet(comparison_dir, html_path)`` reads a finished comparison directory
(``comparison.json`` and ``runs/<name>/{manifest,summary}.json``) and writes one A4 page:
the scenarios and their procedures in words (from each manifest's scenario), a KPI table
with means, 95 % confidence intervals and the paired differences with the first scenario
(marked when the interval excludes 0, green when better, red when worse), and small bar
charts of the key figures. Inline SVG only: no scripts, opens offline, prints on one page.

Wiring in sim/cli.py (see the issue 6 report): ``--html`` on ``compare`` and, after the
comparison is written, ``write_sheet(path, args.html)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from sim import labels
from sim.experiments.metrics import METRICS, metric_of
from sim.outputs.parts import words
from sim.outputs.parts.effects import BOARD_KPIS
from sim.outputs.parts.html import document, esc, finite, unit_label, value_text
from sim.outputs.parts.svg import bar_chart

SHEET_KPIS = (
    "answer_wait_mean_s",
    "abandoned_calls",
    "processing_time_mean_s",
    "processing_within_60s_share",
    "opkomsttijd_mean_min",
    "opkomsttijd_within_norm_share",
    "backlog_peak",
    "centralist_utilisation",
    "radio_message_delay_mean_min",
    "undelivered_messages",
    "outage_to_detection_min",
    "outage_to_decision_min",
    "outage_to_first_fallback_min",
    "unit_minutes_unreachable",
    "longest_unreachable_gap_min",
    "incidents_gap_over_5min_share",
    "alarms_via_fallback",
    "alarm_fallback_extra_delay_s",
    *BOARD_KPIS,
)
KEY_FIGURES = (
    "processing_within_60s_share",
    "opkomsttijd_within_norm_share",
    "radio_message_delay_mean_min",
    "unit_minutes_unreachable",
)

SHEET_CSS = """
@page { size: A4 portrait; margin: 10mm; }
body { font-size: 9pt; max-width: 800px; }
h1 { font-size: 15pt; } h2 { font-size: 11pt; margin: 10px 0 4px; }
table.kpis td, table.kpis th { font-size: 8pt; padding: 2px 4px; }
.ci { color: #586069; font-size: 6.5pt; margin-left: 3px; }
.figs { display: flex; flex-wrap: wrap; gap: 4px 8px; }
.scen td { font-size: 7.5pt; padding: 2px 4px; }
table.kpis { table-layout: fixed; }
table.kpis td.num { white-space: normal; }
.ci { white-space: nowrap; }
table.kpis th.kpi { width: 36%; }
table.kpis th { font-size: 7.5pt; }
@media print { body { font-size: 8.5pt; } }
"""


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else str(i + 1)


def _breakable(name: str) -> str:
    """A scenario name that may wrap after its underscores and hyphens."""
    return esc(name).replace("_", "_<wbr>").replace("-", "-<wbr>")


def _read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _ci(kpi: str, low, high) -> str:
    if not (finite(low) and finite(high)):
        return ""
    return f"[{value_text(kpi, low, unit=False)} – {value_text(kpi, high, unit=False)}]"


def sheet_html(comparison_dir: Path) -> str:
    """The sheet's HTML from a finished comparison directory."""
    comparison_dir = Path(comparison_dir)
    data = _read(comparison_dir / "comparison.json")
    names = data["scenarios"]
    baseline = data["baseline"]
    rows = {(r["kpi"], r["scenario"]): r for r in data["kpis"]}
    manifests = {n: _read(comparison_dir / "runs" / n / "manifest.json") for n in names}

    # --- scenarios in words ---
    scen = []
    for i, name in enumerate(names):
        sc = manifests[name].get("scenario", {})
        standby = {k: v for k, v in (sc.get("channels") or {}).items() if v.get("standby")}
        p_nl, p_en = words.procedure_text(sc.get("procedure"), standby)
        o_nl, o_en = words.outages_text(sc.get("outages"))
        role = "basis / baseline" if name == baseline else f"vergeleken met {baseline}"
        scen.append(
            f"<tr><td><strong>{_letter(i)}: {_breakable(name)}</strong><br><span class='muted'>{esc(role)}</span></td>"
            f"<td>{esc(sc.get('description') or '')}<br><em>Storing:</em> {esc(o_nl)}<br>"
            f"<em>Procedure:</em> <span title='{esc(p_en)}'>{esc(p_nl)}</span></td></tr>"
        )

    # --- key figures ---
    figs = []
    for kpi in KEY_FIGURES:
        cells = [rows.get((kpi, n)) for n in names]
        if not any(c and finite(c.get("mean")) for c in cells):
            continue
        scale = 100 if metric_of(kpi).unit == "share" else 1

        def scaled(v, scale=scale):
            return v * scale if finite(v) else math.nan

        nl, _en = labels.kpi(kpi)
        figs.append(
            bar_chart(
                f"{nl} ({unit_label(kpi)})",
                [_letter(i) for i in range(len(names))],
                [scaled((c or {}).get("mean")) for c in cells],
                [scaled((c or {}).get("ci95_low")) for c in cells],
                [scaled((c or {}).get("ci95_high")) for c in cells],
                [value_text(kpi, (c or {}).get("mean"), unit=False) for c in cells],
                width=178,
            )
        )

    # --- the KPI table ---
    head = (
        "<th class='kpi'>KPI</th>"
        + "".join(f"<th class='num' title='{esc(n)}'>{_letter(i)}</th>" for i, n in enumerate(names))
        + "".join(
            f"<th class='num' title='{esc(n)}'>Δ {_letter(i)} − {_letter(0)}</th>"
            for i, n in enumerate(names)
            if n != baseline
        )
    )
    body = []
    for kpi in SHEET_KPIS:
        cells = [rows.get((kpi, n)) for n in names]
        if not any(c and finite(c.get("mean")) for c in cells):
            continue
        nl, en = labels.kpi(kpi)
        metric = METRICS[kpi]
        tds = [
            f"<td>{esc(nl)} <span class='muted'>({esc(unit_label(kpi))})</span> "
            f"<span class='en small'>{esc(en)}</span></td>"
        ]
        for n, c in zip(names, cells, strict=False):
            c = c or {}
            tds.append(
                f"<td class='num' data-scenario='{esc(n)}' data-kpi='{esc(kpi)}' "
                f"data-mean='{json.dumps(c.get('mean'))}'>{esc(value_text(kpi, c.get('mean'), unit=False))}"
                f"<span class='ci'>{esc(_ci(kpi, c.get('ci95_low'), c.get('ci95_high')))}</span></td>"
            )
        for n, c in zip(names, cells, strict=False):
            if n == baseline:
                continue
            c = c or {}
            diff = c.get("diff_mean")
            mark, cls = "", ""
            if c.get("significant") and finite(diff) and metric.better:
                good = diff < 0 if metric.better == "lower" else diff > 0
                cls, mark = ("better", " ▼" if diff < 0 else " ▲") if good else ("worse", " ▲" if diff > 0 else " ▼")
            elif c.get("significant"):
                cls, mark = "", " *"
            sign = "+" if finite(diff) and diff > 0 else ""
            text = f"{sign}{value_text(kpi, diff, unit=False)}" if finite(diff) else "–"
            tds.append(
                f"<td class='num {cls}' data-diff='{json.dumps(diff)}' "
                f"data-significant='{str(bool(c.get('significant'))).lower()}'>{esc(text + mark)}"
                f"<span class='ci'>{esc(_ci(kpi, c.get('diff_ci95_low'), c.get('diff_ci95_high')))}</span></td>"
            )
        body.append("<tr>" + "".join(tds) + "</tr>")

    first = manifests[names[0]]
    versions = first.get("versions", {})
    title = "Vergelijking terugvalprocedures"
    content = (
        f"<h1>{title} <span class='en'>/ Procedure comparison</span></h1>"
        f"<p class='muted'>{esc(' · '.join(names))} — {data['replications']} gepaarde replicaties "
        f"(seed {data['seed']}; "
        f"zelfde incidenten en meldingen in elk scenario) · {esc(str(first.get('finished', ''))[:16])}</p>"
        f"<h2>Scenario's en procedures <span class='en'>/ scenarios and procedures</span></h2>"
        f"<table class='scen'>{''.join(scen)}</table>"
        f"<h2>Kerncijfers <span class='en'>/ key figures</span></h2>"
        f"<div class='figs'>{''.join(figs)}</div><p class='small muted'>Balk = gemiddelde, streep = 95%-BI "
        f"<span class='en'>bar = mean, whisker = 95 % CI</span></p>"
        f"<h2>KPI's <span class='en'>/ KPIs</span></h2>"
        f"<table class='kpis'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<p class='small muted'>Gemiddelde met 95%-BI [onder – boven] over replicaties; Δ = gepaard verschil met "
        f"{esc(baseline)} (zelfde seeds). <span class='better'>groen</span> = significant beter, "
        f"<span class='worse'>rood</span> = significant slechter (95%-BI van het verschil sluit 0 uit), * = "
        f"significant zonder richting. <span class='en'>Mean with 95 % CI over replications; Δ = paired difference "
        f"with {esc(baseline)}; green/red = significantly better/worse.</span><br>"
        f"meldsim {esc(versions.get('meldsim', ''))}, git {esc(str(first.get('git_commit')))}; "
        f"{esc(str(comparison_dir))}</p>"
    )
    return document(f"{title}: {' vs '.join(names)}", content, lang="nl", css=SHEET_CSS)


def write_sheet(comparison_dir: Path, html_path: Path) -> Path:
    """Write the one-page comparison sheet of a finished ``compare`` result directory."""
    from sim.experiments.results import write_text_atomic

    return write_text_atomic(html_path, sheet_html(comparison_dir))


def add_html_option(compare_parser) -> None:
    """``--html SHEET.html`` on sim/cli.py's ``compare`` sub-parser."""
    compare_parser.add_argument(
        "--html",
        type=Path,
        metavar="SHEET.html",
        help="also write a one-page printable comparison sheet (self-contained HTML)",
    )
