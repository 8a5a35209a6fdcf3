"""Model instances from hand-written SQL, for the two busiest requests of a phone bank (the
caller's screen and the outcome post) on PostgreSQL.

Building and compiling a queryset with its joins cost more CPU than running it: the assignment
with its ballot, branch and constituency, and the contact with its member, were about a third
of each request. Here each column list is built once per process from the models' own fields,
the rows are read with one plain statement, and the instances come out of ``Model.from_db``
with every concrete field loaded (nothing deferred) and the joined rows cached on them, as
``select_related`` leaves them. Field converters (``from_db_value``, e.g. JSON) still apply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

from mandate.ballots.models import Ballot, Constituency
from mandate.calls.models import CallAssignment, CallerAssignment, CallTarget, TargetState
from mandate.core.models import Branch
from mandate.members.models import Member

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _shape(
    model: type[Model],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[int, Converter], ...]]:
    fields = model._meta.concrete_fields
    converters = tuple(
        (i, conv)
        for i, f in enumerate(fields)
        for conv in f.get_db_converters(connection)  # type: ignore[attr-defined]
    )
    return tuple(f.column for f in fields), tuple(f.attname for f in fields), converters


def columns(model: type[Model], alias: str) -> str:
    """The select list of every concrete column of MODEL, qualified by ALIAS."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(c)}" for c in _shape(model)[0])


def width(model: type[Model]) -> int:
    return len(_shape(model)[0])


def build(model: type[M], values: Sequence[Any]) -> M:
    """An instance of MODEL from a row of ``columns(MODEL)``, as the ORM would load it."""
    _, names, converters = _shape(model)
    row = list(values)
    for i, conv in converters:
        row[i] = conv(row[i], None, connection)
    return model.from_db(connection.alias, names, row)


def _split(row: Sequence[Any], *models: type[Model]) -> list[Sequence[Any]]:
    parts, start = [], 0
    for model in models:
        parts.append(row[start : start + width(model)])
        start += width(model)
    return parts


@functools.cache
def _assignment_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {columns(CallAssignment, 'a')}, {columns(Ballot, 'b')}, "  # noqa: S608
        f"{columns(Branch, 'br')}, {columns(Constituency, 'c')} "
        f"FROM {quote(CallAssignment._meta.db_table)} a "
        f"JOIN {quote(Ballot._meta.db_table)} b ON b.id = a.ballot_id "
        f"LEFT JOIN {quote(Branch._meta.db_table)} br ON br.id = a.branch_id "
        f"LEFT JOIN {quote(Constituency._meta.db_table)} c ON c.id = a.constituency_id "
        f"WHERE a.id = %s AND EXISTS (SELECT 1 FROM {quote(CallerAssignment._meta.db_table)} ca "
        "WHERE ca.assignment_id = a.id AND ca.user_id = %s)"
    )


def assignment_for_caller(pk: int, user_id: int) -> CallAssignment | None:
    """Call assignment PK with its ballot, branch and constituency, if USER_ID is one of its
    callers; else None. Who may work it is for the policy to say."""
    with connection.cursor() as cursor:
        cursor.execute(_assignment_sql(), [pk, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    a, b, br, c = _split(row, CallAssignment, Ballot, Branch, Constituency)
    assignment = build(CallAssignment, a)
    CallAssignment.ballot.field.set_cached_value(assignment, build(Ballot, b))
    CallAssignment.branch.field.set_cached_value(
        assignment, build(Branch, br) if br[0] is not None else None
    )
    CallAssignment.constituency.field.set_cached_value(
        assignment, build(Constituency, c) if c[0] is not None else None
    )
    return assignment


@functools.cache
def target_select() -> str:
    """SELECT ... FROM a row set ``t`` of call targets, joined to their members and
    constituencies; read with ``target_from_row``."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {columns(CallTarget, 't')}, {columns(Member, 'm')}, "  # noqa: S608
        f"{columns(Constituency, 'c')} FROM t "
        f"JOIN {quote(Member._meta.db_table)} m ON m.id = t.member_id "
        f"JOIN {quote(Constituency._meta.db_table)} c ON c.id = t.constituency_id"
    )


def target_from_row(row: Sequence[Any]) -> CallTarget:
    t, m, c = _split(row, CallTarget, Member, Constituency)
    target = build(CallTarget, t)
    CallTarget.member.field.set_cached_value(target, build(Member, m))
    CallTarget.constituency.field.set_cached_value(target, build(Constituency, c))
    return target


@functools.cache
def _held_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"WITH t AS (SELECT * FROM {quote(CallTarget._meta.db_table)} "  # noqa: S608
        "WHERE id = %s AND assignment_id = %s AND held_by_id = %s AND state <> %s "
        f"FOR UPDATE) {target_select()}"
    )


def held_target_locked(pk: int, assignment_id: int, caller_id: int) -> CallTarget | None:
    """Target PK of the assignment, locked, with its member and constituency, if CALLER_ID is
    recorded as its holder and it is not done; else None."""
    with connection.cursor() as cursor:
        cursor.execute(_held_sql(), [pk, assignment_id, caller_id, TargetState.DONE])
        row = cursor.fetchone()
    return None if row is None else target_from_row(row)
