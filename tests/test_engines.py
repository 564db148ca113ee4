"""The fast engine against the plain-SimPy reference engine: the oracle for engine changes.

Both engines run the same model on the same random numbers; they differ only in how SimPy
is driven (grants and starts inline or as events), so the order of things within one instant
can differ and with it which draw goes where. The KPIs must therefore agree statistically,
not bit for bit: for every KPI the paired difference (reference - fast) over 30 replications
must have a confidence interval that contains 0.

With about 90 KPIs a plain 95 % interval per KPI would reject four or five of them by chance
alone (seen: 2 of 88 on the New Year's Eve outage night at 30 replications, both gone at 120),
so each interval is widened to a family-wise 95 % level (Bonferroni, 1 - 0.05/m). A real
difference between the engines (a grant lost, a wait that never gives up) moves many KPIs by
far more than that, which is what this test is for.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.experiments import runner
from sim.model import engine, engine_simpy
from sim.model.loading import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPLICATIONS = 30


def paired_interval(differences: np.ndarray, confidence: float) -> tuple[float, float]:
    d = differences[~np.isnan(differences)]
    if d.size < 2 or np.all(d == d[0]):
        return (float(d[0]), float(d[0])) if d.size else (math.nan, math.nan)
    half = stats.t.ppf(0.5 + confidence / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


@pytest.mark.parametrize("name", ["weekday", "nye_eocs_outage", "p2000_outage"])
def test_fast_engine_agrees_with_the_plain_simpy_reference(name):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    fast = [r.kpis for r in runner.iterate(scenario, 1, REPLICATIONS)]
    reference = [r.kpis for r in runner.iterate(scenario, 1, REPLICATIONS, engine="simpy")]
    assert fast[0].keys() == reference[0].keys()
    names = sorted(fast[0])
    confidence = 1 - 0.05 / len(names)
    off = []
    for kpi in names:
        a = np.array([r[kpi] for r in fast], dtype=float)
        b = np.array([r[kpi] for r in reference], dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{kpi}: observed in one engine and not the other"
        low, high = paired_interval(b - a, confidence)
        if not math.isnan(low) and not low <= 0 <= high:
            off.append(
                f"{kpi}: fast {np.nanmean(a):.4g}, simpy {np.nanmean(b):.4g}, difference in [{low:.4g}, {high:.4g}]"
            )
    assert not off, f"{len(off)} of {len(names)} KPIs differ between the engines:\n" + "\n".join(off)


def test_the_engines_really_differ_in_how_they_drive_simpy():
    """Guards the test above against comparing an engine with itself."""
    scenario = load_scenario(SCENARIOS / "nye_eocs_outage.yaml")
    fast = next(runner.iterate(scenario, 1, 1))
    reference = next(runner.iterate(scenario, 1, 1, engine="simpy"))
    assert reference.events > 1.2 * fast.events
    assert engine.Environment is not engine_simpy.Environment


def test_only_the_engine_module_touches_simpy_private_names():
    private = (
        "_active_proc",
        "_eid",
        "_queue",
        "_now",
        "_resume",
        "_target",
        "_generator",
        "_ok",
        "_value",
        "_capacity",
        "_trigger_put",
        "_delay",
        "__new__",
    )
    sim = Path(__file__).resolve().parents[1] / "sim"
    offenders = []
    for file in sim.rglob("*.py"):
        if file.name == "engine.py" and file.parent.name == "model":
            continue
        text = file.read_text(encoding="utf-8")
        for name in private:
            if f".{name}" in text:
                offenders.append(f"{file.relative_to(sim.parent)}: .{name}")
    assert not offenders, "SimPy private names outside sim/model/engine.py:\n" + "\n".join(offenders)
