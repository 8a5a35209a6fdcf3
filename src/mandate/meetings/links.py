"""Signed check-in and card links.

Three kinds, each with its own salt so one can never be replayed as another:

- the meeting's QR code: names the meeting and its check-in nonce; whoever scans it still logs
  in (or uses their personal link), so a photographed code checks nobody in by itself;
- a member's personal link to one meeting: names the meeting and the member, and is itself the
  credential (no login), like the GTVO links;
- a delegate's link: names the delegate and their nonce, for casting their card from a phone.

Tokens sit in the URL path, so their pages send ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from mandate.meetings.models import Delegate, Meeting
from mandate.members.models import Member

_QR, _MEMBER, _DELEGATE = "meetings.qr", "meetings.member", "meetings.delegate"
_MAX = 200


def _sign(salt: str, value: str) -> str:
    return signing.Signer(salt=salt, sep=".").sign(value)


def _unsign(salt: str, token: str) -> list[str] | None:
    if len(token) > _MAX:
        return None
    try:
        return signing.Signer(salt=salt, sep=".").unsign(token).split(".")
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    return f"{settings.MANDATE_SITE_URL}{path}"


def qr_token(meeting: Meeting) -> str:
    return _sign(_QR, f"{meeting.pk}.{meeting.checkin_nonce}")


def qr_url(meeting: Meeting) -> str:
    return absolute(reverse("meetings:qr_checkin", args=[qr_token(meeting)]))


def meeting_from_qr(token: str) -> Meeting | None:
    parts = _unsign(_QR, token)
    if parts is None or len(parts) != 2 or not parts[0].isdigit():
        return None
    meeting = Meeting.objects.select_related("branch").filter(pk=int(parts[0])).first()
    if meeting is None or not constant_time_compare(meeting.checkin_nonce, parts[1]):
        return None
    return meeting


def member_token(meeting: Meeting, member: Member) -> str:
    return _sign(_MEMBER, f"{meeting.pk}.{member.pk}.{meeting.checkin_nonce}")


def member_url(meeting: Meeting, member: Member) -> str:
    return absolute(reverse("meetings:member_link", args=[member_token(meeting, member)]))


@dataclass(frozen=True)
class MemberClaim:
    meeting: Meeting
    member: Member


def member_from_token(token: str) -> MemberClaim | None:
    parts = _unsign(_MEMBER, token)
    if parts is None or len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    meeting = Meeting.objects.select_related("branch").filter(pk=int(parts[0])).first()
    if meeting is None or meeting.branch_id is None:
        return None
    if not constant_time_compare(meeting.checkin_nonce, parts[2]):
        return None
    member = Member.objects.filter(pk=int(parts[1]), branch_id=meeting.branch_id).first()
    if member is None:
        return None
    return MemberClaim(meeting=meeting, member=member)


def delegate_token(delegate: Delegate) -> str:
    return _sign(_DELEGATE, f"{delegate.pk}.{delegate.nonce}")


def delegate_url(delegate: Delegate) -> str:
    return absolute(reverse("meetings:delegate_link", args=[delegate_token(delegate)]))


def delegate_from_token(token: str) -> Delegate | None:
    parts = _unsign(_DELEGATE, token)
    if parts is None or len(parts) != 2 or not parts[0].isdigit():
        return None
    # The card link is the hottest path of a big delegate meeting: one row by key, no joins;
    # the pages that show the meeting or branch load them when they need them.
    delegate = Delegate.objects.filter(pk=int(parts[0])).order_by("pk").first()
    if delegate is None or not constant_time_compare(delegate.nonce, parts[1]):
        return None
    return delegate
