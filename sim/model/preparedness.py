"""Staff preparedness (issue 17): how recently and how often the room drilled the fallback,
mapped to the factors it puts on the scenario's own values.

The scenario's values describe a **reference team** (drilled once a year, last drill six months
ago, fresh at the outage's start): every factor here is exactly 1 for that team, so a scenario
without ``preparedness`` and one with the reference give the same numbers, and every delay or
time factor in a scenario stays usable directly. Pure functions of plain numbers; the sources and
estimates are in docs/assumptions.md ("Staff preparedness").

The skill behind the fallback is one quantity, the **deficit** ``d`` in [0, 1] (1 = a novice,
0 = everything a perfect drill regime could teach), from two published laws:

* practice: the gain of ``n`` practice trials follows the power law of practice (Newell &
  Rosenbloom 1981), ``1 - n**-ALPHA``; ``n`` counts the initial training and the drills of the
  last ``PRACTICE_WINDOW_YEARS`` years;
* decay: the share of that gain still there after ``m`` months without practice halves every
  ``SPEED_HALF_LIFE_MONTHS`` for speed and every ``ACCURACY_HALF_LIFE_MONTHS`` for accuracy
  (Tatel & Ackerman 2025 meta-analysis; Arthur et al. 1998: cognitive, accuracy-based tasks
  decay fastest).

The learning curve: during an outage the fallback work is practice too. Every
``WORK_PER_DRILL_MIN`` of it counts as one more trial, and the decayed part of the old gain comes
back (relearning, half-life ``RELEARN_HALF_LIFE_MIN``). The reference team learns as well, and
factors compare the two at the same moment, so the gap between a poorly and a well drilled team
narrows as the outage goes on. Fatigue (Folkard & Tucker 2003) is a separate factor on errors and
on the fallback's extra work.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the team the scenario's values describe: (months since the last drill, drills a year)
REFERENCE = (6.0, 1.0)
#: the named levels of ``preparedness.level``: (months since the last drill, drills a year)
LEVELS: dict[str, tuple[float, float]] = {
    "low": (24.0, 0.5),  # a drill every other year, the last one two years ago
    "medium": REFERENCE,
    "high": (1.5, 4.0),  # quarterly, the last one six weeks ago
}
#: drills a year the mapping covers (monthly): the best team's deficit anchors the error scale
MAX_DRILLS_PER_YEAR = 12.0
PRACTICE_WINDOW_YEARS = 3.0  # E (2-5): drills older than this no longer add practice
ALPHA = 0.4  # power-law exponent of practice (Newell & Rosenbloom 1981: 0.2-0.6); E within that range
SPEED_HALF_LIFE_MONTHS = 13.0  # Tatel & Ackerman 2025: half the gain lost after ~13 months (speed)
ACCURACY_HALF_LIFE_MONTHS = 6.5  # same: ~6.5 months (accuracy)
#: the share of the fallback's extra work no practice removes (keying a set, dialling); E 0.2-0.5
MECHANICAL_SHARE = 0.3
RELEARN_HALF_LIFE_MIN = 30.0  # E (10-90): half the decayed skill back after this much fallback work
WORK_PER_DRILL_MIN = 60.0  # E (30-240): minutes of real fallback work that teach as much as one drill
#: SPAR-H's Experience/Training factor on error probabilities (NUREG/CR-6883): low 3, high 0.5
NOVICE_ERROR_FACTOR, BEST_ERROR_FACTOR = 3.0, 0.5


def practice_gain(drills_per_year: float, work_min: float = 0.0) -> float:
    """Share of a novice's extra time that practice removes, fresh from the last drill: the
    initial training, the drills of the window, and ``work_min`` of fallback work."""
    drills = PRACTICE_WINDOW_YEARS * min(drills_per_year, MAX_DRILLS_PER_YEAR)
    return 1.0 - (1.0 + drills + work_min / WORK_PER_DRILL_MIN) ** -ALPHA


def retained(months: float, half_life_months: float, work_min: float = 0.0) -> float:
    """Share of the practice gain left after ``months`` without a drill, and ``work_min``
    minutes of fallback work since (relearning)."""
    lost = 1.0 - 2.0 ** (-months / half_life_months)
    return 1.0 - lost * 2.0 ** (-work_min / RELEARN_HALF_LIFE_MIN)


def deficit(months: float, drills_per_year: float, half_life_months: float, work_min: float = 0.0) -> float:
    """The skill deficit in [0, 1]: 1 = a novice, 0 = unlimited practice, nothing forgotten."""
    return 1.0 - practice_gain(drills_per_year, work_min) * retained(months, half_life_months, work_min)


def delay_factor(months: float, drills_per_year: float) -> float:
    """Factor on detection, decision and activation delays: recognising the failure, recalling
    the procedure and finding the sets are speed of a cognitive task."""
    return deficit(months, drills_per_year, SPEED_HALF_LIFE_MONTHS) / deficit(*REFERENCE, SPEED_HALF_LIFE_MONTHS)


def _extra_work(d: float) -> float:
    return MECHANICAL_SHARE + (1.0 - MECHANICAL_SHARE) * d


def pace_factor(months: float, drills_per_year: float, practice_min: float = 0.0) -> float:
    """Factor on a fallback channel's extra time (its time factor above 1), after
    ``practice_min`` minutes of work on it."""
    d = deficit(months, drills_per_year, SPEED_HALF_LIFE_MONTHS, practice_min)
    ref = deficit(*REFERENCE, SPEED_HALF_LIFE_MONTHS, practice_min)
    return _extra_work(d) / _extra_work(ref)


def error_factor(months: float, drills_per_year: float, outage_min: float = 0.0) -> float:
    """Factor on error probabilities, ``outage_min`` into the outage: log-linear in the accuracy
    deficit between SPAR-H's anchors, a novice x3 and the best-drilled team x0.5, the reference x1."""
    d = deficit(months, drills_per_year, ACCURACY_HALF_LIFE_MONTHS, outage_min)
    ref = deficit(*REFERENCE, ACCURACY_HALF_LIFE_MONTHS, outage_min)
    if d >= ref:
        return NOVICE_ERROR_FACTOR ** ((d - ref) / (1.0 - ref))
    best = 1.0 - practice_gain(MAX_DRILLS_PER_YEAR, outage_min)  # monthly drills, nothing forgotten
    return BEST_ERROR_FACTOR ** ((ref - d) / (ref - best))


