"""Personal voting links: a signed token naming one poll, one roll row and that row's nonce.

The token is the credential (the voting page needs no login), so it is signed with a salt of
its own, and a new nonce on the roll row revokes it. It works from opening until the poll
closes; after that it only shows that voting has closed. The token sits in the URL path, so
the pages it opens send ``Referrer-Policy: no-referrer`` and ``X-Robots-Tag: noindex``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import connection
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from mandate.votes.models import Poll, Voter

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
        poll, voter, nonce = _unsign(token).split(".", 2)
        return LinkClaim(int(poll), int(voter), nonce)
    except (signing.BadSignature, ValueError):
        return None


# The signing key for the current SECRET_KEY, as Django's Signer derives it for this salt, kept
# as a keyed HMAC to copy: every vote checks a token, and deriving the key again each time was
# a tenth of the voting path's CPU. (SECRET_KEY, the keyed HMAC), replaced when the key changes.
_KEYED: tuple[str, hmac.HMAC] | None = None


def _unsign(token: str) -> str:
    """TOKEN's signed value, as ``_signer().unsign`` returns it; a signature made with the
    current key is checked here, anything else (an old key from SECRET_KEY_FALLBACKS, a bad
    signature) by Django's Signer."""
    global _KEYED
    value, sep, signature = token.rpartition(".")
    secret = settings.SECRET_KEY
    if sep and _KEYED is not None and _KEYED[0] == secret:
        mac = _KEYED[1].copy()
    elif sep:
        key = hashlib.sha256(f"{_SALT}signer{secret}".encode()).digest()
        keyed = hmac.new(key, digestmod=hashlib.sha256)
        _KEYED = (secret, keyed)
        mac = keyed.copy()
    else:
        raise signing.BadSignature("No separator in the token")
    mac.update(value.encode())
    expected = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")
    if hmac.compare_digest(expected, signature.encode()):
        return value
    return _signer().unsign(token)


_VOTER_SQL = """
SELECT v.branch_id, v.weight, v.has_voted, v.nonce, p.title, p.question, p.state,
       p.opens_at, p.closes_at, p.weighted, p.results_by_branch, p.created_at
FROM votes_voter v JOIN votes_poll p ON p.id = v.poll_id
WHERE v.id = %s AND v.poll_id = %s
"""


def voter_for(token: str) -> Voter | None:
    """The roll row a token opens, with the poll fields the voting page uses; None if the token
    is bad or revoked. Plain SQL: this runs on every vote."""
    claim = read_token(token)
    if claim is None:
        return None
    if connection.vendor != "postgresql":
        return _voter_orm(claim)
    with connection.cursor() as cur:
        cur.execute(_VOTER_SQL, [claim.voter_id, claim.poll_id])
        row = cur.fetchone()
    if row is None or not constant_time_compare(row[3], claim.nonce):
        return None
    poll = Poll(
        id=claim.poll_id,
        title=row[4],
        question=row[5],
        state=row[6],
        opens_at=row[7],
        closes_at=row[8],
        weighted=row[9],
        results_by_branch=row[10],
        created_at=row[11],
    )
    voter = Voter(
        id=claim.voter_id,
        poll_id=claim.poll_id,
        branch_id=row[0],
        weight=row[1],
        has_voted=row[2],
        nonce=row[3],
    )
    voter.poll = poll
    return voter


def _voter_orm(claim: LinkClaim) -> Voter | None:
    # SQLite hands raw datetimes back naive and decimals as floats: let the ORM convert.
    voter = (
        Voter.objects.filter(pk=claim.voter_id, poll_id=claim.poll_id)
        .select_related("poll")
        .first()
    )
    if voter is None or not constant_time_compare(voter.nonce, claim.nonce):
        return None
    return voter
