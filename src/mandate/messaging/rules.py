"""The safety rules for every message, in one place: who may be sent what, where, and when.

- Email goes only to a member's personal address, and never when it is their work address or
  at a domain one of their employers runs: the employer is the other side of the dispute and
  may read, filter or hand over work mail (DOMAIN.md section 5).
- Texts go only to a valid mobile number in E.164 form.
- Per-channel consent, do-not-contact and opt-outs (STOP replies, unsubscribe links, an
  officer's note) are all respected; a member who has left or died gets nothing.
- Texts go out only within texting hours (09:00 to 20:00 UK time unless configured); one due
  outside them waits for the next opening. Email has no hours.

Both the queueing and the sending of a message ask :func:`verdict`, so a member who opts out
while a large send is draining gets nothing further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Value
from django.db.models.functions import Lower, StrIndex, Substr

from mandate.members.models import Employment, MemberStatus
from mandate.messaging.models import Channel, EmployerEmailDomain, Reason

# Members' work_email values are imported from spreadsheets, where a personal address sometimes
# lands in the work column. A domain seen there counts as an employer's only if several
# members share it and it is not a public mail service, or one stray gmail.com would block
# every Gmail user in the branch.
PUBLIC_MAIL_DOMAINS: Final = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.co.uk",
        "mail.com",
        "zoho.com",
        "fastmail.com",
        "tutanota.com",
        "example.org",
        "example.com",
    }
)
DERIVED_DOMAIN_MIN_MEMBERS: Final = 2
_DEAD_STATUSES: Final = frozenset({MemberStatus.RESIGNED, MemberStatus.DECEASED})
_E164: Final = re.compile(r"^\+[1-9]\d{6,14}$")
# UK mobiles by Ofcom's numbering plan: 071-075 and 077-079, and 07624 (Isle of Man). 070
# (personal numbering) and 076 (pagers) cannot take texts. Checked by pattern because the
# library's full parse costs more than everything else a 120,000-member send does per member.
_GB_MOBILE: Final = re.compile(r"^\+447(?:[1-57-9]\d{8}|624\d{6})$")
_GB: Final = re.compile(r"^\+44")


class Recipient(NamedTuple):
    """What the rules need to know about one member (a tuple: 120,000 are made per send)."""

    member_id: int
    status: str
    do_not_contact: bool
    consent_email: bool
    consent_sms: bool
    personal_email: str
    work_email: str
    mobile: str
    employer_ids: frozenset[int] = frozenset()


class Verdict(NamedTuple):
    """The address to use, or the reason nothing is sent."""

    address: str = ""
    reason: Reason | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


_SKIP: Final = {reason: Verdict(reason=reason) for reason in Reason}


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def _within(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


@dataclass
class WorkDomains:
    """Mail domains run by employers, recorded or derived from members' work addresses."""

    by_employer: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, employer_ids: Iterable[int]) -> WorkDomains:
        """Load the domains of EMPLOYER_IDS: two queries, whatever the number of members."""
        ids = sorted(set(employer_ids))
        found: dict[int, set[str]] = {pk: set() for pk in ids}
        for employer_id, domain in EmployerEmailDomain.objects.filter(
            employer_id__in=ids
        ).values_list("employer_id", "domain"):
            found[employer_id].add(domain.strip().lower())
        at = StrIndex(F("member__work_email"), Value("@"))
        derived = (
            Employment.objects.filter(employer_id__in=ids)
            .exclude(member__work_email="")
            .annotate(domain=Lower(Substr(F("member__work_email"), at + 1)))
            .values("employer_id", "domain")
            .annotate(n=Count("member_id", distinct=True))
            .filter(n__gte=DERIVED_DOMAIN_MIN_MEMBERS)
            .order_by()
        )
        for row in derived:
            domain = (row["domain"] or "").strip()
            if domain and domain not in PUBLIC_MAIL_DOMAINS:
                found[row["employer_id"]].add(domain)
        return cls({pk: frozenset(domains) for pk, domains in found.items()})

    def for_member(self, recipient: Recipient) -> set[str]:
        domains: set[str] = set()
        for employer_id in recipient.employer_ids:
            domains |= self.by_employer.get(employer_id, frozenset())
        own = domain_of(recipient.work_email) if recipient.work_email else ""
        if own and own not in PUBLIC_MAIL_DOMAINS:
            domains.add(own)
        return domains


