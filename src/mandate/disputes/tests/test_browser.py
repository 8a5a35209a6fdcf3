from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.disputes import actions
from mandate.disputes.models import Precondition


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_on_a_phone_records_a_figure_and_marks_a_precondition_met(
    live_server: Any, phone: Any
) -> None:
    world = build_world()
    dispute = actions.dispute_create(
        name="Health and Life Sciences redundancies",
        branch=world.liverpool,
        demands=["No compulsory redundancies"],
        opened_on=dt.date(2026, 5, 5),
    )
    metric = actions.metric_add(
        dispute=dispute, name="Compulsory redundancies at risk", unit="jobs"
    )
    actions.metric_record(metric=metric, date=dt.date(2026, 5, 5), value=47)
    actions.metric_record(metric=metric, date=dt.date(2026, 7, 14), value=6)
    precondition = actions.precondition_add(
        dispute=dispute, description="Joint consultation meeting held under the procedure"
    )

    browser_login(phone, live_server, "secretary")
    phone.get_by_role("link", name="Disputes").click()
    phone.get_by_role("link", name="Health and Life Sciences redundancies").click()
    expect(
        phone.get_by_role("heading", name="Health and Life Sciences redundancies")
    ).to_be_visible()
    # Nothing wider than the phone: the chart and the forms fit 390 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    card = phone.locator(f"#metric-{metric.pk}")
    chart = card.get_by_role("img")
    assert card.locator("circle").count() == 2
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 100

    card.get_by_text("Record a value").click()
    card.get_by_label("Value", exact=True).fill("2")
    card.get_by_label("Note", exact=True).fill("Two left")
    card.get_by_role("button", name="Record").click()
    card = phone.locator(f"#metric-{metric.pk}")
    card.locator("circle").nth(2).wait_for()
    assert card.locator("circle").count() == 3
    today = timezone.localdate()
    assert f"2 jobs on {today.day} {today:%B %Y}" in card.locator("desc").text_content()
    assert "down 45 since 5 May 2026" in card.inner_text()

    section = phone.locator("#preconditions")
    assert "Unmet: Joint consultation meeting" in section.inner_text()
    section.get_by_text("Mark met", exact=True).first.click()
    section.get_by_role("button", name="Mark met").click()
    # Evidence is required: the browser keeps the form until it is given.
    expect(phone.locator("#preconditions").get_by_label("Evidence that it was met")).to_be_visible()
    phone.locator("#preconditions").get_by_label("Evidence that it was met").fill(
        "Meeting held on 1 July; minutes agreed"
    )
    phone.locator("#preconditions").get_by_label("Evidence file (optional)").set_input_files(
        files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    phone.locator("#preconditions").get_by_role("button", name="Mark met").click()
    phone.get_by_text("Every precondition is met.").wait_for()
    section = phone.locator("#preconditions")
    assert "Meeting held on 1 July; minutes agreed" in section.inner_text()
    expect(section.get_by_role("link", name="Download the evidence file")).to_be_visible()

    precondition.refresh_from_db()
    assert precondition.is_met and precondition.evidence_file
    assert Precondition.objects.filter(dispute=dispute, met_at__isnull=True).count() == 0
