"""Browser test on a phone: an officer opens an action, sees the blocked day and why, tries to
call it and is refused with the reason, then downloads the notice of action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

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
    assert "Not called: 1 check failed" in phone.locator("main").inner_text()

    phone.get_by_role("link", name=f"Notice {notice.pk}").click()
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download DOCX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"  # a DOCX is a zip
