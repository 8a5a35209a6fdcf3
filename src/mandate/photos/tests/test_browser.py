"""On a phone: a member sends a photo from the line; the secretary approves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.disputes.actions import dispute_create
from mandate.photos.models import Photo, PhotoStatus

FIXTURE = Path(__file__).parent / "fixtures" / "picket-gps.jpg"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_sends_a_photo_and_the_secretary_approves_it(live_server: Any, phone: Any) -> None:
    world = build_world()
    dispute_create(name="Workload 2026", branch=world.liverpool, actor=world.secretary)

    browser_login(phone, live_server, "member")
    phone.get_by_role("link", name="Photos").click()
    phone.get_by_role("link", name="Workload 2026").click()
    phone.get_by_text("Send a photo").click()
    phone.get_by_label("Photo", exact=True).set_input_files(str(FIXTURE))
    phone.get_by_label("Caption").fill("Main gate at dawn")
    # Without consent the photo is refused and nothing is kept.
    phone.get_by_role("button", name="Send photo").click()
    expect(phone.get_by_text("Ask before you send")).to_be_visible()
    assert not Photo.objects.exists()
    phone.get_by_label("Photo", exact=True).set_input_files(str(FIXTURE))
    phone.get_by_label("Everyone who can be recognised").check()
    phone.get_by_role("button", name="Send photo").click()
    expect(phone.get_by_text("location and camera details removed")).to_be_visible()
    expect(phone.get_by_role("heading", name="Main gate at dawn")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # The picture is shown (it loaded through the permission-checked view) and upright.
    phone.wait_for_function("() => document.querySelector('img.photo-full').naturalWidth > 0")
    size = phone.evaluate(
        "(() => { const i = document.querySelector('img.photo-full');"
        " return [i.naturalWidth, i.naturalHeight]; })()"
    )
    assert size == [480, 640]

    phone.get_by_role("button", name="Log out").click()
    browser_login(phone, live_server, "secretary")
    phone.get_by_role("link", name="Photos").click()
    phone.get_by_role("link", name="Workload 2026").click()
    expect(phone.get_by_text("1 photo waiting for your check")).to_be_visible()
    phone.get_by_role("img", name="Main gate at dawn").click()
    phone.get_by_role("button", name="Approve for the campaign").click()
    expect(phone.get_by_text("Approved: the photo is in the gallery")).to_be_visible()
    assert Photo.objects.get().status == PhotoStatus.APPROVED
