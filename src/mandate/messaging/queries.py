"""Reads for the messaging pages: a send's counts by state and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Min, Q

from mandate.messaging.models import Message, MessageState, Send, reason_label


@dataclass
class SendCounts:
    by_state: dict[str, int] = field(default_factory=dict)
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    deferred: int = 0
    next_due: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def outstanding(self) -> int:
        return self.by_state.get(MessageState.QUEUED, 0) + self.by_state.get(
            MessageState.SENDING, 0
        )


def send_counts(send: Send, now: datetime) -> SendCounts:
    """Counts of SEND's messages by state, and of skipped and failed ones by reason. 2 queries."""
    rows = (
        Message.objects.filter(send=send)
        .order_by()
        .values("state", "reason")
        .annotate(n=Count("pk"))
    )
    counts = SendCounts(by_state={state: 0 for state in MessageState.values})
    reasons: dict[str, int] = {}
    for row in rows:
        counts.by_state[row["state"]] += row["n"]
        if row["reason"]:
            label = reason_label(row["reason"], send.channel)
            reasons[label] = reasons.get(label, 0) + row["n"]
    counts.by_reason = sorted(reasons.items(), key=lambda item: -item[1])
    waiting = Message.objects.filter(
        send=send, state=MessageState.QUEUED, not_before__gt=now
    ).aggregate(n=Count("pk"), first=Min("not_before", filter=Q(not_before__gt=now)))
    counts.deferred = waiting["n"] or 0
    counts.next_due = waiting["first"]
    return counts
