"""On PostgreSQL, new members' foreign keys are checked a batch at a time by the importer, with
the row triggers off for the batch's COPY only. The outcome must be the triggers': a missing
referenced row fails the import and writes nothing, and nothing after the import runs without
its triggers. Where the fast path is not allowed or not safe, the old path is taken."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from mandate.conftest import World
from mandate.core.errors import DomainError
from mandate.core.management.commands import doctor
from mandate.core.models import Branch, Workplace
from mandate.members.importing import applying, import_apply, planning
from mandate.members.models import Employment, Member
from mandate.members.tests.test_import_helpers import csv_bytes, snapshot

pytestmark = pytest.mark.postgres

HEADER = ["Membership No", "Forename", "Surname", "Email", "Workplace", "Department"]
MISSING = 2**40


def rows(count: int, workplace: str = "Main campus") -> list[list[str]]:
    return [
        [f"F{n:04d}", "Siân", f"Patel{n}", f"f{n}@example.org", workplace, "History"]
        for n in range(1, count + 1)
    ]


def role_now() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return str(cursor.fetchone()[0])


@pytest.fixture
def roles_at_copy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(table, session_replication_role) as each COPY of the import starts."""
    seen: list[tuple[str, str]] = []
    original = applying._send

    def spying(cursor: Any, model: Any, names: list[str], payload: Any) -> None:
        cursor.execute("SHOW session_replication_role")
        seen.append((model._meta.db_table, cursor.fetchone()[0]))
        original(cursor, model, names, payload)

    monkeypatch.setattr(applying, "_send", spying)
    return seen


def forced_old_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(applying, "fast_write_status", lambda: (False, "turned off here"))


def test_the_fast_path_is_taken_and_writes_the_same_rows(
    world: World, monkeypatch: pytest.MonkeyPatch, roles_at_copy: list[tuple[str, str]]
) -> None:
    assert applying.fast_write_status() == (True, "available")
    monkeypatch.setattr(planning, "BATCH", 2)
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(5), HEADER), actor=None)
    assert plan.ok and len(plan.new_rows) == 5
    # The register's other members are missing from the file: their history entries are
    # written after the new members, with the triggers back.
    assert roles_at_copy == [
        *[("members_member", "replica"), ("members_employment", "replica")] * 3,
        ("members_memberchange", "origin"),
    ]
    history = world.liverpool_employer.departments.get(name="History")
    main = world.liverpool_employer.workplaces.get(name="Main campus")
    written = Employment.objects.filter(member__membership_number__startswith="F")
    assert sorted(written.values_list("member__membership_number", flat=True)) == [
        f"F{n:04d}" for n in range(1, 6)
    ]
    assert set(
        written.values_list("member__branch_id", "employer_id", "workplace_id", "department_id")
    ) == {(world.liverpool.pk, world.liverpool_employer.pk, main.pk, history.pk)}
    assert role_now() == "origin"


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "old"])
@pytest.mark.parametrize("column", ["branch_id", "employer_id", "workplace_id", "department_id"])
def test_a_reference_gone_by_the_write_fails_the_import_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, column: str, fast: bool
) -> None:
    if not fast:
        forced_old_path(monkeypatch)
    monkeypatch.setattr(planning, "BATCH", 2)
    original = applying._Writer.prepare

    def dangling(
        self: applying._Writer, plan: Any, branch: Branch, batch: list[int], keys: Any
    ) -> Any:
        if column == "branch_id":
            branch = Branch(pk=MISSING)
        else:
            values = plan.employment_values[column]
            for i in batch:
                values[i] = MISSING
        return original(self, plan, branch, batch, keys)

    monkeypatch.setattr(applying._Writer, "prepare", dangling)
    before = snapshot()
    with pytest.raises(DomainError, match="register changed"):
        import_apply(branch=world.liverpool, data=csv_bytes(rows(5), HEADER), actor=None)
    assert snapshot() == before
    assert role_now() == "origin"


