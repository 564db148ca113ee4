"""sim.experiments.stats.summarise: mean, sd and the t-based 95 % interval over replications."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiments.stats import summarise

KEYS = {"mean", "sd", "ci95_low", "ci95_high", "n"}


def test_no_values():
    for empty in ([], [math.nan, math.nan], np.array([])):
        s = summarise(empty)
        assert set(s) == KEYS and s["n"] == 0
        assert all(math.isnan(s[k]) for k in ("mean", "sd", "ci95_low", "ci95_high"))


def test_one_value_has_a_mean_but_no_interval():
    s = summarise([4.2])
    assert s["n"] == 1 and s["mean"] == 4.2
    assert math.isnan(s["sd"]) and math.isnan(s["ci95_low"]) and math.isnan(s["ci95_high"])


def test_two_values():
    s = summarise([1.0, 3.0])
    assert s["n"] == 2 and s["mean"] == 2.0 and s["sd"] == pytest.approx(math.sqrt(2))
    half = stats.t.ppf(0.975, 1) * math.sqrt(2) / math.sqrt(2)  # 12.706...
    assert s["ci95_low"] == pytest.approx(2 - half) and s["ci95_high"] == pytest.approx(2 + half)


def test_zero_variance_collapses_the_interval():
    s = summarise([7.5] * 5)
    assert s == {"mean": 7.5, "sd": 0.0, "ci95_low": 7.5, "ci95_high": 7.5, "n": 5}


def test_nan_values_are_left_out():
    values = [1.0, math.nan, 2.0, 4.0, math.nan]
    assert summarise(values) == summarise([1.0, 2.0, 4.0])
    assert summarise(values)["n"] == 3
    s = summarise([math.nan, 3.0])
    assert s["n"] == 1 and s["mean"] == 3.0 and math.isnan(s["ci95_low"])


@pytest.mark.parametrize("n", [3, 10, 30, 200])
def test_interval_matches_scipy_t_interval(n):
    rng = np.random.default_rng(n)
    x = rng.lognormal(1.0, 0.8, size=n)
    s = summarise(x)
    low, high = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert s["n"] == n
    assert s["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert s["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert s["ci95_low"] == pytest.approx(low, rel=1e-10)
    assert s["ci95_high"] == pytest.approx(high, rel=1e-10)
    assert all(isinstance(s[k], float) for k in ("mean", "sd", "ci95_low", "ci95_high"))
    assert isinstance(s["n"], int)


def test_accepts_integers():
    s = summarise([1, 2, 3])
    assert s["mean"] == 2.0 and s["sd"] == 1.0 and s["n"] == 3
