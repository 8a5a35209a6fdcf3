"""A volunteer works the call queue on a phone; the organiser's statistics show the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mandate.calls.tests import factories as f
from mandate.conftest import browser_login, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_volunteer_works_the_queue_on_a_phone(live_server, phone) -> None:
    world = build_world()
    members = [f.phone_member(world.liverpool, str(i), first=f"Name{i}") for i in range(3)]
    ballot = f.open_ballot(world, members)
    volunteer = f.caller("volunteer", world.liverpool)
    assignment = f.assignment(ballot, world.liverpool, [volunteer], name="Phone bank")

    browser_login(phone, live_server, "volunteer")
    phone.get_by_role("link", name="Calls").click()
    phone.get_by_role("link", name="Start calling").click()
    first = phone.locator("#who").inner_text()
    tel = phone.locator("a.call-tel")
    assert tel.get_attribute("href").startswith("tel:+447700")
    box = tel.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 300  # a thumb's target on a 390px screen
    phone.get_by_role("button", name="No answer").click()
    phone.get_by_text("Saved: No answer.").wait_for()
    second = phone.locator("#who").inner_text()
    assert second != first
    phone.get_by_role("button", name="Says they voted").click()
    phone.get_by_text("Saved: Says they voted.").wait_for()
    phone.get_by_role("button", name="Log out").click()

    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/calls/{assignment.pk}/")
    expect(phone.locator('[data-stat="called"]')).to_have_text("2", use_inner_text=True)
    expect(phone.locator('[data-stat="says_voted"]')).to_have_text("1", use_inner_text=True)
    # The third member is on the volunteer's screen now, held for them.
    expect(phone.locator('[data-stat="held"]')).to_have_text("1", use_inner_text=True)
    expect(phone.locator('[data-stat="left_now"]')).to_have_text("0", use_inner_text=True)
