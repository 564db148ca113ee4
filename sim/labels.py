"""Every domain word people read, in Dutch and English: KPIs and their units, the per-minute
series, outage targets, channels (name and the action that brings one up), procedure steps
and incident types.

One catalogue for the report, the exercise script, the sheet and the dashboard, so a word
is changed in one place and the outputs never disagree. Every function returns an
``(nl, en)`` pair, in lower case as used mid-sentence (a page capitalises a heading itself).
A name without a label shows its code name, so a new channel in a scenario never breaks a
page; tests/test_labels.py makes sure every KPI, target and bundled channel has one.
Control-room words stay Dutch in both languages: centralist, CaCo, opkomsttijd, uitwijk.
"""

from __future__ import annotations

Pair = tuple[str, str]

#: KPI (sim.experiments.metrics.METRICS) -> (nl, en)
KPIS: dict[str, Pair] = {
    "incidents": ("incidenten", "incidents"),
    "calls": ("112-meldingen", "112 calls"),
    "answer_wait_mean_s": ("wachttijd 112-melding, gemiddeld", "112 answer wait, mean"),
    "answer_wait_p90_s": ("wachttijd 112-melding, P90", "112 answer wait, P90"),
    "abandoned_calls": ("afgehaakte bellers", "abandoned 112 calls"),
    "unreported_incidents": ("nooit gemelde incidenten", "unreported incidents"),
    "processing_time_mean_s": ("verwerkingstijd, gemiddeld", "processing time, mean"),
    "processing_time_p90_s": ("verwerkingstijd, P90", "processing time, P90"),
    "processing_within_60s_share": ("gealarmeerd binnen 60 s", "alarmed within 60 s"),
    "processing_within_120s_share": ("gealarmeerd binnen 120 s", "alarmed within 120 s"),
    "opkomsttijd_mean_min": ("opkomsttijd, gemiddeld", "opkomsttijd, mean"),
    "opkomsttijd_p90_min": ("opkomsttijd, P90", "opkomsttijd, P90"),
    "opkomsttijd_within_norm_share": ("opkomsttijd binnen de norm", "opkomsttijd within the norm"),
    "backlog_peak": ("piek wachtende 112-meldingen", "peak of 112 calls waiting"),
    "centralist_utilisation": ("bezetting centralisten", "centralist utilisation"),
    "radio_message_delay_mean_min": ("wachttijd spraakbericht, gemiddeld", "radio message wait, mean"),
    "radio_message_delay_p90_min": ("wachttijd spraakbericht, P90", "radio message wait, P90"),
    "undelivered_messages": ("niet-afgeleverde spraakberichten", "undelivered radio messages"),
    "incidents_open_at_end": ("incidenten open aan het eind", "incidents open at the end"),
    "outage_to_detection_min": ("storing tot opmerken", "outage to detection"),
    "outage_to_decision_min": ("storing tot besluit CaCo", "outage to CaCo decision"),
    "outage_to_first_fallback_min": ("storing tot eerste terugvalkanaal", "outage to first fallback channel"),
    "message_delay_in_outage_mean_min": (
        "wachttijd bericht tijdens storing, gemiddeld",
        "message wait during an outage, mean",
    ),
    "message_delay_in_outage_p90_min": ("wachttijd bericht tijdens storing, P90", "message wait during an outage, P90"),
    "spoken_statuses": ("gesproken statussen", "spoken statuses"),
    "late_status_reports": ("laat gemelde statussen", "late status reports"),
    "undelivered_scene_messages": ("niet-afgeleverde berichten ter plaatse", "undelivered on-scene messages"),
    "unit_minutes_unreachable": ("eenheid-minuten onbereikbaar", "unit-minutes unreachable"),
    "longest_unreachable_gap_min": ("langste onbereikbaarheid", "longest unreachable stretch"),
    "incidents_gap_over_5min_share": (
        "incidenten met eenheid > 5 min onbereikbaar",
        "incidents with a unit unreachable > 5 min",
    ),
    "alarms_via_fallback": ("alarmeringen via terugvalroute", "alarms via a fallback path"),
    "alarm_fallback_extra_delay_s": ("extra alarmeringstijd via terugvalroute", "extra alarm time via a fallback path"),
    "fallback_utilisation": ("bezetting terugvalkanaal", "fallback channel utilisation"),
    "double_dispatches": ("alarmeringen van een bezette eenheid", "alarms to a unit that was busy"),
    "idle_unknown_unit_min": ("vrije eenheden onbekend in GMS", "units free but not known to be"),
    "realarms": ("herhaalalarmeringen", "re-alarms"),
    "alarm_ack_mean_min": ("alarmering tot bevestiging, gemiddeld", "alarm to acknowledgement, mean"),
    "reinforcement_delay_mean_min": (
        "opschalingsverzoek tot alarmering, gemiddeld",
        "reinforcement request to alarm, mean",
    ),
    "lost_reinforcement_requests": ("verloren opschalingsverzoeken", "lost reinforcement requests"),
    "noodknop_ack_mean_s": ("noodknop tot contact, gemiddeld", "noodknop to contact, mean"),
    "board_reconciliation_min": ("statuscontrole na de storing", "roll call after the outage"),
    "desk_handled_incidents": ("door de meldkamer afgehandeld (zonder alarmering)", "handled by the desk (no alarm)"),
    "centralist_utilisation_peak_hour": ("bezetting centralisten, drukste uur", "centralist utilisation, busiest hour"),
    "caco_utilisation": ("bezetting CaCo", "CaCo utilisation"),
    "caco_decision_delay_min": ("opmerken tot besluit CaCo", "noticing to the CaCo's decision"),
    "first_on_scene_volunteer_share": ("eerste ter plaatse: vrijwilligers", "first on scene: volunteer crews"),
    "p1_fire_alarmering_min": ("prio-1 branden: alarmeringstijd", "priority-1 fires: alarmering time"),
    "p1_fire_uitruk_min": ("prio-1 branden: uitruktijd", "priority-1 fires: turnout time (uitruk)"),
    "p1_fire_rij_min": ("prio-1 branden: rijtijd", "priority-1 fires: drive time (rij)"),
    "p1_fire_response_min": ("prio-1 branden: responstijd (CBS)", "priority-1 fires: response time (CBS)"),
    "calls_taken_over": ("112-meldingen overgenomen door partner", "112 calls taken over by a partner"),
    "takeover_delay_min": ("storing tot overname", "outage to takeover"),
    "partner_utilisation": ("bezetting partnermeldkamer tijdens overname", "partner room busy during takeover"),
}

