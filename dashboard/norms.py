"""The norms the dashboard checks KPIs against, each with its source.

A KPI mean below ``minimum`` (or above ``maximum``) is coloured as a broken norm in the
Compare table and drawn as a line in the figures. Grouped variants
(``opkomsttijd_within_norm_share[region=VNOG]``) are checked against their base KPI's norm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Norm:
    minimum: float | None = None
    maximum: float | None = None
    source: str = ""

    def broken(self, value) -> bool:
        if value is None or math.isnan(value):
            return False
        return (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        )

    def describe(self) -> str:
        if self.minimum is not None:
            return f"≥ {self.minimum:g}"
        return f"≤ {self.maximum:g}"


#: processing (verwerkingstijd) target in seconds: call to alarm
PROCESSING_TARGET_S = 60.0
#: share of incidents that must meet a time norm (Bvr: at most 10 % may exceed it)
NORM_SHARE = 0.90

NORMS: MappingProxyType[str, Norm] = MappingProxyType(
    {
        "opkomsttijd_within_norm_share": Norm(
            minimum=NORM_SHARE,
            source="Besluit veiligheidsregio's art. 3.2.1 and annex: the realised opkomsttijd may exceed the "
            "norm for the object or incident type in at most 10 % of cases (domain.md §4, "
            "brandpreventieforum.nl quoting the Bvr; brandweer.nl/onderwerpen/normen-voor-opkomsttijd).",
        ),
        "processing_within_60s_share": Norm(
            minimum=NORM_SHARE,
            source="Fire centralist target: 'what and where within 1 minute' (omroepbrabant.nl/4035108, "
            "domain.md §4); the 90 % share is an estimate by analogy with the Bvr '≤ 10 % may "
            "exceed' rule, no published share was found.",
        ),
    }
)


def norm_of(kpi: str) -> Norm | None:
    return NORMS.get(kpi.split("[", 1)[0])
