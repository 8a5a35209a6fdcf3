"""Browser test: a national officer plans a wave on a phone, sees a blocked day and why, creates
the planned actions and downloads a notice of action for one of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mandate.actions.tests.test_waves_views import national_ballot
from mandate.actions.waves.facts import bank_holiday
from mandate.conftest import browser_login, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_weekday_bank_holiday(after: dt.date) -> tuple[dt.date, str]:
    day = after
    while True:
        name = bank_holiday("england", day)
        if name and day.weekday() < 5:
            return day, name
        day += dt.timedelta(days=1)


def test_national_officer_plans_a_wave_and_sees_a_blocked_day(live_server: Any, phone: Any) -> None:
    world = build_world()
    ballot = national_ballot(world)
    holiday, name = next_weekday_bank_holiday(timezone.localdate() + dt.timedelta(days=14))
    browser_login(phone, live_server, "national")
    phone.goto(f"{live_server.url}/actions/waves/")
    phone.get_by_label("Ballot").select_option(str(ballot.pk))
    phone.get_by_label("First week (any day of it)").fill(holiday.isoformat())
    phone.get_by_label("Number of weeks").fill("2")
    phone.get_by_label("Strike days per region per week").fill("2")
    phone.get_by_label("Blackout dates").fill((holiday + dt.timedelta(days=7)).isoformat())
    phone.get_by_role("button", name="Plan the wave").click()
    week = phone.locator(".wave-week[data-week='1']")
    week.wait_for()
    # On a phone the plan is a list by week; the wide grid is hidden.
    assert phone.locator(".wave-grid").is_hidden()
    blocked = week.locator(".blocked-day").first
    expect(blocked).to_be_visible()
    text = blocked.inner_text()
    assert f"{holiday.day} {holiday:%b %Y}: {name} (England)" in text
    second = phone.locator(".wave-week[data-week='2']").inner_text()
    assert "blackout date chosen by the officer" in second
    expect(phone.locator("ul.explanations")).to_contain_text(
        "its turn in the rotation", use_inner_text=True
    )
    # The page fits the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="Create planned actions").click()
    expect(phone.locator("main")).to_contain_text(
        "Created 2 planned actions for 2 branches", use_inner_text=True
    )

    # One of the wave's planned actions: not callable until its notice is served (and the
    # check says why), then its notice of action is drawn up and downloaded.
    phone.goto(f"{live_server.url}/actions/dispute/{ballot.dispute.slug}/")
    phone.locator("a", has_text="Rolling wave:").first.click()
    phone.wait_for_url(f"{live_server.url}/actions/*/")
    checks = phone.locator("#checks li.fail").all_inner_texts()
    assert any("A-notice" in t and "No notice of action has been served" in t for t in checks)
    phone.get_by_role("button", name="Draw up a notice").click()
    phone.wait_for_url(f"{live_server.url}/actions/notices/*/")
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download DOCX").click()
    download = download_info.value
    assert download.suggested_filename.startswith("notice-of-action-")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"
