"""Dutch and English words for what the model knows by code name.

Every function returns a ``(nl, en)`` pair. Unknown names fall back to the name itself, so a
new channel or incident type in a scenario never breaks a page, it just shows its code name.
"""

from __future__ import annotations

from sim.model.distributions import Dist
from sim.experiments.kpis import METRICS

TARGETS = {
    "eocs": ("eOCS (radiobediensysteem)", "eOCS (radio console system)"),
    "c2000": ("C2000-netwerk", "C2000 network"),
    "p2000": ("P2000 (alarmering)", "P2000 (paging)"),
    "gms": ("GMS (meldkamersysteem)", "GMS (dispatch system)"),
    "telephone": ("telefonie", "public telephone network"),
    "power": ("stroomvoorziening", "power supply"),
}

#: channel -> (name nl, name en, action nl, action en)
CHANNELS = {
    "eocs": ("eOCS-console", "eOCS console", "", ""),
    "c2000_status": ("statusknoppen C2000", "C2000 status buttons", "", ""),
    "p2000": ("P2000", "P2000", "", ""),
    "c2000_scene": ("C2000 gespreksgroep ter plaatse", "C2000 scene talkgroup", "", ""),
    "dmo": ("DMO", "DMO", "", ""),
    "handhelds": ("portofoons/mobilofoons in de meldkamer", "handheld/vehicle sets in the room",
                  "Portofoons en mobilofoons uitdelen en op de gespreksgroepen afstemmen",
                  "Hand out the handheld and vehicle sets and tune them to the talkgroups"),
    "telephone": ("telefoon naar de bevelvoerder", "phone to the bevelvoerder",
                  "Bevelvoerders mobiel bellen; telefoonlijst erbij pakken",
                  "Phone the bevelvoerders' mobiles; get the number list out"),
    "sms_alarm": ("SMS/ingesproken alarmering", "SMS / voice-call alarming",
                  "Alarmeringsroute omzetten naar SMS/ingesproken bericht",
                  "Switch the alarm path to SMS / automated voice call"),
    "phone_station": ("telefoon naar bezette kazerne", "phone to a staffed post",
                      "Alarmeringsroute omzetten: bezette kazernes bellen",
                      "Switch the alarm path: phone the staffed posts"),
    "phone_commander": ("telefoon naar bevelvoerder vrijwillige post", "phone to a volunteer post's bevelvoerder",
                        "Alarmeringsroute omzetten: bevelvoerders van vrijwillige posten bellen",
                        "Switch the alarm path: phone the volunteer posts' bevelvoerders"),
    "ncv": ("NCV-noodcommunicatie", "NCV emergency network", "NCV-terminals opstarten en kazernes alarmeren",
            "Start the NCV terminals and alarm the posts"),
    "dares": ("DARES (radioamateurs)", "DARES (radio amateurs)", "DARES inzetten via de veiligheidsregio",
              "Activate DARES through the safety region"),
    "runner": ("koerier/liaison", "runner/liaison", "Koeriers/liaisons organiseren", "Organise runners/liaisons"),
}

INCIDENT_TYPES = {
    "oms": ("OMS (automatische brandmelding)", "automatic fire alarm (OMS)"),
    "buitenbrand": ("buitenbrand", "outdoor fire"),
    "autobrand": ("autobrand", "car fire"),
    "woningbrand": ("woningbrand", "house fire"),
    "hulpverlening": ("hulpverlening", "technical rescue"),
    "dienstverlening": ("dienstverlening", "assistance"),
}

