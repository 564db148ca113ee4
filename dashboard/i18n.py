"""The dashboard's own words (pages, buttons, messages) in Dutch (the default) and English.

Domain words (KPIs and their units, series, outage targets, channels) come from the one
catalogue, :mod:`sim.labels`, so the dashboard says what the report says. Control-room
words stay as the room says them in both languages: centralist, CaCo, opkomsttijd, uitwijk.
"""

from __future__ import annotations

import math
from types import MappingProxyType

from sim import labels

LANGUAGES = ("nl", "en")
DEFAULT = "nl"

TEXT: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        # shell
        "app.title": ("meldsim — Meldkamer Oost-Nederland, brandweer", "meldsim — Meldkamer Oost-Nederland, fire desk"),
        "app.subtitle": (
            "Storingen van C2000, eOCS en P2000 en de terugvalprocedures, in getallen",
            "C2000, eOCS and P2000 outages and the fallback procedures, in numbers",
        ),
        "nav.compare": ("Vergelijken", "Compare"),
        "nav.run": ("Simuleren", "Run"),
        "nav.timeline": ("Tijdlijn", "Timeline"),
        "nav.scenarios": ("Scenario's", "Scenarios"),
        "nav.exercise": ("Oefening", "Exercise"),
        # shared
        "download.png": ("PNG", "PNG"),
        "download.html": ("HTML", "HTML"),
        "download.csv": ("CSV", "CSV"),
        "download.png.title": ("Figuur downloaden als PNG", "Download the figure as PNG"),
        "download.html.title": (
            "Interactieve figuur downloaden als HTML (werkt offline)",
            "Download the interactive figure as HTML (works offline)",
        ),
        "download.csv.title": ("Tabel downloaden als CSV", "Download the table as CSV"),
        "run.unreadable": ("onleesbaar", "unreadable"),
        "run.damaged": ("beschadigd", "damaged"),
        "run.replications": ("replicaties", "replications"),
        "empty.choose_runs": ("Kies hierboven één of meer runs.", "Choose one or more runs above."),
        "empty.no_data": ("Geen gegevens", "No data"),
        "empty.no_records": (
            "Geen records in deze run (gedraaid met --keep-records 0)",
            "No records in this run (run with --keep-records 0)",
        ),
        "error.run": ("Run {run} kan niet gelezen worden: {error}", "Run {run} cannot be read: {error}"),
        "error.file": (
            "{file} in {run} ontbreekt of is onleesbaar: {error}",
            "{file} in {run} is missing or unreadable: {error}",
        ),
        "broken.title": ("Onleesbare resultaatmappen", "Unreadable result directories"),
        # compare page
        "cmp.title": ("Vergelijken", "Compare"),
        "cmp.intro": (
            "Kies twee of meer runs. De eerste is de referentie: elke andere run krijgt het verschil "
            "met de referentie, gepaard per replicatie (zelfde seed = zelfde incidenten en meldingen).",
            "Choose two or more runs. The first is the reference: every other run gets its difference "
            "from the reference, paired per replication (same seed = same incidents and calls).",
        ),
        "cmp.runs": ("Runs", "Runs"),
        "cmp.runs.placeholder": ("Kies runs…", "Choose runs…"),
        "cmp.table.title": (
            "Kerncijfers: gemiddelde en 95%-betrouwbaarheidsinterval",
            "KPIs: mean and 95 % confidence interval",
        ),
        "cmp.table.kpi": ("Kerncijfer", "KPI"),
        "cmp.table.unit": ("Eenheid", "Unit"),
        "cmp.table.diff": ("Δ {run} − {ref}", "Δ {run} − {ref}"),
        "cmp.table.unpaired": ("ongepaard (andere seed)", "unpaired (different seed)"),
        "cmp.legend.better": ("verschil significant, beter", "difference significant, better"),
        "cmp.legend.worse": ("verschil significant, slechter", "difference significant, worse"),
        "cmp.legend.neutral": ("verschil significant (geen richting)", "difference significant (no direction)"),
        "cmp.legend.norm": ("norm niet gehaald", "norm not met"),
        "cmp.legend.ci": (
            "Significant = het 95%-interval van het verschil bevat geen 0.",
            "Significant = the 95 % interval of the difference excludes 0.",
        ),
        "cmp.norms": ("Normen", "Norms"),
        "cmp.room": ("Meldkamer", "Room"),
        "cmp.rooms.title": ("Meldkamers naast elkaar", "Rooms side by side"),
        "cmp.rooms.note": (
            "Eén run met partnermeldkamers: per meldkamer het gemiddelde met 95%-betrouwbaarheidsinterval over "
            "alle replicaties. Alle meldkamers: aantallen opgeteld, de andere kerncijfers gewogen naar het aantal "
            "incidenten. Met de keuze Meldkamer boven de tabel hierboven vergelijkt u de runs voor één meldkamer.",
            "One run with partner rooms: per room the mean with its 95 % confidence interval over all "
            "replications. All rooms: counts added up, the other KPIs weighted by the number of incidents. The "
            "Room choice above the table above compares the runs for one room.",
        ),
        "cmp.rooms.run": ("Run", "Run"),
        "cmp.ts.title": (
            "Verloop over de nacht (gemiddelde over de replicaties met records)",
            "Over the night (mean over the replications with records)",
        ),
        "cmp.ecdf.title": ("Verdelingen (ECDF) met de norm", "Distributions (ECDF) with the norm"),
        "cmp.regions.title": ("Per regio", "Per region"),
        "cmp.regions.kpi": ("Kerncijfer", "KPI"),
        # figures
        "fig.time": ("Tijd", "Time"),
        "fig.outage": ("storing", "outage"),
        "fig.fallback": ("terugval", "fallback"),
        "fig.share_within": ("Aandeel incidenten", "Share of incidents"),
        "fig.processing": ("Verwerkingstijd (eerste melding → alarmering)", "Processing time (first call → alarm)"),
        "fig.processing.x": ("Verwerkingstijd (s)", "Processing time (s)"),
        "fig.opkomst": (
            "Opkomsttijd (eerste melding → eerste eenheid ter plaatse)",
            "Opkomsttijd (first call → first unit on scene)",
        ),
        "fig.opkomst.x": ("Opkomsttijd (min)", "Opkomsttijd (min)"),
        "fig.norm": ("norm {value}", "norm {value}"),
        "fig.norm_share": ("{value} binnen norm", "{value} within norm"),
        "fig.ecdf.note": (
            "Een curve die onder 100 % eindigt: incidenten die voor het einde niet gealarmeerd of bereikt waren.",
            "A curve ending below 100 %: incidents not alarmed or reached before the end.",
        ),
        "fig.region": ("Regio", "Region"),
        "fig.per_hour": ("per uur", "per hour"),
        "fig.incident_rate": ("Incidenten per uur", "Incidents per hour"),
        "fig.call_rate": ("112-meldingen per uur", "112 calls per hour"),
        "fig.utilisation": ("Bezetting (%)", "Utilisation (%)"),
        "fig.utilisation.range": ("laagste {low} %, hoogste {high} %", "lowest {low} %, highest {high} %"),
        "hours.title": ("Bezetting per klokuur", "Utilisation by clock hour"),
        "hours.note": (
            "Per klokuur na de opwarmtijd: de tijd dat centralisten (boven) en de CaCo (onder) bezig waren, "
            "gedeeld door de tijd dat ze in dienst waren. Een deel van een uur aan het begin of eind is een "
            "smallere staaf.",
            "Per clock hour after the warm-up: the time the centralists (top) and the CaCo (bottom) were busy, "
            "divided by the time they were on duty. Part of an hour at the start or end is a narrower bar.",
        ),
        "hours.note.runs": (
            "Een staaf is het gemiddelde over de replicaties met records, het streepje loopt van de laagste tot "
            "de hoogste replicatie. Het drukste uur in de tabel telt alleen hele klokuren en is per replicatie "
            "gezocht, dus het is niet de hoogste staaf.",
            "A bar is the mean over the replications with records; its whisker runs from the lowest to the "
            "highest replication. The busiest hour in the table counts whole clock hours only and is found per "
            "replication, so it is not the highest bar.",
        ),
        "gantt.outage": ("Storing: {subject}", "Outage: {subject}"),
        "gantt.detection": ("Opmerken", "Detection"),
        "gantt.decision": ("Besluit CaCo", "CaCo decision"),
        "gantt.activation": ("Opstarten: {subject}", "Starting: {subject}"),
        "gantt.fallback": ("Terugval: {subject}", "Fallback: {subject}"),
        "gantt.relocating": ("Uitwijk: verhuizen", "Uitwijk: moving"),
        "gantt.relocated": ("Uitwijk: in uitwijkmeldkamer", "Uitwijk: in the backup room"),
        "gantt.call_in": ("Extra centralisten oproepen", "Calling in centralists"),
        "gantt.generator_failed": ("Noodstroom faalt", "Generator fails"),
        "gantt.roll_call": ("Statuscontrole eenheden", "Roll call of the units"),
        "gantt.takeover": ("112 overgenomen door {subject}", "112 taken over by {subject}"),
        "gantt.taking_over": ("Neemt 112 over van {subject}", "Takes over {subject}'s 112 calls"),
        "gantt.none": (
            "Geen storingen of procedurestappen in deze replicatie",
            "No outages or procedure steps in this replication",
        ),
        # timeline page
        "tl.title": ("Tijdlijn van één replicatie", "Timeline of one replication"),
        "tl.intro": (
            "Storingen, opmerken, besluit van de CaCo en elk terugvalkanaal, met daaronder het aantal "
            "incidenten en 112-meldingen per uur; daarna de drukte minuut voor minuut, de bezetting van de "
            "centralisten en de CaCo per klokuur, het eenhedenbord in GMS tegen de werkelijkheid en de kaart.",
            "Outages, detection, the CaCo's decision and every "
            "fallback channel, with the incident and 112 call rate under it; then the load minute by minute, the "
            "utilisation of the centralists and the CaCo by clock hour, the unit board in GMS against the truth, "
            "and the map.",
        ),
        "tl.board.title": ("Eenhedenbord: GMS tegen werkelijkheid", "Unit board: GMS against the truth"),
        "tl.board.note": (
            "Bezet volgens GMS is wat de meldkamer denkt; bezet in werkelijkheid volgt uit de alarmeringen "
            "(van de alarmering die de eenheid bereikt tot ze weer beschikbaar is). Het verschil bestaat vooral "
            "uit eenheden die al vrij zijn terwijl hun status de meldkamer nog niet bereikte, en eenheden "
            "waarvan de alarmering nog onderweg is.",
            "Busy on the board is what the room believes; busy in truth follows from the alarms (from the alarm "
            "that reaches the unit until it is available again). The gap is mostly units already free whose "
            "status has not reached the room, and units whose alarm is still on its way.",
        ),
        "tl.board.busy": ("Eenheden bezet", "Units busy"),
        "tl.board.wrong": ("Waar GMS het mis heeft", "Where the board is wrong"),
        "tl.board.events": ("Gebeurtenissen", "Events"),
        "tl.board.no_events": (
            "Geen herhaalalarmeringen of verkeerd genoteerde statussen",
            "No re-alarms or misnoted statuses",
        ),
        "tl.event.status_misnoted": ("Status op verkeerde eenheid", "Status on the wrong unit"),
        "tl.event.realarm": ("Herhaalalarmering", "Re-alarm"),
        "tl.event.next_unit_alarmed": ("Volgende eenheid gealarmeerd", "Next unit alarmed"),
        "tl.event.reinforcement_lost": ("Opschalingsverzoek verloren", "Reinforcement request lost"),
        "tl.event.status_not_noted": ("Gesproken status niet genoteerd", "Spoken status not noted"),
        "tl.event.double_alarm": ("Alarm twee keer verstuurd", "Alarm sent twice"),
        "tl.run": ("Run", "Run"),
        "tl.replication": ("Replicatie", "Replication"),
        "tl.run.placeholder": ("Kies een run…", "Choose a run…"),
        "tl.rooms": ("Meldkamers naast elkaar", "Rooms side by side"),
        "tl.rooms.hint": (
            "Een run met partnermeldkamers: kies er één of twee; dezelfde replicatie, op één tijdas. Een "
            "112-melding telt in de tijdlijn bij de meldkamer waarvoor ze bedoeld is, ook als een partner haar "
            "overneemt; ze wacht in de rij van de partner.",
            "A run with partner rooms: choose one or two; the same replication, on one time axis. In the "
            "timeline a 112 call counts for the room it was meant for, also when a partner takes it over; it "
            "waits in the partner's queue.",
        ),
        "tl.load.title": ("Drukte in de meldkamer, minuut voor minuut", "Load in the room, minute by minute"),
        "tl.load.note": (
            "Van deze replicatie: wachtende 112-meldingen en berichten, bezette centralisten (in dienst gestippeld) "
            "en onbereikbare eenheden; één kleur per meldkamer. Storingen rood; een terugval of overname als band "
            "in de kleur van de meldkamer die het doet. Een overgenomen melding wacht in de rij van de partner.",
            "Of this replication: 112 calls and messages waiting, centralists busy (on duty dotted) and units "
            "unreachable; one colour per room. Outages red; a fallback or a takeover as a band in the colour of "
            "the room that does it. A call taken over waits in the partner's queue.",
        ),
        # the map (Timeline page)
        "map.title": ("Kaart van één replicatie", "Map of one replication"),
        "map.note": (
            "Posten en de incidenten van deze replicatie, gekleurd naar opkomsttijd tegen de norm: groen binnen "
            "de norm, oranje te laat, rood geen eenheid ter plaatse vóór het einde, lichtrood nog onderweg (de "
            "norm loopt na het einde af), grijs afgehandeld door de meldkamer zonder eenheid. Opgegeven (nooit "
            "gemelde) incidenten staan er niet op. Met de schuif kiest u een minuut: omcirkelde posten hebben dan "
            "een eenheid die bij een storing niet per spraak bereikbaar is. Zonder achtergrondkaart: werkt offline.",
            "Posts and the incidents of this replication, coloured by opkomsttijd against the norm: green within "
            "the norm, orange late, red no unit on scene before the end, light red still under way (the norm ends "
            "after the end), grey handled at the desk without a unit. Abandoned (never reported) incidents are "
            "left out. The slider picks a minute: circled posts then have a unit that cannot be reached by voice "
            "in an outage. No background map: works offline.",
        ),
        "map.main_room_only": (
            "De kaart toont {room}: partnermeldkamers ({partners}) hebben in het model geen geografie.",
            "The map shows {room}: partner rooms ({partners}) have no geography in the model.",
        ),
        "map.no_geography": (
            "Dit scenario heeft geen geografie: geen posten of incidenten op de kaart",
            "This scenario has no geography: no posts or incidents to map",
        ),
        "map.outlines": ("Regiogrenzen", "Region borders"),
        "map.posts": ("Posten", "Posts"),
        "map.crew.professional": ("Beroepspost", "Professional post"),
        "map.crew.volunteer": ("Vrijwilligerspost", "Volunteer post"),
        "map.crew.pre_staffed": ("Voorbezette post", "Pre-staffed post"),
        "map.units": ("eenheden", "units"),
        "map.incidents": ("Incidenten", "Incidents"),
        "map.incident.within": ("Binnen de norm", "Within the norm"),
        "map.incident.late": ("Te laat", "Late"),
        "map.incident.not_reached": ("Niet ter plaatse", "Not reached"),
        "map.incident.under_way": ("Nog onderweg bij het einde", "Still under way at the end"),
        "map.incident.desk": ("Meldkamer, geen eenheid", "Desk, no unit"),
        "map.opkomsttijd": ("Opkomsttijd", "Opkomsttijd"),
        "map.norm": ("Norm", "Norm"),
        "map.minute": ("Onbereikbare eenheden om", "Units unreachable at"),
        "map.unreachable.legend": (
            "Onbereikbaar: {units} eenheden, {posts} posten",
            "Unreachable: {units} units, {posts} posts",
        ),
        "map.unreachable.title": (
            "{when}: {units} eenheden onbereikbaar ({posts} posten)",
            "{when}: {units} units unreachable ({posts} posts)",
        ),
        "map.unreachable.units": ("Onbereikbaar", "Unreachable"),
        "map.no_unreachable": (
            "Geen onbereikbare eenheden in deze replicatie: geen storing die de spraak met eenheden raakte.",
            "No units unreachable in this replication: no outage cut voice contact with units.",
        ),
        "map.approximate": (
            "⚠ Posten bij benadering (gereconstrueerd), geen officiële lijst",
            "⚠ Posts approximate (reconstructed), not an official list",
        ),
        "map.attribution": (
            "Grenzen: CBS/PDOK gebiedsindelingen 2023 (CC BY 4.0) via minvws; plaatsen: GeoNames (CC BY 4.0); "
            "posten: benaderd, geen officiële lijst",
            "Borders: CBS/PDOK gebiedsindelingen 2023 (CC BY 4.0) via minvws; places: GeoNames (CC BY 4.0); "
            "posts: approximate, not an official list",
        ),
        # run page
        "run.title": ("Scenario's simuleren", "Run scenarios"),
        "run.intro": (
            "Kies één of meer scenario's. Meerdere scenario's draaien met dezelfde seeds, zodat ze gepaard "
            "te vergelijken zijn. De run loopt op de achtergrond; de pagina blijft bruikbaar.",
            "Choose one or more scenarios. Several scenarios run with the same seeds so they can be compared "
            "pairwise. The run goes on in the background; the page stays usable.",
        ),
        "run.scenarios": ("Scenario's", "Scenarios"),
        "run.scenarios.placeholder": ("Kies scenario's…", "Choose scenarios…"),
        "run.replications.label": ("Replicaties", "Replications"),
        "run.seed": ("Seed", "Seed"),
        "run.jobs": ("Processen", "Processes"),
        "run.start": ("Start", "Start"),
        "run.cancel": ("Annuleren", "Cancel"),
        "run.progress": ("{done} van {total} replicaties", "{done} of {total} replications"),
        "run.done": ("Klaar: {paths}", "Done: {paths}"),
        "run.open_compare": ("Open in Vergelijken", "Open in Compare"),
        "run.none_chosen": ("Kies eerst een scenario.", "Choose a scenario first."),
        "run.bad_number": (
            "{field}: geef een geheel getal van {low} tot {high}.",
            "{field}: give a whole number from {low} to {high}.",
        ),
        "run.failed": ("De run is mislukt: {error}", "The run failed: {error}"),
        "run.busy": (
            "Er lopen al {limit} runs (het maximum tegelijk) en er wachten er al {queue}. "
            "Start opnieuw als er een klaar is.",
            "{limit} runs are already going (the most at once) and {queue} are waiting. "
            "Start again when one has finished.",
        ),
        "run.queued": (
            "In de wachtrij: er lopen al {limit} runs; deze start zodra er een klaar is.",
            "Queued: {limit} runs are already going; this one starts when one has finished.",
        ),
        "run.stopped": (
            "Gestopt (SIGTERM): er is geen resultaatmap geschreven.",
            "Stopped (SIGTERM): no result directory was written.",
        ),
        "run.list.title": ("Runs in de resultatenmap", "Runs in the results directory"),
        "run.cancelled": (
            "Geannuleerd: er is geen resultaatmap geschreven.",
            "Cancelled: no result directory was written.",
        ),
        "run.list.refresh": ("Vernieuwen", "Refresh"),
        "col.run": ("Run (map)", "Run (directory)"),
        "col.scenario": ("Scenario", "Scenario"),
        "col.finished": ("Klaar", "Finished"),
        "col.replications": ("Replicaties", "Replications"),
        "col.seed": ("Seed", "Seed"),
        "col.status": ("Status", "Status"),
        "status.ok": ("in orde", "ok"),
        # exercise page
        "ex.title": ("Oefening voorbereiden en nabespreken", "Prepare and debrief an exercise"),
        "ex.intro": (
            "Kies een scenario, een seed en welke replicatie het script wordt; meldsim simuleert die nacht en "
            "maakt er een minuut-voor-minuut injectlijst van, met de acties die de procedure verwacht en wat "
            "het model voor de meldkamer voorspelt. Dezelfde keuzes geven dezelfde bestanden als meldsim exercise.",
            "Choose a scenario, a seed and which replication becomes the script; meldsim simulates that night and "
            "turns it into a minute-by-minute inject list, with the actions the procedure expects and what the "
            "model predicts for the room. The same choices give the same files as meldsim exercise.",
        ),
        "ex.make": ("1. Oefenscript maken", "1. Make the exercise script"),
        "ex.scenario": ("Scenario", "Scenario"),
        "ex.scenario.placeholder": ("Kies een scenario…", "Choose a scenario…"),
        "ex.bundled": ("meegeleverd", "bundled"),
        "ex.seed": ("Seed", "Seed"),
        "ex.replications": ("Replicaties om uit te kiezen", "Replications to choose from"),
        "ex.pick": ("Welke replicatie", "Which replication"),
        "ex.pick.median": ("de mediane", "the median one"),
        "ex.pick.worst": ("een zware (90e percentiel, slechte kant)", "a hard one (90th percentile, bad side)"),
        "ex.pick.replication": ("een bepaalde (nummer hiernaast)", "a given one (number alongside)"),
        "ex.kpi": ("Volgens kerncijfer", "By KPI"),
        "ex.kpi.hint": (
            "Het kerncijfer waarop de mediane of zware replicatie gekozen wordt.",
            "The KPI by which the median or hard replication is chosen.",
        ),
        "ex.fig.count": ("aantal", "count"),
        "ex.replication": ("Replicatienummer", "Replication number"),
        "ex.replication.hint": (
            "Bijvoorbeeld uit de Tijdlijn; dezelfde seed geeft dezelfde nacht.",
            "For example from the Timeline; the same seed gives the same night.",
        ),
        "ex.generate": ("Script maken", "Make the script"),
        "ex.cancel": ("Annuleren", "Cancel"),
        "ex.none_chosen": ("Kies eerst een scenario.", "Choose a scenario first."),
        "ex.bad_kpi": ("Kies een kerncijfer uit de lijst.", "Choose a KPI from the list."),
        "ex.done": (
            "Klaar: replicatie {replication}, {injects} injects.",
            "Done: replication {replication}, {injects} injects.",
        ),
        "ex.failed": ("Het script kon niet gemaakt worden: {error}", "The script could not be made: {error}"),
        "ex.cancelled": ("Geannuleerd: er is geen script geschreven.", "Cancelled: no script was written."),
        "ex.stopped": ("Gestopt (SIGTERM): er is geen script geschreven.", "Stopped (SIGTERM): no script was written."),
        "ex.preview": ("2. Het script", "2. The script"),
        "ex.download.csv": ("CSV (voor oefensoftware)", "CSV (for exercise software)"),
        "ex.download.html": ("Afdrukbare HTML", "Printable HTML"),
        "ex.download.csv.title": (
            "De injectlijst als CSV, met de kolom voor wat het team werkelijk deed (nabespreking)",
            "The inject list as CSV, with the column for what the team actually did (debrief)",
        ),
        "ex.download.html.title": (
            "De injectlijst met tijdlijn als pagina om af te drukken (A4 liggend, werkt offline)",
            "The inject list with the timeline as a page to print (A4 landscape, works offline)",
        ),
        "ex.missing": (
            "De bestanden van dit script zijn er niet meer ({where}); maak het opnieuw.",
            "The files of this script are gone ({where}); make it again.",
        ),
        "ex.facts": (
            "{scenario} · seed {seed} · replicatie {replication} ({pick}) · {window} · {injects} injects",
            "{scenario} · seed {seed} · replication {replication} ({pick}) · {window} · {injects} injects",
        ),
        "ex.facts.kpi": ("{kpi}: {value} in deze replicatie", "{kpi}: {value} in this replication"),
        "ex.facts.of": ("{pick} van {n}", "{pick} of {n}"),
        "ex.facts.given": ("op verzoek", "as asked"),
        "ex.fig.title": ("Tijdlijn: wat het model voorspelt", "Timeline: what the model predicts"),
        "ex.fig.note": (
            "Rood gearceerd: de storing; blauwe stippellijnen en driehoekjes: de stappen van de procedure.",
            "Shaded red: the outage; blue dotted lines and triangles: the procedure's steps.",
        ),
        "ex.injects": ("Injects", "Injects"),
        "ex.routine": ("Ook gewone incidenten tonen", "Also list routine incidents"),
        "ex.routine.hidden": ("{n} gewone incidenten verborgen", "{n} routine incidents hidden"),
        "ex.col.time": ("Tijd", "Time"),
        "ex.col.category": ("Soort", "Category"),
        "ex.col.what": ("Gebeurtenis", "What happens"),
        "ex.col.action": ("Verwachte actie", "Expected action"),
        "ex.col.detail": ("Modeluitkomst", "Model outcome"),
        "ex.col.calls_waiting": ("112 wachtend", "Calls waiting"),
        "ex.col.units_unreachable": ("Onbereikbaar", "Unreachable"),
        "ex.col.messages_waiting": ("Berichten wachtend", "Msgs waiting"),
        "ex.col.centralists_busy": ("Centralisten bezet", "Centralists busy"),
        "ex.col.model": ("Model in die minuut", "Model in that minute"),
        # debrief (exercise page)
        "db.title": ("3. Nabespreking", "3. Debrief"),
        "db.intro": (
            "Vul in wat het team werkelijk deed: de kloktijd (UU:MM) waarop het de storing opmerkte, besloot en "
            "elk terugvalkanaal werkend had, of 'nooit'; en eventueel hoeveel gesproken statussen gemist of op "
            "de verkeerde eenheid genoteerd werden. meldsim speelt de nacht dan vele keren met de tijden van het "
            "team en met die van de procedure, met dezelfde toevalsgetallen, en laat zien wat het verschil kost.",
            "Fill in what the team actually did: the clock time (HH:MM) it noticed the outage, decided and had each "
            "fallback channel running, or 'never'; and optionally how many spoken statuses were missed or noted on "
            "the wrong unit. meldsim then plays the night many times with the team's times and with the "
            "procedure's, with the same random numbers, and shows what the difference costs.",
        ),
        "db.source": ("Tijden van het team uit", "The team's times from"),
        "db.source.form": ("het formulier hieronder", "the form below"),
        "db.source.upload": ("een ingevuld exercise.csv", "a filled exercise.csv"),
        "db.form": (
            "Formulier (vooringevuld met de tijden van het script)",
            "Form (prefilled with the script's times)",
        ),
        "db.form.none": (
            "Maak eerst hierboven een script met een storing en een procedure; het formulier neemt de stappen over.",
            "First make a script with an outage and a procedure above; the form takes its steps.",
        ),
        "db.form.planned": ("script: {time}", "script: {time}"),
        "db.form.hint": (
            "UU:MM (of UU:MM:SS), of 'nooit'. Ongewijzigd = zoals het script.",
            "HH:MM (or HH:MM:SS), or 'never'. Unchanged = as the script.",
        ),
        "db.statuses_lost": (
            "Gesproken statussen gemist (aantal, optioneel)",
            "Spoken statuses missed (count, optional)",
        ),
        "db.statuses_wrong": (
            "Gesproken statussen op de verkeerde eenheid (aantal, optioneel)",
            "Spoken statuses on the wrong unit (count, optional)",
        ),
        "db.upload": (
            "Sleep het ingevulde exercise.csv hierheen (met exercise.json als het script niet hierboven gemaakt is), "
            "of klik om te kiezen",
            "Drop the filled exercise.csv here (with exercise.json if the script was not made above), "
            "or click to choose",
        ),
        "db.upload.ok": (
            "{file}: {steps} stappen ingevuld ({late} anders dan het script), klaar om na te bespreken.",
            "{file}: {steps} steps filled in ({late} different from the script), ready to debrief.",
        ),
        "db.replications": ("Replicaties per arm", "Replications per arm"),
        "db.run": ("Nabespreken", "Run the debrief"),
        "db.cancel": ("Annuleren", "Cancel"),
        "db.cancelled": ("Geannuleerd: er is niets geschreven.", "Cancelled: nothing was written."),
        "db.stopped": ("Gestopt (SIGTERM): er is niets geschreven.", "Stopped (SIGTERM): nothing was written."),
        "db.failed": ("De nabespreking is mislukt: {error}", "The debrief failed: {error}"),
        "db.problems": (
            "Niet nabesproken: {n} probleem/problemen, er is niets gedraaid.",
            "Not debriefed: {n} problem(s), nothing was run.",
        ),
        "db.col.file": ("Bestand", "File"),
        "db.col.row": ("Rij", "Row"),
        "db.col.step": ("Stap", "Step"),
        "db.col.field": ("Veld", "Field"),
        "db.col.problem": ("Probleem", "Problem"),
        "db.no_upload": ("Upload eerst een ingevuld exercise.csv.", "Upload a filled exercise.csv first."),
        "db.no_exercise": ("Maak eerst hierboven een script.", "Make a script above first."),
        "db.result": ("Wat het verschil kost", "What the difference costs"),
        "db.result.about": (
            "{scenario}, seed {seed}, replicatie {replication} van de oefening; {n} nachten per arm met dezelfde "
            "toevalsgetallen. Verschil = team − procedure, met 95%-betrouwbaarheidsinterval.",
            "{scenario}, seed {seed}, the exercise's replication {replication}; {n} nights per arm with the same "
            "random numbers. Difference = team − procedure, with its 95 % confidence interval.",
        ),
        "db.costliest": (
            "Kostte het meest: {step} — {kpi} {amount} (deze stap alleen, zoals het team hem deed)",
            "Cost most: {step} — {kpi} {amount} (this step alone, as the team did it)",
        ),
        "db.costliest.none": (
            "Geen stap kostte iets aan {kpi}: het team was nergens trager dan de procedure.",
            "No step cost anything in {kpi}: the team was nowhere slower than the procedure.",
        ),
        "db.costliest.badge": ("duurste stap", "costliest step"),
        "db.col.kpi": ("Kerncijfer", "KPI"),
        "db.col.planned": ("Procedure", "Procedure"),
        "db.col.team": ("Team", "Team"),
        "db.col.diff": ("Team − procedure", "Team − procedure"),
        "db.timings": ("Tijden", "Timings"),
        "db.col.script": ("Script (procedure)", "Script (procedure)"),
        "db.col.late": ("Verschil", "Difference"),
        "db.never": ("nooit", "never"),
        "db.steps": ("Per stap: wat die stap alleen kost", "Per step: what that step alone costs"),
        "db.steps.note": (
            "Elke stap alleen: zijn eigen vertraging (vanaf de stap ervoor) zoals het team hem had, de andere "
            "zoals gepland; latere stappen schuiven mee. De duurste stap (op {kpi}) is gemarkeerd.",
            "Each step alone: its own delay (from the step before it) as the team had it, the others as planned; "
            "later steps move with it. The costliest step (by {kpi}) is marked.",
        ),
        "db.as_planned": ("0 (volgens plan)", "0 (as planned)"),
        "db.statuses": (
            "Statussen: {lost} gemist, {wrong} verkeerd van {spoken} gesproken in het script.",
            "Statuses: {lost} missed, {wrong} wrong of {spoken} spoken in the script.",
        ),
        "db.download.html": ("Nabespreking (afdrukbare HTML)", "Debrief (printable HTML)"),
        "db.download.json": ("debrief.json", "debrief.json"),
        # scenarios page
        "sc.title": ("Scenario's", "Scenarios"),
        "sc.intro": (
            "De scenariobestanden, gecontroleerd zoals meldsim validate dat doet. Open er een om alle "
            "parameters te zien, of maak hieronder een variant.",
            "The scenario files, checked as meldsim validate does. Open one to see every parameter, or make "
            "a variant below.",
        ),
        "sc.col.file": ("Bestand", "File"),
        "sc.col.name": ("Naam", "Name"),
        "sc.col.base": ("Basis", "Base"),
        "sc.col.status": ("Status", "Status"),
        "sc.col.description": ("Omschrijving", "Description"),
        "sc.valid": ("geldig", "valid"),
        "sc.invalid": ("ongeldig ({n})", "invalid ({n})"),
        "sc.view": ("Scenario bekijken", "View a scenario"),
        "sc.view.placeholder": ("Kies een scenario…", "Choose a scenario…"),
        "sc.params": ("Parameters na het toepassen van base:", "Parameters with base: applied"),
        "sc.col.path": ("Parameter", "Parameter"),
        "sc.col.value": ("Waarde", "Value"),
        "sc.problems": ("Problemen", "Problems"),
        "sc.form.title": ("Nieuw scenario op basis van een bestaand scenario", "New scenario based on an existing one"),
        "sc.form.intro": (
            "Wijzig de parameters die het vaakst veranderen. Een leeg veld neemt de waarde van de "
            "basis over; een kansverdeling schrijf je als {dist: triangular, low: 2, mode: 5, high: 15}. "
            "Het nieuwe bestand bevat alleen base: en wat verschilt, en wordt eerst gecontroleerd.",
            "Change the parameters people change most. An empty field keeps the base's value; write a "
            "distribution as {dist: triangular, low: 2, mode: 5, high: 15}. The new file holds only "
            "base: and what differs, and is checked first.",
        ),
        "sc.form.base": ("Basis-scenario", "Base scenario"),
        "sc.form.filename": ("Nieuwe bestandsnaam", "New file name"),
        "sc.form.description": ("Omschrijving", "Description"),
        "sc.form.outage": ("Storing", "Outage"),
        "sc.form.outage_target": ("Wat valt uit", "What fails"),
        "sc.form.outage_start": ("Begin (JJJJ-MM-DD UU:MM)", "Start (YYYY-MM-DD HH:MM)"),
        "sc.form.outage_duration": ("Duur (min)", "Duration (min)"),
        "sc.form.procedure": ("Terugvalprocedure", "Fallback procedure"),
        "sc.form.detection": ("Tijd tot opmerken (min)", "Time to detection (min)"),
        "sc.form.decision": ("Tijd tot besluit CaCo (min)", "Time to the CaCo's decision (min)"),
        "sc.form.capacity": (
            "Capaciteit terugvalkanalen (gelijktijdig; null = onbeperkt)",
            "Fallback channel capacity (simultaneous; null = unlimited)",
        ),
        "sc.form.roster": ("Centralisten in dienst", "Centralists on duty"),
        "sc.form.load": ("Belasting", "Load"),
        "sc.form.load_factor": ("Belastingsfactor (× het uurprofiel)", "Load factor (× the hourly profile)"),
        "sc.form.save": ("Controleren en opslaan", "Check and save"),
        "sc.form.no_outage": (
            "(geen storing in de basis; vul begin en duur in om er een toe te voegen)",
            "(no outage in the base; fill in start and duration to add one)",
        ),
        "sc.form.no_procedure": ("(geen terugvalprocedure in de basis)", "(no fallback procedure in the base)"),
        "sc.form.no_fallbacks": ("(geen terugvalkanalen in de basis)", "(no fallback channels in the base)"),
        "sc.saved": ("Opgeslagen als {file}.", "Saved as {file}."),
        "sc.not_saved": (
            "Niet opgeslagen: zie de meldingen bij de velden.",
            "Not saved: see the messages at the fields.",
        ),
        "sc.err.choose_base": ("Kies een basis-scenario.", "Choose a base scenario."),
        "sc.err.filename": (
            "Alleen letters, cijfers, - en _ (bijvoorbeeld nye_eocs_3h).",
            "Letters, digits, - and _ only (for example nye_eocs_3h).",
        ),
        "sc.err.exists": ("{file} bestaat al; kies een andere naam.", "{file} already exists; choose another name."),
        "sc.err.yaml": ("geen geldige waarde: {error}", "not a valid value: {error}"),
        "sc.err.datetime": ("geen datum en tijd als 2024-12-31 23:00", "not a date and time like 2024-12-31 23:00"),
        "sc.err.incomplete_outage": (
            "geef begin én duur voor een nieuwe storing",
            "give both start and duration for a new outage",
        ),
        "sc.err.nothing": ("Er is niets gewijzigd ten opzichte van de basis.", "Nothing differs from the base."),
    }
)


