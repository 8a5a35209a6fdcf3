"""Browser test on a phone: an officer opens an action, sees the blocked day and why, tries to
call it and is refused with the reason, then downloads the notice of action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.actions import actions
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import browser_login, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_sees_a_blocked_day_and_why_and_downloads_the_notice(
    live_server: Any, phone: Any
) -> None:
    world = build_world()
    ballot = granted_ballot(world, opens=dt.date(2026, 3, 2))
    last_day = ballot.constituencies.get().mandates.get(question="strike").last_day
    assert last_day is not None
    today = dt.date.today()
    lawful = today + dt.timedelta(days=14)
    too_late = last_day + dt.timedelta(days=2)
    later_still = last_day + dt.timedelta(days=3)
    action = strike(world, ballot, [lawful, too_late, later_still])
    notice = actions.notice_prepare(
        action=action, employer=world.liverpool_employer, actor=world.secretary
    )
    actions.notice_mark_served(
        notice=notice,
        received_on=today - dt.timedelta(days=1),
        method="hand",
        proof_note="Signed receipt",
        actor=world.secretary,
    )

    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/actions/dispute/{ballot.dispute.slug}/")
    phone.get_by_role("link", name="Strike days").first.click()
    phone.wait_for_url(f"{live_server.url}/actions/{action.pk}/")
    blocked = phone.locator(f"#days li:has(time[datetime='{too_late.isoformat()}'])")
    assert "Blocked" in blocked.inner_text()
    later = phone.locator(f"#days li:has(time[datetime='{later_still.isoformat()}'])")
    assert "Blocked" in later.inner_text()
    clear = phone.locator(f"#days li:has(time[datetime='{lawful.isoformat()}'])")
    assert "Blocked" not in clear.inner_text()
    why = phone.locator("#checks li.fail")
    assert why.count() == 1
    text = why.inner_text()
    assert "A-mandate" in text and f"{too_late:%d %b %Y}" in text and "s234" in text

    phone.get_by_role("button", name="Call the action").click()
    phone.wait_for_url(f"{live_server.url}/actions/{action.pk}/")
    expect(phone.locator("main")).to_contain_text("Not called: 1 check failed", use_inner_text=True)

    phone.get_by_role("link", name=f"Notice {notice.pk}").click()
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download DOCX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"  # a DOCX is a zip


def test_officer_plans_action_sees_blocked_days_serves_and_downloads_the_notice(
    live_server: Any, phone: Any
) -> None:
    """End to end on a phone, all through the pages: plan the action, see the A-notice and
    A-mandate blocks, draw up and record the notice, see the expired day still blocked, and
    download the notice."""
    world = build_world()
    ballot = granted_ballot(world, opens=dt.date(2026, 3, 2))
    constituency = ballot.constituencies.get()
    last_day = constituency.mandates.get(question="strike").last_day
    assert last_day is not None
    today = dt.date.today()
    lawful = today + dt.timedelta(days=14)
    expired = last_day + dt.timedelta(days=2)

    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/actions/dispute/{ballot.dispute.slug}/")
    phone.get_by_role("link", name="Plan action").click()
    phone.get_by_label("Title").fill("Two strike days")
    phone.get_by_label("Ballot").select_option(str(ballot.pk))
    phone.get_by_label("Kind").select_option("strike")
    phone.get_by_label("Pattern").select_option("discontinuous")
    phone.get_by_label("Dates").fill(f"{lawful.isoformat()}\n{expired.isoformat()}")
    phone.get_by_label(constituency.name).check()
    phone.get_by_role("button", name="Plan it").click()
    phone.wait_for_url(f"{live_server.url}/actions/*/")
    action_url = phone.url

    def day(d: dt.date) -> str:
        return str(phone.locator(f"#days li:has(time[datetime='{d.isoformat()}'])").inner_text())

    # Planned, no notice yet: the expired day is blocked, and the notice's deadline is named.
    assert "Blocked" in day(expired) and "Blocked" not in day(lawful)
    checks = phone.locator("#checks li.fail").all_inner_texts()
    assert any("A-mandate" in t and f"{expired:%d %b %Y}" in t for t in checks), checks
    assert any("A-notice" in t and "No notice of action has been served" in t for t in checks)

    phone.get_by_role("button", name="Draw up a notice").click()
    phone.wait_for_url(f"{live_server.url}/actions/notices/*/")
    phone.get_by_role("link", name="Record delivery").click()
    phone.get_by_label("Received on").fill(today.isoformat())
    phone.get_by_label("Method").select_option("hand")
    phone.get_by_label("Proof note").fill("Signed for at reception")
    phone.get_by_role("button", name="Record as served").click()
    phone.wait_for_url(action_url)
    expect(phone.locator("main")).to_contain_text("recorded as served", use_inner_text=True)
    # The notice is in time for the first day (14 days >= 10); the mandate still ends first.
    checks = phone.locator("#checks li.fail").all_inner_texts()
    assert len(checks) == 1 and "A-mandate" in checks[0] and "s234" in checks[0], checks
    assert "Blocked" in day(expired) and "Blocked" not in day(lawful)

    phone.locator("a", has_text="Notice ").first.click()
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download DOCX").click()
    download = download_info.value
    assert download.suggested_filename.startswith("notice-of-action-")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"