KPI_LABELS = {
    "incidents": ("incidenten", "incidents"),
    "calls": ("112-meldingen", "112 calls"),
    "answer_wait_mean_s": ("wachttijd 112-melding (gem.)", "112 answer wait (mean)"),
    "answer_wait_p90_s": ("wachttijd 112-melding (p90)", "112 answer wait (p90)"),
    "abandoned_calls": ("afgehaakte bellers", "abandoned calls"),
    "unreported_incidents": ("nooit gemelde incidenten", "unreported incidents"),
    "processing_time_mean_s": ("verwerkingstijd (gem.)", "processing time (mean)"),
    "processing_time_p90_s": ("verwerkingstijd (p90)", "processing time (p90)"),
    "processing_within_60s_share": ("verwerkt binnen 60 s", "processed within 60 s"),
    "processing_within_120s_share": ("verwerkt binnen 120 s", "processed within 120 s"),
    "opkomsttijd_mean_min": ("opkomsttijd (gem.)", "response time (mean)"),
    "opkomsttijd_p90_min": ("opkomsttijd (p90)", "response time (p90)"),
    "opkomsttijd_within_norm_share": ("opkomst binnen de norm", "response within the norm"),
    "backlog_peak": ("max. wachtende meldingen", "peak calls waiting"),
    "centralist_utilisation": ("bezetting centralisten", "centralist utilisation"),
    "radio_message_delay_mean_min": ("wachttijd radiobericht (gem.)", "radio message delay (mean)"),
    "radio_message_delay_p90_min": ("wachttijd radiobericht (p90)", "radio message delay (p90)"),
    "undelivered_messages": ("niet-afgeleverde berichten", "undelivered messages"),
    "incidents_open_at_end": ("incidenten open aan het eind", "incidents open at the end"),
    "outage_to_detection_min": ("storing tot detectie", "outage to detection"),
    "outage_to_decision_min": ("storing tot besluit CaCo", "outage to CaCo decision"),
    "outage_to_first_fallback_min": ("storing tot eerste terugvalkanaal", "outage to first fallback"),
    "message_delay_in_outage_mean_min": ("wachttijd bericht tijdens storing (gem.)", "message delay in outage (mean)"),
    "message_delay_in_outage_p90_min": ("wachttijd bericht tijdens storing (p90)", "message delay in outage (p90)"),
    "spoken_statuses": ("gesproken statussen", "spoken statuses"),
    "late_status_reports": ("te late statusmeldingen", "late status reports"),
    "undelivered_scene_messages": ("niet-afgeleverd verkeer ter plaatse", "undelivered scene messages"),
    "unit_minutes_unreachable": ("eenheid-minuten onbereikbaar", "unit-minutes unreachable"),
    "longest_unreachable_gap_min": ("langste onbereikbaarheid", "longest unreachable gap"),
    "incidents_gap_over_5min_share": ("incidenten met eenheid > 5 min onbereikbaar",
                                      "incidents with a unit unreachable > 5 min"),
    "alarms_via_fallback": ("alarmeringen via terugvalroute", "alarms via a fallback path"),
    "alarm_fallback_extra_delay_s": ("extra alarmeringstijd terugvalroute", "extra alarm delay on fallback"),
    "fallback_utilisation": ("bezetting terugvalkanaal", "fallback channel utilisation"),
}


def target(name: str) -> tuple[str, str]:
    return TARGETS.get(name, (name, name))


def channel(name: str) -> tuple[str, str]:
    nl, en, *_ = CHANNELS.get(name, (name, name, "", ""))
    return nl, en


def channel_action(name: str) -> tuple[str, str]:
    nl_name, en_name, nl, en = CHANNELS.get(name, (name, name, "", ""))
    return (nl or f"Terugvalkanaal {nl_name} inzetten", en or f"Bring up the fallback channel {en_name}")


def incident_type(name: str) -> tuple[str, str]:
    return INCIDENT_TYPES.get(name, (name, name))


def kpi_label(kpi: str) -> tuple[str, str]:
    base, _, group = kpi.partition("[")
    nl, en = KPI_LABELS.get(base, (base, METRICS[base].description if base in METRICS else base))
    if group:
        nl, en = f"{nl} [{group}", f"{en} [{group}"
    return nl, en


def regions_text(regions) -> tuple[str, str]:
    if not regions:
        return "alle regio's", "all regions"
    joined = ", ".join(regions)
    return joined, joined


def dist_text(spec, unit: str = "min") -> tuple[str, str]:
    """A distribution spec (dict or number, as stored in a manifest) in words."""
    if spec is None:
        return "–", "–"
    if isinstance(spec, (int, float)):
        return f"{spec:g} {unit}", f"{spec:g} {unit}"
    d = spec if isinstance(spec, Dist) else Dist.model_validate({k: v for k, v in spec.items() if v is not None})
    if d.dist == "constant":
        text = f"{d.value:g} {unit}"
        return text, text
    if d.dist in ("triangular", "uniform"):
        mode_nl = f", meestal {d.mode:g}" if d.mode is not None else ""
        mode_en = f", mostly {d.mode:g}" if d.mode is not None else ""
        return (f"{d.low:g}–{d.high:g} {unit}{mode_nl}", f"{d.low:g}–{d.high:g} {unit}{mode_en}")
    return f"gem. {d.expected:.3g} {unit}", f"mean {d.expected:.3g} {unit}"


