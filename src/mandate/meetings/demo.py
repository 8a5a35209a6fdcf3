"""Demo meetings: Liverpool's daily members' meetings during the strike, yesterday's vote to strike
on (223 for, 7 against, 230 present), the branch's organising channels, and a national delegate
meeting of striking branches with a card vote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from mandate.meetings import actions, sending
from mandate.meetings.models import (
    Attendance,
    ChannelKind,
    CheckInMethod,
    MeetingKind,
    MeetingMode,
    MeetingState,
    VoteMethod,
)
from mandate.meetings.rules import MajorityRule, WeightFormula
from mandate.members.models import Member, MemberStatus
from mandate.messaging.models import Channel

if TYPE_CHECKING:
    from mandate.core.demo import DemoContext

DAYS = 14
YESTERDAY_PRESENT = 230


def _at(days_ago: int, hour: int) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build_meetings(ctx: DemoContext) -> None:
    from mandate.disputes.models import Dispute

    liverpool = ctx.branch("University of Liverpool")
    active = list(
        Member.objects.filter(branch=liverpool, status=MemberStatus.ACTIVE).order_by("pk")
    )
    local = Dispute.objects.filter(branch=liverpool).first()
    series = actions.series_create(
        actor=None,
        branch=liverpool,
        title="Daily members' meeting (strike days)",
        mode=MeetingMode.HYBRID,
        location="Guild of Students, Mountford Hall",
        link="https://meet.example.org/liverpool-daily",
    )
    methods = [CheckInMethod.QR] * 6 + [CheckInMethod.STEWARD] * 3 + [CheckInMethod.LINK]
    yesterday = None
    for days_ago in range(DAYS, 0, -1):
        meeting = actions.meeting_create(
            actor=None,
            branch=liverpool,
            kind=MeetingKind.MEMBERS,
            title=f"Daily members' meeting, {_at(days_ago, 12):%a %-d %b}",
            mode=MeetingMode.HYBRID,
            starts_at=_at(days_ago, 12),
            location=series.location,
            series=series,
            dispute=local,
            quorum_number=50,
            quorum_percent=Decimal(10),
        )
        # Attendance grows through the fortnight, "over 200 people almost every day".
        if days_ago == 1:
            n = YESTERDAY_PRESENT
            yesterday = meeting
        else:
            n = 150 + (DAYS - days_ago) * 6 + ctx.rng.randint(-12, 12)
        people = ctx.rng.sample(active, min(n, len(active)))
        start = meeting.starts_at - dt.timedelta(minutes=15)
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                member=m,
                method=ctx.rng.choice(methods),
                checked_in_at=start + dt.timedelta(seconds=ctx.rng.randint(0, 1500)),
            )
            for m in people
        )
        actions.meeting_set_state(actor=None, meeting=meeting, state=MeetingState.CLOSED)
    assert yesterday is not None  # noqa: S101 - the loop always reaches days_ago == 1
    # Yesterday's vote was taken while the meeting sat; record it against that meeting.
    yesterday.state = MeetingState.OPEN
    yesterday.save(update_fields=["state"])
    motion = actions.motion_add(
        actor=None,
        meeting=yesterday,
        title="Strike on until there are no compulsory redundancies",
        text=(
            "This branch continues its strike and marking boycott until the university "
            "withdraws every compulsory redundancy."
        ),
        proposer="Branch committee",
    )
    vote = actions.vote_open(
        actor=None, meeting=yesterday, motion=motion, method=VoteMethod.SHOW_OF_HANDS
    )
    actions.vote_record_count(actor=None, vote=vote, for_=223, against=7, abstain=0)
    actions.meeting_set_state(actor=None, meeting=yesterday, state=MeetingState.CLOSED)

    today = actions.meeting_create(
        actor=None,
        branch=liverpool,
        kind=MeetingKind.MEMBERS,
        title=f"Daily members' meeting, {_at(0, 12):%a %-d %b}",
        mode=MeetingMode.HYBRID,
        starts_at=_at(0, 12),
        location=series.location,
        series=series,
        dispute=local,
        quorum_number=50,
        quorum_percent=Decimal(10),
    )
    actions.agenda_item_add(actor=None, meeting=today, title="Report from the negotiators")
    item = actions.agenda_item_add(actor=None, meeting=today, title="Picket rota for next week")
    today_motion = actions.motion_add(
        actor=None,
        meeting=today,
        agenda_item=item,
        title="Picket every campus entrance from 7am",
        text="Members staff every campus entrance from 7am on each strike day next week.",
        proposer="Picket coordinators",
    )
    actions.amendment_add(
        actor=None, motion=today_motion, text="Add: and the Health and Life Sciences building."
    )

    actions.channel_add(
        actor=None,
        branch=liverpool,
        name="Liverpool strike group chat",
        url="https://chat.example.org/join/liverpool-strike",
        kind=ChannelKind.GROUP_CHAT,
    )
    actions.channel_add(
        actor=None,
        branch=liverpool,
        name="Daily members' meeting online",
        url="https://meet.example.org/liverpool-daily",
        kind=ChannelKind.MEETING_LINK,
    )
    # Today's check-in links went out by text through messaging, each member their own.
    send = sending.links_send(
        actor=None,
        meeting=today,
        channel=Channel.SMS,
        template=sending.default_template(today),
        subject="",
        members=sending.recipients(today, Member.objects.all()),
    )
    ctx.out(
        f"  meetings: {DAYS} daily Liverpool meetings, yesterday {YESTERDAY_PRESENT} present, "
        f"223 for, 7 against; 2 organising channels; today's check-in links texted to "
        f"{send.queued_count} of {send.recipient_count}"
    )
    _delegate_meeting(ctx)


def _delegate_meeting(ctx: DemoContext) -> None:
    from mandate.disputes.models import Dispute, DisputeScope

    national = Dispute.objects.filter(scope=DisputeScope.NATIONAL).first()
    meeting = actions.meeting_create(
        actor=None,
        branch=None,
        kind=MeetingKind.DELEGATE,
        title="Delegate meeting of striking branches",
        mode=MeetingMode.ONLINE,
        starts_at=_at(0, 17),
        link="https://meet.example.org/national-delegates",
        dispute=national,
        weight_formula=WeightFormula.PROPORTIONAL,
        weight_per=100,
        quorum_percent=Decimal(50),
    )
    delegates = []
    for branch in ctx.branches:
        member = (
            Member.objects.filter(branch=branch, status=MemberStatus.ACTIVE).order_by("pk").first()
        )
        if member is None:
            continue
        delegates.append(
            actions.delegate_add(
                actor=None, meeting=meeting, branch=branch, name=member.full_name, member=member
            )
        )
    if len(delegates) < 3:
        return
    # The last branch could not send anyone; the one before holds its card by proxy.
    holder, absent = delegates[-2], delegates[-1]
    actions.proxy_assign(actor=None, holder=holder, absent=absent)
    actions.meeting_set_state(actor=None, meeting=meeting, state=MeetingState.OPEN)
    motion = actions.motion_add(
        actor=None,
        meeting=meeting,
        title="Escalate: a rolling programme of regional strikes from February",
        text="Striking branches call on the national executive to announce rolling regional "
        "strikes from February, with the strike fund paying from the first day.",
        proposer="University of Liverpool branch",
    )
    vote = actions.vote_open(
        actor=None,
        meeting=meeting,
        motion=motion,
        method=VoteMethod.CARD,
        rule=MajorityRule.TWO_THIRDS,
    )
    for n, d in enumerate(delegates[:-1]):
        cards = [d, absent] if d.pk == holder.pk else [d]
        for card in cards:
            w = card.weight
            if n % 4 == 3:  # a branch whose meeting split: its delegate splits the card
                f = (w * Decimal("0.6")).quantize(Decimal("0.01"))
                a = (w * Decimal("0.3")).quantize(Decimal("0.01"))
                split = (f, a, w - f - a)
            elif n == 5:
                split = (Decimal(0), w, Decimal(0))
            else:
                split = (w, Decimal(0), Decimal(0))
            actions.card_cast(
                vote=vote,
                holder=d,
                delegate=card,
                for_=split[0],
                against=split[1],
                abstain=split[2],
            )
    actions.vote_close(actor=None, vote=vote)
    vote.refresh_from_db()
    ctx.out(f"  delegate meeting: {len(delegates)} branches; card vote {vote.result_text}")
