"""Writing an import to the register: all of it in one transaction, or nothing.

Rows go in through the database's own bulk paths (COPY on PostgreSQL, one prepared INSERT run
many times on SQLite) with primary keys reserved up front. Building a model instance costs
about 18 microseconds, which for a 120,000-member register with employments and history is
more than the whole import may take; the raw path writes the same columns Django would.

New members are written a batch at a time while the rest of the file is still being checked
(see ``_Sink``); a file found to have an error anywhere is rolled back to a savepoint, so it
writes nothing, exactly as if it had been checked whole first.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import io
import json
import sqlite3
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from operator import is_
from queue import Queue
from types import TracebackType
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from psycopg.copy import Copy, FileWriter

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, User
from mandate.members.importing.columns import FIELDS, KEEPS
from mandate.members.importing.planning import (
    KEEP,
    ChangedMember,
    ImportPlan,
    jsonable,
    plan_import,
)
from mandate.members.models import Employment, ImportRun, Member, MemberChange

_CHUNK = 5000
# The plan's columns that never hold KEEP: their empty cells clear (a site's column is not
# among them, so it is looked at).
_CLEARING = frozenset(spec.name for spec in FIELDS if spec.empty != KEEPS)
_SQLITE_CACHE_KIB = -65536  # negative: KiB, so 64 MiB
# The interpreter's switch interval while an import writes: see _Sink.__enter__.
_SWITCH_INTERVAL = 0.0005
SOURCE = "import"
# An upload left in preview longer than this loses its stored bytes: the register is special
# category data and a forgotten upload should not keep a copy of it.
PREVIEW_KEPT = timedelta(days=1)
_RACE = (
    "The register changed while the file was being imported (another import or an edit "
    "added one of these membership numbers). Nothing was written: preview the file again."
)


def import_apply(
    *,
    branch: Branch,
    data: bytes,
    actor: User | None,
    filename: str = "",
    sheet: str = "",
) -> ImportPlan:
    """Check DATA again and, if it has no errors, write it to BRANCH's register."""
    try:
        with transaction.atomic():
            plan = _plan_and_write(
                branch=branch,
                data=data,
                filename=filename,
                sheet=sheet,
                actor=actor,
                now=timezone.now(),
            )
            if plan.ok:
                audit_record(
                    actor=actor, action="members.import", branch=branch, detail=plan.counts()
                )
    except IntegrityError:
        raise DomainError(_RACE) from None
    finally:
        _release_free_memory(large=len(data) >= _LARGE_FILE)
    return plan


def _find_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    trim: Callable[[int], int] | None = getattr(libc, "malloc_trim", None)
    return trim


_MALLOC_TRIM = _find_malloc_trim()
# A file this large (a few thousand rows) is worth a full collection after its import.
_LARGE_FILE = 1_000_000


def _release_free_memory(*, large: bool) -> None:
    """Give the C allocator's free pages back to the system after an import (glibc only).

    The writing thread allocates from an arena of its own (SQLite's page cache among what it
    holds while it writes), and the next large piece of work in the process, made in another
    thread, cannot reuse what it freed: measured, a re-import after an import peaked 40 MB
    higher without this. LARGE: the import had enough rows for a full collection (tens of
    milliseconds) to be worth it.
    """
    if large:
        # Cycles among what the import made (Django's, the driver's) would keep their
        # memory until the collector's next full pass, and the trim could not return it.
        gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@transaction.atomic
def import_run_create(
    *, branch: Branch, filename: str, data: bytes, sheet: str, actor: User | None
) -> ImportRun:
    """Preview an upload: check it and keep it, with its summary, until it is applied."""
    plan = plan_import(branch=branch, data=data, filename=filename, sheet=sheet)
    now = timezone.now()
    ImportRun.objects.filter(
        branch=branch, state=ImportRun.State.PREVIEWED, created_at__lt=now - PREVIEW_KEPT
    ).update(content=b"")
    return ImportRun.objects.create(
        branch=branch,
        uploaded_by=actor,
        filename=filename[:255],
        sheet=(plan.sheet or sheet)[:100],
        content=data if plan.ok else b"",
        sha256=hashlib.sha256(data).hexdigest(),
        state=ImportRun.State.PREVIEWED if plan.ok else ImportRun.State.INVALID,
        summary=plan.summary(),
        created_at=now,
    )


