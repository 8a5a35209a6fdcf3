"""Subject access: officers from the member page, members from /me/, and the command."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.core.privacy.tests.scenario import EMAIL, MOBILE, NAME, build


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def _url(world: World, pk: int, tail: str = "") -> str:
    return f"/branches/{world.liverpool.slug}/members/{pk}/data/{tail}"


def test_officer_downloads_everything_held_about_a_member(world: World) -> None:
    s = build(world)
    client = _client("secretary")
    page = client.get(_url(world, s.subject.pk))
    assert page.status_code == 200
    assert "Download all data" in page.content.decode()
    response = client.post(_url(world, s.subject.pk, "download/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = _zip(response.content)
    register = json.loads(files["register.json"])
    assert register[0]["first_name"] == NAME[0]
    assert register[0]["mobile"] == MOBILE
    assert "register.csv" in files and NAME[1] in files["register.csv"]
    assert json.loads(files["messages.json"])[0]["address"] == EMAIL
    assert "says_voted" in {r["status"] for r in json.loads(files["gtvo_contacts.json"])}
    assert json.loads(files["calls.json"])[0]["outcome"] == "will_vote"
    assert json.loads(files["opt_outs.json"])[0]["channel"] == "sms"
    assert len(json.loads(files["meeting_attendance.json"])) == 1
    history = json.loads(files["register_history.json"])
    assert [r["changes"]["mobile"][1] for r in history if "mobile" in r["changes"]] == [MOBILE]
    roll = json.loads(files["e_ballot_roll.json"])
    assert roll == [{"id": roll[0]["id"], "poll__title": "Accept the offer?", "has_voted": True}]
    # Whether they voted, never how: no receipt, no choice, no link secret anywhere.
    everything = "".join(files.values())
    assert "receipt" not in everything and "nonce" not in everything
    assert "Reject" not in everything and 'Accept"' not in everything
    event = AuditEvent.objects.get(action="member.subject_access_export")
    assert event.object_id == str(s.subject.pk) and event.branch == world.liverpool
    text = json.dumps(event.detail)
    assert NAME[0] not in text and EMAIL not in text


def test_the_member_downloads_their_own_data(world: World) -> None:
    client = _client("member")
    page = client.get("/me/data/")
    assert page.status_code == 200
    files = _zip(client.post("/me/data/download/").content)
    assert json.loads(files["register.json"])[0]["id"] == world.member.pk
    assert json.loads(files["account.json"])[0]["username"] == "member"
    assert "password" not in files["account.json"]
    assert AuditEvent.objects.filter(
        action="member.subject_access_export", detail__route="self"
    ).exists()
    # The page on /me/ links to it.
    assert "/me/data/" in client.get("/me/").content.decode()


def test_others_cannot_reach_a_members_data(world: World) -> None:
    s = build(world)
    for username in ("outsider", "rep", "member", "panel"):
        client = _client(username)
        assert client.get(_url(world, s.subject.pk)).status_code == 404, username
        assert client.post(_url(world, s.subject.pk, "download/")).status_code == 404, username
    # Right member, wrong branch in the address.
    wrong = f"/branches/{world.ucl.slug}/members/{s.subject.pk}/data/"
    assert _client("national").get(wrong).status_code == 404
    # A GET never produces the zip.
    assert _client("secretary").get(_url(world, s.subject.pk, "download/")).status_code == 405
    assert not AuditEvent.objects.filter(action="member.subject_access_export").exists()


def test_a_login_without_a_register_record_gets_404_on_me_data(world: World) -> None:
    assert _client("secretary").get("/me/data/").status_code == 404


def test_the_command_writes_the_zip(world: World, tmp_path: Path) -> None:
    s = build(world)
    out = tmp_path / "sa.zip"
    text = io.StringIO()
    call_command("subject-access", str(s.subject.pk), "--out", str(out), stdout=text)
    assert "records" in text.getvalue() and NAME[0] not in text.getvalue()
    assert json.loads(_zip(out.read_bytes())["register.json"])[0]["last_name"] == NAME[1]


def test_the_command_explains_a_bad_id(db: None, tmp_path: Path) -> None:
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No member"):
        call_command("subject-access", "nope", "--out", str(tmp_path / "x.zip"))
