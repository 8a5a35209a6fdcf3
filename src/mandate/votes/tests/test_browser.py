"""A member votes from their personal link on a phone, keeps the receipt, and after the count
finds it in the published list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mandate.conftest import browser_login
from mandate.votes import engine, links
from mandate.votes.models import Poll, Voter
from mandate.votes.tests.conftest import open_poll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_votes_on_a_phone_and_finds_the_receipt(live_server, phone, world):
    poll = open_poll([world.member, world.covered], title="Accept the employers' offer?")
    voter = Voter.objects.get(poll=poll, member=world.member)
    phone.goto(live_server.url + links.link_url(voter, absolute=False))
    expect(phone.get_by_role("heading", name="Accept the employers' offer?")).to_be_visible()
    phone.get_by_label("No").check()
    phone.get_by_role("button", name="Cast my vote").click()
    phone.get_by_text("Your vote is recorded").wait_for()
    receipt = phone.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", receipt)
    # The receipt fits the phone's width.
    box = phone.locator("#receipt").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390

    phone.reload()  # the browser offers to resend the form: a second vote
    phone.get_by_text("You have already voted").first.wait_for()

    engine.poll_publish(poll=engine.poll_close(poll=Poll.objects.get(pk=poll.pk)))
    phone.goto(live_server.url + links.link_url(voter, absolute=False))
    phone.get_by_role("link", name="See the result and check your receipt").click()
    phone.get_by_label("Your receipt code").fill(receipt.lower().replace("-", " "))
    phone.get_by_role("button", name="Find my receipt").click()
    found = phone.locator("#found")
    found.wait_for()
    assert receipt in found.inner_text() and "No" in found.inner_text()


def test_member_finds_the_ballot_under_my_votes(live_server, phone, world):
    open_poll([world.member], title="Strike on?")
    browser_login(phone, live_server, "member")
    phone.goto(live_server.url + "/my-votes/")
    phone.get_by_role("link", name="Vote now").click()
    phone.get_by_label("Yes").check()
    phone.get_by_role("button", name="Cast my vote").click()
    phone.get_by_text("Your vote is recorded").wait_for()
    phone.goto(live_server.url + "/my-votes/")
    expect(phone.get_by_text("You have voted.")).to_be_visible()
