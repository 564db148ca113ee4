"""One replication's records as columns, ready for Parquet.

Tables are dicts of column lists so they pickle cheaply between worker processes; the
schema is fixed here once so every run writes the same columns and types.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from sim.experiments.kpis import minute_series, unreachable_intervals
from sim.model.room import Outcome
from sim.model.rows import CallRow, DispatchRow, MessageRow

_F, _I, _S = pa.float64(), pa.int32(), pa.string()

SCHEMAS: dict[str, pa.Schema] = {
    "incidents": pa.schema(
        [
            ("replication", _I),
            ("incident", _I),
            ("minute", _F),
            ("region", _S),
            ("type", _S),
            ("priority", _I),
            ("norm_min", _F),
            ("units_needed", _I),
            ("t_answered", _F),
            ("t_alarm", _F),
            ("t_on_scene", _F),
            ("t_closed", _F),
            ("state", _S),
            ("lat", _F),
            ("lon", _F),
        ]
    ),
    "calls": pa.schema(
        [
            ("replication", _I),
            ("call", _I),
            ("incident", _I),
            ("caller", _I),
            ("attempt", _I),
            ("t_arrival", _F),
            ("t_answered", _F),
            ("t_end", _F),
            ("handled_as", _S),
            ("state", _S),
            ("room", _S),
        ]
    ),
    "messages": pa.schema(
        [
            ("replication", _I),
            ("message", _I),
            ("incident", _I),
            ("unit", _S),
            ("kind", _S),
            ("t_created", _F),
            ("t_start", _F),
            ("t_end", _F),
            ("channel", _S),
            ("state", _S),
            ("attempts", _I),
        ]
    ),
    "dispatches": pa.schema(
        [
            ("replication", _I),
            ("incident", _I),
            ("unit", _S),
            ("station", _S),
            ("t_dispatched", _F),
            ("t_alarm", _F),
            ("alarm_channel", _S),
            ("t_departed", _F),
            ("t_on_scene", _F),
            ("t_clear", _F),
            ("t_available", _F),
            ("state", _S),
            ("t_ack", _F),
            ("role", _S),
            ("alarms", _I),
        ]
    ),
    "timeline": pa.schema([("replication", _I), ("minute", _F), ("event", _S), ("subject", _S), ("detail", _S)]),
    # every stretch a unit on a job could not be reached by any voice channel (for the map)
    "unreachable": pa.schema(
        [("replication", _I), ("incident", _I), ("unit", _S), ("station", _S), ("start", _F), ("end", _F)]
    ),
}


def _none(x):
    return None if x is None or math.isnan(x) else x


def tables(outcome: Outcome, replication: int) -> dict[str, dict[str, list]]:
    names = outcome.unit_names
    stations = [s.name for s in outcome.scenario.units.stations]
    incidents = [
        (
            replication,
            i.id,
            i.minute,
            i.region,
            i.type,
            i.priority,
            i.norm_min,
            i.units_needed,
            _none(i.t_answered),
            _none(i.t_alarm),
            _none(i.t_on_scene),
            _none(i.t_closed),
            i.state,
            _none(i.lat),
            _none(i.lon),
        )
        for i in outcome.incidents
    ]
    C, M, D = CallRow, MessageRow, DispatchRow
    calls = [
        (replication, *c[: C.T_ANSWERED], _none(c[C.T_ANSWERED]), _none(c[C.T_END]), *c[C.HANDLED_AS :])
        for c in outcome.calls
    ]
    messages = [
        (
            replication,
            *m[: M.UNIT],
            names[m[M.UNIT]],
            *m[M.KIND : M.T_START],
            _none(m[M.T_START]),
            _none(m[M.T_END]),
            *m[M.CHANNEL :],
        )
        for m in outcome.messages
    ]
    dispatches = [
        (
            replication,
            d[D.INCIDENT],
            names[d[D.UNIT]],
            stations[d[D.STATION]],
            d[D.T_DISPATCHED],
            _none(d[D.T_ALARM]),
            d[D.ALARM_CHANNEL],
            *map(_none, d[D.T_DEPARTED : D.STATE]),
            d[D.STATE],
            _none(d[D.T_ACK]),
            d[D.ROLE],
            d[D.ALARMS],
        )
        for d in outcome.dispatches
    ]
    timeline = [(replication, *row) for row in outcome.timeline]
    unreachable = [
        (replication, d[D.INCIDENT], names[d[D.UNIT]], stations[d[D.STATION]], start, end)
        for d, start, end in ((outcome.dispatches[k], a, b) for k, a, b in unreachable_intervals(outcome))
    ]
    out = {}
    for name, rows in (
        ("incidents", incidents),
        ("calls", calls),
        ("messages", messages),
        ("dispatches", dispatches),
        ("timeline", timeline),
        ("unreachable", unreachable),
    ):
        columns = SCHEMAS[name].names
        out[name] = (
            {c: list(v) for c, v in zip(columns, zip(*rows, strict=False), strict=False)}
            if rows
            else {c: [] for c in columns}
        )
    series = minute_series(outcome)
    out["timeseries"] = {
        "replication": [replication] * len(series["minute"]),
        **{k: v.tolist() for k, v in series.items()},
    }
    return out


#: folder of the run directory with each partner room's record tables (issue 16):
#: ``rooms/<name>/<table>.parquet``, the same tables and columns as the main room's
ROOMS_DIR = "rooms"


def room_tables(outcome: Outcome, replication: int) -> dict[str, dict[str, list]]:
    """Every partner room's tables, named by their path in the run directory
    (``rooms/MKNN/calls``); nothing for a room alone, so its files stay as they were."""
    return {
        f"{ROOMS_DIR}/{name}/{table}": columns
        for name, partner in outcome.partners.items()
        for table, columns in tables(partner, replication).items()
    }


def to_arrow(name: str, columns: dict[str, list]) -> pa.Table:
    """``name`` is a table's name or its path in the run directory (``rooms/MKNN/calls``)."""
    name = name.rsplit("/", 1)[-1]
    if name in SCHEMAS:
        return pa.table(columns, schema=SCHEMAS[name])
    # NaN (unlimited capacity) stored as null, so equal runs give equal tables
    return pa.table(
        {k: pa.array(v, type=_I) if k in ("replication", "minute") else float_array(v) for k, v in columns.items()}
    )


def float_array(values) -> pa.Array:
    """float64 with NaN as null: what ``from_pandas=True`` gives, without importing pandas
    (which that flag does: ~0.4 s and ~50 MiB in the process that writes the results)."""
    a = np.asarray(values, dtype=float)
    return pa.array(a, type=_F, mask=np.isnan(a))
