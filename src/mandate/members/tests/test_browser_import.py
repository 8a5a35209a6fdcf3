"""A branch secretary imports the register on a phone: one bad row, fixed, then applied."""

from __future__ import annotations

from typing import Any

import pytest

from mandate.conftest import browser_login, build_world
from mandate.members.models import Member
from mandate.members.tests.test_import_helpers import csv_bytes, good_rows


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_imports_a_csv_with_one_bad_row_on_a_phone(live_server: Any, phone: Any) -> None:
    world = build_world()
    browser_login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/branches/{world.liverpool.slug}/members/import/")

    rows = good_rows()
    rows[1][3] = "dev-at-example.org"
    phone.get_by_label("Register file (CSV or XLSX)").set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}
    )
    phone.get_by_role("button", name="Upload and preview").click()
    phone.get_by_role("heading", name="The file has errors").wait_for()
    error_row = phone.locator("#errors + .table-wrap tbody tr").first
    assert error_row.locator("td").all_inner_texts()[:3] == ["3", "Email", "dev-at-example.org"]
    assert "is not an email address" in error_row.inner_text()
    assert phone.get_by_role("button", name="Apply this import").count() == 0
    assert not Member.objects.filter(membership_number="N1001").exists()

    phone.get_by_role("link", name="Upload a corrected file").first.click()
    phone.get_by_label("Register file (CSV or XLSX)").set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": csv_bytes(good_rows())}
    )
    phone.get_by_role("button", name="Upload and preview").click()
    phone.get_by_role("heading", name="Preview of the import").wait_for()
    new_card = phone.locator(".card", has_text="New")
    assert new_card.locator(".stat").inner_text() == "2"
    apply_button = phone.get_by_role("button", name="Apply this import")
    assert apply_button.bounding_box()["height"] >= 44
    apply_button.click()
    phone.get_by_role("heading", name="Import applied").wait_for()

    phone.get_by_role("link", name="See the register").click()
    phone.wait_for_url(f"{live_server.url}/branches/{world.liverpool.slug}/members/")
    body = phone.locator("main").inner_text()
    assert "Ó Briain, Siân" in body and "Patel, Dev" in body
    # Nothing is wider than the phone: no sideways scrolling of the page itself.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
