"""On a phone: a member claims strike pay from their recorded days; a panel member approves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from mandate.conftest import browser_login, build_world
from mandate.funds.models import Claim, ClaimState
from mandate.funds.tests import factories as f


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_claims_and_the_panel_approves(live_server: Any, phone: Any, _browser: Any) -> None:
    world = build_world()
    funds = f.build(world)

    browser_login(phone, live_server, "member")
    phone.get_by_role("link", name="Funds").click()
    phone.get_by_role("link", name="Claim from Hardship fund").click()
    phone.get_by_text("the rules would pay £120.00").wait_for()
    # The days are prefilled from the member's recorded days.
    for box in phone.get_by_role("checkbox").all()[:3]:
        assert box.is_checked()
    _fits(phone)
    phone.get_by_label("Sort code").fill("12-34-56")
    phone.get_by_label("Account number").fill("1234567")
    phone.get_by_label("I took part in the action").check()
    phone.get_by_role("button", name="Send the claim").click()
    phone.get_by_text("An account number is eight digits.").wait_for()
    phone.get_by_label("Account number").fill("12345678")
    phone.get_by_label("I took part in the action").check()
    phone.get_by_role("button", name="Send the claim").click()
    phone.get_by_text("Claim sent: the rules propose £120.00").wait_for()
    claim = Claim.objects.get(member=world.member, fund=funds.hardship)
    assert claim.state == ClaimState.SUBMITTED

    panel = _browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = panel.new_page()
    page.set_default_timeout(10_000)
    browser_login(page, live_server, "panel")
    page.goto(f"{live_server.url}/funds/{funds.hardship.pk}/")
    page.get_by_role("link", name="Review with names hidden").click()
    page.get_by_role("link", name=f"#{claim.pk}").click()
    page.get_by_text("2 Mar 2026: strike day, day 1: band H £40.00.").wait_for()
    assert "Mo Ahmed" not in page.content()
    _fits(page)
    page.get_by_role("radio", name="Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Approved: £120.00.").wait_for()
    panel.close()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and claim.approved_amount == Decimal("120.00")
