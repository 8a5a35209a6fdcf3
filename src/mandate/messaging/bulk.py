"""Fast writes for the two hot paths, queueing 120,000 messages and recording their outcomes.

The ORM's ``bulk_create`` and ``bulk_update`` build a model instance or a CASE expression per
row and cost more than the database does; these write plain tuples instead: COPY on
PostgreSQL, ``executemany`` elsewhere. Column names come from the models, so a renamed field
cannot silently miss.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from django.db import connection

from mandate.messaging.models import DeliveryEvent, Message

MESSAGE_COLUMNS: Final = (
    "uuid",
    "send",
    "member",
    "channel",
    "address",
    "body",
    "state",
    "reason",
    "attempts",
    "not_before",
    "provider_id",
    "created_at",
    "enqueued_at",
)
EVENT_COLUMNS: Final = ("message", "at", "kind", "detail")
OUTCOME_COLUMNS: Final = (
    "state",
    "reason",
    "provider_id",
    "address",
    "sent_at",
    "not_before",
    "enqueued_at",
)


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


# COPY's text format: backslash escapes for the characters that delimit fields and rows.
_COPY_ESCAPES: Final = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _copy_line(row: Sequence[Any]) -> str:
    """One row in COPY text format; psycopg's write_row costs several times more per row."""
    return "\t".join(map(_copy_value, row)) + "\n"


def _adapter(model: Any, names: Sequence[str]) -> Any:
    """A function making a row's uuids and datetimes what this database's driver expects.

    psycopg takes UUID and aware datetime objects as they are; SQLite stores uuids as hex and
    datetimes as naive UTC text, which Django's field preparation produces.
    """
    if connection.vendor == "postgresql":
        return None
    fields = [model._meta.get_field(name) for name in names]
    prep = [
        (i, f)
        for i, f in enumerate(fields)
        if f.get_internal_type() in ("UUIDField", "DateTimeField")
    ]

    def adapt(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for i, f in prep:
            values[i] = f.get_db_prep_value(values[i], connection)
        return tuple(values)

    return adapt


def _insert(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _columns(model, names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write("".join(_copy_line(row) for row in rows).encode("utf-8"))
        else:
            adapt = _adapter(model, names)
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - names from the model
                [adapt(r) for r in rows],
            )


def insert_messages(rows: Iterable[Sequence[Any]]) -> None:
    """Insert messages given as tuples in MESSAGE_COLUMNS order (``send`` and ``member`` ids)."""
    _insert(Message, MESSAGE_COLUMNS, rows)


def insert_events(rows: Iterable[Sequence[Any]]) -> None:
    """Insert delivery events given as (message id, at, kind, detail)."""
    _insert(DeliveryEvent, EVENT_COLUMNS, rows)


def record_outcomes(rows: Sequence[Sequence[Any]], token: uuid.UUID) -> None:
    """Write outcomes given as OUTCOME_COLUMNS values followed by the message id, releasing the
    claim; a row whose claim has passed to another worker is left alone."""
    if not rows:
        return
    table = connection.ops.quote_name(Message._meta.db_table)
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in _columns(Message, OUTCOME_COLUMNS))
    claim, claimed_at, pk, state = (
        q(c) for c in _columns(Message, ("claim_token", "claimed_at", "id", "state"))
    )
    sql = (
        f"UPDATE {table} SET {sets}, {claim} = NULL, {claimed_at} = NULL "  # noqa: S608 - names from the model
        f"WHERE {pk} = %s AND {claim} = %s AND {state} = 'sending'"
    )
    adapt = _adapter(Message, [*OUTCOME_COLUMNS, "id", "claim_token"])
    params = [(*row, token) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, [adapt(p) for p in params] if adapt else params)