def import_run_apply(*, run: ImportRun, actor: User | None) -> ImportPlan:
    """Apply a previewed upload: check the stored file again and write it, or record its errors."""
    size = 0
    try:
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().select_related("branch").get(pk=run.pk)
            if locked.state != ImportRun.State.PREVIEWED:
                raise InvalidState(
                    f"This import is {locked.get_state_display().lower()}, so it cannot be "
                    "applied. Upload the file again to start a new import."
                )
            data = bytes(locked.content)
            size = len(data)
            if not data:
                raise InvalidState("This upload has expired. Upload the file again.")
            now = timezone.now()
            plan = _plan_and_write(
                branch=locked.branch,
                data=data,
                filename=locked.filename,
                sheet=locked.sheet,
                actor=actor,
                now=now,
            )
            locked.content = b""
            if not plan.ok:
                locked.state = ImportRun.State.INVALID
                locked.summary = plan.summary()
                locked.save(update_fields=["content", "state", "summary"])
                return plan
            audit_record(
                actor=actor,
                action="members.import",
                obj=locked,
                branch=locked.branch,
                detail=plan.counts(),
            )
            summary = plan.summary()
            # Once applied, the run keeps counts and headings only: no names, no values.
            for key in ("errors", "new_sample", "changed_sample", "missing_sample"):
                summary[key] = []
            locked.state = ImportRun.State.APPLIED
            locked.applied_at = now
            locked.summary = summary
            locked.save(update_fields=["content", "state", "summary", "applied_at"])
    except IntegrityError:
        raise DomainError(_RACE) from None
    finally:
        _release_free_memory(large=size >= _LARGE_FILE)
    return plan


# Writing ---------------------------------------------------------------------------------------


class _Discard(Exception):
    """The file has errors: undo what its earlier batches wrote."""


def _plan_and_write(
    *,
    branch: Branch,
    data: bytes,
    filename: str,
    sheet: str,
    actor: User | None,
    now: datetime,
) -> ImportPlan:
    """Check DATA and write it: new members batch by batch as they are checked, then the
    changed and missing ones. A file with an error anywhere writes nothing."""
    writer = _Writer(
        now=now,
        actor_id=actor.pk if actor is not None else None,
        fast=connection.vendor == "postgresql" and fast_write_status()[0],
    )
    plan: ImportPlan | None = None
    try:
        with transaction.atomic(), _write_session(), _big_page_cache():
            with _Sink(writer, branch) as sink:
                plan = plan_import(
                    branch=branch, data=data, filename=filename, sheet=sheet, sink=sink
                )
            if not plan.ok:
                raise _Discard
            sink.raise_error()
            with connection.cursor() as cursor:
                writer.changed_members(cursor, plan, plan.changed)
                writer.flag_missing(cursor, [m[0] for m in plan.missing if not m[3]])
    except _Discard:
        pass
    assert plan is not None  # noqa: S101 - _Discard is only raised once the plan is made
    return plan


@contextmanager
def _write_session() -> Iterator[None]:
    """On PostgreSQL, settings for the import's part of the transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # The import's commit does not wait for its WAL to reach the disk. A crash in the
        # fraction of a second after commit can lose the whole import (never part of it: the
        # audit event is in the same transaction), and the officer imports the file again.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Each batch's foreign keys are checked when its COPY ends, while the next batch is
        # being read, rather than all 700,000 of them at commit with nothing to overlap (on
        # the fast path the writer checks the new members' keys itself; the rest still are).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    # Not reached when the block fails: rolling back to the savepoint restores the setting.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# The tables new members are written to. With the fast path, their foreign keys are checked
# by the writer, a batch at a time, instead of by a trigger per row.
_FAST_MODELS: tuple[type[models.Model], ...] = (Member, Employment)


def fast_write_status() -> tuple[bool, str]:
    """On PostgreSQL, whether new members can be written with set-based foreign-key checks,
    and if not, why not.

    The fast path turns the row triggers off for the new members' COPY (replica mode) and
    checks the batch's references itself. It needs the right to set the parameter
    (superuser, or on PostgreSQL 15 and later `GRANT SET ON PARAMETER
    session_replication_role`), no trigger of the deployment's own on the tables (replica
    mode would skip it silently), and the right to lock the rows it checks.
    """
    if connection.vendor != "postgresql":
        return False, "not PostgreSQL"
    tables = [model._meta.db_table for model in _FAST_MODELS]
    referenced = sorted(
        {_target(field)._meta.db_table for field in _references(_FAST_MODELS)} - set(tables)
    )
    with connection.cursor() as cursor:
        if connection.pg_version >= 150000:  # type: ignore[attr-defined]
            cursor.execute(
                "SELECT has_parameter_privilege(current_user, 'session_replication_role', 'SET')"
            )
        else:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False, "the database role may not set session_replication_role"
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgrelid IN (SELECT to_regclass(t) FROM unnest(%s::text[]) AS t) "
            "AND NOT tgisinternal ORDER BY 1, 2",
            [tables],
        )
        triggers = cursor.fetchall()
        if triggers:
            named = ", ".join(f"{name} on {table}" for table, name in triggers)
            return False, f"the register's tables have triggers of their own ({named})"
        # Locking a referenced row, as the foreign-key trigger does, needs UPDATE on its table.
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t "
            "WHERE NOT has_table_privilege(current_user, t, 'UPDATE')",
            [referenced],
        )
        locked_out = [row[0] for row in cursor.fetchall()]
        if locked_out:
            return False, f"the database role may not lock rows of {', '.join(locked_out)}"
    return True, "available"


def _references(model_set: Iterable[type[models.Model]]) -> list[models.ForeignKey[Any, Any]]:
    """The foreign keys, enforced by the database, of MODEL_SET's tables."""
    return [
        field
        for model in model_set
        for field in model._meta.concrete_fields
        # A key declared without a constraint has no trigger to stand in for.
        if isinstance(field, models.ForeignKey) and getattr(field, "db_constraint", True)
    ]


