"""The safety rules as a table: consent, do-not-contact, opt-outs, work addresses, numbers,
and texting hours at their boundaries, overnight and on the days the clocks change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from mandate.conftest import World
from mandate.core.models import Employer
from mandate.messaging.models import Channel, EmployerEmailDomain, Reason
from mandate.messaging.rules import (
    Recipient,
    WorkDomains,
    is_sms_number,
    texting_hours,
    verdict,
)

from .conftest import add_member

BASE = dict(
    member_id=1,
    status="active",
    do_not_contact=False,
    consent_email=True,
    consent_sms=True,
    personal_email="mo@example.org",
    work_email="m.ahmed@liverpool.ac.uk",
    mobile="+447700900001",
    employer_ids=frozenset({7}),
)
DOMAINS = WorkDomains({7: frozenset({"liverpool.ac.uk"})})


def _r(**changes: object) -> Recipient:
    return Recipient(**{**BASE, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "changes", "opted_out", "expected"),
    [
        ("email", {}, False, "mo@example.org"),
        ("sms", {}, False, "+447700900001"),
        ("email", {"status": "deceased"}, False, Reason.NOT_MEMBER),
        ("sms", {"status": "resigned"}, False, Reason.NOT_MEMBER),
        ("email", {"status": "lapsed"}, False, "mo@example.org"),
        ("email", {"do_not_contact": True}, False, Reason.DO_NOT_CONTACT),
        ("sms", {"do_not_contact": True}, False, Reason.DO_NOT_CONTACT),
        ("email", {"consent_email": False}, False, Reason.NO_CONSENT),
        ("sms", {"consent_email": False}, False, "+447700900001"),
        ("sms", {"consent_sms": False}, False, Reason.NO_CONSENT),
        ("email", {"consent_sms": False}, False, "mo@example.org"),
        ("email", {}, True, Reason.OPTED_OUT),
        ("sms", {}, True, Reason.OPTED_OUT),
        # DOMAIN.md s5: never a work address, however it is recorded.
        ("email", {"personal_email": "m.ahmed@liverpool.ac.uk"}, False, Reason.WORK_ADDRESS),
        ("email", {"personal_email": "M.Ahmed@Liverpool.AC.UK"}, False, Reason.WORK_ADDRESS),
        ("email", {"personal_email": "mo.home@liverpool.ac.uk"}, False, Reason.WORK_ADDRESS),
        ("email", {"personal_email": "mo@staff.liverpool.ac.uk"}, False, Reason.WORK_ADDRESS),
        ("email", {"personal_email": "mo@notliverpool.ac.uk"}, False, "mo@notliverpool.ac.uk"),
        ("email", {"personal_email": ""}, False, Reason.WORK_ADDRESS),
        ("email", {"personal_email": "", "work_email": ""}, False, Reason.NO_ADDRESS),
        # The member's own work domain counts even before the employer's is known...
        (
            "email",
            {"employer_ids": frozenset(), "personal_email": "mo@liverpool.ac.uk"},
            False,
            Reason.WORK_ADDRESS,
        ),
        # ...unless a personal address was typed into the work column.
        (
            "email",
            {"work_email": "mo.work@gmail.com", "personal_email": "mo@gmail.com"},
            False,
            "mo@gmail.com",
        ),
        ("sms", {"mobile": ""}, False, Reason.NO_ADDRESS),
        ("sms", {"mobile": "+441517946000"}, False, Reason.NO_ADDRESS),  # a landline
        ("sms", {"mobile": "07700900001"}, False, Reason.NO_ADDRESS),  # not E.164
        ("sms", {"mobile": "+447911123456"}, False, "+447911123456"),
        ("sms", {"mobile": "+33612345678"}, False, "+33612345678"),
    ],
)
def test_verdict_table(
    channel: str, changes: dict[str, object], opted_out: bool, expected: str
) -> None:
    result = verdict(channel, _r(**changes), opted_out=opted_out, domains=DOMAINS)
    if expected in Reason.values:
        assert (result.reason, result.address) == (expected, "")
    else:
        assert (result.reason, result.address) == (None, expected)


@given(st.sampled_from(["", "a.", "deep.sub."]), st.sampled_from(["", "X", "staff-"]))
def test_no_address_under_an_employer_domain_is_ever_used(prefix: str, local: str) -> None:
    email = f"{local}someone@{prefix}liverpool.ac.uk"
    result = verdict(Channel.EMAIL, _r(personal_email=email), opted_out=False, domains=DOMAINS)
    assert result.reason == Reason.WORK_ADDRESS


def test_work_domains_are_recorded_or_derived_from_several_members(world: World) -> None:
    employer = world.liverpool_employer
    add_member(world, "L0100", work_email="a@liverpool.ac.uk")
    add_member(world, "L0101", work_email="b@gmail.com")
    add_member(world, "L0102", work_email="c@gmail.com")
    add_member(world, "L0103", work_email="d@stray.example.net")
    domains = WorkDomains.load([employer.pk]).by_employer[employer.pk]
    # liverpool.ac.uk: Mo and L0100. gmail.com is public; one stray domain is not enough.
    assert domains == {"liverpool.ac.uk"}
    EmployerEmailDomain.objects.create(employer=employer, domain="liv.ac.uk")
    assert WorkDomains.load([employer.pk]).by_employer[employer.pk] == {
        "liverpool.ac.uk",
        "liv.ac.uk",
    }


def test_a_branch_employer_domain_is_a_work_domain_for_its_members(world: World) -> None:
    other = Employer.objects.create(name="Liverpool Guild", slug="guild", jurisdiction="england")
    world.liverpool.employers.add(other)
    EmployerEmailDomain.objects.create(employer=other, domain="guild.org.uk")
    from mandate.members.models import Member
    from mandate.messaging import recipients as rcp

    members = Member.objects.filter(pk=world.member.pk)
    recipient = next(
        rcp.read(
            members,
            rcp.employers_by_member([world.member.pk]),
            rcp.employers_by_branch([world.liverpool.pk]),
        )
    )[0]
    domains = WorkDomains.load(recipient.employer_ids)
    assert verdict(
        Channel.EMAIL,
        recipient._replace(personal_email="mo@guild.org.uk"),
        opted_out=False,
        domains=domains,
    ).reason == (Reason.WORK_ADDRESS)


def test_sms_numbers() -> None:
    assert is_sms_number("+447700900123")  # Ofcom's drama range
    assert not is_sms_number("+447700900")
    assert not is_sms_number("+44 7700 900123")
    assert not is_sms_number("+442079460000")


def _london(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo("Europe/London"))


@override_settings(MANDATE_TEXTING_HOURS=("09:00", "20:00"))
@pytest.mark.parametrize(
    ("at", "opens_at"),
    [
        (_london(2026, 11, 20, 8, 59), _london(2026, 11, 20, 9, 0)),
        (_london(2026, 11, 20, 9, 0), None),
        (_london(2026, 11, 20, 19, 59), None),
        (_london(2026, 11, 20, 20, 0), _london(2026, 11, 21, 9, 0)),
        (_london(2026, 11, 20, 23, 59), _london(2026, 11, 21, 9, 0)),
        (_london(2026, 11, 21, 0, 0), _london(2026, 11, 21, 9, 0)),
        (_london(2026, 11, 21, 3, 15), _london(2026, 11, 21, 9, 0)),
        # The clocks go forward at 01:00 GMT on 29 March 2026: 09:00 is then 08:00 UTC.
        (_london(2026, 3, 28, 21, 0), _london(2026, 3, 29, 9, 0)),
        # And back at 02:00 BST on 25 October 2026: 09:00 is then 09:00 UTC.
        (_london(2026, 10, 24, 22, 0), _london(2026, 10, 25, 9, 0)),
    ],
)
def test_texting_hours(at: datetime, opens_at: datetime | None) -> None:
    hours = texting_hours()
    assert hours.is_open(at) is (opens_at is None)
    assert hours.next_opening(at) == (opens_at or at)


@override_settings(MANDATE_TEXTING_HOURS=("09:00", "20:00"))
def test_texting_hours_across_clock_changes_in_utc() -> None:
    hours = texting_hours()
    spring = hours.next_opening(datetime(2026, 3, 28, 21, 0, tzinfo=UTC))
    autumn = hours.next_opening(datetime(2026, 10, 24, 21, 0, tzinfo=UTC))
    assert spring == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert autumn == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    # 08:30 UTC on the spring day is 09:30 BST: open.
    assert hours.is_open(datetime(2026, 3, 29, 8, 30, tzinfo=UTC))
    # 08:30 UTC on the autumn day is 08:30 GMT: closed.
    assert not hours.is_open(datetime(2026, 10, 25, 8, 30, tzinfo=UTC))


@pytest.mark.parametrize("bad", [("9am", "20:00"), ("20:00", "09:00"), ("09:00",)])
def test_bad_texting_hours_are_refused(bad: tuple[str, ...]) -> None:
    with override_settings(MANDATE_TEXTING_HOURS=bad), pytest.raises(ImproperlyConfigured):
        texting_hours()
