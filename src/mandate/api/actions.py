"""Creating, revoking and checking API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mandate.api.models import ApiToken
from mandate.api.scopes import Scope
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import User

TOKEN_PREFIX = "mdt_"  # noqa: S105 - a public marker, not a secret
PREFIX_SHOWN = len(TOKEN_PREFIX) + 6
MAX_DAYS = 366
DEFAULT_DAYS = 90
NAME_MAX = 100
# Writing last_used_at on every request would turn every read into a write; once a minute
# is precise enough for "is this token still in use?".
LAST_USED_GRAIN = dt.timedelta(minutes=1)


_KNOWN = frozenset(s.value for s in Scope)


class TokenError(DomainError):
    """A token could not be created as asked."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str


def digest(raw: str) -> str:
    """The stored form of a raw token: its SHA-256 (the token has 256 random bits)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _scopes(values: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for value in values:
        if value not in _KNOWN:
            known = ", ".join(s.value for s in Scope)
            raise TokenError(f"scopes: {value!r} is not a scope. Use some of: {known}.")
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise TokenError("scopes: choose at least one scope.")
    return sorted(chosen)


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    days: int = DEFAULT_DAYS,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> NewToken:
    """Create a token for USER; the raw token is returned once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise TokenError("name: give the token a name, e.g. the script that will use it.")
    if len(name) > NAME_MAX:
        raise TokenError(f"name: keep the name under {NAME_MAX} characters.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"days: a token lasts from 1 to {MAX_DAYS} days.")
    chosen = _scopes(scopes)
    now = now or timezone.now()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:PREFIX_SHOWN],
        digest=digest(raw),
        scopes=chosen,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    audit_record(
        actor=actor or user,
        action="api.token.create",
        obj=token,
        detail={"user_id": user.pk, "scopes": chosen, "days": days},
    )
    return NewToken(token=token, raw=raw)


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke TOKEN at once; a revoked token never works again."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise InvalidState("This token is already revoked.")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="api.token.revoke", obj=locked, detail={"user_id": locked.user_id}
    )
    return locked


def token_authenticate(raw: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token RAW names, with its user loaded, or None (unknown, revoked or expired)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