def _target(field: models.ForeignKey[Any, Any]) -> type[models.Model]:
    model = field.related_model
    assert not isinstance(model, str), field  # noqa: S101 - resolved once the apps are loaded
    return model


class _Sink:
    """Writes each batch of new members as the plan hands it over.

    On PostgreSQL a thread of its own drives the transaction's connection while the batches
    go in: the database server (another process, so another core) inserts a batch while this
    thread checks the next one. The driver lets go of the interpreter while the server works,
    and the thread does nothing else: each batch is laid out as COPY data here, in the
    checking thread, so the server never waits for Python to format a batch between two
    others. It is the same connection, so it is all one transaction; nothing else uses the
    connection until the thread is done.

    On SQLite the database works inside this process, in the writing thread: the driver
    gives up the interpreter while SQLite steps a statement, and each statement carries a
    thousand rows or more (_insert_sqlite), so SQLite inserts one batch on the second core
    while this thread checks the next.
    """

    def __init__(self, writer: _Writer, branch: Branch) -> None:
        self.writer = writer
        self.branch = branch
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.keys: _Keys | None = None
        # Two batches waiting at most: the checking cannot run far ahead of the writing.
        self.queue: Queue[_Batch | _Promise | None] = Queue(maxsize=2)

    def __enter__(self) -> _Sink:
        connection.ensure_connection()
        self.thread = threading.Thread(
            target=self._work, args=(connection.connection,), name="import-writer"
        )
        # The writing thread needs the interpreter for a moment each time the database
        # answers; by default the checking thread keeps it up to 5 ms before handing it over,
        # and the database would sit idle for that long several times a batch.
        _switching.enter()
        self.thread.start()
        return self

    def __call__(self, plan: ImportPlan, rows: list[int]) -> None:
        if self.error is not None:
            return
        if self.keys is None:
            # The first batch: the writing thread has not touched the connection yet and the
            # plan has done all its reading, so this thread takes the keys. On PostgreSQL it
            # takes the batch's only: the rest (a fifth of a second of nextval for 120,000
            # members) the writing thread takes first thing, while this one checks the next
            # batch.
            self.keys = _Keys(plan, self._short_of_keys)
            rest = plan.expected_new - len(rows)
            if rest > 0 and connection.vendor == "postgresql":
                self.keys.reserve(len(rows))
                self.queue.put(self.keys.promise(rest))
            else:
                self.keys.reserve(max(plan.expected_new, len(rows)))
        self.queue.put(self.writer.prepare(plan, self.branch, rows, self.keys))

    def _short_of_keys(self, count: int) -> None:
        """More new members than the register's reading promised (or the writing thread
        failed to take them): wait for the writing thread to let go of the connection, then
        take more here."""
        if self.thread is not None:
            self.queue.join()
        self.raise_error()
        assert self.keys is not None  # noqa: S101 - only a _Keys calls this
        self.keys.reserve(max(count, _CHUNK))

    def _work(self, raw_connection: Any) -> None:
        with closing(raw_connection.cursor()) as cursor:
            while True:
                job = self.queue.get()
                try:
                    if job is None:
                        break
                    if isinstance(job, _Promise):
                        job.keep(cursor, failed=self.error is not None)
                    elif self.error is None:  # else the transaction has failed: write nothing
                        self.writer.write(cursor, job)
                except BaseException as exc:  # noqa: BLE001 - raised in the planning thread
                    self.error = exc
                finally:
                    self.queue.task_done()
            if self.error is None:
                try:
                    self.writer.new_members_done(cursor)
                except BaseException as exc:  # noqa: BLE001 - raised in the planning thread
                    self.error = exc

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            _switching.leave()
        # The keys call back into this sink: without this the two (and the writer's values)
        # would wait for the cycle collector after the import.
        self.keys = None
        self.writer.stored.clear()

    def raise_error(self) -> None:
        """Raise what went wrong in the writing thread, as Django's own database errors."""
        if self.error is not None:
            with connection.wrap_database_errors:
                raise self.error


