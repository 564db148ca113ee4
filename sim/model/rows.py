"""Row layouts of the model's records: plain lists on the hot path, read by column name.

A row is a list so the model can fill it in as things happen (two appends and an index
store per step); these classes name its columns, so no code reads ``row[5]``. The column
names, in order, are what :mod:`sim.experiments.records` writes to Parquet.
"""

from __future__ import annotations


def columns(layout: type) -> tuple[str, ...]:
    """The column names of a layout class, in index order."""
    index = {name: i for name, i in vars(layout).items() if name.isupper()}
    return tuple(name.lower() for name in sorted(index, key=index.__getitem__))


class CallRow:
    # ROOM: the partner room that answered it after a takeover ("" = this room)
    CALL, INCIDENT, CALLER, ATTEMPT, T_ARRIVAL, T_ANSWERED, T_END, HANDLED_AS, STATE, ROOM = range(10)


class MessageRow:
    MESSAGE, INCIDENT, UNIT, KIND, T_CREATED, T_START, T_END, CHANNEL, STATE, ATTEMPTS = range(10)


class DispatchRow:
    (
        INCIDENT,
        UNIT,
        STATION,
        T_DISPATCHED,
        T_ALARM,
        ALARM_CHANNEL,
        T_DEPARTED,
        T_ON_SCENE,
        T_CLEAR,
        T_AVAILABLE,
        STATE,
        T_ACK,
        ROLE,
        ALARMS,
    ) = range(14)


CALL_COLUMNS = columns(CallRow)
MESSAGE_COLUMNS = columns(MessageRow)
DISPATCH_COLUMNS = columns(DispatchRow)
