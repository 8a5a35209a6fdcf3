"""On a phone: an officer logs in, enrols an authenticator from the QR page, then logs in again
with a code."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import override_settings
from django_otp.oath import totp
from playwright.sync_api import expect

from mandate.conftest import PASSWORD, build_world


def _code_from_key(typed_key: str, drift: int = 0) -> str:
    """What an authenticator app shows for the key typed from the page."""
    key = typed_key.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key), drift=drift):06d}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@override_settings(MANDATE_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_secretary_enrols_then_logs_in_with_a_code(live_server: Any, phone: Any) -> None:
    build_world()
    base = live_server.url
    phone.goto(f"{base}/branches/")
    phone.get_by_label("Username").fill("secretary")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(f"{base}/security/setup/**")
    expect(phone.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    qr = phone.locator("figure.qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] <= 390  # fits the phone
    phone.get_by_text("Cannot scan? Type this key instead").click()
    key = phone.get_by_test_id("totp-key").inner_text()
    phone.get_by_label("Code").fill(_code_from_key(key))
    phone.get_by_role("button", name="Turn on two-factor").click()
    expect(phone.get_by_role("heading", name="Your backup codes")).to_be_visible()
    assert phone.locator("ul.codes li").count() == 10
    phone.get_by_role("link", name="I have kept them: continue").click()
    phone.wait_for_url(f"{base}/branches/")

    phone.get_by_role("button", name="Log out").click()
    phone.wait_for_url(f"{base}/login/")
    phone.get_by_label("Username").fill("secretary")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(f"{base}/security/verify/**")
    phone.get_by_label("Code").fill("000000")
    phone.get_by_role("button", name="Verify").click()
    expect(phone.locator(".errorlist")).to_contain_text(
        "That code did not work", use_inner_text=True
    )
    # The enrolment used this step's code; the app's next one is accepted.
    phone.get_by_label("Code").fill(_code_from_key(key, drift=1))
    phone.get_by_role("button", name="Verify").click()
    phone.wait_for_url(f"{base}/")
    expect(phone.get_by_role("heading", name="Hello, Sam")).to_be_visible()