class _Switching:
    """The short switch interval while any import of the process writes: the first to start
    sets it, the last to finish puts back what it was."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writing = 0
        self.before = sys.getswitchinterval()

    def enter(self) -> None:
        with self.lock:
            if self.writing == 0:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(_SWITCH_INTERVAL)
            self.writing += 1

    def leave(self) -> None:
        with self.lock:
            self.writing -= 1
            if self.writing == 0:
                sys.setswitchinterval(self.before)


_switching = _Switching()


class _Keys:
    """Primary keys for the new members and their employments, taken from the sequences in
    large blocks and handed out batch by batch."""

    def __init__(self, plan: ImportPlan, short: Callable[[int], None]) -> None:
        # Called when a batch needs more keys than are free: it must make them free.
        self.short = short
        self.models: list[type[models.Model]] = [Member]
        if plan.plans_employment:
            self.models.append(Employment)
        # Each table's keys, usually one range, and how many of them are handed out.
        self.free: dict[type[models.Model], Sequence[int]] = {m: [] for m in self.models}
        self.used: dict[type[models.Model], int] = dict.fromkeys(self.models, 0)
        self.lock = threading.Lock()
        self.pending: _Promise | None = None

    def reserve(self, count: int, cursor: Any = None) -> None:
        """Take COUNT more keys for each table, on CURSOR (the driver's, in the writing
        thread) or on Django's connection."""
        if cursor is None:
            with connection.cursor() as django_cursor:
                reserved = _reserve(django_cursor, [(model, count) for model in self.models])
        else:
            reserved = _reserve(cursor, [(model, count) for model in self.models])
        with self.lock:
            for model, keys in zip(self.models, reserved, strict=True):
                # SQLite's keys start after the table's largest: those not handed out yet
                # were just taken again.
                left = self.free[model][self.used[model] :] if _ranges_stack() else []
                self.free[model] = [*left, *keys] if left else keys
                self.used[model] = 0

    def promise(self, count: int) -> _Promise:
        """A job for the writing thread: take COUNT more keys for each table."""
        self.pending = _Promise(self, count)
        return self.pending

    def take(self, model: type[models.Model], count: int) -> Sequence[int]:
        if self.pending is not None and self._left(model) < count:
            self.pending.done.wait()
            self.pending = None
        if self._left(model) < count:
            self.short(count)
        with self.lock:
            used = self.used[model]
            self.used[model] = used + count
            return self.free[model][used : used + count]

    def _left(self, model: type[models.Model]) -> int:
        with self.lock:
            return len(self.free[model]) - self.used[model]


class _Promise:
    """Keys the writing thread is to take, and the sign that it has (or has failed to)."""

    def __init__(self, keys: _Keys, count: int) -> None:
        self.keys = keys
        self.count = count
        self.done = threading.Event()

    def keep(self, cursor: Any, *, failed: bool) -> None:
        try:
            if not failed:
                self.keys.reserve(self.count, cursor)
        finally:
            self.done.set()


@dataclass
class _Batch:
    """A batch of new members laid out for the database: per table, the model, its columns
    and the payload (COPY data on PostgreSQL, the stored columns on SQLite); and the values of
    each foreign key the batch refers to outside itself."""

    tables: list[tuple[type[models.Model], list[str], Any]]
    references: list[tuple[type[models.Model], models.ForeignKey[Any, Any], set[Any]]]


