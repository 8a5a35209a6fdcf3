"""The Content Security Policy breaks nothing the pages do: no violation reports on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from mandate.conftest import browser_login, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_under_the_policy_without_violations(live_server: Any, phone: Any) -> None:
    world = build_world()
    violations: list[str] = []
    phone.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    browser_login(phone, live_server, "secretary")
    for path in (
        "/",
        f"/branches/{world.liverpool.slug}/members/",
        f"/branches/{world.liverpool.slug}/people/",
        "/security/",
        "/audit/",
        "/api/docs",
    ):
        response = phone.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 500, path
        # The header's directive order is not fixed: compare the script-src directive itself.
        directives = dict(
            d.strip().split(" ", 1)
            for d in response.headers["content-security-policy"].split(";")
            if d.strip()
        )
        assert directives["script-src"] == "'self'", path
        phone.wait_for_load_state("load")
    # htmx and the page behaviours loaded from our own origin.
    assert phone.evaluate("typeof window.htmx") in ("object", "undefined")
    phone.goto(f"{live_server.url}/")
    assert phone.evaluate("typeof window.htmx") == "object"
    assert violations == []
