"""Distribution specs: each family samples what it says, shorthand and validation rules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from sim.model.distributions import PARAMETERS, AnyDist, Dist, NonNegDist
from sim.model.loading import load_scenario

N = 20_000
ANY = TypeAdapter(AnyDist)
NON_NEG = TypeAdapter(NonNegDist)

# spec, true mean, true standard deviation
FAMILIES = {
    "constant": ({"dist": "constant", "value": 2.5}, 2.5, 0.0),
    "exponential": ({"dist": "exponential", "mean": 3.0}, 3.0, 3.0),
    "lognormal": ({"dist": "lognormal", "mean": 3.0, "sd": 2.0}, 3.0, 2.0),
    "gamma": ({"dist": "gamma", "mean": 4.0, "sd": 2.0}, 4.0, 2.0),
    "triangular": (
        {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
        3.0,
        math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18),
    ),
    "uniform": ({"dist": "uniform", "low": 0.25, "high": 0.5}, 0.375, 0.25 / math.sqrt(12)),
    "empirical": (
        {"dist": "empirical", "values": [2, 3, 4], "weights": [0.5, 0.35, 0.15]},
        2.65,
        math.sqrt(0.5 * 2**2 + 0.35 * 3**2 + 0.15 * 4**2 - 2.65**2),
    ),
    "empirical_unweighted": ({"dist": "empirical", "values": [1, 2, 6]}, 3.0, math.sqrt((4 + 1 + 9) / 3)),
    "poisson": ({"dist": "poisson", "mean": 1.5}, 1.5, math.sqrt(1.5)),
}


def test_every_family_is_covered():
    assert {spec["dist"] for spec, _, _ in FAMILIES.values()} == set(PARAMETERS)


@pytest.mark.parametrize("name", FAMILIES)
def test_family_samples_with_the_right_mean_and_sd(name):
    spec, mean, sd = FAMILIES[name]
    dist = Dist.model_validate(spec)
    assert dist.expected == pytest.approx(mean)
    draw = dist.sampler(np.random.default_rng(0))
    sample = np.array([draw() for _ in range(N)], dtype=float)
    tolerance = 5 * sd / math.sqrt(N) + 1e-12  # five standard errors
    assert abs(sample.mean() - mean) <= tolerance, (sample.mean(), mean)
    assert sample.std() == pytest.approx(sd, rel=0.1, abs=1e-12)
    assert sample.min() >= dist.lower_bound


def test_sampler_ranges():
    rng = np.random.default_rng(1)
    tri = Dist(dist="triangular", low=1, mode=2, high=6).sampler(rng)
    emp = Dist(dist="empirical", values=(2, 3, 4), weights=(0.5, 0, 0.5)).sampler(rng)
    pois = Dist(dist="poisson", mean=2).sampler(rng)
    assert all(1 <= tri() <= 6 for _ in range(2000))
    assert {emp() for _ in range(2000)} == {2, 4}  # zero weight is never drawn
    assert all(float(x).is_integer() and x >= 0 for x in (pois() for _ in range(2000)))


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 2, "sd": 0},
        {"dist": "triangular", "low": 2, "mode": 2, "high": 2},
        {"dist": "uniform", "low": 2, "high": 2},
        {"dist": "empirical", "values": [2]},
    ],
)
def test_degenerate_specs_are_constant(spec):
    draw = Dist.model_validate(spec).sampler(np.random.default_rng(0))
    assert {draw() for _ in range(100)} == {2}


def test_exponential_with_mean_zero_is_zero():
    draw = Dist(dist="exponential", mean=0).sampler(np.random.default_rng(0))
    assert {draw() for _ in range(100)} == {0}


def test_same_seed_same_draws():
    dist = Dist(dist="lognormal", mean=3, sd=2)
    a, b = dist.sampler(np.random.default_rng(7)), dist.sampler(np.random.default_rng(7))
    assert [a() for _ in range(50)] == [b() for _ in range(50)]


@pytest.mark.parametrize("number", [0, 3, 2.5, -1.5])
def test_bare_number_is_a_constant(number):
    dist = ANY.validate_python(number)
    assert dist == Dist(dist="constant", value=number)
    assert dist.expected == number and dist.lower_bound == number
    assert dist.sampler(np.random.default_rng(0))() == number


def test_bare_number_in_a_scenario_is_a_constant():
    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "weekday.yaml")
    assert scenario.room.alarm_min == Dist(dist="constant", value=0.1)
    assert scenario.load.incident_types["oms"].units_needed == Dist(dist="constant", value=1)


@pytest.mark.parametrize("value", [True, False, "1", "0.5", None, [1]])
def test_only_real_numbers_are_shorthand(value):
    with pytest.raises(ValidationError):
        ANY.validate_python(value)


def test_non_negative_dists():
    assert NON_NEG.validate_python(0) == Dist(dist="constant", value=0)
    NON_NEG.validate_python({"dist": "uniform", "low": 0, "high": 1})
    for bad in (
        -1,
        {"dist": "uniform", "low": -0.5, "high": 1},
        {"dist": "empirical", "values": [1, -2]},
        {"dist": "triangular", "low": -1, "mode": 0, "high": 1},
    ):
        with pytest.raises(ValidationError, match="must not produce negative values"):
            NON_NEG.validate_python(bad)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "lognormal", "mean": 3}, "lognormal needs sd"),
        ({"dist": "gamma", "sd": 1}, "gamma needs mean"),
        ({"dist": "triangular", "low": 1, "high": 2}, "triangular needs mode"),
        ({"dist": "constant"}, "constant needs value"),
        ({"dist": "exponential", "mean": 1, "sd": 1}, "exponential takes no sd"),
        ({"dist": "poisson", "mean": 1, "values": [1]}, "poisson takes no values"),
        ({"dist": "uniform", "low": 0, "high": 1, "weights": [1]}, "uniform takes no weights"),
        ({"dist": "exponential", "mean": -1}, "mean must be >= 0"),
        ({"dist": "poisson", "mean": -0.5}, "mean must be >= 0"),
        ({"dist": "lognormal", "mean": 0, "sd": 1}, "mean must be > 0"),
        ({"dist": "lognormal", "mean": 1, "sd": -1}, "sd must be >= 0"),
        ({"dist": "gamma", "mean": 1, "sd": 0}, "sd must be > 0"),
        ({"dist": "triangular", "low": 2, "mode": 1, "high": 3}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 1, "mode": 4, "high": 3}, "low <= mode <= high"),
        ({"dist": "uniform", "low": 2, "high": 1}, "low <= high"),
        ({"dist": "empirical", "values": []}, "at least one value"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "as many entries as values"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1, -1]}, "weights must be >= 0"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "not all zero"),
        ({"dist": "exponential", "mean": math.inf}, "mean must be a finite number"),
        ({"dist": "constant", "value": math.nan}, "value must be a finite number"),
        ({"dist": "empirical", "values": [1, math.nan]}, "values must be a finite number"),
        ({"dist": "weibull", "mean": 1}, "Input should be"),
        ({"dist": "constant", "value": 1, "scale": 2}, "Extra inputs are not permitted"),
        ({"mean": 1}, "Field required"),
    ],
)
def test_invalid_specs(spec, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        Dist.model_validate(spec)


# --- counts ----------------------------------------------------------------------------
finite = st.floats(-1e6, 1e6, allow_nan=False)
positive = st.floats(1e-3, 1e3)
dists = st.one_of(
    finite.map(lambda v: Dist(dist="constant", value=v)),
    positive.map(lambda m: Dist(dist="exponential", mean=m)),
    st.floats(0, 1e3).map(lambda m: Dist(dist="poisson", mean=m)),
    st.tuples(positive, st.floats(0, 1e3)).map(lambda p: Dist(dist="lognormal", mean=p[0], sd=p[1])),
    st.tuples(positive, positive).map(lambda p: Dist(dist="gamma", mean=p[0], sd=p[1])),
    st.lists(finite, min_size=3, max_size=3)
    .map(sorted)
    .map(lambda p: Dist(dist="triangular", low=p[0], mode=p[1], high=p[2])),
    st.lists(finite, min_size=2, max_size=2).map(sorted).map(lambda p: Dist(dist="uniform", low=p[0], high=p[1])),
    st.lists(finite, min_size=1, max_size=5).map(lambda v: Dist(dist="empirical", values=v)),
)


@settings(max_examples=150, deadline=None)
@given(dist=dists, seed=st.integers(0, 2**32 - 1))
def test_count_sampler_never_negative(dist, seed):
    draw = dist.count_sampler(np.random.default_rng(seed))
    for _ in range(20):
        count = draw()
        assert isinstance(count, int) and count >= 0


def test_count_sampler_rounds():
    assert Dist(dist="constant", value=2.5).count_sampler(np.random.default_rng(0))() == 2  # half to even
    assert Dist(dist="constant", value=2.6).count_sampler(np.random.default_rng(0))() == 3
    assert Dist(dist="constant", value=-3).count_sampler(np.random.default_rng(0))() == 0
    draw = Dist(dist="poisson", mean=1.5).count_sampler(np.random.default_rng(0))
    assert np.mean([draw() for _ in range(N)]) == pytest.approx(1.5, abs=5 * math.sqrt(1.5 / N))
