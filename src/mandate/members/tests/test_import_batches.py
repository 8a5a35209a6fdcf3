"""The importer checks and writes a file in batches: the outcome must be the file's, not the
batches'. A file with an error anywhere writes nothing, and every error is still reported."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from mandate.conftest import World
from mandate.core.errors import DomainError
from mandate.members.importing import (
    applying,
    import_apply,
    import_run_apply,
    import_run_create,
    plan_import,
    planning,
)
from mandate.members.models import Employment, ImportRun, Member
from mandate.members.tests.test_import_helpers import csv_bytes, snapshot


def rows(count: int, start: int = 1) -> list[list[str]]:
    return [
        [
            f"N{start + n:04d}",
            "Siân",
            f"Patel{n}",
            f"m{start + n}@example.org",
            "07911 123456",
            "L7 8TX",
            "Main campus",
        ]
        for n in range(count)
    ]


def errors_of(world: World, data: bytes) -> tuple[list[dict[str, object]], int]:
    plan = plan_import(branch=world.liverpool, data=data)
    return [e.as_dict() for e in plan.errors], plan.error_count


def test_small_batches_report_exactly_what_one_batch_reports(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = rows(12)
    body[1][3] = "not an email"
    body[9][3] = "not an email"  # the same bad value again, batches later
    body[4][6] = "Moon base"
    body[10][6] = "Moon base"
    body[7][0] = body[2][0]  # a duplicate across batches
    body[11][1] = ""
    data = csv_bytes(body)
    whole = errors_of(world, data)
    assert whole[1] == 6
    for size in (1, 2, 5):
        monkeypatch.setattr(planning, "BATCH", size)
        assert errors_of(world, data) == whole, size


def test_error_cap_is_the_same_in_batches(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "KEPT_ERRORS", 3)
    body = rows(10)
    for row in body:
        row[3] = "bad"
        row[4] = "999"
    data = csv_bytes(body)
    whole = errors_of(world, data)
    monkeypatch.setattr(planning, "BATCH", 2)
    assert errors_of(world, data) == whole
    assert whole[1] == 20 and len(whole[0]) == 3


def test_numbers_of_another_branch_are_found_in_any_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    body = rows(7)
    body[6][0] = world.ucl_member.membership_number
    before = snapshot()
    plan = import_apply(branch=world.liverpool, data=csv_bytes(body), actor=None)
    assert [e.row for e in plan.errors] == [8]
    assert "another branch" in plan.errors[0].message
    assert snapshot() == before


def test_error_in_the_last_batch_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    body = rows(9)
    body[8][4] = "999"
    before = snapshot()
    plan = import_apply(branch=world.liverpool, data=csv_bytes(body), actor=None)
    assert not plan.ok and [(e.row, e.column) for e in plan.errors] == [(10, "Mobile")]
    assert snapshot() == before
    assert not Member.objects.filter(membership_number="N0001").exists()


def test_many_batches_are_all_written(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "BATCH", 3)
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(10)), actor=None)
    assert plan.ok and len(plan.new_rows) == 10
    written = Member.objects.filter(membership_number__startswith="N0")
    assert written.count() == 10
    assert Employment.objects.filter(member__in=written).count() == 10
    # Changed and new members together, across batches.
    again = rows(10)
    again[0][1] = "Dev"
    plan = import_apply(branch=world.liverpool, data=csv_bytes([*again, *rows(4, 50)]), actor=None)
    counts = plan.counts()
    assert (counts["new"], counts["changed"], counts["unchanged"]) == (4, 1, 9)
    assert Member.objects.get(membership_number="N0001").first_name == "Dev"
    assert Member.objects.filter(membership_number__startswith="N0").count() == 14


def test_previewed_run_that_fails_late_on_apply_is_recorded_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    annex = world.liverpool_employer.workplaces.create(name="Annex")
    body = rows(7)
    body[6][6] = "Annex"
    run = import_run_create(
        branch=world.liverpool, filename="r.csv", data=csv_bytes(body), sheet="", actor=None
    )
    assert run.state == ImportRun.State.PREVIEWED
    annex.delete()  # gone between the preview and the apply
    before = snapshot()
    plan = import_run_apply(run=run, actor=None)
    assert not plan.ok and "'Annex' is not a workplace" in plan.errors[0].message
    assert snapshot() == before
    run.refresh_from_db()
    assert run.state == ImportRun.State.INVALID


def test_a_failed_write_is_reported_as_a_race_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    calls: list[int] = []
    original = applying._Writer.write

    def failing(self: applying._Writer, cursor: Any, batch: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("duplicate key value violates unique constraint")
        original(self, cursor, batch)

    monkeypatch.setattr(applying._Writer, "write", failing)
    before = snapshot()
    with pytest.raises(DomainError, match="register changed"):
        import_apply(branch=world.liverpool, data=csv_bytes(rows(7)), actor=None)
    assert snapshot() == before


@pytest.mark.postgres
def test_foreign_keys_are_deferred_again_after_an_import(world: World) -> None:
    with transaction.atomic():
        assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3)), actor=None).ok
        # Deferred: a dangling reference is only refused at commit, so this insert passes.
        savepoint = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO members_employment (member_id, employer_id, job_category, grade, "
                "contract_type, fte) VALUES (%s, %s, '', '', 'open_ended', 1)",
                [2**40, world.liverpool_employer.pk],
            )
        transaction.savepoint_rollback(savepoint)


def test_new_members_between_known_ones_get_their_own_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 4)
    assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3)), actor=None).ok
    known = rows(3)
    fresh = rows(3, 20)
    for n, row in enumerate(fresh):
        row[2] = f"Fresh{n}"
    # Known, new, known, new, known, new: each batch's new members are not one run of rows.
    body = [row for pair in zip(known, fresh, strict=True) for row in pair]
    plan = import_apply(branch=world.liverpool, data=csv_bytes(body), actor=None)
    assert plan.ok and len(plan.new_rows) == 3
    written = Member.objects.filter(membership_number__in=["N0020", "N0021", "N0022"])
    assert dict(written.values_list("membership_number", "last_name")) == {
        "N0020": "Fresh0",
        "N0021": "Fresh1",
        "N0022": "Fresh2",
    }
    assert set(written.values_list("personal_email", flat=True)) == {
        "m20@example.org",
        "m21@example.org",
        "m22@example.org",
    }


def test_a_new_members_empty_keeping_cells_get_the_defaults(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    header = ["Membership No", "Forename", "Surname", "Status", "SMS consent", "FTE", "Salary"]
    body = [
        ["K0001", "Siân", "Patel", "", "", "", ""],
        ["K0002", "Dev", "Shah", "Lapsed", "N", "0.5", "£30,000"],
        ["K0003", "Ana", "Cole", "", "Y", "", ""],
    ]
    plan = import_apply(branch=world.liverpool, data=csv_bytes(body, header), actor=None)
    assert plan.ok and len(plan.new_rows) == 3
    written = Employment.objects.filter(member__membership_number__startswith="K")
    got = {
        e.member.membership_number: (e.member.status, e.member.consent_sms, e.fte, e.annual_salary)
        for e in written.select_related("member")
    }
    assert got == {
        "K0001": ("active", True, Decimal("1.000"), None),
        "K0002": ("lapsed", False, Decimal("0.500"), Decimal("30000.00")),
        "K0003": ("active", True, Decimal("1.000"), None),
    }


def test_the_new_members_keys_are_taken_in_one_go_after_the_first_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "BATCH", 2)
    taken: list[int] = []
    original = applying._Keys.reserve

    def counting(self: applying._Keys, count: int, cursor: Any = None) -> None:
        taken.append(count)
        original(self, count, cursor)

    monkeypatch.setattr(applying._Keys, "reserve", counting)
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(7)), actor=None)
    assert plan.ok and len(plan.new_rows) == 7
    # PostgreSQL: the first batch's keys, then the other five's by the writing thread;
    # SQLite: all seven at once.
    assert taken == ([2, 5] if connection.vendor == "postgresql" else [7])
    written = Member.objects.filter(membership_number__startswith="N")
    assert written.count() == 7
    assert Employment.objects.filter(member__in=written).count() == 7


def test_more_new_members_than_expected_get_fresh_keys(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The register's reading promised one new member; the file brings seven, in batches of
    # two. Each shortfall takes more keys, none of them twice.
    monkeypatch.setattr(planning, "BATCH", 2)
    monkeypatch.setattr(applying, "_CHUNK", 3)  # each shortfall leaves a key over
    original = planning._Planner._load_register

    def promising_one(self: planning._Planner, numbers: list[str]) -> None:
        original(self, numbers)
        self.plan.expected_new = 1

    monkeypatch.setattr(planning._Planner, "_load_register", promising_one)
    assert import_apply(branch=world.liverpool, data=csv_bytes(rows(3)), actor=None).ok
    plan = import_apply(branch=world.liverpool, data=csv_bytes(rows(10)), actor=None)
    assert plan.ok and len(plan.new_rows) == 7
    written = Member.objects.filter(membership_number__startswith="N")
    assert sorted(written.values_list("membership_number", flat=True)) == [
        f"N{n:04d}" for n in range(1, 11)
    ]
    employments = Employment.objects.filter(member__in=written)
    assert employments.count() == 10
    assert len(set(employments.values_list("member_id", flat=True))) == 10


def test_rows_split_over_several_insert_statements_keep_their_values(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite inserts many rows a statement; batches of five, three rows a statement, so
    # statements end inside batches and the last ones are short.
    monkeypatch.setattr(planning, "BATCH", 5)
    monkeypatch.setattr(applying, "_SQLITE_ROWS_PER_STATEMENT", 3)
    header = ["Membership No", "Forename", "Surname", "Email", "Joined", "SMS consent", "Salary"]
    body = [
        [
            f"S{n:04d}",
            f"Name{n}",
            f"Family{n % 4}",
            f"s{n}@example.org",
            f"{1 + n % 28:02d}/0{1 + n % 9}/2015",
            "Y" if n % 2 else "N",
            f"£20,{n:03d}.50",
        ]
        for n in range(13)
    ]
    plan = import_apply(branch=world.liverpool, data=csv_bytes(body, header), actor=None)
    assert plan.ok and len(plan.new_rows) == 13
    got = {
        e.member.membership_number: (
            e.member.first_name,
            e.member.last_name,
            e.member.personal_email,
            e.member.join_date.isoformat() if e.member.join_date else None,
            e.member.consent_sms,
            e.annual_salary,
        )
        for e in Employment.objects.filter(
            member__membership_number__startswith="S"
        ).select_related("member")
    }
    assert got == {
        f"S{n:04d}": (
            f"Name{n}",
            f"Family{n % 4}",
            f"s{n}@example.org",
            f"2015-0{1 + n % 9}-{1 + n % 28:02d}",
            bool(n % 2),
            Decimal(f"20{n:03d}.50"),
        )
        for n in range(13)
    }


def test_sqlite_values_are_converted_once_per_import_and_by_type() -> None:
    memo: dict[type, dict[Any, Any]] = {}
    calls: list[Any] = []
    original = applying._sqlite_value

    def counting(value: Any) -> Any:
        calls.append(value)
        return original(value)

    from datetime import date

    applying._sqlite_value = counting  # type: ignore[assignment]
    try:
        days = [date(2020, 1, 2), None, date(2020, 1, 2), date(2021, 5, 6)]
        assert applying._sqlite_column(days, memo) == [
            "2020-01-02",
            None,
            "2020-01-02",
            "2021-05-06",
        ]
        assert applying._sqlite_column(days[:2], memo) == ["2020-01-02", None]
        assert len(calls) == 2  # two distinct dates, each converted once
        # True and Decimal("1") are equal as keys: kept apart by type.
        assert applying._sqlite_column([True, False], memo) == [1, 0]
        assert applying._sqlite_column([Decimal("1"), Decimal("2.50")], memo) == ["1", "2.50"]
        # A column of two kinds is converted without the memo.
        assert applying._sqlite_column([True, Decimal("1")], memo) == [1, "1"]
        plain = ["a", 1, None, 2.5]
        assert applying._sqlite_column(plain, memo) is plain
    finally:
        applying._sqlite_value = original  # type: ignore[assignment]