@contextmanager
def _big_page_cache() -> Iterator[None]:
    """On SQLite, let the page cache hold the indexes a large import inserts into."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        # 2 MiB by default: five indexes on the member table outgrow it at a few thousand
        # rows, and every insert after that reads its index pages back from the file.
        cursor.execute(f"PRAGMA cache_size = {_SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


class _Writer:
    def __init__(self, *, now: datetime, actor_id: int | None, fast: bool = False) -> None:
        self.now = now
        self.actor_id = actor_id
        # PostgreSQL only (see fast_write_status): new members' foreign keys are checked
        # here, a batch at a time, with the row triggers off while the batch is copied in.
        self.fast = fast
        self.replica = False
        # (table, column) -> the values found and locked there so far, in this transaction.
        self.checked: dict[tuple[str, str], set[Any]] = defaultdict(set)
        # SQLite: the stored form of each value converted so far, by type (_sqlite_column).
        self.stored: dict[type, dict[Any, Any]] = {}
        self.vendor = connection.vendor
        # SQLite stores naive UTC text; Django's own adapter does the conversion.
        self.db_now: Any = connection.ops.adapt_datetimefield_value(now)
        self.member_columns = _columns(Member)
        self.employment_columns = _columns(Employment)
        self.change_columns = ["member_id", "at", "actor_id", "source", "changes"]

    # New members -------------------------------------------------------------------------------

    def prepare(self, plan: ImportPlan, branch: Branch, rows: list[int], keys: _Keys) -> _Batch:
        """Lay out the members at ROWS of the plan's columns, with their employment, for the
        database. Runs in the checking thread; touches no connection."""
        ids = keys.take(Member, len(rows))
        fixed = {
            "branch_id": branch.pk,
            "created_at": self.db_now,
            "updated_at": self.db_now,
            "missing_since": None,
            "user_id": None,
        }
        # Columns always empty for a new member are left out: the database fills in NULL.
        names = [n for n in self.member_columns if n not in fixed or fixed[n] is not None]
        columns = _pick_columns(Member, names, plan.member_values, rows, fixed)
        tables: list[tuple[type[models.Model], list[str], list[Sequence[Any]]]] = [
            (Member, names, [ids, *columns])
        ]
        if plan.plans_employment:
            columns = _pick_columns(
                Employment,
                self.employment_columns,
                plan.employment_values,
                rows,
                {"member_id": None},
            )
            columns[self.employment_columns.index("member_id")] = ids
            tables.append(
                (Employment, self.employment_columns, [keys.take(Employment, len(rows)), *columns])
            )
        return _Batch(
            tables=[
                (model, names, _encode(model, names, table_columns, self.stored))
                for model, names, table_columns in tables
            ],
            references=self._references(tables) if self.fast else [],
        )

    def write(self, cursor: Any, batch: _Batch) -> None:
        """Insert a prepared batch. Runs in the writing thread, on the driver's own cursor."""
        if self.fast:
            self._check_references(cursor, batch.references)
            if not self.replica:
                # Until new_members_done: only the new members' COPYs run without triggers
                # (the planning meanwhile only reads), and the rest of the transaction (the
                # changed and missing members, the audit event) is checked row by row as
                # ever. A failure aborts the transaction, and the savepoint's rollback
                # restores the setting.
                cursor.execute("SET LOCAL session_replication_role = replica")
                self.replica = True
        for model, names, payload in batch.tables:
            _send(cursor, model, names, payload)

    def new_members_done(self, cursor: Any) -> None:
        """After the last batch of new members: the triggers are on again."""
        if self.replica:
            cursor.execute("SET LOCAL session_replication_role = origin")
            self.replica = False
        # No history entry per new member: its created_at and the import's audit event say
        # when and how it arrived, and a third table of 100,000 rows would add half again to
        # the time the import takes to write.

    @staticmethod
    def _references(
        tables: list[tuple[type[models.Model], list[str], list[Sequence[Any]]]],
    ) -> list[tuple[type[models.Model], models.ForeignKey[Any, Any], set[Any]]]:
        """The values of each foreign key of TABLES (primary key column first, then the
        named ones) that point outside the batch: a reference to a row of the batch itself
        needs no check."""
        written = {model: set(columns[0]) for model, _, columns in tables}
        found = []
        for model, names, columns in tables:
            for field in _references([model]):
                if not field.primary_key and field.attname not in names:
                    continue  # left out: NULL throughout
                position = 0 if field.primary_key else names.index(field.attname) + 1
                values = set(columns[position])
                values.discard(None)
                target = _target(field)
                if target in written:
                    values -= written[target]
                if values:
                    found.append((model, field, values))
        return found

    def _check_references(
        self,
        cursor: Any,
        references: list[tuple[type[models.Model], models.ForeignKey[Any, Any], set[Any]]],
    ) -> None:
        """Do what the foreign-key triggers would for a batch's REFERENCES, once per value.

        Each value not checked before is looked up and locked against deletion until commit
        (FOR KEY SHARE, as the trigger does). A value not found fails the import as a violated
        foreign key does.
        """
        for model, field, wanted in references:
            target = _target(field)
            table = target._meta.db_table
            column = field.target_field.column
            checked = self.checked[(table, column)]
            values = wanted - checked
            if not values:
                continue
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - a model's own table
                f"WHERE {quote(column)} = ANY(%s) FOR KEY SHARE",
                [sorted(values)],
            )
            found = {row[0] for row in cursor.fetchall()}
            checked |= found
            if missing := values - found:
                raise IntegrityError(
                    f'insert on table "{model._meta.db_table}" violates a foreign key: '
                    f"({field.column})=({min(missing)}) is not present in table "
                    f'"{table}"'
                )

    def _insert_employments(self, cursor: Any, rows: list[tuple[int, dict[str, Any]]]) -> None:
        if not rows:
            return
        names = self.employment_columns
        base = _defaults(Employment, names)
        ids = _reserve_ids(cursor, Employment, len(rows))
        _insert(
            cursor,
            Employment,
            names,
            [
                (pk, *({**base, **employment, "member_id": member_id}[n] for n in names))
                for pk, (member_id, employment) in zip(ids, rows, strict=True)
            ],
        )

    def _insert_changes(self, cursor: Any, rows: list[tuple[int, str]]) -> None:
        if not rows:
            return
        ids = _reserve_ids(cursor, MemberChange, len(rows))
        _insert(
            cursor,
            MemberChange,
            self.change_columns,
            [
                (pk, member_id, self.db_now, self.actor_id, SOURCE, changes)
                for pk, (member_id, changes) in zip(ids, rows, strict=True)
            ],
        )

    # Changed and returning members -------------------------------------------------------------

    def changed_members(self, cursor: Any, plan: ImportPlan, changes: list[ChangedMember]) -> None:
        member_updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        employment_updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        new_employments: list[tuple[int, dict[str, Any]]] = []
        history: list[tuple[int, str]] = []
        for change in changes:
            fields = dict(change.member)
            if change.member or change.employment or change.new_employment is not None:
                fields["updated_at"] = (None, self.db_now)
            if change.returned:
                fields["missing_since"] = (True, None)
            names = tuple(sorted(fields))
            member_updates[names].append((*(fields[n][1] for n in names), change.member_id))
            if change.employment and change.employment_id is not None:
                names = tuple(sorted(change.employment))
                employment_updates[names].append(
                    (*(change.employment[n][1] for n in names), change.employment_id)
                )
            if change.new_employment is not None:
                new_employments.append((change.member_id, change.new_employment))
            history.append((change.member_id, json.dumps(self._history(plan, change))))
        for names, rows in member_updates.items():
            _update(cursor, Member, names, rows)
        for names, rows in employment_updates.items():
            _update(cursor, Employment, names, rows)
        self._insert_employments(cursor, new_employments)
        self._insert_changes(cursor, history)

    def _history(self, plan: ImportPlan, change: ChangedMember) -> dict[str, list[Any]]:
        entry = {name: [jsonable(old), jsonable(new)] for name, (old, new) in change.member.items()}
        for name, (old, new) in change.employment.items():
            if name in ("workplace_id", "department_id"):
                kind = name.removesuffix("_id")
                old = plan.site_names.get((kind, old), old) if old is not None else None
                new = plan.site_names.get((kind, new), new) if new is not None else None
                name = kind
            entry[f"employment.{name}"] = [jsonable(old), jsonable(new)]
        if change.new_employment is not None:
            employer = plan.site_names.get(("employer", change.new_employment["employer_id"]), "")
            entry["employment.employer"] = [None, employer]
        if change.returned:
            entry["missing_since"] = ["set", None]
        return entry

    # Missing members -----------------------------------------------------------------------

    def flag_missing(self, cursor: Any, member_ids: list[int]) -> None:
        for start in range(0, len(member_ids), _CHUNK):
            chunk = member_ids[start : start + _CHUNK]
            Member.objects.filter(pk__in=chunk, missing_since__isnull=True).update(
                missing_since=self.now
            )
            self._insert_changes(
                cursor,
                [(pk, json.dumps({"missing_since": [None, self.now.isoformat()]})) for pk in chunk],
            )


