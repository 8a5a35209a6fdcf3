"""Get the Vote Out: what members tell the union about their ballot papers.

The union never sees who voted (the scrutineer runs a secret postal ballot); it only knows what
members say. ``ContactStatus`` holds each member's current answer for one ballot (one row per
member, so turnout tables aggregate 120,000 rows, never a million events); ``ContactEvent`` is
the append-only history every answer was drawn from.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.ballots.models import Ballot, Constituency
from mandate.members.models import Member


class Status(models.TextChoices):
    UNKNOWN = "unknown", "Not heard from"
    SAYS_VOTED = "says_voted", "Says they voted"
    WILL_VOTE = "will_vote", "Will vote"
    NOT_ARRIVED = "not_arrived", "Paper not arrived"
    REPLACEMENT_REQUESTED = "replacement", "Replacement paper requested"
    UNDECIDED = "undecided", "Undecided"
    WONT_VOTE = "wont_vote", "Will not vote"
    DONT_CONTACT = "dont_contact", "Asked not to be contacted about this ballot"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    MOVED = "moved", "Moved away"


# Answers that say something about whether the member has voted: the "contacted" sample the
# projection learns from. A refusal to talk, a wrong number or no answer says nothing.
CONTACTED = frozenset(
    {
        Status.SAYS_VOTED,
        Status.WILL_VOTE,
        Status.NOT_ARRIVED,
        Status.REPLACEMENT_REQUESTED,
        Status.UNDECIDED,
        Status.WONT_VOTE,
    }
)


class Source(models.TextChoices):
    SELF_REPORT = "self_report", "The member themselves"
    REP = "rep", "A rep"
    CALLER = "caller", "A phone-bank caller"
    OFFICER = "officer", "A branch officer"
    TEXT_REPLY = "text_reply", "A text reply"
    OTHER = "other", "Other"


# How much each source is believed. A member's own word outranks anyone reporting it for them;
# a parsed text reply or a note from elsewhere is the weakest.
STRENGTH: dict[str, int] = {
    Source.SELF_REPORT: 3,
    Source.REP: 2,
    Source.CALLER: 2,
    Source.OFFICER: 2,
    Source.TEXT_REPLY: 1,
    Source.OTHER: 1,
}


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class ContactStatus(models.Model):
    """One member's current GTVO answer for one ballot, with where it came from and when."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="gtvo_statuses")
    # Copied from the frozen electorate so turnout tables group one table, without a join.
    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.UNKNOWN)
    source = models.CharField(max_length=15, choices=Source.choices, blank=True)
    strength = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField(null=True, blank=True)
    says_voted = models.BooleanField(default=False)
    contacted = models.BooleanField(default=False)
    # Part of the member's personal link: changing it revokes every link sent so far.
    nonce = models.CharField(max_length=32, default=_nonce)
    # When an officer last revoked the member's link (a forwarded or lost message).
    link_revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="gtvo_status_unique")
        ]
        indexes = [
            models.Index(
                fields=["ballot", "constituency", "says_voted", "contacted"],
                name="gtvo_status_tally",
            )
        ]
        verbose_name_plural = "contact statuses"

    def __str__(self) -> str:
        return f"Contact status {self.pk}: {self.status}"

    def set_from(self, status: str, source: str, at: dt.datetime) -> None:
        self.status = status
        self.source = source
        self.strength = STRENGTH[source]
        self.at = at
        self.says_voted = status == Status.SAYS_VOTED
        self.contacted = status in CONTACTED