#: KPI unit (``Metric.unit``) -> (nl, en)
UNITS: dict[str, Pair] = {
    "s": ("s", "s"),
    "min": ("min", "min"),
    "share": ("%", "%"),
    "count": ("aantal", "count"),
    "calls": ("meldingen", "calls"),
    "unit-min": ("eenheid-min", "unit-min"),
}

#: what a grouped KPI is split by, as in ``opkomsttijd_mean_min[region=VNOG]``
GROUPS: dict[str, Pair] = {
    "region": ("regio", "region"),
    "priority": ("prioriteit", "priority"),
    "channel": ("kanaal", "channel"),
    "room": ("meldkamer", "room"),
}

#: per-minute series of a night (sim.experiments.kpis.minute_series)
SERIES: dict[str, Pair] = {
    "calls_waiting": ("wachtende 112-meldingen", "112 calls waiting"),
    "units_unreachable": ("onbereikbare eenheden", "units unreachable"),
    "messages_waiting": ("wachtende berichten", "messages waiting"),
    "centralists_busy": ("bezette centralisten", "centralists busy"),
    "centralists_on_duty": ("centralisten in dienst", "centralists on duty"),
    "units_busy": ("eenheden bezet volgens GMS", "units busy on the board"),
    "units_idle_unknown": ("vrije eenheden onbekend in GMS", "units free but not known to be"),
    "units_double_dispatched": ("gealarmeerde eenheden die bezet waren", "alarmed units that were busy"),
    "units_busy_true": ("eenheden bezet in werkelijkheid", "units busy in truth"),
    "caco_busy": ("CaCo bezet", "CaCo busy"),
    "caco_on_duty": ("CaCo in dienst", "CaCo on duty"),
}