# The database's bulk paths ---------------------------------------------------------------------


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def _pick_columns(
    model: type[models.Model],
    names: list[str],
    values: dict[str, list[Any]],
    rows: list[int],
    fixed: dict[str, Any],
) -> list[Any]:
    """One sequence per column NAME for the plan's ROWS (ascending indexes into its columns):
    the file's values, else a default."""
    defaults = _defaults(model, names)
    columns: list[Any] = []
    # A first import's new members are every row of the batch: a slice of each column.
    start = rows[0] if rows else 0
    run = bool(rows) and rows[-1] - start + 1 == len(rows)
    for name in names:
        if name in fixed:
            columns.append([fixed[name]] * len(rows))
        elif name in values:
            column = values[name]
            end = start + len(rows)
            picked = column[start:end] if run else list(map(column.__getitem__, rows))
            if name not in _CLEARING and any(map(is_, picked, repeat(KEEP))):
                default = defaults[name]
                picked = [default if v is KEEP else v for v in picked]
            columns.append(picked)
        else:
            columns.append([defaults[name]] * len(rows))
    return columns


def _defaults(model: type[models.Model], names: Iterable[str]) -> dict[str, Any]:
    base: dict[str, Any] = {}
    for name in names:
        f = model._meta.get_field(name)
        value = f.get_default() if isinstance(f, models.Field) else None
        base[name] = value
    return base


