"""CSV export: content, formula neutralisation, salary by role, the audit event."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import HttpResponse
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.members.actions import member_create, segment_save


def _login(client: Client, username: str = "secretary") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def _export(client: Client, world: World, data: dict[str, str] | None = None) -> HttpResponse:
    return client.post(f"/branches/{world.liverpool.slug}/members/export/", data or {})  # type: ignore[return-value]


def _rows(response: HttpResponse) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_exports_the_filtered_list(client: Client, world: World) -> None:
    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    response = _export(_login(client), world, {"workplace": str(hls.pk), "q": "ahmed"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="members-university-of-liverpool-'
    )
    assert "no-cache" in response["Cache-Control"]
    rows = _rows(response)
    assert [r["membership_number"] for r in rows] == ["L0001"]
    row = rows[0]
    assert row["first_name"] == "Mo"
    assert row["personal_email"] == "mo@example.org"
    assert row["work_email_not_for_dispute_messages"] == "m.ahmed@liverpool.ac.uk"
    assert row["mobile"] == "'+447700900001"
    assert row["workplace"] == "Health and Life Sciences building"
    assert row["consent_sms"] == "yes"


def test_export_is_audited_with_counts_and_filter_names_only(client: Client, world: World) -> None:
    _export(_login(client), world, {"q": "Ahmed", "status": "active"})
    event = AuditEvent.objects.get(action="members.export")
    assert event.actor == world.secretary
    assert event.branch == world.liverpool
    assert event.detail == {"rows": 1, "filters": ["q", "status"], "segment": None, "salary": True}
    assert "Ahmed" not in str(event.detail)


def test_formulas_are_neutralised(client: Client, world: World) -> None:
    member_create(
        branch=world.liverpool,
        membership_number="L0666",
        first_name='=HYPERLINK("http://evil.example","Click")',
        last_name="+44 SUM(A1)",
        town="-1+1",
        address_line1="@cmd",
        address_line2="\tlooks blank",
        subscription_band="\r=2",
        mobile="+447911123456",
    )
    rows = {r["membership_number"]: r for r in _rows(_export(_login(client), world))}
    row = rows["L0666"]
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["last_name"] == "'+44 SUM(A1)"
    assert row["town"] == "'-1+1"
    assert row["address_line1"] == "'@cmd"
    assert row["address_line2"] == "'\tlooks blank"
    assert row["subscription_band"] == "'\r=2"
    assert row["mobile"] == "'+447911123456"
    for cell in (c for r in rows.values() for c in r.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(("username", "salary"), [("secretary", True), ("regional", False)])
def test_salary_column_by_role(client: Client, world: World, username: str, salary: bool) -> None:
    response = _export(_login(client, username), world)
    header = response.content.decode("utf-8")[1:].splitlines()[0].split(",")
    assert ("annual_salary" in header) is salary
    rows = _rows(response)
    assert len(rows) == 3
    if salary:
        assert {r["annual_salary"] for r in rows} == {"42000.00", "31000.00", "55000.00"}
    event = AuditEvent.objects.get(action="members.export")
    assert event.detail["salary"] is salary


def test_notes_are_never_exported(client: Client, world: World) -> None:
    world.member.notes = "Prefers calls after six"
    world.member.save(update_fields=["notes"])
    assert "Prefers calls" not in _export(_login(client), world).content.decode()


def test_export_a_segment(client: Client, world: World) -> None:
    segment = segment_save(
        branch=world.liverpool, name="With mobiles", filters={"has_mobile": True}, actor=None
    )
    rows = _rows(_export(_login(client), world, {"segment": str(segment.pk)}))
    assert [r["membership_number"] for r in rows] == ["L0001"]
    event = AuditEvent.objects.get(action="members.export")
    assert event.detail == {
        "rows": 1,
        "filters": ["has_mobile"],
        "segment": segment.pk,
        "salary": True,
    }
    assert event.object_id == str(segment.pk)


def test_another_branchs_segment_is_404(client: Client, world: World) -> None:
    theirs = segment_save(branch=world.ucl, name="UCL", filters={}, actor=None)
    assert _export(_login(client), world, {"segment": str(theirs.pk)}).status_code == 404
    assert _export(client, world, {"segment": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action="members.export").exists()


def test_bad_filters_export_nothing(client: Client, world: World) -> None:
    response = _export(_login(client), world, {"workplace": "99999"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="members.export").exists()


@pytest.mark.parametrize("username", ["rep", "outsider", "member", "panel"])
def test_only_exporters_export(client: Client, world: World, username: str) -> None:
    assert _export(_login(client, username), world).status_code == 404
    assert not AuditEvent.objects.filter(action="members.export").exists()


def test_export_needs_post(client: Client, world: World) -> None:
    url = f"/branches/{world.liverpool.slug}/members/export/"
    assert _login(client).get(url).status_code == 405
    assert not AuditEvent.objects.filter(action="members.export").exists()
