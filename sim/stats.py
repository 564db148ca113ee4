"""Summaries over replications: mean, sd and a t-based 95 % confidence interval.

Edge cases follow the pydesrap template: with fewer than two observations there is no
interval; with zero variance the interval collapses onto the mean. NaN replications
(a KPI that a replication could not observe) are left out and n says how many counted.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def summarise(values) -> dict[str, float]:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return {"mean": math.nan, "sd": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "n": 0}
    mean = float(x.mean())
    if n < 2:
        return {"mean": mean, "sd": math.nan, "ci95_low": math.nan, "ci95_high": math.nan, "n": n}
    sd = float(x.std(ddof=1))
    if sd == 0 or not math.isfinite(sd):
        return {"mean": mean, "sd": 0.0, "ci95_low": mean, "ci95_high": mean, "n": n}
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "sd": sd, "ci95_low": mean - half, "ci95_high": mean + half, "n": n}
