from __future__ import annotations

from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.members.models import MemberChange


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "personal_email": "mo@example.org",
        "mobile": "07700 900001",
        "other_phone": "",
        "address_line1": "1 Mount Pleasant",
        "address_line2": "",
        "town": "Liverpool",
        "postcode": "l3 5tq",
        "consent_email": "on",
        "consent_sms": "on",
    }
    data.update(overrides)
    return data


def test_member_corrects_their_own_details(client: Client, world: World) -> None:
    response = login(client, "member").post("/me/", form_data())
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.postcode == "L3 5TQ"
    assert world.member.mobile == "+447700900001"
    assert world.member.consent_phone is False
    change = MemberChange.objects.filter(member=world.member, source="self-service").get()
    assert set(change.changes) == {"address_line1", "town", "postcode", "consent_phone"}
    event = AuditEvent.objects.get(action="member.update", object_id=str(world.member.pk))
    # The audit log records which fields changed, never their values.
    assert "Mount Pleasant" not in str(event.detail)


def test_work_address_refused_as_personal_email(client: Client, world: World) -> None:
    response = login(client, "member").post(
        "/me/", form_data(personal_email="M.Ahmed@liverpool.ac.uk")
    )
    assert response.status_code == 200
    assert "That is your work address" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.personal_email == "mo@example.org"


def test_bad_phone_and_postcode_write_nothing(client: Client, world: World) -> None:
    response = login(client, "member").post("/me/", form_data(mobile="12", postcode="XYZ"))
    body = response.content.decode()
    assert "not a valid phone number" in body or "not a phone number" in body
    assert "not a UK postcode" in body
    assert not MemberChange.objects.filter(source="self-service").exists()


def test_only_ones_own_record(client: Client, world: World) -> None:
    # An officer without a membership record linked has no "my details" page.
    assert login(client, "secretary").get("/me/").status_code == 404
    assert Client().get("/me/").status_code == 302
    body = login(client, "member").get("/me/").content.decode()
    assert "L0001" in body and "L0002" not in body and "notes" not in body.lower()