def test_a_workplace_deleted_before_its_batch_is_written_fails_the_import(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    annex = world.liverpool_employer.workplaces.create(name="Annex")
    monkeypatch.setattr(planning, "BATCH", 2)
    original = applying._Writer.write
    batches: list[int] = []

    def deleting(self: applying._Writer, cursor: Any, batch: Any) -> None:
        batches.append(1)
        if len(batches) == 2:  # planned and checked, then gone before the second batch
            cursor.execute(f"DELETE FROM {Workplace._meta.db_table} WHERE id = %s", [annex.pk])  # noqa: S608
        original(self, cursor, batch)

    monkeypatch.setattr(applying._Writer, "write", deleting)
    body = rows(5)
    body[3][4] = "Annex"
    before = snapshot()
    with pytest.raises(DomainError, match="register changed"):
        import_apply(branch=world.liverpool, data=csv_bytes(body, HEADER), actor=None)
    assert snapshot() == before
    assert Workplace.objects.filter(pk=annex.pk).exists()  # the deletion went with the rest


def test_the_references_are_looked_up_once_each(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    lookups: list[str] = []
    original = applying._Writer._check_references

    def counting(self: applying._Writer, cursor: Any, references: Any) -> None:
        class Counting:
            def execute(self, query: str, params: Any) -> None:
                lookups.append(query.split(" FROM ")[1].split(" ")[0])
                cursor.execute(query, params)

            def fetchall(self) -> Any:
                return cursor.fetchall()

        original(self, Counting(), references)

    monkeypatch.setattr(applying._Writer, "_check_references", counting)
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(6), HEADER), actor=None)
    assert plan.ok
    # Three batches; the branch, employer, workplace and department once each, the new
    # members (referenced by their employments) never: they are the batch's own.
    assert sorted(lookups) == sorted(
        ['"core_branch"', '"core_employer"', '"core_workplace"', '"core_department"']
    )


def test_the_triggers_are_back_for_the_rest_of_the_transaction(world: World) -> None:
    with transaction.atomic():
        assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3), HEADER), actor=None).ok
        assert role_now() == "origin"
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(
                    "INSERT INTO members_employment (member_id, employer_id, job_category, "
                    "grade, contract_type, fte) VALUES (%s, %s, '', '', 'open_ended', 1)",
                    [MISSING, world.liverpool_employer.pk],
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.django_db(transaction=True)
def test_the_triggers_are_back_on_the_connection_after_the_import(world: World) -> None:
    assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3), HEADER), actor=None).ok
    assert Member.objects.filter(membership_number__startswith="F").count() == 3
    assert role_now() == "origin"
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_member (branch_id, membership_number, first_name, last_name, "
            "personal_email, work_email, mobile, other_phone, address_line1, address_line2, "
            "town, postcode, status, subscription_band, consent_email, consent_sms, "
            "consent_phone, do_not_contact, notes, created_at, updated_at) VALUES "
            "(%s, 'X1', '', '', '', '', '', '', '', '', '', '', 'active', '', true, true, "
            "true, false, '', now(), now())",
            [MISSING],
        )


@pytest.mark.parametrize("table", ["members_member", "members_employment"])
def test_a_trigger_of_the_deployment_turns_the_fast_path_off(world: World, table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_import_mark() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_TABLE_NAME = 'members_member' THEN NEW.notes := 'seen'; "
            "ELSE NEW.grade := 'seen'; END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_import_mark BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_import_mark()"
        )
    available, reason = applying.fast_write_status()
    assert not available and f"test_import_mark on {table}" in reason
    assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3), HEADER), actor=None).ok
    written = Employment.objects.filter(member__membership_number__startswith="F")
    marks = set(written.values_list("member__notes", "grade"))
    assert marks == ({("seen", "")} if table == "members_member" else {("", "seen")})


@pytest.fixture
def plain_role() -> Iterator[str]:
    """A role that is not a superuser, with the rights the application's tables need."""
    name = f"test_import_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {name}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {name}")
    yield name
    # The test's transaction is rolled back, and the role with it; if the test failed with the
    # transaction aborted, that rollback is all there is.
    with suppress(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def test_a_role_without_the_right_takes_the_old_path(
    world: World, plain_role: str, roles_at_copy: list[tuple[str, str]]
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {plain_role}")
    assert applying.fast_write_status() == (
        False,
        "the database role may not set session_replication_role",
    )
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(4), HEADER), actor=None)
    assert plan.ok and len(plan.new_rows) == 4
    assert roles_at_copy == [
        ("members_member", "origin"),
        ("members_employment", "origin"),
        ("members_memberchange", "origin"),
    ]
    assert Employment.objects.filter(member__membership_number__startswith="F").count() == 4
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == plain_role
        cursor.execute("RESET ROLE")


