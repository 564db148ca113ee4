"""Debrief of an exercise: what the team's own timings cost against the procedure's.

The trainer writes, in the ``actual`` column of the ``exercise.csv`` that ``meldsim exercise``
wrote, the clock time at which the team noticed the outage, decided, and had each fallback
step running (or ``never``), and optionally how many spoken statuses the room missed or put
on the wrong unit. :func:`run_debrief` then runs the night over many replications twice with
common random numbers:

- **planned**: the procedure's steps at the times of the exercise's own replication, as
  fixed delays (detection from the outage start, decision from detection, each step from the
  one before);
- **observed**: the same with the team's times.

Both arms fix every timed delay (a constant, no draw), so they consume the same random
numbers and differ only where the timings differ: observed == planned gives exactly zero.
Per step, a third run puts that step's own delay (from the step before it) at the team's value
and keeps the others planned, so later steps move with it: the cost of each delay alone.

How the timings map onto the model (docs/assumptions.md, "Debrief"):

- delays apply to every response of the night, measured from the outage start that began it;
- the CaCo's decision waits for the CaCo to be free in the model; the wait the exercise's
  replication had at that moment is part of the script the team played, so it is taken out of
  both arms' decision delay (the exercise's replication then repeats itself exactly in the
  planned arm, and other replications add their own wait);
- ``never`` is a delay longer than the night; a step never run is left out;
- statuses missed or wrong become rates per spoken status of the exercise's window
  (``resilience.spoken_status_missed_probability`` / ``spoken_status_error_probability``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sim.experiments import runner
from sim.experiments.metrics import metric_of
from sim.experiments.stats import paired_difference, summarise
from sim.model.distributions import Dist
from sim.model.loading import Problem, ScenarioError
from sim.model.room import CACO_DECISION, STATUSES, Outcome, simulate
from sim.model.rows import MessageRow as M
from sim.model.scenario import Scenario
from sim.outputs.exercise import (
    ACTIVATED_PREFIX,
    COUNT_EVENTS,
    OUTAGE_EVENT,
    STEP_DECIDED,
    STEP_DETECTED,
    STEP_RELOCATED,
    first_response,
)

#: what the debrief reports, in this order
DEBRIEF_KPIS = (
    "unit_minutes_unreachable",
    "idle_unknown_unit_min",
    "reinforcement_delay_mean_min",
    "processing_time_mean_s",
    "opkomsttijd_mean_min",
)
DEFAULT_RANK_KPI = "unit_minutes_unreachable"
DEFAULT_REPLICATIONS = 100
NEVER = "never"
NEVER_WORDS = frozenset({"never", "nooit"})
STATUSES_ITEM = "statuses"  # the attribution item of the status counts
#: headers of the clock and minute columns in every language exercise.csv is written in
TIME_HEADERS = frozenset({"tijd / time", "tijd", "time"})
MINUTE_HEADERS = frozenset({"minuut / minute", "minuut", "minute"})
SAME_MIN = 1 / 60  # own delays within a second are the same: times are written to the second at best
PLANNED_TOLERANCE_MIN = 0.051  # the CSV's minute is rounded to 0.1
MAX_PROBLEMS = 50
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$")

Progress = Callable[[int, int], None]


def is_step(event: str) -> bool:
    return event in (STEP_DETECTED, STEP_DECIDED, STEP_RELOCATED) or (
        event.startswith(ACTIVATED_PREFIX) and len(event) > len(ACTIVATED_PREFIX)
    )


@dataclass(frozen=True)
class DebriefStep:
    event: str  # detected, decided, activated:<channel>, relocated
    row: int  # line of the CSV (the header is line 1)
    planned_min: float
    observed_min: float | None  # None: the team never did it

    @property
    def never(self) -> bool:
        return self.observed_min is None

    @property
    def changed(self) -> bool:
        return self.observed_min != self.planned_min


@dataclass
class Debrief:
    """A filled-in exercise: planned and observed minute per step, and what identifies the exercise."""

    source: str
    outage_start_min: float
    steps: list[DebriefStep]
    statuses_lost: int | None = None
    statuses_wrong: int | None = None
    window: tuple[float, float] | None = None  # first and last minute of the script
    scenario_name: str | None = None
    seed: int | None = None
    replication: int | None = None

    def step(self, event: str) -> DebriefStep | None:
        return next((s for s in self.steps if s.event == event), None)

    def with_observed(self, **observed: float | None) -> Debrief:
        """A copy with some steps' observed minutes replaced (keys: events with ':' written as '__')."""
        times = {k.replace("__", ":"): v for k, v in observed.items()}
        unknown = set(times) - {s.event for s in self.steps}
        if unknown:
            raise KeyError(f"no such step: {', '.join(sorted(unknown))}")
        steps = [replace(s, observed_min=times[s.event]) if s.event in times else s for s in self.steps]
        return replace(self, steps=steps)


