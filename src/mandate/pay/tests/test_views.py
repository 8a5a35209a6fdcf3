"""The pay pages: who sees what, forms that say what is wrong, evidence kept safe and audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.pay import actions
from mandate.pay.forms import pick_value
from mandate.pay.models import DayTaken, DeductionPolicy, Payslip
from mandate.pay.tests.factories import STRIKE_DAYS, called_action, policy

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _days(world: World) -> list[DayTaken]:
    action = called_action(world)
    return actions.days_record(
        member=world.member,
        picks=[(action, d) for d in STRIKE_DAYS],
        actor=world.member_user,
        today=timezone.localdate(),
    )


def _payslip(world: World, days: list[DayTaken], amount: str = "323.08") -> Payslip:
    return actions.payslip_record(
        member=world.member,
        pay_date=dt.date(2026, 3, 27),
        amount=Decimal(amount),
        days=days,
        evidence=SimpleUploadedFile("Mo Ahmed March payslip.pdf", PDF, "application/pdf"),
        actor=world.member_user,
    )


def test_member_records_days_on_their_page(world: World) -> None:
    action = called_action(world)
    client = _client("member")
    page = client.get(reverse("pay:mine"))
    assert page.status_code == 200
    assert pick_value(action.pk, STRIKE_DAYS[0]).encode() in page.content
    response = client.post(
        reverse("pay:days_record"),
        {"picks": [pick_value(action.pk, d) for d in STRIKE_DAYS[:2]]},
    )
    assert response.status_code == 302
    assert list(DayTaken.objects.values_list("day", flat=True)) == STRIKE_DAYS[:2]
    page = client.get(reverse("pay:mine"))
    assert b"expected \xc2\xa3115.07" in page.content


def test_a_day_not_called_is_refused_with_the_reason(world: World) -> None:
    action = called_action(world)
    client = _client("member")
    response = client.post(
        reverse("pay:days_record"), {"picks": [pick_value(action.pk, dt.date(2026, 3, 5))]}
    )
    assert response.status_code == 400
    assert "was not called for Thu 5 March 2026" in response.content.decode()
    response = client.post(reverse("pay:days_record"), {"picks": ["999999:2026-03-02"]})
    assert response.status_code == 400
    assert "not on any action calendar" in response.content.decode()
    response = client.post(reverse("pay:days_record"), {"picks": ["rubbish"]})
    assert response.status_code == 400
    assert not DayTaken.objects.exists()


def test_payslip_with_evidence_is_stored_under_a_random_name(world: World) -> None:
    days = _days(world)
    client = _client("member")
    response = client.post(
        reverse("pay:payslip_record"),
        {
            "pay_date": "2026-03-27",
            "amount": "323.08",
            "days": [d.pk for d in days[:2]],
            "evidence": SimpleUploadedFile("Mo Ahmed payslip.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    payslip = Payslip.objects.get()
    assert "Ahmed" not in payslip.evidence.name
    assert payslip.evidence.name.startswith("pay/evidence/") and payslip.evidence.name.endswith(
        ".pdf"
    )
    assert payslip.evidence_type == "application/pdf"
    page = client.get(reverse("pay:mine")).content.decode()
    assert "Over-deducted: £92.94" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("payslip.pdf", b"MZ\x90\x00 this is a program", "not a PDF or a photo"),
        ("payslip.html", b"<html><script>alert(1)</script>", "not a PDF or a photo"),
        ("payslip.pdf", b"", "empty"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused(
    world: World, name: str, content: bytes, message: str
) -> None:
    days = _days(world)
    client = _client("member")
    response = client.post(
        reverse("pay:payslip_record"),
        {
            "pay_date": "2026-03-27",
            "amount": "100",
            "days": [days[0].pk],
            "evidence": SimpleUploadedFile(name, content, "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Payslip.objects.exists()


@override_settings(MANDATE_PAY_EVIDENCE_MAX_BYTES=1024)
def test_evidence_too_large_is_refused(world: World) -> None:
    days = _days(world)
    client = _client("member")
    response = client.post(
        reverse("pay:payslip_record"),
        {
            "pay_date": "2026-03-27",
            "amount": "100",
            "days": [days[0].pk],
            "evidence": SimpleUploadedFile("p.png", PNG + b"\x00" * 2048, "image/png"),
        },
    )
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not Payslip.objects.exists()


def test_payslip_form_says_what_is_wrong(world: World) -> None:
    _days(world)
    client = _client("member")
    response = client.post(
        reverse("pay:payslip_record"), {"pay_date": "27/13/2026", "amount": "-3", "days": []}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a valid date" in text
    assert "greater than or equal to 0.01" in text
    assert "Tick the days of action this deduction is for." in text


def test_another_members_day_cannot_be_put_on_my_payslip(world: World) -> None:
    action = called_action(world)
    (theirs,) = actions.days_record(
        member=world.covered, picks=[(action, STRIKE_DAYS[0])], actor=None
    )
    _days_mine = actions.days_record(
        member=world.member, picks=[(action, STRIKE_DAYS[1])], actor=None
    )
    client = _client("member")
    response = client.post(
        reverse("pay:payslip_record"),
        {"pay_date": "2026-03-27", "amount": "100", "days": [theirs.pk]},
    )
    assert response.status_code == 400
    assert not Payslip.objects.exists()
    assert _days_mine


@pytest.mark.parametrize("username", ["member", "secretary", "panel", "national"])
def test_evidence_is_seen_by_the_member_panel_and_officers_and_audited(
    world: World, username: str
) -> None:
    payslip = _payslip(world, _days(world)[:2])
    response = _client(username).get(reverse("pay:evidence", args=[payslip.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(action="pay.evidence_view").get()
    assert event.object_id == str(payslip.pk)
    assert event.actor is not None and event.actor.username == username


@pytest.mark.parametrize("username", ["outsider", "rep", "regional"])
def test_evidence_is_hidden_from_others(world: World, username: str) -> None:
    payslip = _payslip(world, _days(world)[:2])
    assert _client(username).get(reverse("pay:evidence", args=[payslip.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="pay.evidence_view").exists()


def test_member_cannot_remove_someone_elses_records(world: World) -> None:
    payslip = _payslip(world, _days(world)[:2])
    client = _client("secretary")
    assert client.post(reverse("pay:payslip_remove", args=[payslip.pk])).status_code == 404
    day = DayTaken.objects.first()
    assert day is not None
    assert client.post(reverse("pay:day_remove", args=[day.pk])).status_code == 404
    # The member can, payslip first.
    mine = _client("member")
    mine.post(reverse("pay:day_remove", args=[day.pk]))
    assert DayTaken.objects.filter(pk=day.pk).exists()  # a payslip covers it
    assert mine.post(reverse("pay:payslip_remove", args=[payslip.pk])).status_code == 302
    assert mine.post(reverse("pay:day_remove", args=[day.pk])).status_code == 302
    assert not DayTaken.objects.filter(pk=day.pk).exists()


def test_branch_page_lists_over_deductions_with_the_total(world: World) -> None:
    policy(world, divisor=260)
    days = _days(world)
    # 1/260 policy: 161.54 a day is what they take, and 1/260 is flagged on the page.
    _payslip(world, days[:2], amount="400.00")
    client = _client("secretary")
    response = client.get(reverse("pay:branch", args=[world.liverpool.slug]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mo Ahmed" in text
    assert "£76.92" in text  # 400.00 - 2 x 161.54
    assert "1/260: contest it" in text
    assert "1 day of action with no payslip recorded yet" in text
    assert AuditEvent.objects.filter(action="pay.branch_view").exists()
    member_page = client.get(
        reverse("pay:branch_member", args=[world.liverpool.slug, world.member.pk])
    )
    assert member_page.status_code == 200
    assert "Over-deducted: £76.92" in member_page.content.decode()
    viewed = AuditEvent.objects.get(action="pay.member_view")
    assert viewed.object_id == str(world.member.pk) and viewed.branch == world.liverpool


def test_branch_page_query_budget(world: World, django_assert_max_num_queries: Any) -> None:
    action = called_action(world)
    for m in (world.member, world.covered, world.uncovered):
        taken = actions.days_record(member=m, picks=[(action, d) for d in STRIKE_DAYS], actor=None)
        actions.payslip_record(
            member=m,
            pay_date=dt.date(2026, 3, 27),
            amount=Decimal("500"),
            days=taken,
            evidence=None,
            actor=None,
        )
    client = _client("secretary")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("pay:branch", args=[world.liverpool.slug]))
    assert response.content.decode().count("pay/branches/") >= 3


def test_csv_export_for_the_employer(world: World) -> None:
    days = _days(world)
    _payslip(world, days[:2])
    response = _client("panel").get(
        reverse("pay:branch_export", args=[world.liverpool.slug]),
        {"dispute": days[0].action.dispute.slug},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["membership_number", "first_name", "last_name", "day"]
    assert [r[3] for r in rows[1:-1]] == ["2026-03-02", "2026-03-03"]
    assert [r[9] for r in rows[1:-1]] == ["46.47", "46.47"]
    assert rows[-1][9] == "92.94"
    event = AuditEvent.objects.get(action="pay.over_deductions_export")
    assert event.detail == {"rows": 2, "members": 1}


@pytest.mark.parametrize("username", ["outsider", "rep", "regional", "member"])
def test_branch_pages_are_404_without_view_salary_there(world: World, username: str) -> None:
    _days(world)
    client = _client(username)
    slug = world.liverpool.slug
    for url in (
        reverse("pay:branch", args=[slug]),
        reverse("pay:branch_export", args=[slug]),
        reverse("pay:branch_member", args=[slug, world.member.pk]),
        reverse("pay:policies", args=[slug]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url


def test_outsider_sees_only_their_own_branch_member_pages(world: World) -> None:
    client = _client("outsider")
    url = reverse("pay:branch_member", args=[world.ucl.slug, world.member.pk])
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_log_in() -> None:
    client = Client()
    for url in (reverse("pay:index"), reverse("pay:mine"), reverse("pay:evidence", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_policy_versions_are_recorded_by_officers_only(world: World) -> None:
    slug = world.liverpool.slug
    url = reverse("pay:policies", args=[slug])
    data = {
        "employer": world.liverpool_employer.pk,
        "effective_from": "2026-01-01",
        "strike_divisor": "260",
        "contractual_basis": "",
        "asos_percent": "20",
        "asos_from": "",
        "asos_payrolls": "3",
    }
    client = _client("secretary")
    response = client.post(url, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Say which contract term" in text
    assert "Give the date of the notice" in text
    data.update(contractual_basis="Clause 12", asos_from="2026-03-10")
    assert client.post(url, data).status_code == 302
    saved = DeductionPolicy.objects.get()
    assert saved.is_working_days and saved.asos_payrolls == 3
    # The same date twice is refused; a later version is added beside it.
    response = client.post(url, data)
    assert response.status_code == 400
    assert "already has a policy version" in response.content.decode()
    assert client.post(url, {**data, "effective_from": "2026-04-01"}).status_code == 302
    assert DeductionPolicy.objects.count() == 2
    # The fund panel reads the history but cannot change it.
    panel = _client("panel")
    assert panel.get(url).status_code == 200
    assert panel.post(url, {**data, "effective_from": "2026-05-01"}).status_code == 404
    assert DeductionPolicy.objects.count() == 2


def test_member_attaches_evidence_later(world: World) -> None:
    days = _days(world)
    payslip = actions.payslip_record(
        member=world.member,
        pay_date=dt.date(2026, 3, 27),
        amount=Decimal("115.07"),
        days=days[:1],
        evidence=None,
        actor=world.member_user,
    )
    client = _client("member")
    assert b"Add the photo or PDF of this payslip" in client.get(reverse("pay:mine")).content
    url = reverse("pay:payslip_attach", args=[payslip.pk])
    response = client.post(url, {"evidence": SimpleUploadedFile("x.txt", b"hello", "text/plain")})
    assert response.status_code == 302
    payslip.refresh_from_db()
    assert not payslip.evidence
    client.post(url, {"evidence": SimpleUploadedFile("Mo.png", PNG, "image/png")})
    payslip.refresh_from_db()
    assert payslip.evidence_type == "image/png" and "Mo" not in payslip.evidence.name
    assert AuditEvent.objects.filter(action="pay.payslip_attach").count() == 1
    # Someone else's payslip is not found.
    assert _client("secretary").post(url, {}).status_code == 404
