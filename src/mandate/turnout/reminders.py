"""GTVO reminders: pick the electorate of a ballot (or some of its constituencies) less those who
said they voted or asked not to be contacted, and hand them to messaging with each member's own
link as ``{link}`` (``MemberLinks``: messaging asks for the links a batch at a time, inside the
send's transaction; plans use a stand-in as long as the longest real link).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from mandate.ballots.models import Ballot, BallotState, Constituency, ElectorateEntry
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.members.models import Member
from mandate.messaging import actions as messaging
from mandate.messaging.actions import MemberLinks, Plan
from mandate.messaging.models import Channel, Send
from mandate.turnout.actions import link_rotate, links_ensure
from mandate.turnout.links import make_token
from mandate.turnout.models import ContactStatus, Status

# Members these statuses describe get no reminder.
NOT_REMINDED = (Status.SAYS_VOTED, Status.DONT_CONTACT)
_PLACEHOLDER_WORD = "your-personal-link"


def recipients(
    ballot: Ballot, constituencies: QuerySet[Constituency], reach: QuerySet[Member]
) -> QuerySet[Member]:
    """Entitled members of CONSTITUENCIES within REACH, less those who said they voted or asked
    not to be contacted about this ballot."""
    electorate = ElectorateEntry.objects.filter(
        constituency__in=constituencies, entitled=True
    ).values("member_id")
    done = ContactStatus.objects.filter(ballot=ballot, status__in=NOT_REMINDED).values("member_id")
    return reach.filter(pk__in=electorate).exclude(pk__in=done)


def placeholder_link(ballot: Ballot) -> str:
    """A stand-in as long as the longest real link a member of BALLOT can get."""
    biggest = Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    sample = ContactStatus(ballot_id=ballot.pk, member_id=biggest, nonce="n" * 16)
    length = len(make_token(sample))
    word = _PLACEHOLDER_WORD.ljust(length, "-")
    return f"{settings.MANDATE_SITE_URL}{reverse('gtvo_link:home', args=[word])}"


def member_links(ballot: Ballot) -> MemberLinks:
    """Each member's own GTVO link for BALLOT, their status row (the nonce) made where missing."""

    def resolve(member_ids: Sequence[int]) -> dict[int, str]:
        rows = links_ensure(ballot=ballot, member_ids=list(member_ids))
        return {m: _url(row) for m, row in rows.items()}

    return MemberLinks(resolve=resolve, sample=placeholder_link(ballot))


def plan(
    *, ballot: Ballot, channel: str, template: str, subject: str, members: QuerySet[Member]
) -> Plan:
    """What sending would do now (counts by outcome and an example), changing nothing."""
    return messaging.send_plan(
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(ballot),
        members=members,
    )


@dataclass(frozen=True)
class Sent:
    send: Send
    linked: int


def send(
    *,
    actor: User | None,
    ballot: Ballot,
    channel: str,
    template: str,
    subject: str,
    members: QuerySet[Member],
    audience: str,
    request_key: uuid.UUID | None = None,
) -> Sent:
    """Queue the reminder through messaging, each member with their own link."""
    queued = messaging.send_queue(
        actor=actor,
        branch=ballot.dispute.branch,
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(ballot),
        members=members,
        audience=audience,
        request_key=request_key,
    )
    return Sent(send=queued, linked=queued.queued_count)


# A fixed wording: the member is told the old link is dead, and nothing asks them to act at work.
# Plain quotes: a curly one would make the whole text UCS-2 (70 characters a part).
_NEW_LINK_SMS = (
    '{first_name}, your new link for the ballot "%s": {link} Your earlier link no longer works.'
)
_NEW_LINK_EMAIL = (
    "Dear {first_name},\n\nHere is your new personal link for the ballot “%s”: {link}\n\n"
    "Use it to tell us you have voted, that your paper has not arrived, or to correct your "
    "home address. Your earlier link no longer works."
)


def link_reissue(
    *,
    actor: User | None,
    ballot: Ballot,
    member: Member,
    reach: QuerySet[Member],
    reason: str = "",
    channel: str = "",
) -> tuple[ContactStatus, Send | None]:
    """Revoke MEMBER's link for BALLOT and, on CHANNEL if given, send them a new one through
    messaging (its consent, opt-out and work-address rules apply), all or nothing."""
    with transaction.atomic():
        row = link_rotate(ballot=ballot, member=member, actor=actor, reason=reason)
        if not channel:
            return row, None
        if ballot.state != BallotState.OPEN:
            raise DomainError("A new link can be sent only while the ballot is open.")
        if row.status == Status.DONT_CONTACT:
            raise DomainError(
                "This member asked not to be contacted about this ballot: revoke the link "
                "without sending a new one."
            )
        name = ballot.name.replace("{", "{{").replace("}", "}}")
        template = (_NEW_LINK_SMS if channel == Channel.SMS else _NEW_LINK_EMAIL) % name
        sent = messaging.send_queue(
            actor=actor,
            branch=ballot.dispute.branch,
            channel=channel,
            template=template,
            subject=f"Your new link: {ballot.name}"[:200],
            member_links=member_links(ballot),
            members=reach.filter(pk=member.pk),
            audience=f"GTVO new link: {ballot.name}",
        )
    return row, sent


def _url(row: ContactStatus) -> str:
    return f"{settings.MANDATE_SITE_URL}{reverse('gtvo_link:home', args=[make_token(row)])}"
