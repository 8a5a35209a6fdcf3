"""Members' personal GTVO links: a signed token naming one ballot, one member and the nonce on
their status row. Changing the nonce revokes every link sent so far; the link stops working a
few days after the ballot closes (``GtvoSettings.link_grace_days``).

The token is in the URL path (the page is public: no login), so the pages it opens send
``Referrer-Policy: strict-origin`` (never the path) and are kept out of search engines.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from mandate.turnout.models import ContactStatus

_SALT = "mandate.turnout.member-link"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT, sep=".")


def make_token(row: ContactStatus) -> str:
    """The token for ROW's member and ballot, valid while ROW keeps its nonce."""
    return _signer().sign(f"{row.ballot_id}.{row.member_id}.{row.nonce}")


def link_url(row: ContactStatus, *, absolute: bool = True) -> str:
    path = reverse("gtvo_link:home", args=[make_token(row)])
    return f"{settings.MANDATE_SITE_URL}{path}" if absolute else path


@dataclass(frozen=True)
class LinkClaim:
    ballot_id: int
    member_id: int
    nonce: str


def read_token(token: str) -> LinkClaim | None:
    """What a token claims, if this server signed it; None for anything tampered or garbled."""
    if len(token) > 200:
        return None
    try:
        value = _signer().unsign(token)
        ballot, member, nonce = value.split(".", 2)
        return LinkClaim(int(ballot), int(member), nonce)
    except (signing.BadSignature, ValueError):
        return None


def row_for(claim: LinkClaim) -> ContactStatus | None:
    """The status row the claim names, if its nonce still matches (not revoked)."""
    row = (
        ContactStatus.objects.filter(ballot_id=claim.ballot_id, member_id=claim.member_id)
        .select_related("ballot", "member", "constituency")
        .first()
    )
    if row is None or not constant_time_compare(row.nonce, claim.nonce):
        return None
    return row


def new_nonce() -> str:
    return secrets.token_urlsafe(12)