def _ranges_stack() -> bool:
    """Whether keys reserved twice are two distinct sets (PostgreSQL's sequences), not the
    same ones again (SQLite's, taken from the table's largest key until rows are written)."""
    return connection.vendor == "postgresql"


def _reserve_ids(cursor: Any, model: type[models.Model], count: int) -> Sequence[int]:
    """Take COUNT primary keys for MODEL that no other writer can take."""
    return _reserve(cursor, [(model, count)])[0]


def _reserve(cursor: Any, wanted: list[tuple[type[models.Model], int]]) -> list[Sequence[int]]:
    """Take primary keys for each (MODEL, COUNT) of WANTED, in one round trip on PostgreSQL."""
    if connection.vendor != "postgresql":
        return [_reserve_sqlite(cursor, model, count) for model, count in wanted]
    # Each sequence is looked up once: pg_get_serial_sequence in the select list runs for
    # every row, and cost a tenth of the database's time for the whole import. The keys come
    # back as a range when they are one (no one else took keys in between), else as a list.
    parts, selects, params = [], [], []
    for n, (model, count) in enumerate(wanted):
        sequence = "SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq"
        keys = f"SELECT nextval(seq) AS k FROM s{n}, generate_series(1, %s)"  # noqa: S608 - no input
        parts.append(f"s{n} AS MATERIALIZED ({sequence}), k{n} AS MATERIALIZED ({keys})")
        selects.append(
            f"SELECT {n}, min(k), max(k), CASE WHEN max(k) - min(k) + 1 = count(*) THEN NULL "  # noqa: S608 - no input in it
            f"ELSE array_agg(k) END FROM k{n}"
        )
        params += [model._meta.db_table, count]
    cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
    found = {n: (low, high, keys) for n, low, high, keys in cursor.fetchall()}
    reserved: list[Sequence[int]] = []
    for n, (_, count) in enumerate(wanted):
        low, high, keys = found[n]
        if count == 0:
            reserved.append([])
        elif keys is None:
            reserved.append(range(low, high + 1))
        else:
            reserved.append(list(keys))
    return reserved


def _reserve_sqlite(cursor: Any, model: type[models.Model], count: int) -> range:
    table = model._meta.db_table
    # SQLite: the IMMEDIATE transaction holds the database's write lock, so no one else
    # can insert until commit; AUTOINCREMENT never reuses a key, hence the sequence too.
    quoted = connection.ops.quote_name(table)
    cursor.execute(f"SELECT max(id) FROM {quoted}")  # noqa: S608 - a model's own table
    top = cursor.fetchone()[0] or 0
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    start = max(top, row[0] if row else 0) + 1
    return range(start, start + count)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name  # noqa: S101 - a model's own field
    return field.column


