"""Turning a template into the text each member receives, with the footers the law and good
practice ask for: an SMS says how to stop texts; an email says how to unsubscribe."""

from __future__ import annotations

import re
from typing import Final

from django.conf import settings
from django.core import signing
from django.urls import reverse

from mandate.messaging.models import Channel
from mandate.messaging.templating import MergeTemplate

SMS_STOP_LINE: Final = "Reply STOP to stop texts."
_MENTIONS_STOP: Final = re.compile(r"\bSTOP\b")
_UNSUBSCRIBE_SALT: Final = "mandate.messaging.unsubscribe"
_PLACEHOLDER: Final = "TOKEN-PLACEHOLDER"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT, sep=".")


def unsubscribe_token(member_id: int) -> str:
    return _signer().sign(str(member_id))


def member_from_token(token: str) -> int | None:
    """The member id a token was made for, or None if it was not made here."""
    try:
        return int(_signer().unsign(token))
    except (signing.BadSignature, ValueError):
        return None


class Composer:
    """Renders one send's template for each member; built once per send."""

    def __init__(self, template: MergeTemplate, channel: str, link: str = "") -> None:
        self.template = template
        self.channel = channel
        self.link = link
        self._url = ""
        if channel == Channel.EMAIL:
            path = reverse("messaging:unsubscribe", args=[_PLACEHOLDER])
            self._url = f"{settings.MANDATE_SITE_URL}{path}"
        self._says_stop = bool(_MENTIONS_STOP.search(template.text.upper()))

    def render(
        self,
        *,
        member_id: int,
        first_name: str,
        last_name: str,
        branch: str,
        link: str | None = None,
    ) -> str:
        """The message for one member; LINK, when given, is theirs alone and replaces the
        send's link."""
        values = {
            "first_name": first_name,
            "last_name": last_name,
            "full_name": f"{first_name} {last_name}".strip(),
            "branch": branch,
            "link": self.link if link is None else link,
        }
        body = self.template.render(values)
        if self.channel == Channel.SMS:
            return body if self._says_stop else f"{body}\n{SMS_STOP_LINE}"
        url = self._url.replace(_PLACEHOLDER, unsubscribe_token(member_id))
        return (
            f"{body}\n\n--\nYou are receiving this as a member of {branch}. "
            f"To stop emails like this: {url}\n"
        )
