"""On a phone: an officer downloads a member's data and erases them; a member downloads theirs."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.core.models import AuditEvent
from mandate.core.privacy.erasure import is_erased
from mandate.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_downloads_then_erases_on_a_phone(live_server: Any, phone: Any) -> None:
    world = build_world()
    member = world.covered
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/branches/{world.liverpool.slug}/members/{member.pk}/")
    phone.get_by_role("link", name="Data held (subject access and erasure)").click()
    phone.get_by_role("heading", name=f"Data held about {member.full_name}").wait_for()
    expect(phone.get_by_role("cell", name="Your register record", exact=True)).to_be_visible()
    with phone.expect_download() as info:
        phone.get_by_role("button", name="Download all data (zip)").click()
    path = info.value.path()
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read("register.json"))[0]["last_name"] == member.last_name

    phone.get_by_role("link", name="Erase personal data…").click()
    phone.get_by_label("Type the membership number").fill("wrong")
    phone.get_by_role("button", name="Erase personal data").click()
    assert phone.get_by_role("alert").inner_text().startswith("Type the membership number")
    assert not is_erased(Member.objects.get(pk=member.pk))
    phone.get_by_label("Type the membership number").fill(member.membership_number)
    phone.get_by_role("button", name="Erase personal data").click()
    phone.get_by_text("Personal data erased").wait_for()
    assert is_erased(Member.objects.get(pk=member.pk))
    assert AuditEvent.objects.filter(action="member.erase").count() == 1
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_member_downloads_their_own_data_on_a_phone(live_server: Any, phone: Any) -> None:
    world = build_world()
    browser_login(phone, live_server, "member")
    phone.goto(f"{live_server.url}/me/")
    phone.get_by_role("link", name="Download everything the union holds about me").click()
    phone.get_by_role("heading", name="Everything the union holds about you").wait_for()
    with phone.expect_download() as info:
        phone.get_by_role("button", name="Download my data (zip)").click()
    with zipfile.ZipFile(info.value.path()) as zf:
        assert json.loads(zf.read("register.json"))[0]["id"] == world.member.pk
        assert "README.txt" in zf.namelist()
