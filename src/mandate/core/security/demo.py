"""Demo: the demo officers' authenticator, enrolled with a published key so anyone can log in."""

from __future__ import annotations

import base64

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.core import access_cache, policy
from mandate.core.demo import DemoContext
from mandate.core.models import User
from mandate.core.security.twofactor import TOTP_NAME

# Public on purpose: every demo officer shares this authenticator secret (20 bytes).
DEMO_TOTP_KEY = b"mandate-demo-2fa-key".hex()


def demo_key_base32() -> str:
    key = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def build_security(ctx: DemoContext) -> None:
    officers = list(
        User.objects.filter(roles__kind__in=policy.TWO_FACTOR_KINDS)
        .exclude(totpdevice__confirmed=True)
        .distinct()
    )
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)
        for user in officers
    )
    # bulk_create sends no signal: say the devices changed, as a save would.
    access_cache.access_changed(user.pk for user in officers)
    ctx.out(f"  two-factor: {len(officers)} officers enrolled with the demo authenticator key")


def demo_login_note() -> list[str]:
    """What the demo prints so a person can pass the officers' second step."""
    if not settings.MANDATE_REQUIRE_2FA:
        return []
    officers = [
        u.username
        for u in User.objects.filter(totpdevice__key=DEMO_TOTP_KEY).distinct().order_by("username")
    ]
    if not officers:
        return []
    return [
        "",
        f"Officers ({', '.join(officers)}) also type a two-factor code after the password:",
        f"  add this key to an authenticator app: {demo_key_base32()}",
        "  or print the current code: DEBUG=1 .venv/bin/mandate twofactor code secretary",
        "Members, reps and callers log in with the password alone.",
    ]