def test_a_role_granted_the_parameter_takes_the_fast_path(
    world: World, plain_role: str, roles_at_copy: list[tuple[str, str]]
) -> None:
    if connection.pg_version < 150000:  # type: ignore[attr-defined]
        pytest.skip("GRANT SET ON PARAMETER is PostgreSQL 15's")
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {plain_role}")
        cursor.execute(f"REVOKE UPDATE ON core_workplace FROM {plain_role}")
        cursor.execute(f"SET ROLE {plain_role}")
    # Locking a workplace as the trigger would needs UPDATE on its table.
    assert applying.fast_write_status() == (
        False,
        "the database role may not lock rows of core_workplace",
    )
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"GRANT UPDATE ON core_workplace TO {plain_role}")
        cursor.execute(f"SET ROLE {plain_role}")
    assert applying.fast_write_status() == (True, "available")
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(4), HEADER), actor=None)
    assert plan.ok and len(plan.new_rows) == 4
    assert roles_at_copy == [
        ("members_member", "replica"),
        ("members_employment", "replica"),
        ("members_memberchange", "origin"),
    ]
    assert role_now() == "origin"
    assert Employment.objects.filter(member__membership_number__startswith="F").count() == 4
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.django_db
def test_doctor_says_whether_the_fast_import_is_available(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert doctor.check_member_import() == [
        doctor.Finding(doctor.OK, "member import", "fast path available")
    ]
    monkeypatch.setattr(doctor, "fast_write_status", lambda: (False, "no reason"))
    [finding] = doctor.check_member_import()
    assert finding.level == doctor.WARN
    assert "no reason" in finding.message
    assert "GRANT SET ON PARAMETER session_replication_role" in finding.message


def test_keys_are_reserved_as_the_sequence_hands_them_out(world: World) -> None:
    with connection.cursor() as cursor:
        members, none, employments = applying._reserve(
            cursor, [(Member, 4), (Member, 0), (Employment, 2)]
        )
        assert none == [] and len(employments) == 2
        assert list(members) == list(range(members[0], members[0] + 4))
        # Keys that are not one range (here a sequence that steps by 3) come back one by one.
        cursor.execute("SELECT pg_get_serial_sequence('members_member', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
        [stepped] = applying._reserve(cursor, [(Member, 3)])
        assert stepped == [stepped[0], stepped[0] + 3, stepped[0] + 6]
        assert stepped[0] > members[-1]
        cursor.execute("SELECT nextval(%s)", [sequence])
        assert cursor.fetchone()[0] == stepped[-1] + 3


def test_the_binary_copy_refuses_what_the_columns_cannot_hold(world: World) -> None:
    names = applying._columns(Member)
    assert applying._binary_types(Member, names)  # the new members go in as binary
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    base = {
        **applying._defaults(Member, names),
        "branch_id": world.liverpool.pk,
        "membership_number": "B1",
        "first_name": "Siân",
        "last_name": "Ó Briain",
        "created_at": now,
        "updated_at": now,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('members_member', 'id'))")
        pk = cursor.fetchone()[0]
        applying._insert(cursor, Member, names, [(pk, *(base[n] for n in names))])
        assert Member.objects.get(pk=pk).last_name == "Ó Briain"
        too_long = {**base, "membership_number": "N" * 31}
        with pytest.raises(psycopg.errors.StringDataRightTruncation), transaction.atomic():
            applying._insert(cursor, Member, names, [(pk + 1, *(too_long[n] for n in names))])


def test_the_switch_interval_is_short_while_imports_write_and_back_after(
    world: World,
) -> None:
    before = sys.getswitchinterval()
    switching = applying._Switching()
    switching.enter()
    switching.enter()  # a second import of the same process, overlapping the first
    assert sys.getswitchinterval() == pytest.approx(applying._SWITCH_INTERVAL)
    switching.leave()
    assert sys.getswitchinterval() == pytest.approx(applying._SWITCH_INTERVAL)
    switching.leave()
    assert sys.getswitchinterval() == before
    assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3), HEADER), actor=None).ok
    assert sys.getswitchinterval() == before
