"""Fit the geography's per-region factors so that turnout and drive match CBS 2019 (issue 15).

The drive law (speed bands, road factor) and the crews' turnout distributions are general;
what differs per region (road network, how far volunteers live from their post) is one factor
each: ``geography.drive_factor`` and ``geography.volunteer_turnout_factor``. Each round runs
the scenario, compares the priority-1 fires' mean rij and uitruk per region with CBS, and
scales the factor by the ratio (a drive scales linearly with its factor; a turnout only in its
volunteer part, so that one needs a few rounds). Common random numbers make the rounds
comparable. The result is printed as YAML for the scenario, not written into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.experiments import runner
from sim.model.scenario import FACTOR_RANGE, Scenario

#: CBS StatLine 83123NED, 2019 (provisional), mean minutes, priority-1 fires where the brigade
#: arrived and every GMS status time is present (shared/data/cbs_83123NED_2019_response_times.csv)
CBS_83123NED_2019 = {
    "IJsselland": {"starttijd": 0.5, "alarmering": 0.7, "uitruk": 3.1, "rij": 3.9, "response": 7.7},
    "Twente": {"starttijd": 0.7, "alarmering": 0.6, "uitruk": 2.4, "rij": 4.3, "response": 7.3},
    "VNOG": {"starttijd": 0.7, "alarmering": 0.8, "uitruk": 3.7, "rij": 3.9, "response": 8.4},
    "VGGM": {"starttijd": 0.8, "alarmering": 0.6, "uitruk": 3.2, "rij": 4.3, "response": 8.1},
    "VGZ": {"starttijd": 0.8, "alarmering": 0.9, "uitruk": 3.3, "rij": 4.2, "response": 8.4},
}
#: the KPI of each CBS component
COMPONENT_KPI = {
    "alarmering": "p1_fire_alarmering_min",
    "uitruk": "p1_fire_uitruk_min",
    "rij": "p1_fire_rij_min",
    "response": "p1_fire_response_min",
}


@dataclass
class Fit:
    drive_factor: dict[str, float]
    volunteer_turnout_factor: dict[str, float]
    rounds: list[dict[str, dict[str, float]]] = field(default_factory=list)  # per round: region -> component -> mean

    def yaml(self) -> str:
        def line(name, factors):
            return f"  {name}: {{{', '.join(f'{r}: {f:.3f}' for r, f in factors.items())}}}"

        return "\n".join(
            [
                "geography:",
                line("drive_factor", self.drive_factor),
                line("volunteer_turnout_factor", self.volunteer_turnout_factor),
            ]
        )


def component_means(scenario: Scenario, seed: int, replications: int, jobs: int) -> dict[str, dict[str, float]]:
    """Region -> CBS component -> the model's mean over replications (NaN-skipping)."""
    kpis = [r.kpis for r in runner.iterate(scenario, seed, replications, jobs=jobs)]
    return {
        region: {
            part: float(np.nanmean([k[f"{kpi}[region={region}]"] for k in kpis])) for part, kpi in COMPONENT_KPI.items()
        }
        for region in scenario.regions
    }


def fit_geography(scenario: Scenario, *, seed: int = 1, replications: int = 20, jobs: int = 1, rounds: int = 4) -> Fit:
    """Scale each region's factors by CBS / model, ``rounds`` times; regions CBS lacks keep theirs."""
    geo = scenario.geography
    if geo is None:
        raise ValueError("the scenario has no geography to fit")
    drive = {r: geo.drive_factor.get(r, 1.0) for r in scenario.regions}
    turnout = {r: geo.volunteer_turnout_factor.get(r, 1.0) for r in scenario.regions}
    fit = Fit(drive, turnout)
    for _ in range(rounds):
        current = scenario.model_copy(
            update={"geography": geo.model_copy(update={"drive_factor": drive, "volunteer_turnout_factor": turnout})}
        )
        means = component_means(current, seed, replications, jobs)
        fit.rounds.append(means)
        for region, cbs in CBS_83123NED_2019.items():
            if region not in means:
                continue
            drive[region] = _scaled(drive[region], cbs["rij"], means[region]["rij"])
            turnout[region] = _scaled(turnout[region], cbs["uitruk"], means[region]["uitruk"])
        fit.drive_factor, fit.volunteer_turnout_factor = dict(drive), dict(turnout)
    return fit


def _scaled(factor: float, target: float, model: float) -> float:
    if not np.isfinite(model) or model <= 0:
        return factor
    return float(np.clip(factor * target / model, *FACTOR_RANGE))
