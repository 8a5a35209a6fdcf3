from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import PASSWORD, browser_login, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_logs_in_on_a_phone_and_sees_only_their_branch(
    live_server: Any, phone: Any
) -> None:
    build_world()
    browser_login(phone, live_server, "secretary")
    expect(phone.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    cards = phone.locator(".card h3").all_inner_texts()
    assert cards == ["University of Liverpool"]
    # Large tap targets: every link and button in the header is at least 44 px tall.
    for box in phone.locator("header.top a, header.top button").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    ):
        assert box >= 44


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_is_refused_with_a_message(live_server: Any, phone: Any) -> None:
    build_world()
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("Username").fill("secretary")
    phone.get_by_label("Password").fill(PASSWORD + "x")
    phone.get_by_role("button", name="Log in").click()
    assert phone.get_by_role("alert").inner_text().startswith("Your username and password")
