"""Reads shared by the meeting pages, the demo and the benchmark."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from mandate.core.models import Branch
from mandate.meetings.actions import entitled_count, present_count, present_weight
from mandate.meetings.charts import AttendancePoint
from mandate.meetings.models import (
    Amendment,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingVote,
    Motion,
)
from mandate.meetings.rules import QuorumStatus, fmt, quorum
from mandate.members.models import MemberStatus


@dataclass(frozen=True)
class Summary:
    present: int
    entitled: int
    quorum: QuorumStatus
    weight_present: Decimal | None
    weight_entitled: Decimal | None

    @property
    def weight_text(self) -> str:
        if self.weight_present is None or self.weight_entitled is None:
            return ""
        return f"card weight present {fmt(self.weight_present)} of {fmt(self.weight_entitled)}"


def summary(meeting: Meeting) -> Summary:
    present, entitled = present_count(meeting), entitled_count(meeting)
    wp = we = None
    if meeting.kind == MeetingKind.DELEGATE:
        wp, we, _ = present_weight(meeting)
    return Summary(
        present=present,
        entitled=entitled,
        quorum=quorum(meeting.quorum_rule, present, entitled),
        weight_present=wp,
        weight_entitled=we,
    )


def motions_with_votes(meeting: Meeting) -> QuerySet[Motion]:
    """The meeting's motions with their amendments and every vote, in a fixed number of queries."""
    return meeting.motions.select_related("agenda_item", "vote").prefetch_related(
        Prefetch("amendments", queryset=Amendment.objects.select_related("vote"))
    )


def open_votes(meeting: Meeting) -> QuerySet[MeetingVote]:
    return meeting.votes.filter(state="open").select_related(
        "motion", "amendment", "amendment__motion"
    )


def meetings_of(branch: Branch | None) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(branch=branch).select_related("series")
    return qs.annotate(
        present=Count("attendance", filter=Q(attendance__isnull=False), distinct=True)
    )


def upcoming_and_past(qs: QuerySet[Meeting]) -> tuple[list[Meeting], list[Meeting]]:
    now = timezone.now()
    soon = list(qs.filter(starts_at__gte=now - dt.timedelta(hours=6)).order_by("starts_at"))
    past = list(qs.filter(starts_at__lt=now - dt.timedelta(hours=6)).order_by("-starts_at"))
    return soon[:50], past[:50]


def series_attendance(series: MeetingSeries) -> list[AttendancePoint]:
    """Each occurrence's attendance (active members checked in), oldest first; meetings yet to
    start are left out, so today's empty room does not read as a collapse."""
    rows = (
        series.meetings.filter(starts_at__lte=timezone.now())
        .annotate(
            n=Count(
                "attendance",
                filter=Q(attendance__member__status=MemberStatus.ACTIVE),
            )
        )
        .order_by("starts_at")
        .values_list("pk", "starts_at", "n")
    )
    return [
        AttendancePoint(day=timezone.localtime(at).date(), present=n, meeting_id=pk)
        for pk, at, n in rows
    ]
