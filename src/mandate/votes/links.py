"""Personal voting links: a signed token naming one poll, one roll row and that row's nonce.

The token is the credential (the voting page needs no login), so it is signed with a salt of
its own, and a new nonce on the roll row revokes it. It works from opening until the poll
closes; after that it only shows that voting has closed. The token sits in the URL path, so
the pages it opens send ``Referrer-Policy: no-referrer`` and ``X-Robots-Tag: noindex``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from mandate.votes.models import Voter

_SALT = "mandate.votes.voter-link"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT, sep=".")


def make_token(poll_id: int, voter_id: int, nonce: str) -> str:
    return _signer().sign(f"{poll_id}.{voter_id}.{nonce}")


def token_for(voter: Voter) -> str:
    return make_token(voter.poll_id, voter.pk, voter.nonce)


def link_url(voter: Voter, *, absolute: bool = True) -> str:
    path = reverse("ballot_link", args=[token_for(voter)])
    return f"{settings.MANDATE_SITE_URL}{path}" if absolute else path


@dataclass(frozen=True)
class LinkClaim:
    poll_id: int
    voter_id: int
    nonce: str


def read_token(token: str) -> LinkClaim | None:
    """What a token claims if this server signed it; None for anything tampered or garbled."""
    if len(token) > 200:
        return None
    try:
        poll, voter, nonce = _signer().unsign(token).split(".", 2)
        return LinkClaim(int(poll), int(voter), nonce)
    except (signing.BadSignature, ValueError):
        return None


def voter_for(token: str) -> Voter | None:
    """The roll row a token opens, with its poll; None if the token is bad or revoked."""
    claim = read_token(token)
    if claim is None:
        return None
    voter = (
        Voter.objects.filter(pk=claim.voter_id, poll_id=claim.poll_id)
        .select_related("poll")
        .only(
            "id",
            "poll_id",
            "branch_id",
            "weight",
            "has_voted",
            "nonce",
            "poll__title",
            "poll__question",
            "poll__state",
            "poll__opens_at",
            "poll__closes_at",
            "poll__weighted",
            "poll__results_by_branch",
        )
        .first()
    )
    if voter is None or not constant_time_compare(voter.nonce, claim.nonce):
        return None
    return voter
