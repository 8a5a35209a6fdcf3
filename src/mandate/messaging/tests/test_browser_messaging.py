"""A secretary texts a saved segment from a phone, with JavaScript off: compose, preview, send,
read the delivery log."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.members.actions import segment_save

from .conftest import read_outbox


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_sends_a_reminder_from_a_phone(
    live_server: Any, phone: Any, outbox: Path
) -> None:
    world = build_world()
    segment_save(branch=world.liverpool, name="Everyone", filters={}, actor=world.secretary)
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/branches/{world.liverpool.slug}/messages/")
    phone.get_by_role("link", name="New message").click()
    phone.get_by_label("Send to").select_option(label="Everyone")
    phone.get_by_label("Text (SMS)").check()
    phone.get_by_label("Message").fill("Hi {first_name}, post your ballot paper today!")
    phone.get_by_role("button", name="Preview").click()

    preview = phone.locator("section.card")
    assert "Will be sent" in preview.inner_text()
    assert "Hi Mo, post your ballot paper today!" in preview.inner_text()
    assert "Skipped: no mobile number\n2" in preview.inner_text()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Send to 1 member").click()

    phone.wait_for_url(re.compile(r"/messages/\d+/$"))
    expect(phone.locator(".cards")).to_contain_text("Sent", use_inner_text=True)
    assert "Mo Ahmed" in phone.content()
    assert [line["to"] for line in read_outbox(outbox)] == ["+447700900001"]