# --- reading the filled CSV ------------------------------------------------------------------
def parse_clock(text: str) -> tuple[int, bool] | None:
    """Seconds since midnight of ``HH:MM`` or ``HH:MM:SS`` (and whether seconds were given), or None."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
    if not (h < 24 and m < 60 and s < 60):
        return None
    return (h * 60 + m) * 60 + s, match[3] is not None


def observed_minute(actual: str, row_time: str, row_minute: float) -> float:
    """The model minute of a clock time written on a row whose planned time is ``row_time`` (its
    ``row_minute``): the nearest such clock time, before or after. ``HH:MM`` equal to the row's own
    clock means on time: exactly the planned minute (the clock shows minutes only)."""
    clock, seconds = parse_clock(actual)
    reference = parse_clock(row_time)
    if reference is None:
        raise ValueError(f"time: '{row_time}' is not HH:MM")
    if not seconds and clock == reference[0]:
        return row_minute
    base = math.floor(round(row_minute, 1) + 1e-9)  # the minute whose clock the row shows
    delta = ((clock - reference[0]) / 60 + 720) % 1440 - 720
    return base + delta


def _delimiter(text: str) -> str:
    """``;`` for a sheet saved in a Dutch locale (Excel writes ``;`` where ``,`` is the decimal mark)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_debrief(text: str, source: str = "debrief.csv", exercise: dict | None = None) -> Debrief:
    """The filled ``exercise.csv``: every problem at once as ``FILE: row N: field: problem``.

    ``exercise`` is the ``exercise.json`` written beside it (seed, replication, scenario name);
    without it those stay None and :func:`run_debrief` needs them some other way.
    """
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(source, where, message))

    text = text.removeprefix("\ufeff")  # Excel's UTF-8 mark
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ScenarioError([Problem(source, "", f"not a CSV file: {exc}")]) from None
    records = [(n, row) for n, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise ScenarioError([Problem(source, "", "empty file: the exercise.csv of `meldsim exercise`, filled in")])
    header_line, header = records[0]
    names = [h.strip().lower() for h in header]
    columns = {
        "time": next((i for i, h in enumerate(names) if h in TIME_HEADERS), None),
        "minute": next((i for i, h in enumerate(names) if h in MINUTE_HEADERS), None),
        "event": names.index("event") if "event" in names else None,
        "actual": names.index("actual") if "actual" in names else None,
    }
    missing = [c for c, i in columns.items() if i is None]
    if missing:
        raise ScenarioError(
            [
                Problem(
                    source,
                    f"row {header_line}",
                    f"missing column(s) {', '.join(missing)}: fill in the exercise.csv that `meldsim exercise` wrote",
                )
            ]
        )
    outage: float | None = None
    found: dict[str, tuple[int, str, str, str]] = {}  # event -> (line, time, minute, actual)
    counts: dict[str, int | None] = dict.fromkeys(COUNT_EVENTS)
    last_minute = first_minute = None
    for line, row in records[1:]:
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        event, actual = cell["event"], cell["actual"]
        try:
            minute = float(cell["minute"])
            first_minute = minute if first_minute is None else first_minute
            last_minute = minute
        except ValueError:
            minute = math.nan
        if not event:
            if actual:
                bad(f"row {line}", f"actual: '{actual}' on a row that is not a procedure step; leave it empty")
            continue
        if (
            event in found
            or (event in COUNT_EVENTS and counts[event] is not None)
            or (event == OUTAGE_EVENT and outage is not None)
        ):
            bad(f"row {line}", f"event: '{event}' appears twice")
            continue
        if event == OUTAGE_EVENT:
            if actual:
                bad(f"row {line}", "actual: the outage start is the script's; leave it empty")
            if math.isnan(minute):
                bad(f"row {line}", f"minute: '{cell['minute']}' is not a number")
            else:
                outage = minute
        elif event in COUNT_EVENTS:
            if actual and not actual.isdigit():
                bad(f"row {line}", f"actual: '{actual}' is not a count (a whole number, 0 or more)")
            else:
                counts[event] = int(actual) if actual else None
        elif is_step(event):
            if math.isnan(minute):
                bad(f"row {line}", f"minute: '{cell['minute']}' is not a number (the script's planned minute)")
            elif parse_clock(cell["time"]) is None:
                bad(f"row {line}", f"time: '{cell['time']}' is not HH:MM (the script's planned time)")
            found[event] = (line, cell["time"], cell["minute"], actual)
        else:
            bad(
                f"row {line}",
                f"event: unknown '{event}' (steps: {STEP_DETECTED}, {STEP_DECIDED}, {ACTIVATED_PREFIX}CHANNEL, "
                f"{STEP_RELOCATED}; counts: {', '.join(COUNT_EVENTS)})",
            )
    if outage is None:
        bad("event", f"no row with event '{OUTAGE_EVENT}': the script has no outage the procedure answered")
    if not found:
        bad("event", "no procedure step rows (event detected, decided, activated:...): nothing to debrief")
    for needed in (STEP_DETECTED, STEP_DECIDED):
        if found and needed not in found:
            bad("event", f"no row with event '{needed}' (was the script's window cut before it?)")
    steps = _steps(found, outage, bad)
    if problems:
        raise ScenarioError(sorted(problems, key=_row_order))
    exercise = exercise or {}
    return Debrief(
        source=source,
        outage_start_min=outage,
        steps=steps,
        statuses_lost=counts["statuses_lost"],
        statuses_wrong=counts["statuses_wrong"],
        window=(first_minute, last_minute) if first_minute is not None else None,
        scenario_name=exercise.get("scenario_name"),
        seed=exercise.get("seed"),
        replication=exercise.get("replication"),
    )


def _row_order(problem: Problem) -> tuple[int, int]:
    """Problems of rows in row order, then those of the whole file."""
    where = problem.path.removeprefix("row ")
    return (0, int(where)) if where.isdigit() else (1, 0)


def _steps(found: dict, outage: float | None, bad) -> list[DebriefStep]:
    """The step rows as planned and observed minutes, checked for order: detected, decided, then the steps."""
    steps = []
    for event, (line, row_time, row_minute, actual) in found.items():
        try:
            planned = float(row_minute)
        except ValueError:
            continue  # reported already
        if parse_clock(row_time) is None:
            continue
        if not actual:
            bad(f"row {line}", "actual: missing: the clock time the team had this done (HH:MM), or 'never'")
            continue
        if actual.lower() in NEVER_WORDS:
            steps.append(DebriefStep(event, line, planned, None))
            continue
        if parse_clock(actual) is None:
            bad(f"row {line}", f"actual: '{actual}' is not a clock time HH:MM (or HH:MM:SS), nor 'never'")
            continue
        observed = observed_minute(actual, row_time, planned)
        if outage is not None and observed < outage:
            bad(f"row {line}", f"actual: {actual} is before the outage started (minute {outage:.1f})")
            continue
        steps.append(DebriefStep(event, line, planned, observed))
    steps.sort(key=lambda s: (s.planned_min, s.row))
    by_event = {s.event: s for s in steps}
    detected, decided = by_event.get(STEP_DETECTED), by_event.get(STEP_DECIDED)
    order = [(decided, detected, "detected")] + [
        (s, decided, "decided") for s in steps if s.event not in (STEP_DETECTED, STEP_DECIDED)
    ]
    for step, before, name in order:
        if step is None or before is None or step.never:
            continue
        if before.never:
            bad(f"row {step.row}", f"actual: {step.event} at a time, but {name} is 'never'")
        elif step.observed_min < before.observed_min:
            bad(
                f"row {step.row}",
                f"actual: {found[step.event][3]} is before {name} ({found[before.event][3]}, row {before.row})",
            )
    return steps


def fill_csv(text: str, actual: dict[str, str | int]) -> str:
    """The exercise CSV with the ``actual`` cell of the rows named by event set (for a form, and tests)."""
    rows = list(csv.reader(io.StringIO(text)))
    names = [h.strip().lower() for h in rows[0]]
    e, a = names.index("event"), names.index("actual")
    for row in rows[1:]:
        if len(row) > max(e, a) and row[e] in actual:
            row[a] = str(actual[row[e]])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# --- the arms --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Night:
    """What the exercise's own replication says the debrief needs: exact planned minutes, the CaCo's
    wait for the decision, and how many statuses were spoken in the script's window."""

    start: float
    planned: dict[str, float]  # event -> minute, in the procedure's order
    caco_wait: float
    spoken_statuses: int


def replay(scenario: Scenario, debrief: Debrief, seed: int, replication: int) -> Night:
    """Simulate the exercise's night again and check the CSV belongs to it."""
    outcome = simulate(scenario, seed, replication)
    response = first_response(outcome)
    where = f"{scenario.name}, seed {seed}, replication {replication}"
    if response is None:
        raise ScenarioError([Problem(debrief.source, "event", f"{where} has no procedure response to an outage")])
    problems = []
    planned = dict(response.steps)
    if abs(response.start - debrief.outage_start_min) > PLANNED_TOLERANCE_MIN:
        problems.append(
            Problem(
                debrief.source,
                OUTAGE_EVENT,
                f"the outage starts at minute {debrief.outage_start_min:.1f} here and {response.start:.1f} in {where}",
            )
        )
    for step in debrief.steps:
        minute = planned.get(step.event)
        if minute is None:
            problems.append(Problem(debrief.source, f"row {step.row}", f"event: {where} has no step '{step.event}'"))
        elif abs(minute - step.planned_min) > PLANNED_TOLERANCE_MIN:
            problems.append(
                Problem(
                    debrief.source,
                    f"row {step.row}",
                    f"minute: {step.planned_min:.1f}, but {where} has this step at {minute:.1f} "
                    "(a CSV of another exercise, or an edited minute?)",
                )
            )
    if problems:
        raise ScenarioError(problems)
    timed = {s.event for s in debrief.steps}
    return Night(
        response.start,
        {event: minute for event, minute in response.steps if event in timed},
        _caco_wait(outcome, planned.get(STEP_DETECTED)),
        _spoken(outcome, debrief.window),
    )


def _caco_wait(outcome: Outcome, detected: float | None) -> float:
    """How long the fallback decision waited for the CaCo in the exercise's night."""
    if detected is None:
        return 0.0
    for m in outcome.messages:
        if m[M.KIND] == CACO_DECISION and abs(m[M.T_CREATED] - detected) < 1e-9 and not math.isnan(m[M.T_START]):
            return m[M.T_START] - m[M.T_CREATED]
    return 0.0


def _spoken(outcome: Outcome, window: tuple[float, float] | None) -> int:
    """Statuses spoken to the room (not pressed on a status channel) in the script's window."""
    lo, hi = window or (-math.inf, math.inf)
    status_channels = {n for n, ch in outcome.scenario.channels.items() if ch.purpose == "status"}
    return sum(
        1
        for m in outcome.messages
        if m[M.KIND] in STATUSES and m[M.CHANNEL] not in status_channels and lo <= m[M.T_CREATED] <= hi
    )


@dataclass(frozen=True)
class Arm:
    """One way the night goes: a minute per timed step (None: never) and the status rates."""

    times: tuple[tuple[str, float | None], ...]
    missed: float
    wrong: float

    def key(self) -> tuple:
        return (self.times, self.missed, self.wrong)


def _constant(value: float) -> Dist:
    return Dist(dist="constant", value=float(value))


def arm_scenario(scenario: Scenario, night: Night, arm: Arm) -> Scenario:
    """The scenario with the arm's timings as fixed delays and its status rates."""
    never = scenario.horizon.duration_min + 1.0  # later than anything in the night
    times = dict(arm.times)
    detected, decided = times.get(STEP_DETECTED), times.get(STEP_DECIDED)
    detection = never if detected is None else detected - night.start
    decision = never if detected is None or decided is None else max(0.0, decided - detected - night.caco_wait)
    procedure = scenario.procedure
    order = list(times)  # the planned order breaks ties
    done = sorted(
        ((t, order.index(e), e) for e, t in times.items() if e not in (STEP_DETECTED, STEP_DECIDED) and t is not None),
    )
    steps, gaps, previous = [], {}, decided
    for t, _, event in done if decided is not None else []:
        name = "relocate" if event == STEP_RELOCATED else event.removeprefix(ACTIVATED_PREFIX)
        steps.append(name)
        gaps[name] = max(0.0, t - previous)
        previous = t
    timed = {"relocate" if e == STEP_RELOCATED else e.removeprefix(ACTIVATED_PREFIX) for e in times}
    steps += [s for s in procedure.steps if s not in timed]  # steps the exercise's night never reached
    channels = {
        name: ch.model_copy(update={"activation_min": _constant(gaps[name])}) if name in gaps else ch
        for name, ch in scenario.channels.items()
    }
    relocation = procedure.relocation
    if relocation is not None and "relocate" in gaps:
        relocation = relocation.model_copy(update={"move_min": _constant(gaps["relocate"])})
    update = {
        "detection": "delay",
        "detection_min": _constant(detection),
        "decision_min": _constant(decision),
        "steps": steps,
        "relocation": relocation,
    }
    resilience = scenario.resilience.model_copy(
        update={"spoken_status_missed_probability": arm.missed, "spoken_status_error_probability": arm.wrong}
    )
    return scenario.model_copy(
        update={"procedure": procedure.model_copy(update=update), "channels": channels, "resilience": resilience}
    )


def own_delays(night: Night, times: dict[str, float | None]) -> dict[str, float | None]:
    """Each step's own delay: from the last step before it in the procedure's order that was done
    (detection: from the outage start); None for a step never done. A step done before the one
    planned ahead of it has no delay of its own (0)."""
    delays: dict[str, float | None] = {}
    previous = night.start
    for event in night.planned:
        t = times[event]
        delays[event] = None if t is None else max(0.0, t - previous)
        previous = previous if t is None else max(previous, t)
    return delays


def alone(night: Night, delays: dict[str, float | None], event: str, delay: float | None) -> dict[str, float | None]:
    """The planned minutes with one step's own delay changed: the steps before it stay, later ones move with it."""
    times: dict[str, float | None] = {}
    previous: float | None = night.start
    changed = False
    for e, minute in night.planned.items():
        if e == event:
            changed = True
            t = None if delay is None or previous is None else previous + delay
        elif not changed:
            t = minute
        else:
            d = delays[e]
            t = None if d is None or previous is None else previous + d
        times[e] = t
        if t is not None:
            previous = t
        elif e in (STEP_DETECTED, STEP_DECIDED):
            previous = None  # nothing after a decision never taken
    return times


# --- running and summarising -----------------------------------------------------------------
@dataclass
class StepCost:
    item: str  # a step's event, or "statuses"
    planned: float | None  # minute (a step) or rate per spoken status (statuses)
    observed: float | None
    planned_delay: float | None
    observed_delay: float | None
    difference: dict[str, dict]  # KPI -> paired difference (this item alone at the team's value - planned)
    ran: bool  # False: the team matched the plan, so the difference is zero without a run

    def cost(self, kpi: str) -> float:
        mean = self.difference[kpi]["mean"]
        return (-mean if metric_of(kpi).better == "higher" else mean) if mean == mean else math.nan


@dataclass
class DebriefResult:
    debrief: Debrief
    scenario_name: str
    seed: int
    replications: int
    kpis: tuple[str, ...]
    planned: dict[str, dict]  # KPI -> summary of the planned arm
    observed: dict[str, dict]
    difference: dict[str, dict]  # KPI -> paired difference observed - planned
    steps: list[StepCost]  # most costly first (by rank_kpi)
    rank_kpi: str
    costliest: str | None  # the item that alone cost most on rank_kpi; None if nothing cost anything
    rates: dict[str, float]  # the status rates of both arms
    runs: int  # replications simulated in all (arms x replications)
    wall_s: float
    horizon_start: str = ""  # ISO date and time of minute 0, for clock times
    values: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # arm -> KPI -> per replication

    def to_dict(self) -> dict:
        """JSON-safe (NaN as None), for debrief.json and the dashboard."""
        from sim.experiments.results import clean_json

        d = self.debrief
        return clean_json(
            {
                "format": "meldsim-debrief",
                "version": 1,
                "source": d.source,
                "scenario_name": self.scenario_name,
                "seed": self.seed,
                "exercise_replication": d.replication,
                "replications": self.replications,
                "horizon_start": self.horizon_start,
                "outage_start_min": d.outage_start_min,
                "steps": [
                    {"event": s.event, "row": s.row, "planned_min": s.planned_min, "observed_min": s.observed_min}
                    for s in d.steps
                ],
                "statuses_lost": d.statuses_lost,
                "statuses_wrong": d.statuses_wrong,
                "rates": self.rates,
                "kpis": [
                    {
                        "kpi": k,
                        "unit": metric_of(k).unit,
                        "better": metric_of(k).better,
                        "planned": self.planned[k],
                        "observed": self.observed[k],
                        "difference": self.difference[k],
                    }
                    for k in self.kpis
                ],
                "rank_kpi": self.rank_kpi,
                "costliest": self.costliest,
                "attribution": [
                    {
                        "item": s.item,
                        "planned": s.planned,
                        "observed": s.observed,
                        "planned_delay_min": s.planned_delay,
                        "observed_delay_min": s.observed_delay,
                        "ran": s.ran,
                        "cost": s.cost(self.rank_kpi),
                        "difference": s.difference,
                    }
                    for s in self.steps
                ],
                "runs": self.runs,
                "wall_time_s": round(self.wall_s, 3),
            }
        )


def run_debrief(
    scenario: Scenario,
    debrief: Debrief,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    options=None,
    progress: Progress | None = None,
    rank_kpi: str = DEFAULT_RANK_KPI,
    kpis: tuple[str, ...] = DEBRIEF_KPIS,
) -> DebriefResult:
    """Planned and observed timings over ``replications`` nights with the same seeds, and per step its own cost.

    ``options`` (:class:`sim.experiments.api.Options`) gives jobs, executor and engine; its
    replications and seed are overridden by the arguments. The seed defaults to the exercise's.
    """
    clock = time.perf_counter()
    seed = seed if seed is not None else debrief.seed
    missing = [name for name, v in (("seed", seed), ("replication", debrief.replication)) if v is None]
    if missing:
        raise ScenarioError(
            [Problem(debrief.source, name, "unknown: give exercise.json (or the value)") for name in missing]
        )
    if scenario.procedure is None:
        raise ScenarioError([Problem(debrief.source, "procedure", f"{scenario.name} has no fallback procedure")])
    if rank_kpi not in kpis:
        raise ValueError(f"rank_kpi {rank_kpi} is not one of the KPIs")
    night = replay(scenario, debrief, seed, debrief.replication)
    arms, items = _arms(scenario, debrief, night)
    unique: dict[tuple, Arm] = {}
    for arm in arms.values():
        unique.setdefault(arm.key(), arm)
    keys = list(unique)
    jobs = getattr(options, "jobs", 1) if options is not None else 1
    executor = getattr(options, "executor", "process") if options is not None else "process"
    engine = getattr(options, "engine", "fast") if options is not None else "fast"
    tasks = [
        runner.Task(i, arm_scenario(scenario, night, unique[key]), replications, 0, 0, engine)
        for i, key in enumerate(keys)
    ]
    columns: list[dict[str, list[float]]] = [{k: [] for k in kpis} for _ in keys]
    done, total = 0, len(tasks) * replications
    for i, result in runner.iterate_tasks(tasks, seed, jobs=jobs, executor=executor):
        for k in kpis:
            columns[i][k].append(result.kpis.get(k, math.nan))
        done += 1
        if progress:
            progress(done, total)
    values = {name: columns[keys.index(arm.key())] for name, arm in arms.items()}
    planned, observed = values["planned"], values["observed"]
    steps = []
    for item, (p, o, pd, od) in items.items():
        other = values.get(item, planned)
        steps.append(
            StepCost(item, p, o, pd, od, {k: paired_difference(other[k], planned[k]) for k in kpis}, item in values)
        )
    steps.sort(key=lambda s: (-_or(s.cost(rank_kpi), -math.inf), s.item))
    best = steps[0] if steps else None
    costliest = best.item if best is not None and best.cost(rank_kpi) > 0 else None
    return DebriefResult(
        debrief=debrief,
        scenario_name=scenario.name,
        seed=seed,
        replications=replications,
        kpis=tuple(kpis),
        planned={k: summarise(planned[k]) for k in kpis},
        observed={k: summarise(observed[k]) for k in kpis},
        difference={k: paired_difference(observed[k], planned[k]) for k in kpis},
        steps=steps,
        rank_kpi=rank_kpi,
        costliest=costliest,
        rates={
            "planned_missed": arms["planned"].missed,
            "planned_wrong": arms["planned"].wrong,
            "observed_missed": arms["observed"].missed,
            "observed_wrong": arms["observed"].wrong,
            "spoken_statuses_in_script": night.spoken_statuses,
        },
        runs=total,
        wall_s=time.perf_counter() - clock,
        horizon_start=scenario.horizon.start.isoformat(),
        values=values,
    )


def _same(a: float | None, b: float | None) -> bool:
    """Equal own delays: both never, or within SAME_MIN."""
    return (a is None) == (b is None) and (a is None or abs(a - b) <= SAME_MIN)


def _or(x: float, default: float) -> float:
    return default if x != x else x


def _arms(scenario: Scenario, debrief: Debrief, night: Night) -> tuple[dict[str, Arm], dict[str, tuple]]:
    """The planned and observed arms, one per item the team did differently, and each item's values."""
    resilience = scenario.resilience
    missed0, wrong0 = resilience.spoken_status_missed_probability, resilience.spoken_status_error_probability
    missed, wrong = missed0, wrong0
    counts = [(n, c) for n, c in (("statuses_lost", debrief.statuses_lost), ("statuses_wrong", debrief.statuses_wrong))]
    if any(c for _, c in counts) and night.spoken_statuses == 0:
        raise ScenarioError(
            [
                Problem(debrief.source, n, "the script has no spoken statuses, so there is no rate to derive")
                for n, c in counts
                if c
            ]
        )
    if debrief.statuses_lost is not None:
        missed = min(1.0, debrief.statuses_lost / night.spoken_statuses) if night.spoken_statuses else 0.0
    if debrief.statuses_wrong is not None:
        wrong = min(1.0, debrief.statuses_wrong / night.spoken_statuses) if night.spoken_statuses else 0.0
    planned_times = dict(night.planned)
    observed_times = {}
    for event, minute in night.planned.items():
        step = debrief.step(event)
        observed_times[event] = (
            None if step.never else minute if step.observed_min == step.planned_min else step.observed_min
        )
    arms = {
        "planned": Arm(tuple(planned_times.items()), missed0, wrong0),
        "observed": Arm(tuple(observed_times.items()), missed, wrong),
    }
    planned_delays, observed_delays = own_delays(night, planned_times), own_delays(night, observed_times)
    items: dict[str, tuple] = {}
    for event in night.planned:
        p, o = planned_delays[event], observed_delays[event]
        items[event] = (planned_times[event], observed_times[event], p, o)
        if not _same(p, o):
            arms[event] = Arm(tuple(alone(night, planned_delays, event, o).items()), missed0, wrong0)
    if (missed, wrong) != (missed0, wrong0):
        items[STATUSES_ITEM] = (wrong0 + missed0, wrong + missed, None, None)
        arms[STATUSES_ITEM] = Arm(arms["planned"].times, missed, wrong)
    alone_arms = [name for name in arms if name not in ("planned", "observed")]
    if len(alone_arms) == 1:  # the one thing the team did differently: alone, it is the observed night
        arms[alone_arms[0]] = arms["observed"]
    return arms, items


def debrief_exercise(
    csv_text: str,
    exercise: dict | None,
    *,
    scenario: Scenario | None = None,
    source: str = "exercise.csv",
    exercise_source: str = "exercise.json",
    seed: int | None = None,
    replication: int | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    options=None,
    progress: Progress | None = None,
    rank_kpi: str = DEFAULT_RANK_KPI,
) -> DebriefResult:
    """The whole debrief from the filled CSV's text and the ``exercise.json`` beside it (parsed).

    ``scenario``, ``seed`` and ``replication`` replace what exercise.json says. Every problem of
    the CSV and of exercise.json is raised at once, before anything runs.
    """
    problems: list[Problem] = []
    exercise = exercise if exercise is not None else {}
    if not isinstance(exercise, dict):
        raise ScenarioError([Problem(exercise_source, "", "not a JSON object (the exercise.json of meldsim exercise)")])
    for name, given in (("seed", seed), ("replication", replication)):
        value = exercise.get(name) if given is None else given
        if value is None:
            problems.append(Problem(exercise_source, name, "missing (give exercise.json, or the value)"))
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(Problem(exercise_source, name, f"{value!r} is not a whole number >= 0"))
    if scenario is None:
        data = exercise.get("scenario")
        if not isinstance(data, dict):
            problems.append(Problem(exercise_source, "scenario", "missing: give the scenario (--scenario)"))
        else:
            from sim.model.loading import scenario_from_dict

            try:
                scenario = scenario_from_dict(data, exercise_source)
            except ScenarioError as exc:
                problems += exc.problems
    try:
        debrief = read_debrief(csv_text, source, exercise)
    except ScenarioError as exc:
        problems = exc.problems + problems
    if problems:
        raise ScenarioError(problems)
    debrief.seed = seed if seed is not None else exercise["seed"]
    debrief.replication = replication if replication is not None else exercise["replication"]
    debrief.scenario_name = scenario.name
    return run_debrief(
        scenario, debrief, replications=replications, options=options, progress=progress, rank_kpi=rank_kpi
    )
