"""Test helpers: enrol a user, and compute codes the way an authenticator app does."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.core.models import User


def enrol(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code(device: TOTPDevice, drift: int = 0) -> str:
    """The app's code now (DRIFT steps ahead: a code not yet used on this device)."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:06d}"


def verified_client(user: User, device: TOTPDevice) -> Client:
    """A client logged in as USER whose session has passed DEVICE (as after the verify page)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
