"""The importer: reading files, checking rows, comparing with the register, applying."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import phonenumbers
import pytest

from mandate.conftest import World
from mandate.core.models import AuditEvent
from mandate.members.importing import import_apply, plan_import, planning
from mandate.members.models import Employment, Member, MemberChange
from mandate.members.tests.test_import_helpers import (
    HEADER,
    csv_bytes,
    good_rows,
    snapshot,
    xlsx_bytes,
)
from mandate.members.validation import quick_gb_e164


def apply(world: World, data: bytes, **kwargs: str) -> planning.ImportPlan:
    return import_apply(branch=world.liverpool, data=data, actor=None, **kwargs)


def messages(plan: planning.ImportPlan) -> list[str]:
    return [str(e) for e in plan.errors]


def assert_refused(world: World, data: bytes, expected: str, **kwargs: str) -> planning.ImportPlan:
    before = snapshot()
    plan = apply(world, data, **kwargs)
    assert not plan.ok
    assert any(expected in m for m in messages(plan)), messages(plan)
    assert snapshot() == before
    return plan


# Bad input: each gets a clear message and nothing is written ----------------------------------


def test_wrong_encoding_is_refused(world: World) -> None:
    data = csv_bytes(good_rows(), encoding="utf-16")
    assert_refused(world, data, "not a CSV or XLSX we can read (encoding)")


def test_undecodable_bytes_are_refused(world: World) -> None:
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid as UTF-8.
    data = csv_bytes(good_rows()) + b"N1003,\x81\x8d,X,,,,\r\n"
    assert_refused(world, data, "(encoding)")


def test_old_excel_file_is_refused(world: World) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert_refused(world, data, "old Excel .xls file")


def test_missing_required_column(world: World) -> None:
    header = ["Membership No", "Forename", "Email"]
    data = csv_bytes([["N1", "A", "a@example.org"]], header)
    plan = assert_refused(world, data, 'no "Last name" column, which is required')
    assert plan.errors[0].row is None


def test_duplicate_membership_numbers_name_both_rows(world: World) -> None:
    rows = good_rows()
    rows[1][0] = rows[0][0]
    plan = assert_refused(world, csv_bytes(rows), "N1001 is also on row 2")
    assert plan.errors[0].row == 3
    assert plan.errors[0].column == "Membership No"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (3, "not-an-email", "is not an email address"),
        (4, "12345", "phone number"),
        (5, "XYZ 123", "is not a UK postcode"),
    ],
)
def test_invalid_cells_are_reported_with_row_and_column(
    world: World, column: int, value: str, expected: str
) -> None:
    rows = good_rows()
    rows[1][column] = value
    plan = assert_refused(world, csv_bytes(rows), expected)
    (error,) = plan.errors
    assert (error.row, error.column, error.value) == (3, HEADER[column], value)
    assert str(error).startswith(f'row 3, column "{HEADER[column]}": ')


def test_invalid_date_and_number(world: World) -> None:
    header = ["Member number", "First name", "Last name", "Join date", "FTE", "Salary"]
    rows = [["N1", "A", "B", "31/02/2020", "0.5", "£30,000"], ["N2", "C", "D", "", "2", "lots"]]
    plan = assert_refused(world, csv_bytes(rows, header), "no such day")
    found = {(e.row, e.column) for e in plan.errors}
    assert found == {(2, "Join date"), (3, "FTE"), (3, "Salary")}


def test_file_over_the_size_limit(world: World, settings: pytest.FixtureRequest) -> None:
    settings.MANDATE_IMPORT_MAX_BYTES = 1024  # type: ignore[attr-defined]
    data = csv_bytes(good_rows() * 40)
    assert_refused(world, data, "the largest file that can be imported is 0 MB")


def test_formula_in_csv_cell(world: World) -> None:
    rows = good_rows()
    rows[0][1] = '=HYPERLINK("http://evil.example","x")'
    plan = assert_refused(world, csv_bytes(rows), "looks like a spreadsheet formula")
    assert (plan.errors[0].row, plan.errors[0].column) == (2, "Forename")


def test_formula_in_xlsx_cell(world: World) -> None:
    data = xlsx_bytes({"Members": [HEADER[:3], ["N1", "Ann", "Lee"], ["N2", '=A2&"x"', "Moss"]]})
    plan = assert_refused(world, data, "looks like a spreadsheet formula")
    assert (plan.errors[0].row, plan.errors[0].column) == (3, "Forename")


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(world: World, data: bytes) -> None:
    assert_refused(world, data, "The file is empty.")


def test_header_without_rows(world: World) -> None:
    assert_refused(world, csv_bytes([]) + b",,,,,,\r\n", "a header row but no members")


def test_xlsx_with_several_sheets_needs_a_choice(world: World) -> None:
    data = xlsx_bytes(
        {
            "Members": [HEADER[:3], ["N1", "Ann", "Lee"]],
            "Leavers": [HEADER[:3], ["N9", "Old", "Timer"]],
            "Empty": [],
        }
    )
    assert_refused(world, data, 'several sheets with data: "Members", "Leavers"')
    assert_refused(world, data, 'no sheet called "Staff"', sheet="Staff")
    plan = apply(world, data, sheet="leavers")
    assert plan.ok and plan.sheet == "Leavers"
    assert Member.objects.filter(membership_number="N9", branch=world.liverpool).exists()
    assert not Member.objects.filter(membership_number="N1").exists()


def test_too_many_rows(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "MAX_ROWS", 1)
    assert_refused(world, csv_bytes(good_rows()), "more than 1 rows")


def test_number_of_another_branch_is_refused_without_naming_it(world: World) -> None:
    rows = good_rows()
    rows[1][0] = world.ucl_member.membership_number
    plan = assert_refused(world, csv_bytes(rows), "belongs to a member of another branch")
    assert "UCL" not in str(plan.errors[0])
    assert "national officer" in str(plan.errors[0])


def test_unknown_workplace_names_the_choices(world: World) -> None:
    rows = good_rows()
    rows[0][6] = "Moon base"
    plan = assert_refused(world, csv_bytes(rows), "'Moon base' is not a workplace")
    assert "Health and Life Sciences building, Main campus" in plan.errors[0].message


def test_several_errors_are_all_reported_in_row_order(world: World) -> None:
    rows = good_rows() + [["N1003", "", "Smith", "bad", "", "", ""]]
    rows[0][4] = "999"
    plan = assert_refused(world, csv_bytes(rows), "First name is empty")
    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "Mobile"),
        (4, "Forename"),
        (4, "Email"),
    ]


# Reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings(world: World, encoding: str) -> None:
    plan = apply(world, csv_bytes(good_rows(), encoding=encoding))
    assert plan.ok, messages(plan)
    member = Member.objects.get(membership_number="N1001")
    assert (member.first_name, member.last_name) == ("Siân", "Ó Briain")
    assert member.mobile == "+447911123456"
    assert member.postcode == "L69 3BX"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated(world: World, delimiter: str) -> None:
    plan = apply(world, csv_bytes(good_rows(), delimiter=delimiter))
    assert plan.ok, messages(plan)
    assert Member.objects.filter(membership_number__in=["N1001", "N1002"]).count() == 2


def test_header_synonyms_and_unknown_columns(world: World) -> None:
    header = [
        "MEMBERSHIP NUMBER ",
        "given name",
        "Family-Name",
        "Home E-mail",
        "Employer email",
        "Cell",
        "Post Code",
        "Site",
        "Dept",
        "Job title",
        "Contract",
        "F.T.E.",
        "Salary (£)",
        "Joined",
        "SMS OK",
        "DNC",
        "Favourite colour",
    ]
    row = [
        "N77",
        "Ann",
        "Lee",
        "Ann@Example.ORG",
        "a.lee@liverpool.ac.uk",
        "07911123456",
        "l1 8jq",
        "Main Campus",
        "history",
        "Lecturer",
        "Hourly paid",
        "50%",
        "£31,500.50",
        "1 March 2021",
        "N",
        "yes",
        "blue",
    ]
    plan = apply(world, csv_bytes([row], header))
    assert plan.ok, messages(plan)
    assert plan.ignored == ["Favourite colour"]
    assert any('"Favourite colour"' in w for w in plan.warnings)
    m = Member.objects.get(membership_number="N77")
    assert m.personal_email == "Ann@example.org"
    assert m.work_email == "a.lee@liverpool.ac.uk"
    assert m.join_date == date(2021, 3, 1)
    assert (m.consent_sms, m.do_not_contact, m.consent_email) == (False, True, True)
    e = m.employments.get()
    assert e.employer == world.liverpool_employer
    assert (e.workplace.name, e.department.name) == ("Main campus", "History")  # type: ignore[union-attr]
    assert (e.contract_type, e.fte, e.annual_salary) == (
        "hourly_paid",
        Decimal("0.500"),
        Decimal("31500.50"),
    )


def test_xlsx_happy_path(world: World) -> None:
    data = xlsx_bytes(
        {
            "Register": [
                ["Member No", "First name", "Surname", "Mobile", "Join date", "FTE", "Salary"],
                ["N500", "Kim", "Oduya", 7911123456, datetime(2019, 9, 1), 0.6, 41000],
                [None, None, None, None, None, None, None],
                [12345, "Lou", "Ng", "07911 123459", "02/01/2020", 1, "£38,000"],
            ]
        }
    )
    plan = apply(world, data)
    assert plan.ok, messages(plan)
    assert plan.kind == "xlsx" and plan.rows == 2
    kim = Member.objects.get(membership_number="N500")
    assert (kim.mobile, kim.join_date) == ("+447911123456", date(2019, 9, 1))
    assert kim.employments.get().fte == Decimal("0.600")
    lou = Member.objects.get(membership_number="12345")
    assert lou.join_date == date(2020, 1, 2)
    assert lou.employments.get().annual_salary == Decimal("38000.00")


def test_branch_with_several_employers_needs_the_employer_column(world: World) -> None:
    world.liverpool.employers.add(world.ucl_employer)
    assert_refused(world, csv_bytes(good_rows()), 'needs an "Employer" column')
    header = [*HEADER, "Employer"]
    rows = [[*r, "University of Liverpool"] for r in good_rows()]
    rows[1][7] = "Hogwarts"
    assert_refused(world, csv_bytes(rows, header), "'Hogwarts' is not an employer of this branch")
    rows[1][7] = "university college london"
    rows[1][6] = "Bloomsbury"
    plan = apply(world, csv_bytes(rows, header))
    assert plan.ok, messages(plan)
    dev = Member.objects.get(membership_number="N1002")
    assert dev.employments.get().employer == world.ucl_employer


# Comparing and applying ------------------------------------------------------------------------


def test_preview_writes_nothing_and_counts(world: World) -> None:
    rows = good_rows() + [["L0001", "Mo", "Ahmed", "mo@example.org", "", "", ""]]
    before = snapshot()
    plan = plan_import(branch=world.liverpool, data=csv_bytes(rows))
    assert snapshot() == before
    counts = plan.counts()
    assert (counts["new"], counts["changed"], counts["unchanged"], counts["missing"]) == (
        2,
        1,
        0,
        2,
    )
    (change,) = plan.changed
    assert sorted(change.field_labels()) == ["Mobile", "Workplace"]


def test_apply_writes_members_history_and_one_audit_event(world: World) -> None:
    audit_before = AuditEvent.objects.count()
    rows = good_rows() + [
        ["L0001", "Mo", "Ahmed", "mo@example.org", "07911 123458", "", "Main campus"]
    ]
    plan = apply(world, csv_bytes(rows))
    assert plan.ok
    assert AuditEvent.objects.count() == audit_before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "members.import" and event.branch == world.liverpool
    assert event.detail["new"] == 2 and event.detail["changed"] == 1
    assert "Siân" not in str(event.detail) and "N1001" not in str(event.detail)
    mo = Member.objects.get(pk=world.member.pk)
    assert mo.mobile == "+447911123458"
    employment = mo.employments.get()  # updated in place, not duplicated
    assert employment.workplace.name == "Main campus"  # type: ignore[union-attr]
    change = mo.changes.filter(source="import").get()
    assert change.changes["mobile"] == ["+447700900001", "+447911123458"]
    assert change.changes["employment.workplace"] == [
        "Health and Life Sciences building",
        "Main campus",
    ]
    new = Member.objects.get(membership_number="N1001")
    assert new.branch == world.liverpool and new.missing_since is None
    assert not new.changes.exists()  # its arrival is the audit event's
    assert new.employments.get().employer == world.liverpool_employer


def test_reimport_changes_nothing(world: World) -> None:
    rows = good_rows() + [["L0001", "Mo", "Ahmed", "mo@example.org", "07911 123458", "", ""]]
    data = csv_bytes(rows)
    assert apply(world, data).ok
    stamps = dict(Member.objects.values_list("pk", "updated_at"))
    history = MemberChange.objects.count()
    employments = list(Employment.objects.values_list("pk", "workplace_id", "fte"))
    audit = AuditEvent.objects.count()
    again = apply(world, data)
    counts = again.counts()
    assert (counts["new"], counts["changed"], counts["unchanged"], counts["newly_missing"]) == (
        0,
        0,
        3,
        0,
    )
    assert dict(Member.objects.values_list("pk", "updated_at")) == stamps
    assert MemberChange.objects.count() == history
    assert list(Employment.objects.values_list("pk", "workplace_id", "fte")) == employments
    assert AuditEvent.objects.count() == audit + 1  # the apply itself is still recorded


def test_missing_members_are_flagged_then_cleared(world: World) -> None:
    first = apply(world, csv_bytes(good_rows()))
    assert first.counts()["newly_missing"] == 3
    cat = Member.objects.get(pk=world.covered.pk)
    assert cat.missing_since is not None
    flagged_at = cat.missing_since
    # Still missing: flagged once, the date kept.
    assert apply(world, csv_bytes(good_rows())).counts()["newly_missing"] == 0
    assert Member.objects.get(pk=cat.pk).missing_since == flagged_at
    rows = [
        *good_rows(),
        ["L0002", "Cat", "Byrne", "", "", "", "Health and Life Sciences building"],
    ]
    back = apply(world, csv_bytes(rows))
    assert back.counts()["returned"] == 1
    cat = Member.objects.get(pk=cat.pk)
    assert cat.missing_since is None
    assert Member.objects.filter(branch=world.liverpool).count() == 5  # nobody deleted


def test_empty_cells_keep_or_clear_as_documented(world: World) -> None:
    header = ["Membership No", "Forename", "Surname", "Email", "Status", "Email consent", "FTE"]
    apply(
        world, csv_bytes([["L0001", "Mo", "Ahmed", "mo@example.org", "Lapsed", "N", "0.5"]], header)
    )
    plan = apply(world, csv_bytes([["L0001", "Mo", "Ahmed", "", "", "", ""]], header))
    assert plan.ok
    mo = Member.objects.get(pk=world.member.pk)
    assert (mo.personal_email, mo.status, mo.consent_email) == ("", "lapsed", False)
    assert mo.employments.get().fte == Decimal("0.500")


def test_quick_phone_path_agrees_with_the_library() -> None:
    rng = random.Random(7)
    prefixes = ["0", "+44", "0044", "+44 (0)", "+440", "(0", "", "01800200", "+44 0"]
    hits = 0
    for _ in range(20_000):
        body = "".join(rng.choice("0123456789") for _ in range(rng.choice([8, 9, 10, 11])))
        if rng.random() < 0.5:
            body = "7" + body[1:]
        if rng.random() < 0.2:  # the Channel Islands' and the Isle of Man's ranges
            body = rng.choice(["7781", "7797", "7624", "1481", "1534", "1624"]) + body[4:]
        text = rng.choice(prefixes) + body
        quick = quick_gb_e164(text)
        if quick is None:
            continue
        hits += 1
        number = phonenumbers.parse(text, "GB")
        assert phonenumbers.is_valid_number(number), text
        assert quick == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert hits > 500


def test_bulk_quick_checks_agree_with_the_normalisers() -> None:
    from mandate.members.validation import (
        normalise_email,
        normalise_phone,
        normalise_postcode,
        quick_emails,
        quick_gb_phones,
        quick_postcodes,
    )

    rng = random.Random(11)
    letters = "abcXYZ019.-_+@ "
    emails = ["ann@example.org", "Ann@Example.org", "a..b@example.org", "x@y", "a@b.co.uk"]
    emails += [
        "".join(rng.choice(letters) for _ in range(rng.randrange(3, 16))) for _ in range(3000)
    ]
    postcodes = ["L69 3BX", "l69 3bx", "L693BX", "GIR 0AA", "Q1 1AA", "EC1A 1BB", "W1A 0AX"]
    postcodes += [
        "".join(rng.choice("ABL0193 X") for _ in range(rng.randrange(5, 9))) for _ in range(3000)
    ]
    phones = ["07911 123456", "07911123456", "+44 7911 123456", "07797 393755", "0151 794 2000"]
    for texts, quick, full in (
        (emails, quick_emails, normalise_email),
        (postcodes, quick_postcodes, normalise_postcode),
        (phones, quick_gb_phones, normalise_phone),
    ):
        stripped = [t.strip() for t in texts if t.strip()]
        vouched = quick(stripped)
        assert len(vouched) == len(stripped)
        for text, value in zip(stripped, vouched, strict=True):
            if value is not None:
                assert full(text) == value, text
    # Left to the full checks, which normalise them.
    assert quick_emails(["Ann@Example.org"]) == [None]
    assert quick_postcodes(["l69 3bx"]) == [None]
    # Jersey, Guernsey and Isle of Man numbers share +44 and the quick path; a premium-rate
    # number is left to the library.
    assert quick_gb_phones(["07712 345678", "07797 393755", "07781 227502", "07624 123456"]) == [
        "+447712345678",
        "+447797393755",
        "+447781227502",
        "+447624123456",
    ]
    assert quick_gb_phones(["0909 879 0000"]) == [None]


def test_reimport_of_every_column_type_changes_nothing(world: World) -> None:
    header = [
        "Membership No",
        "Forename",
        "Surname",
        "Join date",
        "Email consent",
        "Status",
        "FTE",
        "Salary",
        "Start date",
        "End date",
        "Workplace",
        "Department",
        "Contract",
    ]
    row = [
        "N9",
        "Al",
        "Bo",
        "01/02/2003",
        "N",
        "Lapsed",
        "0.5",
        "£41,000.10",
        "02/03/2004",
        "",
        "Main campus",
        "History",
        "Zero hours",
    ]
    data = csv_bytes([row], header)
    assert apply(world, data).ok
    counts = plan_import(branch=world.liverpool, data=data).counts()
    assert (counts["new"], counts["changed"], counts["unchanged"]) == (0, 0, 1)


@pytest.mark.parametrize("number", ['Q"7\\1', "Ó'Brí 9", "N,1\t2"])
def test_a_number_of_another_branch_is_found_whatever_its_characters(
    world: World, number: str
) -> None:
    world.ucl_member.membership_number = number
    world.ucl_member.save(update_fields=["membership_number"])
    rows = good_rows()
    rows[1][0] = number
    assert_refused(world, csv_bytes(rows), "belongs to a member of another branch")
