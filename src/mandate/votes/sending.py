"""Sending e-ballot voting links through messaging: each member on the roll who has not voted
gets their own link, by personal email or text, with messaging's consent, opt-out, texting-hours
and never-a-work-address rules. Nothing here records who was sent what beyond messaging's own
delivery log, which never says whether anyone voted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db.models import Max, QuerySet

from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.members.models import Member
from mandate.messaging import actions as messaging
from mandate.messaging.actions import MemberLinks, Plan
from mandate.messaging.models import Send
from mandate.votes.links import link_url
from mandate.votes.models import Poll, PollState, Voter

DEFAULT_TEMPLATE = (
    'Hi {first_name}, vote in the union\'s e-ballot "%s" with your own link: {link} '
    "It is secret: nobody, including the union, can see how you voted."
)
NONCE_LENGTH = 24  # Voter.nonce's max_length: the longest a real link's token can be


def default_template(poll: Poll) -> str:
    return DEFAULT_TEMPLATE % poll.title.replace("{", "{{").replace("}", "}}")


def recipients(poll: Poll, reach: QuerySet[Member]) -> QuerySet[Member]:
    """Members within REACH on POLL's roll who have not voted yet."""
    roll = Voter.objects.filter(poll=poll, has_voted=False, member__isnull=False)
    return reach.filter(pk__in=roll.values("member_id"))


def member_links(poll: Poll) -> MemberLinks:
    """Each member's own voting link on POLL; members who voted meanwhile get none."""

    def resolve(member_ids: Sequence[int]) -> dict[int, str]:
        voters = Voter.objects.filter(
            poll=poll, member_id__in=list(member_ids), has_voted=False
        ).only("pk", "poll_id", "member_id", "nonce")
        return {v.member_id: link_url(v) for v in voters if v.member_id is not None}

    biggest = Voter.objects.filter(poll=poll).aggregate(m=Max("pk"))["m"] or 1
    sample = link_url(Voter(pk=biggest, poll_id=poll.pk, nonce="n" * NONCE_LENGTH))
    return MemberLinks(resolve=resolve, sample=sample)


def _check_open(poll: Poll) -> None:
    if poll.state != PollState.OPEN:
        raise DomainError(
            f"Voting links are sent only while the ballot is open; it is "
            f"{poll.get_state_display().lower()}."
        )


def plan(
    *, poll: Poll, channel: str, template: str, subject: str, members: QuerySet[Member]
) -> Plan:
    """What sending the links would do now, changing nothing."""
    _check_open(poll)
    return messaging.send_plan(
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(poll),
        members=members,
    )


def links_send(
    *,
    actor: User | None,
    poll: Poll,
    channel: str,
    template: str,
    subject: str,
    members: QuerySet[Member],
    request_key: uuid.UUID | None = None,
    via: str = "web",
) -> Send:
    """Queue each member's own voting link through messaging; audited on the poll."""
    _check_open(poll)
    return messaging.personal_links_send(
        actor=actor,
        branch=poll.branch,
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(poll),
        members=members,
        audience=f"E-ballot: {poll.title}, yet to vote",
        audit_action="poll.links_send",
        audit_obj=poll,
        audit_detail={"via": via},
        request_key=request_key,
    )