def _insert(
    cursor: Any, model: type[models.Model], names: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ROWS (primary key first, then NAMES) into MODEL's table."""
    if rows:
        _send(cursor, model, names, _encode(model, names, list(zip(*rows, strict=True)), {}))


@dataclass(frozen=True)
class _SqliteColumns:
    """Columns of the same length, as SQLite stores their values."""

    columns: list[Sequence[Any]]


@dataclass(frozen=True)
class _CopyData:
    """Rows laid out as PostgreSQL's COPY reads them."""

    binary: bool
    data: bytes


def _encode(
    model: type[models.Model],
    names: list[str],
    columns: list[Sequence[Any]],
    memo: dict[type, dict[Any, Any]],
) -> _CopyData | _SqliteColumns:
    """COLUMNS (primary key first, then NAMES) laid out for _send: COPY data on PostgreSQL,
    the columns in stored form on SQLite. Touches no connection: on PostgreSQL the driver
    formats the rows into memory with the connection's adapters, and nothing is sent."""
    if connection.vendor != "postgresql":
        fields = [model._meta.pk, *(model._meta.get_field(n) for n in names)]
        return _SqliteColumns(
            [
                # Text fields hold text (or NULL): nothing to look at.
                column if isinstance(field, _SQLITE_TEXT) else _sqlite_column(column, memo)
                for field, column in zip(fields, columns, strict=True)
            ]
        )
    types = _binary_types(model, names)
    buffer = io.BytesIO()
    with (
        connection.connection.cursor() as cursor,
        Copy(cursor, binary=bool(types), writer=FileWriter(buffer)) as copy,
    ):
        if types:
            copy.set_types(types)
        write_row = copy.write_row
        for row in zip(*columns, strict=True):
            write_row(row)
    return _CopyData(binary=bool(types), data=buffer.getvalue())


# The most rows one SQLite INSERT carries (fewer when its parameter limit says so).
_SQLITE_ROWS_PER_STATEMENT = 2000

# Fields whose values the plan holds as text, bound as they are.
_SQLITE_TEXT = (models.CharField, models.TextField)

# What SQLite's driver binds as it is; anything else it first looks up among its adapters,
# once per value inserted.
_SQLITE_PLAIN = frozenset({int, str, float, type(None)})


def _sqlite_column(column: Sequence[Any], memo: dict[type, dict[Any, Any]]) -> Sequence[Any]:
    """COLUMN with its booleans, dates and decimals as SQLite stores them (as Django's
    adapters would make them), converted once per distinct value of the import: MEMO keeps
    the stored form of each value met so far, by type (a date column's values recur from one
    batch to the next)."""
    kinds = set(map(type, column))  # no hashing of the values themselves
    kinds.discard(type(None))
    if kinds <= _SQLITE_PLAIN:
        return column
    if len(kinds) > 1:  # rare; and True and Decimal("1") would meet as one key
        return list(map(_sqlite_value, column))
    stored = memo.setdefault(kinds.pop(), {None: None})
    try:
        return list(map(stored.__getitem__, column))
    except KeyError:
        for value in set(column).difference(stored):
            stored[value] = _sqlite_value(value)
        return list(map(stored.__getitem__, column))


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _send(
    cursor: Any,
    model: type[models.Model],
    names: list[str],
    payload: _CopyData | _SqliteColumns,
) -> None:
    """Insert what _encode laid out into MODEL's table.

    CURSOR is Django's, or the driver's own (the writing thread has no Django connection of
    its own).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in ["id", *(_column(model, n) for n in names)])
    if isinstance(payload, _CopyData):
        query = f"COPY {table} ({columns}) FROM STDIN"
        if payload.binary:
            query += " (FORMAT BINARY)"
        raw = cursor.cursor if isinstance(cursor, CursorWrapper) else cursor
        with raw.copy(query) as copy:
            copy.write(payload.data)
        return
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - a model's own table
    _insert_sqlite(cursor, head, payload.columns)


def _insert_sqlite(cursor: Any, head: str, columns: list[Sequence[Any]]) -> None:
    """Insert the rows of COLUMNS with HEAD ("INSERT INTO ... VALUES "), as many rows a
    statement as SQLite takes parameters.

    Not executemany: the driver lets go of the interpreter around each statement it steps,
    and with one row a statement a thread writing beside another that checks would wait for
    the interpreter once a row (measured: 102 s against 2.6 s for 120,000 members). One
    statement of a thousand rows is stepped with the interpreter free for the whole of it,
    and alone it inserts a third faster than executemany does (1.4-1.9 s against 2.3-2.6 s for
    120,000 members). Each statement's parameters are laid out from the columns by slice
    assignment, with no tuple per row.
    """
    raw = cursor.cursor if isinstance(cursor, CursorWrapper) else cursor
    width = len(columns)
    count = len(columns[0]) if columns else 0
    limit = raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(limit // width, _SQLITE_ROWS_PER_STATEMENT))
    one = "(" + ", ".join(["?"] * width) + ")"
    full = head + ", ".join([one] * per)
    for start in range(0, count, per):
        stop = min(start + per, count)
        size = stop - start
        params: list[Any] = [None] * (size * width)
        for position, column in enumerate(columns):
            params[position::width] = column[start:stop]
        sql = full if size == per else head + ", ".join([one] * size)
        # The driver's own execute: Django's would rewrite the placeholders of a statement
        # that has none of its own.
        sqlite3.Cursor.execute(raw, sql, params)


# Column types whose values the plan holds as the Python type the binary format is written
# from (int, str, bool, date, aware datetime, Decimal), and whose binary input checks length and
# precision as the text input does.
_BINARY = {"bigint", "integer", "smallint", "varchar", "text", "boolean", "date", "numeric"}
_BINARY_ALIASES = {"timestamp with time zone": "timestamptz"}


def _binary_types(model: type[models.Model], names: list[str]) -> list[str]:
    """PostgreSQL type names of MODEL's primary key and NAMES for a binary COPY, or [] if one
    of them is not a type it is written for (the text format then)."""
    types = []
    for field in [model._meta.pk, *(model._meta.get_field(n) for n in names)]:
        assert isinstance(field, models.Field)  # noqa: S101 - a model's own concrete field
        declared = str(field.db_type(connection)).split("(")[0]
        if declared in _BINARY_ALIASES:
            types.append(_BINARY_ALIASES[declared])
        elif declared in _BINARY:
            types.append(declared)
        else:
            return []
    return types


def _update(
    cursor: Any, model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Run one UPDATE per row: ROWS hold the new values of NAMES, then the primary key."""
    opts = model._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(model, n))} = %s" for n in names)
    cursor.executemany(
        f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE id = %s",  # noqa: S608
        rows,
    )