#: outage target (sim.model.scenario.OUTAGE_TARGETS) -> (nl, en)
TARGETS: dict[str, Pair] = {
    "eocs": ("eOCS (radiobediensysteem)", "eOCS (radio console system)"),
    "c2000": ("C2000-netwerk", "C2000 network"),
    "p2000": ("P2000 (alarmering)", "P2000 (paging)"),
    "gms": ("GMS (meldkamersysteem)", "GMS (dispatch system)"),
    "telephone": ("telefonie", "public telephone network"),
    "power": ("stroomvoorziening", "power supply"),
}

#: channel -> (name nl, name en, action nl, action en); no action: "bring up the fallback channel <name>"
CHANNELS: dict[str, tuple[str, str, str, str]] = {
    "eocs": ("eOCS-console", "eOCS console", "", ""),
    "c2000_status": ("statusknoppen C2000", "C2000 status buttons", "", ""),
    "p2000": ("P2000", "P2000", "", ""),
    "c2000_scene": ("C2000 gespreksgroep ter plaatse", "C2000 scene talkgroup", "", ""),
    "dmo": ("DMO", "DMO", "", ""),
    "handhelds": (
        "portofoons/mobilofoons in de meldkamer",
        "handheld/vehicle sets in the room",
        "Portofoons en mobilofoons uitdelen en op de gespreksgroepen afstemmen",
        "Hand out the handheld and vehicle sets and tune them to the talkgroups",
    ),
    "telephone": (
        "telefoon naar de bevelvoerder",
        "phone to the bevelvoerder",
        "Bevelvoerders mobiel bellen; telefoonlijst erbij pakken",
        "Phone the bevelvoerders' mobiles; get the number list out",
    ),
    "sms_alarm": (
        "SMS/ingesproken alarmering",
        "SMS / voice-call alarming",
        "Alarmeringsroute omzetten naar SMS/ingesproken bericht",
        "Switch the alarm path to SMS / automated voice call",
    ),
    "phone_station": (
        "telefoon naar bezette kazerne",
        "phone to a staffed post",
        "Alarmeringsroute omzetten: bezette kazernes bellen",
        "Switch the alarm path: phone the staffed posts",
    ),
    "phone_commander": (
        "telefoon naar bevelvoerder vrijwillige post",
        "phone to a volunteer post's bevelvoerder",
        "Alarmeringsroute omzetten: bevelvoerders van vrijwillige posten bellen",
        "Switch the alarm path: phone the volunteer posts' bevelvoerders",
    ),
    "ncv": (
        "NCV-noodcommunicatie",
        "NCV emergency network",
        "NCV-terminals opstarten en kazernes alarmeren",
        "Start the NCV terminals and alarm the posts",
    ),
    "dares": (
        "DARES (radioamateurs)",
        "DARES (radio amateurs)",
        "DARES inzetten via de veiligheidsregio",
        "Activate DARES through the safety region",
    ),
    "runner": ("koerier/liaison", "runner/liaison", "Koeriers/liaisons organiseren", "Organise runners/liaisons"),
}

#: procedure steps that are not channels (every other step brings up the channel of its name)
STEPS: dict[str, Pair] = {"relocate": ("uitwijk naar de back-upmeldkamer", "relocation to the backup room")}

#: what a debrief times or counts (sim.experiments.debrief); ``activated:CHANNEL`` is the channel's name
DEBRIEF_ITEMS: dict[str, Pair] = {
    "outage_start": ("storing begint", "outage starts"),
    "detected": ("storing opgemerkt", "outage noticed"),
    "decided": ("terugval afgekondigd (CaCo)", "fallback declared (CaCo)"),
    "relocated": ("werken vanuit de uitwijklocatie", "working from the backup room"),
    "statuses": ("gesproken statussen gemist of verkeerd", "spoken statuses missed or wrong"),
}

