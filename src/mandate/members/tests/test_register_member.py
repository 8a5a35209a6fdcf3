"""The member page and the edit form."""

from __future__ import annotations

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.members.actions import member_update
from mandate.members.models import Member, MemberChange


def _login(client: Client, username: str = "secretary") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def _url(world: World, member: Member, suffix: str = "") -> str:
    return f"/branches/{world.liverpool.slug}/members/{member.pk}/{suffix}"


def _form(member: Member, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "personal_email": member.personal_email,
        "work_email": member.work_email,
        "mobile": member.mobile,
        "other_phone": member.other_phone,
        "address_line1": member.address_line1,
        "address_line2": member.address_line2,
        "town": member.town,
        "postcode": member.postcode,
        "status": member.status,
        "notes": member.notes,
        "version": member.updated_at.isoformat(),
    }
    for name in ("consent_email", "consent_sms", "consent_phone", "do_not_contact"):
        if getattr(member, name):
            data[name] = "on"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_member_page_shows_facts_and_flags_work_email(client: Client, world: World) -> None:
    body = _login(client).get(_url(world, world.member)).content.decode()
    assert "L0001" in body
    assert "mo@example.org" in body
    assert "m.ahmed@liverpool.ac.uk" in body
    assert "never used for dispute messages" in body
    assert "Health and Life Sciences building" in body
    assert "Edit details" in body


@pytest.mark.parametrize(("username", "shown"), [("secretary", True), ("regional", False)])
def test_salary_only_for_roles_that_need_it(
    client: Client, world: World, username: str, shown: bool
) -> None:
    body = _login(client, username).get(_url(world, world.member)).content.decode()
    assert ("Annual salary" in body) is shown
    assert ("42,000.00" in body) is shown


def test_rep_sees_no_salary(client: Client, world: World) -> None:
    body = _login(client, "rep").get(_url(world, world.covered)).content.decode()
    assert "31,000" not in body
    assert "Annual salary" not in body


def test_history_shows_fields_old_and_new_who_and_source(client: Client, world: World) -> None:
    member_update(
        member=world.member,
        changes={"mobile": "+447911123456", "status": "lapsed"},
        actor=world.secretary,
    )
    MemberChange.objects.create(
        member=world.member, source="import", changes={"annual_salary": ["42000", "43000"]}
    )
    body = _login(client).get(_url(world, world.member)).content.decode()
    assert "Mobile: <del>+447700900001</del> → <ins>+447911123456</ins>" in body
    assert "Status: <del>Active</del> → <ins>Lapsed</ins>" in body
    assert "· edit · by secretary" in body
    assert "· import · by the system" in body
    assert "43000" in body
    # Salary changes in the history are hidden from those who may not see salaries.
    assert "43000" not in _login(client, "regional").get(_url(world, world.member)).content.decode()


def test_edit_form_shows_current_values(client: Client, world: World) -> None:
    body = _login(client).get(_url(world, world.member, "edit/")).content.decode()
    assert 'value="+447700900001"' in body
    assert 'value="mo@example.org"' in body
    assert "never used for dispute messages" in body


def test_edit_normalises_and_records_history_and_audit(client: Client, world: World) -> None:
    member = world.member
    response = _login(client).post(
        _url(world, member, "edit/"),
        _form(
            member,
            mobile="07911 123 456",
            postcode="l69 3bx",
            personal_email="Mo@Example.ORG ",
            consent_sms=None,
            do_not_contact="on",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == _url(world, member)
    member.refresh_from_db()
    assert member.mobile == "+447911123456"
    assert member.postcode == "L69 3BX"
    assert member.personal_email == "Mo@example.org"
    assert member.consent_sms is False
    assert member.do_not_contact is True
    change = member.changes.first()
    assert change is not None
    assert change.source == "edit"
    assert change.actor == world.secretary
    assert change.changes["mobile"] == ["+447700900001", "+447911123456"]
    event = AuditEvent.objects.get(action="member.update")
    assert event.detail["fields"] == [
        "consent_sms",
        "do_not_contact",
        "mobile",
        "personal_email",
        "postcode",
    ]
    # No personal data in the audit log: field names only.
    assert "+447911123456" not in str(event.detail)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "0123", "is not a valid phone number"),
        ("mobile", "call me", "is not a phone number"),
        ("other_phone", "12", "phone number"),
        ("postcode", "NOT A CODE", "is not a UK postcode"),
        ("personal_email", "mo@", "is not an email address"),
        ("status", "expelled", "Select a valid choice"),
    ],
)
def test_invalid_values_write_nothing(
    client: Client, world: World, field: str, value: str, message: str
) -> None:
    member = world.member
    before = MemberChange.objects.count(), AuditEvent.objects.count()
    response = _login(client).post(
        _url(world, member, "edit/"), _form(member, **{field: value, "town": "Liverpool"})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert message in body.replace("&#x27;", "'")
    assert f'id="id_{field}_error"' in body
    member.refresh_from_db()
    assert member.town == ""
    assert (MemberChange.objects.count(), AuditEvent.objects.count()) == before


def test_work_address_is_refused_as_personal(client: Client, world: World) -> None:
    member = world.member
    response = _login(client).post(
        _url(world, member, "edit/"), _form(member, personal_email="m.ahmed@liverpool.ac.uk")
    )
    assert response.status_code == 200
    assert "Dispute messages never go to work" in response.content.decode()
    member.refresh_from_db()
    assert member.personal_email == "mo@example.org"


def test_stale_form_is_refused(client: Client, world: World) -> None:
    member = world.member
    stale = _form(member, town="Wirral")
    member_update(member=member, changes={"town": "Liverpool"}, actor=world.regional)
    response = _login(client).post(_url(world, member, "edit/"), stale)
    assert response.status_code == 200
    assert "Someone else changed this member" in response.content.decode()
    member.refresh_from_db()
    assert member.town == "Liverpool"


def test_unchanged_form_records_nothing(client: Client, world: World) -> None:
    before = MemberChange.objects.count()
    response = _login(client).post(_url(world, world.member, "edit/"), _form(world.member))
    assert response.status_code == 302
    assert MemberChange.objects.count() == before


def test_rep_edits_covered_member_only(client: Client, world: World) -> None:
    _login(client, "rep")
    ok = client.post(_url(world, world.covered, "edit/"), _form(world.covered, town="Bootle"))
    assert ok.status_code == 302
    world.covered.refresh_from_db()
    assert world.covered.town == "Bootle"
    denied = client.post(
        _url(world, world.uncovered, "edit/"), _form(world.uncovered, town="Bootle")
    )
    assert denied.status_code == 404
    world.uncovered.refresh_from_db()
    assert world.uncovered.town == ""


def test_outsider_cannot_edit(client: Client, world: World) -> None:
    response = _login(client, "outsider").post(
        _url(world, world.member, "edit/"), _form(world.member, town="London")
    )
    assert response.status_code == 404
    world.member.refresh_from_db()
    assert world.member.town == ""
