"""An officer sends an open e-ballot's voting links from a phone: preview, then send."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import World, browser_login
from mandate.messaging.models import Message
from mandate.votes.tests.conftest import open_poll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_previews_and_sends_voting_links(
    live_server: Any, phone: Any, world: World
) -> None:
    poll = open_poll(
        [world.member, world.covered], title="Accept the offer?", branch=world.liverpool
    )
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/votes/{poll.pk}/")
    phone.get_by_role("link", name="Send voting links").click()
    phone.get_by_label("Text (SMS)").check()
    phone.get_by_role("button", name="Preview").click()
    status = phone.get_by_role("status")
    assert "1 of 2 would get it" in " ".join(status.inner_text().split())
    assert "No mobile number: 1" in status.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # long links wrap
    phone.get_by_role("button", name="Send to 1").click()
    expect(phone.get_by_role("status").first).to_contain_text(
        "Queued: 1 of 2 members", use_inner_text=True
    )
    (message,) = Message.objects.filter(member=world.member)
    assert "/ballot/" in message.body and "Accept the offer?" in message.body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