#: kind of a message row (sim.model.rows.MessageRow.KIND) -> (nl, en); a late status adds "(te laat)" / "(late)"
MESSAGE_KINDS: dict[str, Pair] = {
    "uitgerukt": ("status uitgerukt", "status uitgerukt"),
    "ter_plaatse": ("status ter plaatse", "status ter plaatse"),
    "beschikbaar": ("status beschikbaar", "status beschikbaar"),
    "voice": ("spraakbericht", "voice message"),
    "scene": ("verkeer ter plaatse", "traffic on the scene"),
    "reinforcement": ("opschalingsverzoek", "reinforcement request"),
    "other_discipline": ("verzoek om andere discipline", "request for another discipline"),
    "noodknop": ("noodknop", "noodknop"),
    "roll_call": ("statuscontrole", "roll call"),
    "coordination": ("afstemming andere meldtafel", "coordination with another desk"),
}

INCIDENT_TYPES: dict[str, Pair] = {
    "oms": ("OMS (automatische brandmelding)", "automatic fire alarm (OMS)"),
    "buitenbrand": ("buitenbrand", "outdoor fire"),
    "autobrand": ("autobrand", "car fire"),
    "woningbrand": ("woningbrand", "house fire"),
    "hulpverlening": ("hulpverlening", "technical rescue"),
    "dienstverlening": ("dienstverlening", "assistance"),
    "oms_afgehandeld": ("OMS, afgehandeld door de meldkamer", "automatic alarm, handled at the desk"),
    "brandmelding_afgehandeld": ("brandmelding, afgehandeld door de meldkamer", "fire report, handled at the desk"),
    "hulpverlening_afgehandeld": ("advies of doorverwijzing", "advice or referral, handled at the desk"),
}


def kpi(name: str) -> Pair:
    """``opkomsttijd_mean_min[region=VNOG]`` -> ``opkomsttijd, gemiddeld (regio VNOG)``."""
    base, _, group = name.partition("[")
    nl, en = KPIS.get(base, (base, base))
    if group:
        key, _, value = group.rstrip("]").partition("=")
        word_nl, word_en = GROUPS.get(key, (key, key))
        nl, en = f"{nl} ({word_nl} {value})", f"{en} ({word_en} {value})"
    return nl, en


def unit(code: str) -> Pair:
    return UNITS.get(code, (code, code))


def series(name: str) -> Pair:
    return SERIES.get(name, (name, name))


def target(name: str) -> Pair:
    return TARGETS.get(name, (name, name))


def channel(name: str) -> Pair:
    nl, en, *_ = CHANNELS.get(name, (name, name, "", ""))
    return nl, en


def channel_action(name: str) -> Pair:
    """What the room does to bring the channel up, as an instruction."""
    nl_name, en_name, nl, en = CHANNELS.get(name, (name, name, "", ""))
    return (nl or f"Terugvalkanaal {nl_name} inzetten", en or f"Bring up the fallback channel {en_name}")


def step(name: str) -> Pair:
    """A procedure step: a channel to bring up, or one of STEPS."""
    return STEPS.get(name) or channel(name)


def debrief_item(item: str) -> Pair:
    """A debrief step or count: ``activated:handhelds`` -> ``portofoons in de meldkamer in gebruik``."""
    if item.startswith("activated:"):
        nl, en = channel(item.removeprefix("activated:"))
        return f"{nl} in gebruik", f"{en} up"
    return DEBRIEF_ITEMS.get(item, (item, item))


def message_kind(kind: str) -> Pair:
    """``beschikbaar_late`` -> ``status beschikbaar (te laat)``."""
    base = kind.removesuffix("_late")
    nl, en = MESSAGE_KINDS.get(base, (base, base))
    return (f"{nl} (te laat)", f"{en} (late)") if base != kind else (nl, en)


def incident_type(name: str) -> Pair:
    return INCIDENT_TYPES.get(name, (name, name))


def regions(names) -> Pair:
    """The regions an outage hits; none listed means all of them."""
    if not names:
        return "alle regio's", "all regions"
    joined = ", ".join(names)
    return joined, joined
