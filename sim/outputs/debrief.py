"""The debrief page and ``meldsim debrief``: what the team's timings cost, printable.

``meldsim debrief INJECTS.csv`` reads the exercise CSV with the trainer's ``actual`` column
filled in and the ``exercise.json`` beside it (scenario, seed, replication), runs
:func:`sim.experiments.debrief.run_debrief` and writes ``debrief.json`` and ``debrief.html``
(each to a temporary file, then renamed). A bad file gets every problem as
``FILE: row N: field: problem``, exit 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from pathlib import Path

from sim import labels
from sim.cliargs import SCENARIO_HELP, scenario_path
from sim.cliargs import non_negative_int as _non_negative_int
from sim.cliargs import positive_int as _positive_int
from sim.experiments import runner
from sim.experiments.debrief import (
    DEBRIEF_KPIS,
    DEFAULT_RANK_KPI,
    DEFAULT_REPLICATIONS,
    STATUSES_ITEM,
    DebriefResult,
    debrief_exercise,
)
from sim.experiments.results import write_text_atomic
from sim.model import limits
from sim.model.loading import Problem, ScenarioError, load_scenario, read_limited_text
from sim.outputs.exercise import EXERCISE_JSON
from sim.outputs.parts.effects import ci_text, diff_text, signed, tone
from sim.outputs.parts.html import document, esc, finite, mean_pm, number, unit_label
from sim.outputs.parts.svg import bar_chart

DEBRIEF_JSON, DEBRIEF_HTML = "debrief.json", "debrief.html"
MAX_CSV_BYTES = 20_000_000

DEBRIEF_CSS = """
table.steps td, table.kpis td { font-size: 9.5pt; }
table.kpis th { font-size: 8.5pt; }
table.attr th.num, table.attr td.num { white-space: normal; }
table.attr td:first-child { width: 22%; }
.costliest { font-size: 12pt; }
"""


def _t(nl: str, en: str) -> str:
    return f'{esc(nl)}<br><span class="en">{esc(en)}</span>' if en and en != nl else esc(nl)


def _clock(start: str, minute) -> str:
    if not finite(minute):
        return "nooit / never"
    try:
        origin = dt.datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return f"{minute:.1f}"
    return (origin + dt.timedelta(minutes=minute)).strftime("%H:%M:%S")


def _minutes(value) -> str:
    return "–" if not finite(value) else f"{value:.1f} min"


def render_debrief_html(result: DebriefResult) -> str:
    """The printable debrief: timings, what the difference cost per KPI, and per step."""
    d = result.debrief
    start = result.horizon_start
    rank = result.rank_kpi
    rank_nl, rank_en = labels.kpi(rank)
    head = [
        f"<h1>{_t('Nabespreking', 'Debrief')}: {esc(result.scenario_name)}</h1>",
        '<div class="box"><table class="small">',
        f"<tr><th>{_t('Ingevuld script', 'Filled-in script')}</th><td>{esc(d.source)}</td></tr>",
        f"<tr><th>{_t('Oefening', 'Exercise')}</th><td>seed {result.seed}, "
        f"{_t(f'replicatie {d.replication}', f'replication {d.replication}')}</td></tr>",
        f"<tr><th>{_t('Vergelijking', 'Comparison')}</th><td>"
        + _t(
            f"{result.replications} nachten met dezelfde toevalsgetallen (common random numbers): de tijden van "
            "het team tegen die van de procedure in het script; verschil = team − procedure, 95%-BI",
            f"{result.replications} nights with the same random numbers (common random numbers): the team's times "
            "against the procedure's in the script; difference = team − procedure, 95 % CI",
        )
        + "</td></tr>",
        "</table></div>",
    ]
    # --- timings ---
    rows = []
    items = {s.item: s for s in result.steps}
    for step in d.steps:
        nl, en = labels.debrief_item(step.event)
        cost = items.get(step.event)
        late = step.observed_min - step.planned_min if step.observed_min is not None else math.nan
        rows.append(
            "<tr>"
            f"<td>{_t(nl, en)}</td>"
            f'<td class="num">{esc(_clock(start, step.planned_min))}</td>'
            f'<td class="num">{esc(_clock(start, step.observed_min))}</td>'
            f'<td class="num">{"–" if not finite(late) else f"{late:+.1f} min"}</td>'
            f'<td class="num">{_minutes(cost.planned_delay) if cost else "–"}</td>'
            f'<td class="num">{_minutes(cost.observed_delay) if cost else "–"}</td>'
            "</tr>"
        )
    counts = [
        (labels.debrief_item(STATUSES_ITEM), n, v)
        for n, v in (("lost / gemist", d.statuses_lost), ("wrong / verkeerd", d.statuses_wrong))
        if v is not None
    ]
    timings = (
        f"<h2>{_t('Tijden', 'Timings')}</h2>"
        '<table class="steps"><thead><tr>'
        f"<th>{_t('Stap', 'Step')}</th><th class='num'>{_t('Procedure (script)', 'Procedure (script)')}</th>"
        f"<th class='num'>{_t('Team', 'Team')}</th><th class='num'>{_t('Verschil', 'Difference')}</th>"
        f"<th class='num'>{_t('Eigen vertraging, procedure', 'Own delay, procedure')}</th>"
        f"<th class='num'>{_t('Eigen vertraging, team', 'Own delay, team')}</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    if counts:
        r = result.rates
        timings += (
            "<p class='small'>"
            + _t(
                "Statussen: "
                + ", ".join(f"{n.split(' / ')[1]} {v}" for _, n, v in counts)
                + f" van {r['spoken_statuses_in_script']} gesproken in het script; als kans per gesproken status: "
                f"gemist {r['observed_missed']:.3f} (procedure {r['planned_missed']:.3f}), "
                f"verkeerd {r['observed_wrong']:.3f} (procedure {r['planned_wrong']:.3f})",
                "Statuses: "
                + ", ".join(f"{n.split(' / ')[0]} {v}" for _, n, v in counts)
                + f" of {r['spoken_statuses_in_script']} spoken in the script; as a chance per spoken status: "
                f"missed {r['observed_missed']:.3f} (procedure {r['planned_missed']:.3f}), "
                f"wrong {r['observed_wrong']:.3f} (procedure {r['planned_wrong']:.3f})",
            )
            + "</p>"
        )
    # --- KPIs ---
    kpi_rows = []
    for k in result.kpis:
        nl, en = labels.kpi(k)
        diff = result.difference[k]
        kpi_rows.append(
            "<tr>"
            f"<td>{_t(nl, en)}</td>"
            f'<td class="num">{esc(mean_pm(k, result.planned[k]))}</td>'
            f'<td class="num">{esc(mean_pm(k, result.observed[k]))}</td>'
            f'<td class="num {tone(k, diff)}">{esc(diff_text(k, diff))}</td>'
            "</tr>"
        )
    kpis = (
        f"<h2>{_t('Wat het verschil kost', 'What the difference costs')}</h2>"
        '<table class="kpis"><thead><tr>'
        f"<th>KPI</th><th class='num'>{_t('Procedure', 'Procedure')}</th><th class='num'>Team</th>"
        f"<th class='num'>{_t('Team − procedure', 'Team − procedure')}</th>"
        "</tr></thead><tbody>" + "".join(kpi_rows) + "</tbody></table>"
    )
    # --- per step ---
    ran = [s for s in result.steps if s.ran]
    if result.costliest is not None:
        best = items[result.costliest]
        nl, en = labels.debrief_item(best.item)
        amount = signed(rank, best.difference[rank]["mean"])
        verdict = _t(
            f"Kostte het meest: {nl} ({rank_nl} {amount}, alleen deze stap zoals het team hem deed)",
            f"Cost most: {en} ({rank_en} {signed(rank, best.difference[rank]['mean'], lang='en')}, "
            "this step alone as the team did it)",
        )
    else:
        verdict = _t(
            f"Geen stap kostte iets aan {rank_nl}: het team was nergens trager dan de procedure",
            f"No step cost anything in {rank_en}: the team was nowhere slower than the procedure",
        )
    step_rows = []
    for s in result.steps:
        nl, en = labels.debrief_item(s.item)
        cells = "".join(
            f'<td class="num {tone(k, s.difference[k])}">'
            + (
                f"{esc(signed(k, s.difference[k]['mean'], unit=False))}<br>"
                f"<span class='small'>{esc(ci_text(k, s.difference[k]))}</span>"
                if s.ran
                else _t("0, volgens plan", "0, as planned")
            )
            + "</td>"
            for k in result.kpis
        )
        step_rows.append(f"<tr><td>{_t(nl, en)}</td>{cells}</tr>")
    total = result.difference[rank]["mean"]
    alone = sum(s.difference[rank]["mean"] for s in result.steps if finite(s.difference[rank]["mean"]))
    chart = (
        bar_chart(
            f"{rank_nl} / {rank_en}",
            [labels.debrief_item(s.item)[1] for s in ran],
            [s.difference[rank]["mean"] for s in ran],
            [s.difference[rank]["ci95_low"] for s in ran],
            [s.difference[rank]["ci95_high"] for s in ran],
            [signed(rank, s.difference[rank]["mean"], unit=False) for s in ran],
            width=520,
        )
        if ran
        else ""
    )
    per_step = (
        f"<h2>{_t('Per stap', 'Per step')}</h2>"
        f"<p class='costliest'>{verdict}</p>"
        "<p class='small'>"
        + _t(
            "Elke stap alleen: zijn eigen vertraging (vanaf de stap ervoor) zoals het team hem had, de andere "
            "zoals gepland; latere stappen schuiven mee. Samen "
            f"{signed(rank, alone)}, alles tegelijk {signed(rank, total)} (het verschil is samenspel).",
            "Each step alone: its own delay (from the step before it) as the team had it, the others as planned; "
            f"later steps move with it. Together {signed(rank, alone, lang='en')}, all at once "
            f"{signed(rank, total, lang='en')} (the rest is interaction).",
        )
        + "</p>"
        + chart
        + '<table class="kpis attr"><thead><tr>'
        + f"<th>{_t('Stap', 'Step')}</th>"
        + "".join(
            f"<th class='num'>{_t(*labels.kpi(k))} <span class='small'>({esc(unit_label(k))})</span></th>"
            for k in result.kpis
        )
        + "</tr></thead><tbody>"
        + "".join(step_rows)
        + "</tbody></table>"
    )
    note = (
        "<p class='small muted'>"
        + _t(
            "Aannames (docs/assumptions.md, Nabespreking): de tijden gelden als vaste vertragingen vanaf het begin "
            "van de storing voor elke storing van de nacht; het wachten van het besluit op de CaCo dat het script "
            f"had zit in beide armen; 'nooit' is later dan de nacht. {result.runs} replicaties gesimuleerd in "
            f"{number(result.wall_s)} s.",
            "Assumptions (docs/assumptions.md, Debrief): the times are fixed delays from the outage start, for "
            "every outage of the night; the decision's wait for the CaCo that the script had is in both arms; "
            f"'never' is later than the night. {result.runs} replications simulated in {number(result.wall_s)} s.",
        )
        + "</p>"
    )
    body = "\n".join(head) + timings + kpis + per_step + note
    return document(f"Nabespreking {result.scenario_name}", body, css=DEBRIEF_CSS)


# --- command line --------------------------------------------------------------------------
def add_debrief_command(subparsers) -> argparse.ArgumentParser:
    """Register ``meldsim debrief`` on the sub-command set of sim/cli.py's parser."""
    p = subparsers.add_parser(
        "debrief",
        help="what the team's timings in an exercise cost against the procedure's (paired replications)",
    )
    p.add_argument(
        "file",
        metavar="INJECTS.csv",
        help="the exercise.csv of `meldsim exercise` with the actual column filled in (exercise.json beside it)",
    )
    p.add_argument("--scenario", metavar="SCENARIO", help=f"instead of the one in exercise.json; {SCENARIO_HELP}")
    p.add_argument("--seed", type=_non_negative_int, help="instead of exercise.json's")
    p.add_argument(
        "--replication", type=_non_negative_int, help="the exercise's replication, instead of exercise.json's"
    )
    p.add_argument("--replications", "-n", type=_positive_int, default=DEFAULT_REPLICATIONS)
    p.add_argument("--jobs", "-j", type=_positive_int, default=runner.default_jobs())
    p.add_argument(
        "--rank-kpi",
        default=DEFAULT_RANK_KPI,
        choices=DEBRIEF_KPIS,
        help=f"the KPI that decides which step cost most (default {DEFAULT_RANK_KPI})",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="directory for debrief.json and debrief.html (default: the CSV's)"
    )
    p.set_defaults(handler=cmd_debrief)
    return p


