"""A member uses their personal link on a phone; an officer sees the count go up."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import World, browser_login
from mandate.turnout.actions import status_row
from mandate.turnout.links import link_url
from mandate.turnout.tests.factories import open_ballot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_says_voted_and_officer_sees_it(world: World, live_server: Any, phone: Any) -> None:
    ballot = open_ballot(world)
    constituency = ballot.constituencies.get()
    path = link_url(status_row(ballot, world.member.pk), absolute=False)

    phone.goto(f"{live_server.url}{path}")
    expect(phone.get_by_role("heading", name="Hello Mo")).to_be_visible()
    button = phone.get_by_role("button", name="I've voted")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300  # a big tap target
    button.click()
    phone.wait_for_url("**?done=voted")
    expect(phone.get_by_text("We have noted that you have voted")).to_be_visible()
    expect(phone.get_by_text("You have told us you voted")).to_be_visible()

    phone.context.clear_cookies()
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/gtvo/{ballot.pk}/")
    cell = phone.locator(f"[data-said-voted='{constituency.pk}']")
    assert cell.inner_text().startswith("1 ")
