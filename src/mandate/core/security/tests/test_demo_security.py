"""The demo's officers share one published authenticator key, and the demo says how to use it."""

from __future__ import annotations

import random

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.conftest import World
from mandate.core.demo import DemoContext
from mandate.core.security.demo import DEMO_TOTP_KEY, build_security, demo_login_note

pytestmark = pytest.mark.django_db


def test_officers_and_panel_are_enrolled_once(world: World) -> None:
    lines: list[str] = []
    ctx = DemoContext(scale="default", rng=random.Random(1), out=lines.append)
    build_security(ctx)
    build_security(ctx)  # running again adds nothing
    enrolled = set(
        TOTPDevice.objects.filter(key=DEMO_TOTP_KEY).values_list("user__username", flat=True)
    )
    assert enrolled == {"secretary", "outsider", "regional", "national", "panel"}
    assert TOTPDevice.objects.count() == 5
    assert lines == [
        "  two-factor: 5 officers enrolled with the demo authenticator key",
        "  two-factor: 0 officers enrolled with the demo authenticator key",
    ]
    with override_settings(MANDATE_REQUIRE_2FA=True):
        note = "\n".join(demo_login_note())
    assert "national, outsider, panel, regional, secretary" in note
    assert "mandate twofactor code secretary" in note
    with override_settings(MANDATE_REQUIRE_2FA=False):
        assert demo_login_note() == []
