"""On a phone: a member creates an API token, copies it once, uses it, and revokes it."""

from __future__ import annotations

from typing import Any

import pytest

from mandate.conftest import World, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_creates_uses_and_revokes_a_token_on_a_phone(
    live_server: Any, phone: Any, world: World
) -> None:
    browser_login(phone, live_server, "member")
    phone.get_by_role("link", name="API tokens").click()
    phone.get_by_role("heading", name="API tokens").wait_for()
    phone.get_by_label("Name", exact=True).fill("my votes script")
    phone.get_by_label("votes:cast: Cast your own vote in a consultative e-ballot").check()
    phone.get_by_label("Expires after").select_option("30")
    phone.get_by_role("button", name="Create the token").click()
    field = phone.get_by_label("Token", exact=True)
    field.wait_for()
    raw = field.input_value()
    assert raw.startswith("mdt_")
    # The token field fits the phone's width.
    box = field.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390

    url = f"{live_server.url}/api/me/votes"
    headers = {"Authorization": f"Bearer {raw}"}
    assert phone.request.get(url, headers=headers).status == 200

    phone.goto(f"{live_server.url}/account/api-tokens/")  # shown once: not on the list
    assert raw not in phone.content()
    phone.get_by_role("button", name="Revoke the token my votes script").click()
    phone.get_by_text("it no longer works").wait_for()
    assert phone.request.get(url, headers=headers).status == 401


def test_the_api_docs_render_from_our_own_files(live_server: Any, phone: Any, world: World) -> None:
    outside: list[str] = []
    phone.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    phone.goto(f"{live_server.url}/api/docs")
    phone.get_by_text("/api/branches/{branch}/members", exact=True).first.wait_for()
    assert outside == []