def lang_of(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


def t(key: str, lang: str | None = DEFAULT, **values) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled in."""
    pair = TEXT.get(key)
    text = key if pair is None else pair[LANGUAGES.index(lang_of(lang))]
    return text.format(**values) if values else text


def pick(pair: tuple[str, str], lang: str | None = DEFAULT) -> str:
    """The ``lang`` half of an ``(nl, en)`` pair from :mod:`sim.labels`."""
    return pair[LANGUAGES.index(lang_of(lang))]


def heading(label: str) -> str:
    """A catalogue label (lower case, as used mid-sentence) as the start of a title or a table cell."""
    return label[:1].upper() + label[1:]


def kpi_label(kpi: str, lang: str | None = DEFAULT) -> str:
    """``opkomsttijd_mean_min[region=VNOG]`` -> ``Opkomsttijd, gemiddeld (regio VNOG)``; a KPI
    without a label keeps its code name exactly, so it can still be found in the results."""
    label = pick(labels.kpi(kpi), lang)
    return heading(label) if kpi.split("[", 1)[0] in labels.KPIS else label


def room_label(room: str, lang: str | None = DEFAULT) -> str:
    """``main`` -> ``MKBM``, ``all`` -> all rooms, a partner room by its name (issue 16)."""
    return pick(labels.room(room), lang)


def unit_label(unit: str, lang: str | None = DEFAULT) -> str:
    return pick(labels.unit(unit), lang)


def number(value, lang: str | None = DEFAULT, digits: int | None = None) -> str:
    """A number for people: 3 significant-ish digits, a decimal comma in Dutch, '–' for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if digits is None:
        size = abs(value)
        digits = 2 if size < 10 else 1 if size < 100 else 0
    text = f"{value:,.{digits}f}"
    if lang_of(lang) == "nl":
        text = text.replace(",", "\u2009").replace(".", ",")  # thin space groups thousands
    else:
        text = text.replace(",", "\u2009")
    return text


def value(value, unit: str, lang: str | None = DEFAULT, signed: bool = False) -> str:
    """A KPI value in its unit: shares as percentages (differences in percentage points)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if unit == "share":
        text = number(100 * value, lang, 1)
    else:
        text = number(value, lang)
    if signed and value > 0:
        text = "+" + text
    if signed and value == 0:
        text = "±" + text
    return text


def interval(low, high, unit: str, lang: str | None = DEFAULT) -> str:
    """``[low ; high]`` of a confidence interval in the KPI's unit; empty without one."""
    if low is None or high is None:
        return ""
    return f"[{value(low, unit, lang)} ; {value(high, unit, lang)}]"
