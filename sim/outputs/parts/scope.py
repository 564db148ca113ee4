"""Local or national (issue 16): the same outage in one room beside the same outage in every room.

A matrix ``scope`` runs its takeover procedure twice per load and duration: with the outage
national (every room of the scenario dark, the partner too) and local (only ``scope.rooms``).
This module turns the pairs :func:`sim.outputs.report.collect` made (``data["scope"]``) into the
report's table and a finding; every number is a mean or a paired difference read from the
result files.
"""

from __future__ import annotations

import json

from sim import labels
from sim.outputs.parts import effects
from sim.outputs.parts.html import bilingual, duration_text, esc, finite, mean_pm, unit_label
from sim.outputs.parts.html import cell_summary as _summary
from sim.outputs.parts.html import entry_label as _label


def _rooms(scope: dict, lang: str) -> str:
    this = "deze meldkamer" if lang == "nl" else "this room"
    return ", ".join(this if r == "main" else r for r in scope["rooms"])


def _diff_td(kpi: str, d: dict, key: str, pair: str) -> str:
    tone = effects.tone(kpi, d)
    ci = effects.ci_text(kpi, d)
    attrs = (
        f'data-scope="{esc(key)}" data-pair="{pair}" data-kpi="{esc(kpi)}" data-diff="{json.dumps(d.get("mean"))}" '
        f'data-significant="{str(effects.significant(d)).lower()}"'
    )
    return (
        f'<td class="num{" " + tone if tone else ""}" {attrs}>{esc(effects.signed(kpi, d.get("mean"), unit=False))}'
        + (f'<br><span class="ci">{esc(ci)}</span>' if ci else "")
        + "</td>"
    )


#: the paired differences shown, as (key in the entry, nl, en)
PAIRS = (
    ("local_vs_reference", "Δ lokaal: overname − zonder", "Δ local: takeover − without"),
    ("national_vs_reference", "Δ landelijk: overname − zonder", "Δ national: takeover − without"),
    ("local_vs_national", "Δ overname: lokaal − landelijk", "Δ takeover: local − national"),
)


def _table(data: dict, entry: dict) -> str:
    matrix, scope = data["matrix"], data["matrix"]["scope"]
    procedures = matrix["procedures"]
    proc, ref = procedures[scope["procedure"]], procedures[scope["reference"]]
    columns = (
        (f"Zonder overname: '{_label(ref, 'nl')}'", f"Without takeover: '{_label(ref, 'en')}'"),
        (
            f"Lokaal ({_rooms(scope, 'nl')}), '{_label(proc, 'nl')}'",
            f"Local ({_rooms(scope, 'en')}), '{_label(proc, 'en')}'",
        ),
        (f"Landelijk, '{_label(proc, 'nl')}'", f"National, '{_label(proc, 'en')}'"),
        *((nl, en) for _, nl, en in PAIRS),
    )
    head = "<tr><th>KPI</th>" + "".join(f"<th class='num'>{bilingual(nl, en)}</th>" for nl, en in columns) + "</tr>"
    rows = [head]
    for kpi in scope["kpis"]:
        k_nl, k_en = labels.kpi(kpi)
        rows.append(
            f"<tr><td>{bilingual(k_nl, k_en)} <span class='muted small'>{esc(unit_label(kpi))}</span></td>"
            + "".join(
                f'<td class="num" data-cell="{esc(key)}" data-kpi="{esc(kpi)}" '
                f'data-mean="{json.dumps(_summary(data, key, kpi).get("mean"))}">'
                f"{esc(mean_pm(kpi, _summary(data, key, kpi)))}</td>"
                for key in (entry["reference"], entry["local"], entry["national"])
            )
            + "".join(_diff_td(kpi, entry[pair].get(kpi) or {}, entry["local"], pair) for pair, _, _ in PAIRS)
            + "</tr>"
        )
    return "<table class='results effects scope'>" + "\n".join(rows) + "</table>"