def fatigue_factor(hours: float, after_h: float, doubling_h: float) -> float:
    """Risk rises exponentially beyond ``after_h`` hours, doubling every ``doubling_h``
    (Folkard & Tucker 2003: the 12th hour on duty about twice the first eight)."""
    return 2.0 ** (max(0.0, hours - after_h) / doubling_h)


def paced(time_factor: float, multiplier: float) -> float:
    """A channel's time factor with its extra work (the part above 1) scaled; talking itself
    takes as long as on the console. Exactly ``time_factor`` when ``multiplier`` is 1."""
    if multiplier == 1.0 or time_factor <= 1.0:
        return time_factor
    return 1.0 + (time_factor - 1.0) * multiplier


@dataclass(frozen=True)
class Team:
    """The room's staff as preparedness describes them; the model asks it for factors."""

    months: float
    drills_per_year: float
    fatigue_after_h: float | None = None  # None: no fatigue
    fatigue_doubling_h: float = 4.0

    def fatigue(self, outage_min: float) -> float:
        if self.fatigue_after_h is None:
            return 1.0
        return fatigue_factor(outage_min / 60.0, self.fatigue_after_h, self.fatigue_doubling_h)

    def delay(self) -> float:
        return delay_factor(self.months, self.drills_per_year)

    def pace(self, practice_min: float, outage_min: float) -> float:
        return pace_factor(self.months, self.drills_per_year, practice_min) * self.fatigue(outage_min)

    def errors(self, outage_min: float) -> float:
        return error_factor(self.months, self.drills_per_year, outage_min) * self.fatigue(outage_min)


def team_of(preparedness) -> Team | None:
    """The team a scenario's ``preparedness`` section describes; None without one. The reference
    team gets a Team too (its factors are exactly 1), so a test of that compares like with like."""
    if preparedness is None:
        return None
    fatigue = preparedness.fatigue
    return Team(
        preparedness.months_since_last_drill,
        preparedness.drills_per_year,
        None if fatigue is None else fatigue.after_h,
        4.0 if fatigue is None else fatigue.doubling_h,
    )