def is_work_address(email: str, recipient: Recipient, domains: WorkDomains) -> bool:
    """True if EMAIL is the member's work address or at a domain their employers run."""
    if recipient.work_email and email.strip().lower() == recipient.work_email.strip().lower():
        return True
    domain = domain_of(email)
    return any(_within(domain, work) for work in domains.for_member(recipient))


@lru_cache(maxsize=65536)
def is_sms_number(number: str) -> bool:
    """True if NUMBER is a valid mobile number written in E.164 (+447700900123)."""
    if not _E164.match(number):
        return False
    if _GB.match(number):
        return bool(_GB_MOBILE.match(number))
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def verdict(
    channel: str, recipient: Recipient, *, opted_out: bool, domains: WorkDomains
) -> Verdict:
    """Decide whether RECIPIENT may be sent a message on CHANNEL, and at which address."""
    if recipient.status in _DEAD_STATUSES:
        return _SKIP[Reason.NOT_MEMBER]
    if recipient.do_not_contact:
        return _SKIP[Reason.DO_NOT_CONTACT]
    consented = recipient.consent_email if channel == Channel.EMAIL else recipient.consent_sms
    if not consented:
        return _SKIP[Reason.NO_CONSENT]
    if opted_out:
        return _SKIP[Reason.OPTED_OUT]
    if channel == Channel.SMS:
        if recipient.mobile and is_sms_number(recipient.mobile):
            return Verdict(address=recipient.mobile)
        return _SKIP[Reason.NO_ADDRESS]
    email = recipient.personal_email.strip()
    if not email:
        return _SKIP[Reason.WORK_ADDRESS if recipient.work_email else Reason.NO_ADDRESS]
    if is_work_address(email, recipient, domains):
        return _SKIP[Reason.WORK_ADDRESS]
    return Verdict(address=email)


# Texting hours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextingHours:
    opens: time
    closes: time
    zone: ZoneInfo

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).time()
        return self.opens <= local < self.closes

    def next_opening(self, at: datetime) -> datetime:
        """The first moment at or after AT when texts may go out (AT itself if open now)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        day = local.date()
        if local.time() >= self.closes:
            day += timedelta(days=1)
        # Built from the wall-clock date, so a clock change overnight moves it by an hour in UTC.
        return datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)


def _parse_clock(value: str, name: str) -> time:
    if value.strip() == "24:00":
        return time.max  # the end of the day, for hours that run to midnight
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ImproperlyConfigured(
            f"MANDATE_TEXTING_HOURS: {value!r} is not a time like 09:00 ({name})."
        ) from None


def texting_hours() -> TextingHours:
    """The configured texting hours; raise ImproperlyConfigured if they make no sense."""
    configured = list(settings.MANDATE_TEXTING_HOURS)
    if len(configured) != 2:
        raise ImproperlyConfigured("MANDATE_TEXTING_HOURS must be two times: opening, closing.")
    opens = _parse_clock(configured[0], "opening")
    closes = _parse_clock(configured[1], "closing")
    if not opens < closes:
        raise ImproperlyConfigured("MANDATE_TEXTING_HOURS: the opening must be before the closing.")
    return TextingHours(opens, closes, ZoneInfo(settings.MANDATE_TEXTING_TIME_ZONE))


def not_before(channel: str, now: datetime) -> datetime | None:
    """When a message on CHANNEL due NOW may go: None for now, else the next texting opening."""
    if channel != Channel.SMS:
        return None
    hours = texting_hours()
    return None if hours.is_open(now) else hours.next_opening(now)
