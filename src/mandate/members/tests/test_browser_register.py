"""A secretary works the register on a phone: search, filter, open a member, fix a number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.members.models import Member


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_searches_filters_and_edits_a_mobile_on_a_phone(
    live_server: Any, phone: Any
) -> None:
    world = build_world()
    browser_login(phone, live_server, "secretary")
    phone.get_by_role("link", name="University of Liverpool").click()
    phone.wait_for_url(re.compile(r"/branches/university-of-liverpool/members/$"))
    results = phone.locator("#results")
    assert "3 members" in results.inner_text()

    # Typing searches as you go: htmx swaps the results and pushes the URL, no submit needed.
    phone.get_by_label("Search").fill("byrne")
    phone.wait_for_url(re.compile(r"/members/\?q=byrne$"))
    phone.wait_for_function(
        "() => document.querySelector('#results').innerText.includes('1 member match')"
    )
    assert "Byrne, Cat" in results.inner_text()
    assert "Ahmed, Mo" not in results.inner_text()

    # Clear the search and filter by workplace instead.
    phone.get_by_label("Search").fill("")
    phone.wait_for_function(
        "() => document.querySelector('#results').innerText.includes('3 members')"
    )
    phone.get_by_text("Filters").click()
    phone.get_by_label("Workplace").select_option(label="Main campus")
    phone.wait_for_url(re.compile(r"workplace="))
    phone.wait_for_function(
        "() => document.querySelector('#results').innerText.includes('1 member match')"
    )
    assert "Cole, Una" in results.inner_text()
    # The table fits a phone: name, number, workplace and status, no sideways scrolling.
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390

    phone.get_by_role("link", name="Cole, Una").click()
    phone.get_by_role("heading", name="Una Cole").wait_for()
    phone.get_by_role("link", name="Edit details").click()
    mobile = phone.get_by_label("Mobile", exact=True)
    mobile.fill("0791 112 3456")
    phone.get_by_role("button", name="Save").click()
    phone.get_by_role("heading", name="Una Cole").wait_for()
    expect(phone.get_by_role("status")).to_have_text("Saved: mobile.", use_inner_text=True)
    expect(phone.get_by_role("link", name="+447911123456")).to_be_visible()
    expect(phone.locator("ol.history")).to_contain_text(
        "Mobile: (blank) → +447911123456", use_inner_text=True
    )
    assert Member.objects.get(pk=world.uncovered.pk).mobile == "+447911123456"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_bad_number_is_refused_beside_the_field(live_server: Any, phone: Any) -> None:
    world = build_world()
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/branches/{world.liverpool.slug}/members/{world.member.pk}/edit/")
    phone.get_by_label("Mobile", exact=True).fill("12345")
    phone.get_by_role("button", name="Save").click()
    error = phone.locator("#id_mobile_error")
    assert "not a valid phone number" in error.inner_text()
    assert phone.get_by_label("Mobile", exact=True).get_attribute("aria-invalid") == "true"
    assert Member.objects.get(pk=world.member.pk).mobile == "+447700900001"
