"""Signed picket links, each kind with its own salt so one can never be replayed as another:

- a member's personal picket link: names the member and the nonce of their ``PicketLink`` row;
  it is the credential (no login) for signing up, cancelling and swapping shifts;
- a supporter's own link: names the supporter and their nonce, for their shifts only;
- a site's supporter sign-up link: names the site and its supporter nonce; anyone holding it may
  offer to stand on that site's line, as a supporter (never as a member);
- a site's check-in code for one day (the QR code shown on the line): names the site, the day
  and the site's check-in nonce. Whoever scans it must still be known (logged in, or their own
  link opened on this phone), so a photographed code checks nobody in by itself.

Tokens sit in the URL path, so their pages send ``Referrer-Policy: same-origin``: the path never
leaves the site, while the browser still sends the Origin that CSRF checks on their forms.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from mandate.members.models import Member
from mandate.pickets.models import PicketLink, PicketSite, Supporter

_MEMBER, _SUPPORTER, _JOIN, _QR = (
    "pickets.member",
    "pickets.supporter",
    "pickets.join",
    "pickets.qr",
)
_MAX = 200
# The cookie that remembers, on one phone, whose personal link was opened there.
COOKIE = "picket_me"
COOKIE_AGE = 60 * 60 * 24 * 120


def _sign(salt: str, value: str) -> str:
    return signing.Signer(salt=salt, sep=".").sign(value)


def _unsign(salt: str, token: str, parts: int) -> list[str] | None:
    if len(token) > _MAX:
        return None
    try:
        values = signing.Signer(salt=salt, sep=".").unsign(token).split(".")
    except signing.BadSignature:
        return None
    if len(values) != parts or not values[0].isdigit():
        return None
    return values


def absolute(path: str) -> str:
    return f"{settings.MANDATE_SITE_URL}{path}"


def member_token(link: PicketLink) -> str:
    return _sign(_MEMBER, f"{link.member_id}.{link.nonce}")


def member_url(link: PicketLink, *, absolute_url: bool = True) -> str:
    path = reverse("picket_link:home", args=[member_token(link)])
    return absolute(path) if absolute_url else path


def member_from_token(token: str) -> Member | None:
    parts = _unsign(_MEMBER, token, 2)
    if parts is None:
        return None
    link = PicketLink.objects.select_related("member", "member__branch").filter(
        member_id=int(parts[0])
    )
    found = link.first()
    if found is None or not constant_time_compare(found.nonce, parts[1]):
        return None
    return found.member


def supporter_token(supporter: Supporter) -> str:
    return _sign(_SUPPORTER, f"{supporter.pk}.{supporter.nonce}")


def supporter_url(supporter: Supporter, *, absolute_url: bool = True) -> str:
    path = reverse("picket_link:supporter", args=[supporter_token(supporter)])
    return absolute(path) if absolute_url else path


def supporter_from_token(token: str) -> Supporter | None:
    parts = _unsign(_SUPPORTER, token, 2)
    if parts is None:
        return None
    found = Supporter.objects.select_related("branch").filter(pk=int(parts[0])).first()
    if found is None or not constant_time_compare(found.nonce, parts[1]):
        return None
    return found


def join_token(site: PicketSite) -> str:
    return _sign(_JOIN, f"{site.pk}.{site.supporter_nonce}")


def join_url(site: PicketSite) -> str:
    return absolute(reverse("picket_link:join", args=[join_token(site)]))


def site_from_join(token: str) -> PicketSite | None:
    parts = _unsign(_JOIN, token, 2)
    if parts is None:
        return None
    site = PicketSite.objects.select_related("branch", "workplace").filter(pk=int(parts[0]))
    found = site.first()
    if found is None or not constant_time_compare(found.supporter_nonce, parts[1]):
        return None
    return found


def qr_token(site: PicketSite, day: dt.date) -> str:
    return _sign(_QR, f"{site.pk}.{day.isoformat()}.{site.checkin_nonce}")


def qr_url(site: PicketSite, day: dt.date) -> str:
    return absolute(reverse("picket_link:checkin", args=[qr_token(site, day)]))


def site_day_from_qr(token: str) -> tuple[PicketSite, dt.date] | None:
    parts = _unsign(_QR, token, 3)
    if parts is None:
        return None
    try:
        day = dt.date.fromisoformat(parts[1])
    except ValueError:
        return None
    site = PicketSite.objects.select_related("branch", "workplace").filter(pk=int(parts[0]))
    found = site.first()
    if found is None or not constant_time_compare(found.checkin_nonce, parts[2]):
        return None
    return found, day


# The phone cookie holds the member's or supporter's own token, prefixed by its kind.


def cookie_value_member(link: PicketLink) -> str:
    return "m:" + member_token(link)


def cookie_value_supporter(supporter: Supporter) -> str:
    return "s:" + supporter_token(supporter)


def who_from_cookie(value: str) -> Member | Supporter | None:
    if value.startswith("m:"):
        return member_from_token(value[2:])
    if value.startswith("s:"):
        return supporter_from_token(value[2:])
    return None
