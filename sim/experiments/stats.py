"""Summaries over replications: mean, sd and a t-based 95 % confidence interval.

Edge cases follow the pydesrap template: with fewer than two observations there is no
interval; with zero variance the interval collapses onto the mean. NaN replications
(a KPI that a replication could not observe) are left out and n says how many counted.
"""

from __future__ import annotations

import math

import numpy as np


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
    # scipy.special, not scipy.stats: the same quantile (t.ppf calls stdtrit) without the
    # ~1 s import of scipy.stats at the end of every run
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.975)) * sd / math.sqrt(n)
    return {"mean": mean, "sd": sd, "ci95_low": mean - half, "ci95_high": mean + half, "n": n}


def paired_difference(values, baseline) -> dict[str, float]:
    """Mean of the per-replication differences ``values - baseline``, its t-CI and a paired t-test p-value.

    Replications where either side is NaN are left out. With common random numbers the
    differences vary far less than either side, which is what makes the interval narrow.
    """
    a, b = np.asarray(values, dtype=float), np.asarray(baseline, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    out = summarise(d)
    if out["n"] < 2:
        out["p_value"] = math.nan
    elif out["sd"] == 0:
        out["p_value"] = 1.0 if out["mean"] == 0 else 0.0
    else:
        from scipy import stats

        out["p_value"] = float(stats.ttest_1samp(d, 0.0).pvalue)
    return out


def unpaired_difference(values, baseline) -> dict[str, float]:
    """Welch's interval for the difference of two means, ignoring the pairing (for comparison)."""
    a, b = np.asarray(values, dtype=float), np.asarray(baseline, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return {"mean": math.nan, "ci95_low": math.nan, "ci95_high": math.nan}
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    mean = float(a.mean() - b.mean())
    if va + vb == 0:
        return {"mean": mean, "ci95_low": mean, "ci95_high": mean}
    from scipy import stats

    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.975, dof)) * math.sqrt(va + vb)
    return {"mean": mean, "ci95_low": mean - half, "ci95_high": mean + half}


def relative_half_width(summary: dict[str, float]) -> float:
    """CI half-width over |mean| (inf when it cannot be judged yet)."""
    if summary["n"] < 2 or math.isnan(summary["ci95_low"]) or summary["mean"] == 0:
        return 0.0 if summary["n"] >= 2 and summary["sd"] == 0 else math.inf
    return (summary["ci95_high"] - summary["ci95_low"]) / 2 / abs(summary["mean"])
