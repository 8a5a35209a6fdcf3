"""Logs carry no personal data: capture every record at DEBUG over the main flows and look for the
fixture members' names, email addresses, phone numbers and postal addresses."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from mandate.conftest import PASSWORD, World
from mandate.members.models import Member
from mandate.members.tests.test_import_helpers import csv_bytes, good_rows
from mandate.messaging import actions as messaging
from mandate.turnout.actions import status_row
from mandate.turnout.links import make_token
from mandate.turnout.tests.factories import open_ballot
from mandate.votes import links as vote_links
from mandate.votes.models import Voter
from mandate.votes.tests.conftest import open_poll

pytestmark = pytest.mark.django_db

ADDRESS = {"address_line1": "12 Abercromby Square", "town": "Liverpool", "postcode": "L7 7ZZ"}


def _personal_data(world: World) -> list[str]:
    """Every personal value of the fixture members (and of the rows the import adds)."""
    found: set[str] = set()
    for member in Member.objects.all():
        for value in (
            member.first_name,
            member.last_name,
            member.personal_email,
            member.work_email,
            member.mobile,
            member.other_phone,
            member.address_line1,
            member.postcode,
        ):
            if value and len(value) >= 3:
                found.add(str(value))
        if member.mobile:
            found.add(str(member.mobile)[-10:])  # the national form, 7700 900001
    return sorted(found)


@override_settings(AXES_ENABLED=True)
def test_no_personal_data_in_the_logs_of_the_main_flows(
    world: World, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    before = _personal_data(world)  # edits below change some; the old values must not leak either
    # SQL statements carry their parameters by design; they are off in production (WARNING).
    # Each set_level also sets the capture handler's level, so the DEBUG calls come last.
    caplog.set_level(logging.INFO, logger="django.db.backends")
    caplog.set_level(logging.DEBUG, logger="axes")  # quieter in production; all of it here
    caplog.set_level(logging.DEBUG)
    # Login: a failure, then a success.
    client = Client()
    client.post("/login/", {"username": "secretary", "password": "wrong"})
    assert (
        client.post("/login/", {"username": "secretary", "password": PASSWORD}).status_code == 302
    )

    # Member import: upload, preview, apply.
    base = f"/branches/{world.liverpool.slug}/members/import/"
    upload = client.post(
        base,
        {"file": SimpleUploadedFile("r.csv", csv_bytes(good_rows()), content_type="text/csv")},
    )
    assert upload.status_code == 302
    client.get(upload["Location"])
    assert client.post(upload["Location"] + "apply/").status_code == 302

    # Member edit: a new address and phone through the form.
    member = world.member
    member.refresh_from_db()
    form = {
        "personal_email": member.personal_email,
        "work_email": member.work_email,
        "mobile": "07700 900123",
        "other_phone": "",
        "address_line1": ADDRESS["address_line1"],
        "address_line2": "",
        "town": ADDRESS["town"],
        "postcode": ADDRESS["postcode"],
        "status": member.status,
        "notes": "",
        "version": member.updated_at.isoformat(),
        "consent_email": "on",
        "consent_sms": "on",
    }
    edited = client.post(f"/branches/{world.liverpool.slug}/members/{member.pk}/edit/", form)
    assert edited.status_code == 302, edited.content.decode()[:2000]
    client.get(f"/branches/{world.liverpool.slug}/members/{member.pk}/")
    client.get(f"/branches/{world.liverpool.slug}/members/?q=Ahmed")

    # GTVO self-report through the member's personal link.
    ballot = open_ballot(world)
    token = make_token(status_row(ballot, member.pk))
    Client().get(reverse("gtvo_link:home", args=[token]))
    Client().post(reverse("gtvo_link:voted", args=[token]))

    # A message to the branch, queued and delivered.
    with django_capture_on_commit_callbacks(execute=True):
        for channel in ("sms", "email"):
            messaging.send_queue(
                actor=world.secretary,
                branch=world.liverpool,
                channel=channel,
                template="Hello {first_name}, vote today",
                subject="Vote",
                members=Member.objects.filter(branch=world.liverpool),
                audience="everyone",
            )

    # A consultative e-ballot: the member votes from their link.
    poll = open_poll([world.member, world.covered])
    url = vote_links.link_url(Voter.objects.get(poll=poll, member=world.member), absolute=False)
    voter = Client()
    voter.get(url)
    assert voter.post(url, {"choice": poll.choices.get(label="Yes").pk}).status_code == 200

    records = caplog.records
    assert len(records) > 5  # the flows did log something
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'request', '')}" for r in records
    )
    values = sorted(set(before) | set(_personal_data(world)))
    assert {"Ahmed", "mo@example.org", "+447700900001", "12 Abercromby Square"} <= set(values)
    leaks = [value for value in values if value in logged]
    assert not leaks, leaks
