"""API calls log no personal data, no vote and no token: only paths with ids and status codes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from mandate.api.tests.conftest import Api
from mandate.api.tests.scene import build_scene
from mandate.conftest import World


def test_api_flows_log_no_personal_data(
    world: World, api_for: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    scene = build_scene(world)
    officer = api_for(world.secretary)
    member = api_for(world.member_user)
    caplog.set_level(logging.DEBUG)
    base = f"/api/branches/{world.liverpool.slug}/members"
    officer.get(base, q="Byrne")
    officer.get(base, q="x\x00y")
    officer.get(f"{base}/{world.member.pk}")
    officer.get(f"{base}/{world.uncovered.pk}", status="nonsense")
    member.get(f"{base}/{world.member.pk}")  # 404
    votes = member.get("/api/me/votes").json()
    choice = votes[0]["choices"][0]["id"]
    receipt = member.post(f"/api/me/votes/{scene.poll.pk}", {"choice": choice}, json=True).json()
    member.post(f"/api/me/votes/{scene.poll.pk}", {"choice": choice}, json=True)  # 409
    Api(member.raw + "x").get("/api/disputes")  # 401
    text = caplog.text
    for secret in (
        "Byrne",
        "Ahmed",
        "mo@example.org",
        "+447700900001",
        receipt["receipt"],
        member.raw,
        officer.raw,
        member.raw[4:20],
    ):
        assert secret not in text, secret
    assert "/api/me/votes" in text  # the 409 is logged, by path only
