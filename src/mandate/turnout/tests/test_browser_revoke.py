"""An officer revokes a member's forwarded GTVO link from a phone and texts them a new one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mandate.conftest import World, browser_login
from mandate.messaging.models import Message
from mandate.turnout.actions import status_row
from mandate.turnout.links import link_url
from mandate.turnout.tests.factories import open_ballot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_revokes_a_link_and_texts_a_new_one(
    world: World, live_server: Any, phone: Any
) -> None:
    ballot = open_ballot(world)
    old = link_url(status_row(ballot, world.member.pk), absolute=False)
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/gtvo/{ballot.pk}/c/{ballot.constituencies.get().pk}/")
    phone.get_by_role("link", name="Mo Ahmed").click()
    phone.get_by_label("Why (kept in the audit log)").fill("forwarded to a manager")
    phone.get_by_label("By text to their mobile").check()
    phone.get_by_role("button", name="Revoke the link").click()
    status = phone.get_by_role("status").inner_text()
    assert "The old link no longer works" in status and "A new link is queued by" in status
    assert Client().get(old).status_code == 404
    body = Message.objects.get(member=world.member).body
    assert old not in body and "/v/" in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