def procedure_text(procedure: dict | None, channels: dict | None = None) -> tuple[str, str]:
    """A scenario's ``procedure`` (as in its manifest) in a few sentences."""
    if not procedure:
        return ("Geen terugvalprocedure: niemand deelt sets uit of belt eenheden; centralisten improviseren.",
                "No fallback procedure: nobody hands out sets or phones units; centralists improvise.")
    channels = channels or {}
    nl, en = [], []
    det_nl, det_en = dist_text(procedure.get("detection_min", 5))
    if procedure.get("detection") == "first_failure":
        nl.append(f"De storing wordt opgemerkt bij de eerste mislukte uitzending (+ {det_nl})")
        en.append(f"The outage is noticed at the first failed transmission (+ {det_en})")
    else:
        nl.append(f"De storing wordt na {det_nl} opgemerkt")
        en.append(f"The outage is noticed after {det_en}")
    dec_nl, dec_en = dist_text(procedure.get("decision_min", 5))
    nl.append(f"de CaCo kondigt de terugvalprocedure af na {dec_nl}")
    en.append(f"the CaCo declares the fallback procedure after {dec_en}")
    steps_nl, steps_en = [], []
    for step in procedure.get("steps") or []:
        if step == "relocate":
            steps_nl.append("uitwijk naar de back-upmeldkamer")
            steps_en.append("relocation to the backup room")
            continue
        c_nl, c_en = channel(step)
        spec = channels.get(step) or {}
        cap = spec.get("capacity")
        extra_nl = [f"{cap} tegelijk" if cap is not None else "onbeperkt"]
        extra_en = [f"{cap} at once" if cap is not None else "unlimited"]
        if "activation_min" in spec:
            a_nl, a_en = dist_text(spec["activation_min"])
            extra_nl.append(f"klaar in {a_nl}")
            extra_en.append(f"ready in {a_en}")
        if spec.get("time_factor", 1) != 1:
            extra_nl.append(f"×{spec['time_factor']:g} gesprekstijd")
            extra_en.append(f"×{spec['time_factor']:g} talk time")
        steps_nl.append(f"{c_nl} ({', '.join(extra_nl)})")
        steps_en.append(f"{c_en} ({', '.join(extra_en)})")
    if steps_nl:
        nl.append("daarna op volgorde: " + "; ".join(steps_nl))
        en.append("then in order: " + "; ".join(steps_en))
    else:
        nl.append("zonder terugvalkanalen")
        en.append("with no fallback channels")
    for esc in procedure.get("escalations") or []:
        if esc.get("when_calls_waiting_above") is not None:
            w_nl = f"als meer dan {esc['when_calls_waiting_above']} meldingen wachten"
            w_en = f"when more than {esc['when_calls_waiting_above']} calls wait"
        else:
            w_nl = f"als de storing langer dan {esc.get('when_outage_longer_than_min'):g} min duurt"
            w_en = f"when the outage lasts longer than {esc.get('when_outage_longer_than_min'):g} min"
        if esc.get("action") == "relocate":
            nl.append(f"uitwijk {w_nl}")
            en.append(f"relocation {w_en}")
        else:
            c_nl, c_en = dist_text(esc.get("call_in_min", 45))
            nl.append(f"{esc.get('centralists')} extra centralisten oproepen {w_nl} (aanwezig na {c_nl})")
            en.append(f"call in {esc.get('centralists')} extra centralists {w_en} (at their desks after {c_en})")
    return "; ".join(nl) + ".", "; ".join(en) + "."


def outages_text(outages: list[dict] | None, start=None) -> tuple[str, str]:
    """A scenario's ``outages`` (as in its manifest) in words."""
    if not outages:
        return "Geen storing.", "No outage."
    nl, en = [], []
    for o in outages:
        t_nl, t_en = target(o["target"])
        r_nl, r_en = regions_text(o.get("regions"))
        when = o.get("start") or (f"minuut {o.get('start_min'):g}" if o.get("start_min") is not None else "")
        when_en = o.get("start") or (f"minute {o.get('start_min'):g}" if o.get("start_min") is not None else "")
        if o.get("duration_min") is not None:
            d_nl, d_en = dist_text(o["duration_min"])
        else:
            d_nl = d_en = f"tot {o.get('end')}"
        factor = o.get("capacity_factor", 0) or 0
        how_nl = "valt uit" if factor == 0 else f"werkt op {factor * 100:.0f} %"
        how_en = "fails" if factor == 0 else f"runs at {factor * 100:.0f} %"
        nl.append(f"{t_nl} {how_nl} ({r_nl}) vanaf {when}, {d_nl}")
        en.append(f"{t_en} {how_en} ({r_en}) from {when_en}, {d_en}")
    return "; ".join(nl) + ".", "; ".join(en) + "."
