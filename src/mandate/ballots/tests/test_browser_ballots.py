"""Browser tests: a branch secretary works the checklist on a phone; a national officer imports
the real pay report and sees the mandates table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.ballots.tests.factories import PAY, historic_ballot, local_ballot
from mandate.conftest import browser_login, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_records_a_step_and_sees_a_late_step_flagged(
    live_server: Any, phone: Any
) -> None:
    world = build_world()
    today = dt.date.today()
    ballot = local_ballot(
        world, opens=today + dt.timedelta(days=5), closes=today + dt.timedelta(days=26)
    )
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/ballots/{ballot.pk}/")
    # The notice of ballot was due 7 days before opening: already overdue, flagged red.
    notice = phone.locator("li.step[data-rule='B-notice']")
    assert "Overdue" in notice.inner_text()
    assert "bad" in (notice.get_attribute("class") or "")
    # The sample voting paper is due in 2 days: record it done today.
    phone.get_by_role("link", name="Record B-sample for University of Liverpool").click()
    phone.get_by_label("Done on (day of receipt by the employer)").fill(today.isoformat())
    phone.get_by_label("How delivered (e.g. recorded delivery, email)").fill("Email to HR")
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_url(f"{live_server.url}/ballots/{ballot.pk}/")
    # Settled steps fold away under a summary so open ones stay on the first screen.
    phone.locator("details.settled-steps summary").first.click()
    sample = phone.locator("li.step[data-rule='B-sample']")
    assert "Done" in sample.inner_text() and "ok" in (sample.get_attribute("class") or "")
    # Recording the late notice: it stays red, with the reason.
    phone.get_by_role("link", name="Record B-notice for University of Liverpool").click()
    phone.get_by_label("Done on (day of receipt by the employer)").fill(today.isoformat())
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_url(f"{live_server.url}/ballots/{ballot.pk}/")
    notice = phone.locator("li.step[data-rule='B-notice']")
    assert "after the deadline" in notice.inner_text()
    phone.get_by_role("button", name="Mark open and freeze the electorate").click()
    expect(phone.locator("main")).to_contain_text(
        "B-notice (University of Liverpool) is late", use_inner_text=True
    )


def test_national_officer_imports_the_pay_report_and_sees_54_strike_mandates(
    live_server: Any, phone: Any
) -> None:
    build_world()
    ballot = historic_ballot()
    browser_login(phone, live_server, "national")
    phone.goto(f"{live_server.url}/ballots/{ballot.pk}/")
    phone.get_by_role("link", name="Import scrutineer's report").click()
    phone.get_by_label("Scrutineer's report (XLSX or CSV)").set_input_files(str(PAY))
    phone.get_by_role("button", name="Preview").click()
    expect(phone.locator("main")).to_contain_text("145 to resolve", use_inner_text=True)
    phone.get_by_role("button", name="Import results").click()
    phone.wait_for_url(f"{live_server.url}/ballots/{ballot.pk}/results/")
    expect(phone.locator("#strike-count")).to_have_text("54", use_inner_text=True)
    assert phone.locator("[data-mandate='strike-yes']").count() == 54
