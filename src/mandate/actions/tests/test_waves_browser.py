"""Browser test: a national officer plans a wave on a phone and sees a blocked day and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

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
    assert blocked.is_visible()
    text = blocked.inner_text()
    assert f"{holiday.day} {holiday:%b %Y}: {name} (England)" in text
    second = phone.locator(".wave-week[data-week='2']").inner_text()
    assert "blackout date chosen by the officer" in second
    assert "its turn in the rotation" in phone.locator("ul.explanations").inner_text()
    # The page fits the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="Create planned actions").click()
    assert "Created 2 planned actions for 2 branches" in phone.locator("main").inner_text()
