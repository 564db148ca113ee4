"""Distribution specs shared by every duration and count in a scenario.

One small pydantic model covers all families so that an error points at the field
(``room.intake_min.sd``) rather than at a union tag, and so that YAML stays flat:
``{dist: lognormal, mean: 0.8, sd: 0.3}``. A bare number is shorthand for a constant.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from sim.model.limits import MAX_TIME_MIN as MAX_PARAMETER  # counts are limited per field in scenario.py

Family = Literal["constant", "exponential", "lognormal", "gamma", "triangular", "uniform", "empirical", "poisson"]

#: parameters each family takes; anything else given is an error
PARAMETERS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "empirical": ("values",),  # weights optional
    "poisson": ("mean",),
}
_OPTIONAL = {"empirical": ("weights",)}
_ALL = ("value", "mean", "sd", "low", "mode", "high", "values", "weights")


class Dist(BaseModel):
    """A random quantity: one family and its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Family
    value: float | None = None
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _check_parameters(self) -> Dist:
        needed = PARAMETERS[self.dist]
        allowed = needed + _OPTIONAL.get(self.dist, ())
        missing = [p for p in needed if getattr(self, p) is None]
        extra = [p for p in _ALL if p not in allowed and getattr(self, p) is not None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(missing)}")
        if extra:
            raise ValueError(f"{self.dist} takes no {', '.join(extra)} (it takes {', '.join(allowed)})")
        for p in allowed:
            v = getattr(self, p)
            for x in v if isinstance(v, tuple) else (v,):
                if x is not None and not math.isfinite(x):
                    raise ValueError(f"{p} must be a finite number")
                if x is not None and abs(x) > MAX_PARAMETER:
                    raise ValueError(f"{p} must be at most {MAX_PARAMETER:g} in size (limit)")
        d = self.dist
        if d in ("exponential", "poisson") and self.mean < 0:
            raise ValueError("mean must be >= 0")
        if d in ("lognormal", "gamma"):
            if self.mean <= 0:
                raise ValueError("mean must be > 0")
            if self.sd < 0 or (d == "gamma" and self.sd == 0):
                raise ValueError("sd must be > 0" if d == "gamma" else "sd must be >= 0")
        if d == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError("triangular needs low <= mode <= high")
        if d == "uniform" and not self.low <= self.high:
            raise ValueError("uniform needs low <= high")
        if d == "empirical":
            if not self.values:
                raise ValueError("empirical needs at least one value")
            if self.weights is not None:
                if len(self.weights) != len(self.values):
                    raise ValueError("weights must have as many entries as values")
                if min(self.weights) < 0 or sum(self.weights) <= 0:
                    raise ValueError("weights must be >= 0 and not all zero")
        return self

    @property
    def lower_bound(self) -> float:
        """Smallest value the distribution can produce."""
        d = self.dist
        if d == "constant":
            return self.value
        if d in ("triangular", "uniform"):
            return self.low
        if d == "empirical":
            return min(self.values)
        return 0.0

    @property
    def expected(self) -> float:
        d = self.dist
        if d == "constant":
            return self.value
        if d == "triangular":
            return (self.low + self.mode + self.high) / 3
        if d == "uniform":
            return (self.low + self.high) / 2
        if d == "empirical":
            return float(np.average(self.values, weights=self.weights))
        return self.mean

    def sampler(self, rng: np.random.Generator) -> Callable[[], float]:
        """A zero-argument function drawing one value from ``rng``.

        Bound once per run so the hot path is a plain call, no dispatch on the family.
        """
        d = self.dist
        if d == "constant":
            v = self.value
            return lambda: v
        if d == "exponential":
            return functools.partial(rng.exponential, self.mean) if self.mean > 0 else (lambda: 0.0)
        if d == "poisson":
            return functools.partial(rng.poisson, self.mean)
        if d == "lognormal":
            if self.sd == 0:
                m = self.mean
                return lambda: m
            s2 = math.log1p((self.sd / self.mean) ** 2)
            return functools.partial(rng.lognormal, math.log(self.mean) - s2 / 2, math.sqrt(s2))
        if d == "gamma":
            shape = (self.mean / self.sd) ** 2
            return functools.partial(rng.gamma, shape, self.mean / shape)
        if d == "triangular":
            if self.low == self.high:
                v = self.low
                return lambda: v
            return functools.partial(rng.triangular, self.low, self.mode, self.high)
        if d == "uniform":
            return functools.partial(rng.uniform, self.low, self.high)
        # empirical: inverse transform on the cumulative weights (rng.choice is slow per draw)
        values = list(self.values)
        weights = self.weights or (1.0,) * len(values)
        cumulative = list(itertools.accumulate(w / sum(weights) for w in weights))
        last = len(values) - 1
        random = rng.random
        return lambda: values[min(bisect.bisect_right(cumulative, random()), last)]

    def count_sampler(self, rng: np.random.Generator) -> Callable[[], int]:
        """Like :meth:`sampler` but rounded to a non-negative whole number."""
        draw = self.sampler(rng)
        return lambda: max(0, int(round(draw())))


def _shorthand(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


def _non_negative(spec: Dist) -> Dist:
    if spec.lower_bound < 0:
        raise ValueError(f"must not produce negative values (lowest possible value is {spec.lower_bound:g})")
    return spec


#: any distribution; a bare number means a constant
AnyDist = Annotated[Dist, BeforeValidator(_shorthand)]
#: a duration or count: never negative
NonNegDist = Annotated[Dist, BeforeValidator(_shorthand), AfterValidator(_non_negative)]
