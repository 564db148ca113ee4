"""The centralist queue reduces to M/M/c: Erlang C within the simulation's 95 % CI.

With Poisson incidents, one call per incident, exponential intake, no dispatch time, callers
who never hang up and no spoken radio traffic, only 112 calls use centralists and their
queue is M/M/c (FIFO within one priority). Erlang C then gives the probability that a call
waits and the mean wait in queue. Each parameter set runs a fixed seed and a fixed number
of replications; the design (not the seed) was chosen so the CI is informative.

Estimators, per replication, over calls that arrive after the warm-up: mean wait of the
answered calls (the KPI ``answer_wait_mean_s``) and the share of answered calls that waited
at all. Calls still waiting at the horizon are censored out; with these horizons that is a
handful of calls in thousands. The runs start empty; the 10 % warm-up covers more than one
relaxation time of the queue (about rho / (1 - sqrt(rho))^2 = 340 calls at rho 0.9). A
320-replication study of the heavy set (seed 1000) found no bias: mean wait 512.7 ± 20.6 s
against 511.6 s, P(wait) 0.8520 ± 0.0034 against 0.8526. Per-replication mean waits at
rho 0.9 are right-skewed (skewness about 2), so a 20-replication t-interval covers the truth
somewhat less often than 95 %; the design trades that for runtime.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import mmc_scenario

from sim.experiments import kpis
from sim.experiments.stats import summarise
from sim.model.room import simulate
from sim.model.rows import CALL_COLUMNS

T_ARRIVAL, T_ANSWERED = CALL_COLUMNS.index("t_arrival"), CALL_COLUMNS.index("t_answered")
SEED = 1


def erlang_c(c: int, offered: float) -> float:
    """P(wait) in M/M/c with offered load a = λ/μ < c (Erlang B recursion, then C)."""
    if not 0 <= offered < c:
        raise ValueError("needs a < c")
    b = 1.0
    for k in range(1, c + 1):
        b = offered * b / (k + offered * b)
    rho = offered / c
    return b / (1 - rho * (1 - b))


def mmc_theory(rate_per_hour: float, mean_service_min: float, c: int) -> dict[str, float]:
    lam = rate_per_hour / 60  # per minute
    mu = 1 / mean_service_min
    p_wait = erlang_c(c, lam / mu)
    return {"rho": lam / (c * mu), "p_wait": p_wait, "wait_mean_s": p_wait / (c * mu - lam) * 60}


def test_erlang_c_known_values():
    for rho in (0.1, 0.5, 0.9):
        assert erlang_c(1, rho) == pytest.approx(rho)  # M/M/1: P(wait) = rho
        assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))  # M/M/2
    # against the textbook sum formula
    c, a = 5, 4.0
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    assert erlang_c(c, a) == pytest.approx(tail / (head + tail))
    # M/M/1 with lambda 30/h and 1 min service: Wq = rho / (mu - lambda) = 1 min
    assert mmc_theory(30, 1, 1)["wait_mean_s"] == pytest.approx(60)


#: (label, calls per hour, mean handling min, centralists, hours per replication, replications)
DESIGNS = [
    ("mm1-rho0.5", 30, 1.0, 1, 24, 20),
    ("mm3-rho0.7", 63, 2.0, 3, 20, 20),
    ("mm2-rho0.9", 54, 2.0, 2, 90, 20),
]


def replicate(rate, service, c, hours, reps):
    sc = mmc_scenario(rate, service, c, hours, warmup_share=0.1)
    warmup = sc.horizon.warmup_min
    wait_mean, p_wait, utilisation, answered = [], [], [], 0
    for r in range(reps):
        outcome = simulate(sc, SEED, r)
        k = kpis.compute(outcome)
        waits = (
            np.array(
                [
                    row[T_ANSWERED] - row[T_ARRIVAL]
                    for row in outcome.calls
                    if row[T_ARRIVAL] >= warmup and row[T_ANSWERED] == row[T_ANSWERED]
                ]
            )
            * 60
        )
        assert waits.min() >= 0
        # the KPI is exactly the mean over these rows
        assert k["answer_wait_mean_s"] == pytest.approx(waits.mean(), rel=1e-12)
        # nothing but calls uses a centralist, and nobody hangs up
        assert k["abandoned_calls"] == 0 and math.isnan(k["radio_message_delay_mean_min"])
        wait_mean.append(k["answer_wait_mean_s"])
        p_wait.append(float((waits > 0).mean()))
        utilisation.append(k["centralist_utilisation"])
        answered += waits.size
    return summarise(wait_mean), summarise(p_wait), summarise(utilisation), answered


@pytest.mark.parametrize("label, rate, service, c, hours, reps", DESIGNS, ids=[d[0] for d in DESIGNS])
def test_mmc_matches_erlang_c(label, rate, service, c, hours, reps):
    theory = mmc_theory(rate, service, c)
    wait, p_wait, utilisation, answered = replicate(rate, service, c, hours, reps)
    report = (
        f"{label}: rho={theory['rho']:.2f} calls={answered}; "
        f"Wq theory {theory['wait_mean_s']:.2f}s CI [{wait['ci95_low']:.2f}, {wait['ci95_high']:.2f}]; "
        f"P(wait) theory {theory['p_wait']:.4f} CI [{p_wait['ci95_low']:.4f}, {p_wait['ci95_high']:.4f}]; "
        f"utilisation {utilisation['mean']:.4f}"
    )
    print(report)
    assert wait["n"] == p_wait["n"] == reps
    # the design is informative: the intervals are not so wide that anything would pass
    # (waits at rho 0.9 are heavy-tailed per replication: one long busy period can stretch
    # the interval, so the guard is half-width < 50 % of the theoretical mean)
    assert wait["ci95_high"] - wait["ci95_low"] < theory["wait_mean_s"], report
    assert p_wait["ci95_high"] - p_wait["ci95_low"] < 0.1, report
    assert wait["ci95_low"] <= theory["wait_mean_s"] <= wait["ci95_high"], report
    assert p_wait["ci95_low"] <= theory["p_wait"] <= p_wait["ci95_high"], report
    # time-weighted busy share is the offered load per centralist (loose: a sanity check)
    assert utilisation["mean"] == pytest.approx(theory["rho"], abs=0.03), report
