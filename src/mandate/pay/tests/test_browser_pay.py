"""Browser test on a phone: a member records their strike days and a payslip deduction with a
photo of the payslip, and sees the over-deduction flagged."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mandate.conftest import browser_login, build_world
from mandate.pay.models import Payslip
from mandate.pay.tests.factories import called_action, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


def test_member_records_days_and_a_payslip_and_sees_the_over_deduction(
    live_server: Any, phone: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    policy(world)
    called_action(world)

    browser_login(phone, live_server, "member")
    phone.get_by_role("link", name="Pay").click()
    phone.wait_for_url(f"{live_server.url}/pay/me/")
    phone.get_by_label(re.compile(r"Mon 2 Mar 2026")).check()
    phone.get_by_label(re.compile(r"Tue 3 Mar 2026")).check()
    phone.get_by_role("button", name="Record these days").click()
    phone.wait_for_url(f"{live_server.url}/pay/me/")
    main = phone.locator("main")
    assert "Recorded 2 days." in main.inner_text()
    assert "expected £115.07" in main.inner_text()

    # The employer took 1/260 (161.54 a day) for both days.
    phone.get_by_label("Pay date").fill("2026-03-27")
    phone.get_by_label("Amount deducted (£)").fill("323.08")
    days = phone.locator("fieldset:has(legend:text('Days it is for'))")
    days.get_by_label(re.compile(r"Mon 2 Mar 2026")).check()
    days.get_by_label(re.compile(r"Tue 3 Mar 2026")).check()
    phone.get_by_label("Photo or PDF of the payslip").set_input_files(
        {"name": "IMG_2041.png", "mimeType": "image/png", "buffer": PNG}
    )
    phone.get_by_role("button", name="Record the deduction").click()
    phone.wait_for_url(f"{live_server.url}/pay/me/")
    alert = phone.locator(".notice.bad").first
    assert "Over-deducted: £92.94" in alert.inner_text()
    assert phone.locator("li.over").count() == 2
    assert "Over-deducted by £46.47" in main.inner_text()
    # Nothing is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert Payslip.objects.get().evidence_type == "image/png"

    response = phone.request.get(
        live_server.url + phone.get_by_role("link", name="Payslip").get_attribute("href")
    )
    assert response.status == 200 and response.body() == PNG
