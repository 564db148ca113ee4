"""Scenario parts in Dutch and English sentences: distributions, the procedure, the outages.

Every function returns a ``(nl, en)`` pair. The words for single names (channels, targets,
steps) come from :mod:`sim.labels`.
"""

from __future__ import annotations

from sim import labels
from sim.model.distributions import Dist


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
        return (
            "Geen terugvalprocedure: niemand deelt sets uit of belt eenheden; centralisten improviseren.",
            "No fallback procedure: nobody hands out sets or phones units; centralists improvise.",
        )
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
        if step in labels.STEPS:
            s_nl, s_en = labels.step(step)
            steps_nl.append(s_nl)
            steps_en.append(s_en)
            continue
        c_nl, c_en = labels.channel(step)
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
        elif esc.get("action") == "take_over":
            r_nl, r_en = dist_text(esc.get("routing_delay_min", 0.5))
            factor = esc.get("time_factor", 1.3)
            nl.append(
                f"meldkamer {esc.get('partner')} neemt de 112-meldingen en de uitgifte over {w_nl} (doorschakelen "
                f"{r_nl} per melding, {factor:g}× trager zonder lokale kennis)"
            )
            en.append(
                f"meldkamer {esc.get('partner')} takes over the 112 calls and dispatch {w_en} (routing {r_en} a call, "
                f"{factor:g}× slower without local knowledge)"
            )
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
        t_nl, t_en = labels.target(o["target"])
        r_nl, r_en = labels.regions(o.get("regions"))
        when = o.get("start") or (f"minuut {o.get('start_min'):g}" if o.get("start_min") is not None else "")
        when_en = o.get("start") or (f"minute {o.get('start_min'):g}" if o.get("start_min") is not None else "")
        if o.get("duration_min") is not None:
            d_nl, d_en = dist_text(o["duration_min"])
        else:
            d_nl = d_en = f"tot {o.get('end')}"
        factor = o.get("capacity_factor", 0) or 0
        how_nl = "valt uit" if factor == 0 else f"werkt op {factor * 100:.0f} %"
        how_en = "fails" if factor == 0 else f"runs at {factor * 100:.0f} %"
        rooms = o.get("rooms")
        if rooms:
            shown = ", ".join("deze meldkamer" if r == "main" else r for r in rooms)
            r_nl += f"; meldkamer: {shown}"
            r_en += "; meldkamer: " + ", ".join("this room" if r == "main" else r for r in rooms)
        nl.append(f"{t_nl} {how_nl} ({r_nl}) vanaf {when}, {d_nl}")
        en.append(f"{t_en} {how_en} ({r_en}) from {when_en}, {d_en}")
    return "; ".join(nl) + ".", "; ".join(en) + "."
