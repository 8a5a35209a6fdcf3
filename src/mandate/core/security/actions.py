"""Changes to a user's second factor. Each writes an audit event naming ids, never secrets."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.core.security.twofactor import BACKUP_NAME, TOTP_NAME

BACKUP_CODE_COUNT = 10


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """Return the user's pending authenticator device, creating one with a fresh secret."""
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError("Two-factor authentication is already set up for this account.")
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
        return device


def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm DEVICE with a code from the app; return the new backup codes (shown once)."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if locked.confirmed:
            raise DomainError("This authenticator is already confirmed.")
        if not locked.verify_token(token):
            raise DomainError(
                "That code did not match. Check the phone's clock and type the newest code."
            )
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _issue_backup_codes(user)
        audit_record(actor=user, action="twofactor.enrol", obj=user)
    return codes


def backup_codes_issue(*, user: User) -> list[str]:
    """Replace the user's backup codes with a fresh set; return them (shown once)."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError("Set up an authenticator app first.")
        codes = _issue_backup_codes(user)
        audit_record(actor=user, action="twofactor.backup_codes", obj=user)
    return codes


def _issue_backup_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def twofactor_reset(*, actor: User | AnonymousUser | None, user: User) -> int:
    """Remove every second-factor device of USER (a lost phone); return how many went."""
    with transaction.atomic():
        removed: int = (
            TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
        )
        removed += (
            StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
        )
        audit_record(
            actor=actor,
            action="twofactor.reset",
            obj=user,
            detail={"devices_removed": removed, "by_self": actor == user},
        )
    return removed
