"""GTVO reminders: pick the electorate of a ballot (or some of its constituencies) less those who
said they voted or asked not to be contacted, and hand them to messaging with each member's own
link as ``{link}``.

Messaging renders one ``link`` for a whole send. The send is therefore queued with a placeholder
link of at least the real links' length (so the SMS length check holds), and each queued
message's placeholder is swapped for that member's personal link in the same transaction,
before messaging hands anything to the workers (it does so on commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse

from mandate.ballots.models import Ballot, Constituency, ElectorateEntry
from mandate.core.models import User
from mandate.members.models import Member
from mandate.messaging import actions as messaging
from mandate.messaging.actions import Plan
from mandate.messaging.models import Message, Send
from mandate.turnout.actions import links_ensure
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


def plan(
    *, ballot: Ballot, channel: str, template: str, subject: str, members: QuerySet[Member]
) -> Plan:
    """What sending would do now (counts by outcome and an example), changing nothing."""
    return messaging.send_plan(
        channel=channel,
        template=template,
        subject=subject,
        link=placeholder_link(ballot),
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
    """Queue the reminder through messaging and put each member's own link into their message."""
    link = placeholder_link(ballot)
    with transaction.atomic():
        queued = messaging.send_queue(
            actor=actor,
            branch=ballot.dispute.branch,
            channel=channel,
            template=template,
            subject=subject,
            link=link,
            members=members,
            audience=audience,
            request_key=request_key,
        )
        ids = list(
            Message.objects.filter(send=queued)
            .filter(body__contains=link)
            .values_list("member_id", flat=True)
        )
        rows = links_ensure(ballot=ballot, member_ids=ids)
        table = Message._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET body = REPLACE(body, %s, %s) "  # noqa: S608 - names from the model
                "WHERE send_id = %s AND member_id = %s",
                [(link, _url(rows[m]), queued.pk, m) for m in ids if m in rows],
            )
    return Sent(send=queued, linked=len(ids))


def _url(row: ContactStatus) -> str:
    return f"{settings.MANDATE_SITE_URL}{reverse('gtvo_link:home', args=[make_token(row)])}"