class ContactEvent(models.Model):
    """One report about a member's ballot paper, kept whether or not it changed the status."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="gtvo_events")
    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=15, choices=Status.choices)
    source = models.CharField(max_length=15, choices=Source.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A rep's or caller's short note; members' own words are never stored here.
    note = models.CharField(max_length=200, blank=True)
    # False when a stronger source had already said otherwise.
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["ballot", "member", "-at"], name="gtvo_event_member"),
        ]

    def __str__(self) -> str:
        return f"Contact event {self.pk}: {self.status} ({self.source})"


class ReplacementRequest(models.Model):
    """A member's request for a replacement voting paper, with the home address it goes to."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # The address as confirmed at the time: the scrutineer posts the paper there (V-post).
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "member"],
                condition=models.Q(exported_at__isnull=True),
                name="gtvo_one_pending_replacement",
            )
        ]

    def __str__(self) -> str:
        return f"Replacement request {self.pk}"


class TurnoutSnapshot(models.Model):
    """A constituency's counts at the end of one day, for the trend chart."""

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="gtvo_snapshots"
    )
    day = models.DateField()
    entitled = models.PositiveIntegerField()
    says_voted = models.PositiveIntegerField()
    contacted = models.PositiveIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "day"], name="gtvo_snapshot_daily")
        ]

    def __str__(self) -> str:
        return f"Snapshot {self.day}: {self.says_voted}/{self.entitled}"


# Defaults used until an officer saves the ballot's GTVO settings (see docs/get-the-vote-out.md).
DEFAULT_POSTING_LEAD_DAYS = 3
DEFAULT_PRIOR_TURNOUT_PERCENT = 45
DEFAULT_PRIOR_STRENGTH = 50
DEFAULT_LINK_GRACE_DAYS = 7
DEFAULT_REPLACEMENT_OPENS_AFTER = 5  # days after the papers go out
DEFAULT_REPLACEMENT_CLOSES_BEFORE = 5  # days before the close


class GtvoSettings(models.Model):
    """A ballot's GTVO settings: the replacement window, posting lead time, prior, link life."""

    ballot = models.OneToOneField(Ballot, on_delete=models.CASCADE, related_name="gtvo_settings")
    replacement_opens = models.DateField(null=True, blank=True)
    replacement_closes = models.DateField(null=True, blank=True)
    posting_lead_days = models.PositiveSmallIntegerField(default=DEFAULT_POSTING_LEAD_DAYS)
    prior_turnout_percent = models.PositiveSmallIntegerField(default=DEFAULT_PRIOR_TURNOUT_PERCENT)
    prior_strength = models.PositiveSmallIntegerField(default=DEFAULT_PRIOR_STRENGTH)
    link_grace_days = models.PositiveSmallIntegerField(default=DEFAULT_LINK_GRACE_DAYS)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "GTVO settings"
        constraints = [
            models.CheckConstraint(
                name="gtvo_prior_percent_range",
                condition=models.Q(prior_turnout_percent__gte=1, prior_turnout_percent__lte=99),
            ),
            models.CheckConstraint(
                name="gtvo_replacement_window_order",
                condition=models.Q(replacement_opens__isnull=True)
                | models.Q(replacement_closes__isnull=True)
                | models.Q(replacement_closes__gte=models.F("replacement_opens")),
            ),
        ]

    def __str__(self) -> str:
        return f"GTVO settings for ballot {self.ballot_id}"

    @classmethod
    def for_ballot(cls, ballot: Ballot) -> GtvoSettings:
        """The saved settings, or unsaved defaults (reading never writes)."""
        found = cls.objects.filter(ballot=ballot).first()
        return found if found is not None else cls(ballot=ballot)

    @property
    def window_opens(self) -> dt.date:
        return self.replacement_opens or self.ballot.opens + dt.timedelta(
            days=DEFAULT_REPLACEMENT_OPENS_AFTER
        )

    @property
    def window_closes(self) -> dt.date:
        return self.replacement_closes or self.ballot.closes - dt.timedelta(
            days=DEFAULT_REPLACEMENT_CLOSES_BEFORE
        )

    def replacement_open_on(self, day: dt.date) -> bool:
        return self.window_opens <= day <= self.window_closes

    @property
    def link_expires(self) -> dt.date:
        return self.ballot.closes + dt.timedelta(days=self.link_grace_days)