def _read(path: Path, max_bytes: int) -> str:
    try:
        return read_limited_text(path, max_bytes)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(str(path), "", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScenarioError([Problem(str(path), "", f"cannot read file: {reason}")]) from None


def cmd_debrief(args) -> int:
    from sim.experiments.api import Options

    csv_path = Path(args.file)
    text = _read(csv_path, MAX_CSV_BYTES)
    json_path = csv_path.with_name(EXERCISE_JSON)
    exercise = None
    if json_path.exists():
        try:
            exercise = json.loads(_read(json_path, limits.MAX_GEOGRAPHY_BYTES))
        except json.JSONDecodeError as exc:
            raise ScenarioError([Problem(str(json_path), "", f"not JSON: {exc.msg} (line {exc.lineno})")]) from None
    elif args.scenario is None or args.seed is None or args.replication is None:
        raise ScenarioError(
            [Problem(str(json_path), "", "not found: give --scenario, --seed and --replication of the exercise")]
        )
    scenario = load_scenario(scenario_path(args.scenario)) if args.scenario else None
    result = debrief_exercise(
        text,
        exercise,
        scenario=scenario,
        source=args.file,
        exercise_source=str(json_path),
        seed=args.seed,
        replication=args.replication,
        replications=args.replications,
        options=Options(jobs=args.jobs),
        rank_kpi=args.rank_kpi,
    )
    out = Path(args.out) if args.out else csv_path.parent
    out.mkdir(parents=True, exist_ok=True)
    data = json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"
    page = render_debrief_html(result)
    paths = [write_text_atomic(out / DEBRIEF_JSON, data), write_text_atomic(out / DEBRIEF_HTML, page)]
    costliest = result.costliest
    rank = result.rank_kpi
    diff = result.difference[rank]
    print(
        f"{result.replications} paired replications: {rank} team - procedure = {diff_text(rank, diff, lang='en')}; "
        f"cost most: {labels.debrief_item(costliest)[1] if costliest else 'no step'}",
        file=sys.stderr,
    )
    for path in paths:
        print(path)
    return 0
