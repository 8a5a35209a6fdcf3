"""Reads about a user's second factor: which step they owe, their devices, their QR code."""

from __future__ import annotations

import base64
from typing import Literal

import segno
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.core import access_cache, policy
from mandate.core.models import User

TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def is_verified(request: HttpRequest) -> bool:
    """True if this session has passed a second factor (django-otp's middleware decides)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_totp(user: User | AnonymousUser) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def is_enrolled(user: User | AnonymousUser) -> bool:
    """True if the user has a confirmed authenticator app. Asked on every request of an
    unverified user, so the answer is remembered until their devices change."""
    if not user.is_authenticated:
        return False
    remembered: bool | None = access_cache.recall("totp", user)
    if remembered is None:
        remembered = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
        access_cache.remember("totp", user, remembered)
    return remembered


def owed_step(user: User | AnonymousUser) -> Literal["verify", "setup"] | None:
    """What a logged-in but unverified user must do next: verify, enrol first, or nothing."""
    if is_enrolled(user):
        return "verify"
    if policy.requires_two_factor(user):
        return "setup"
    return None


def backup_codes_left(user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    device = StaticDevice.objects.filter(user_id=user.pk, name=BACKUP_NAME).first()
    return device.token_set.count() if device is not None else 0


def base32_key(device: TOTPDevice) -> str:
    """The shared secret as authenticator apps expect it typed in, in groups of four."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code (an otpauth:// URL) as inline SVG."""
    svg: str = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#111", light="#fff"
    )
    return svg
