"""Sending members' personal check-in links for a branch meeting through messaging: each active
member of the branch not yet checked in gets their own link (one tap checks them in, no login),
by personal email or text, with messaging's consent, opt-out, texting-hours and never-a-work-
address rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db.models import Max, QuerySet
from django.utils import timezone

from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.meetings import links
from mandate.meetings.models import Attendance, Meeting, MeetingState
from mandate.members.models import Member, MemberStatus
from mandate.messaging import actions as messaging
from mandate.messaging.actions import MemberLinks, Plan
from mandate.messaging.models import Send


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def default_template(meeting: Meeting) -> str:
    when = timezone.localtime(meeting.starts_at).strftime("%a %d %b %H:%M")
    where = f", {meeting.location}" if meeting.location else ""
    return (
        f"Hi {{first_name}}, {_literal(meeting.title)}: {when}{_literal(where)}. "
        "Check in with your own link when you arrive: {link}"
    )


def check_sendable(meeting: Meeting) -> None:
    if meeting.branch_id is None or meeting.is_delegate:
        raise DomainError(
            "Check-in links are for members' meetings; delegates use their card links."
        )
    if meeting.state == MeetingState.CLOSED:
        raise DomainError("The meeting is closed: there is nothing to check in to.")


def recipients(meeting: Meeting, reach: QuerySet[Member]) -> QuerySet[Member]:
    """Active members of the meeting's branch within REACH who have not checked in."""
    here = Attendance.objects.filter(meeting=meeting, member__isnull=False).values("member_id")
    return reach.filter(branch=meeting.branch, status=MemberStatus.ACTIVE).exclude(pk__in=here)


def member_links(meeting: Meeting) -> MemberLinks:
    """Each member's own check-in link for MEETING (signed: meeting, member, check-in nonce)."""

    def resolve(member_ids: Sequence[int]) -> dict[int, str]:
        members = Member.objects.filter(pk__in=list(member_ids), branch=meeting.branch)
        return {m.pk: links.member_url(meeting, m) for m in members.only("pk")}

    biggest = Member.objects.aggregate(m=Max("pk"))["m"] or 1
    return MemberLinks(resolve=resolve, sample=links.member_url(meeting, Member(pk=biggest)))


def plan(
    *, meeting: Meeting, channel: str, template: str, subject: str, members: QuerySet[Member]
) -> Plan:
    """What sending the links would do now, changing nothing."""
    check_sendable(meeting)
    return messaging.send_plan(
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(meeting),
        members=members,
    )


def links_send(
    *,
    actor: User | None,
    meeting: Meeting,
    channel: str,
    template: str,
    subject: str,
    members: QuerySet[Member],
    request_key: uuid.UUID | None = None,
) -> Send:
    """Queue each member's own check-in link through messaging; audited on the meeting."""
    check_sendable(meeting)
    return messaging.personal_links_send(
        actor=actor,
        branch=meeting.branch,
        channel=channel,
        template=template,
        subject=subject,
        member_links=member_links(meeting),
        members=members,
        audience=f"Meeting: {meeting.title}, not yet checked in",
        audit_action="meeting.links_send",
        audit_obj=meeting,
        request_key=request_key,
    )