def section(data: dict) -> str:
    """The report's "local or national" part of the results: per load and duration, one table."""
    scope = data["matrix"].get("scope")
    if not scope or not data.get("scope"):
        return ""
    matrix = data["matrix"]
    target = matrix["targets"][scope["target"]]
    proc = matrix["procedures"][scope["procedure"]]
    note_nl = (
        f"{_label(target, 'nl')}: dezelfde storing landelijk (alle meldkamers in het scenario, ook de partner) en "
        f"lokaal (alleen {_rooms(scope, 'nl')}), met '{_label(proc, 'nl')}'. Dezelfde seeds in alle cellen; de "
        "verschillen zijn gepaard (gemiddelde en 95%-BI; groen beter, oranje slechter, alleen als het BI 0 "
        "uitsluit). De andere meldkamers van het land veranderen de cijfers van deze meldkamer niet; alleen de "
        "partner die overneemt telt mee."
    )
    note_en = (
        f"{_label(target, 'en')}: the same outage national (every room in the scenario, the partner too) and local "
        f"(only {_rooms(scope, 'en')}), with '{_label(proc, 'en')}'. The same seeds in every cell; the differences "
        "are paired (mean and 95 % CI; green better, orange worse, only when the CI excludes 0). The other rooms of "
        "the country do not change this room's figures; only the partner that takes over counts."
    )
    parts = [
        f"<h3 id='lokaal-landelijk'>{bilingual('Lokaal of landelijk', 'Local or national')}</h3>"
        f"<p class='small'>{bilingual(note_nl, note_en)}</p>"
    ]
    for entry in data["scope"]:
        load = matrix["loads"][entry["load"]]
        d = entry["duration_min"]
        title = bilingual(f"{load['label']}: {d:g} min storing", f"{_label(load, 'en')}: {d:g} min outage")
        parts.append(f"<h4>{title}</h4>")
        parts.append(_table(data, entry))
    return "\n".join(parts)


def _said(kpi: str, d: dict, lang: str) -> str:
    word = ("significant", "niet significant") if lang == "nl" else ("significant", "not significant")
    return f"Δ {effects.diff_text(kpi, d, lang)}; {word[0] if effects.significant(d) else word[1]}"


def finding(data: dict, load: str, duration: float) -> dict | None:
    """At one load and duration: what the takeover gives when the outage is local, and what is left of it
    when it is national, each against the room on its own."""
    scope = data["matrix"].get("scope")
    entry = next((e for e in data.get("scope") or [] if e["load"] == load and e["duration_min"] == duration), None)
    if not scope or entry is None:
        return None
    matrix = data["matrix"]
    target, proc = matrix["targets"][scope["target"]], matrix["procedures"][scope["procedure"]]
    ref = matrix["procedures"][scope["reference"]]
    load_entry = matrix["loads"][load]
    out = {}
    for lang in ("nl", "en"):
        parts = []
        for kpi in scope["kpis"][:3]:
            local, national, reference = (_summary(data, entry[k], kpi) for k in ("local", "national", "reference"))
            if not all(finite(s.get("mean")) for s in (local, national, reference)):
                continue
            k = labels.kpi(kpi)[0 if lang == "nl" else 1]
            lvr, nvr = (entry[pair].get(kpi) or {} for pair in ("local_vs_reference", "national_vs_reference"))
            if lang == "nl":
                parts.append(
                    f"{k}: zonder overname {mean_pm(kpi, reference)}; met overname lokaal {mean_pm(kpi, local)} "
                    f"({_said(kpi, lvr, 'nl')}), landelijk {mean_pm(kpi, national)} ({_said(kpi, nvr, 'nl')})"
                )
            else:
                parts.append(
                    f"{k}: without takeover {mean_pm(kpi, reference, 'en')}; with takeover local "
                    f"{mean_pm(kpi, local, 'en')} ({_said(kpi, lvr, 'en')}), national {mean_pm(kpi, national, 'en')} "
                    f"({_said(kpi, nvr, 'en')})"
                )
        if not parts:
            return None
        if lang == "nl":
            lead = (
                f"Lokaal of landelijk ({_label(target, 'nl')}, {duration_text(duration, 'nl')} storing, "
                f"{load_entry['label'].lower()}): wat levert '{_label(proc, 'nl')}' op tegen '{_label(ref, 'nl')}', "
                f"als alleen {_rooms(scope, 'nl')} getroffen is en als alle meldkamers getroffen zijn"
            )
        else:
            lead = (
                f"Local or national ({_label(target, 'en')}, {duration_text(duration, 'en')} outage, "
                f"{_label(load_entry, 'en')}): "
                f"what '{_label(proc, 'en')}' gives against '{_label(ref, 'en')}' when only "
                f"{_rooms(scope, 'en')} is hit and when every room is"
            )
        out[lang] = f"{lead}. " + ". ".join(parts) + "."
    return out
