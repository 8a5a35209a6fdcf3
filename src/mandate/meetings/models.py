"""Members' meetings, delegate meetings, their agendas, attendance, motions and votes.

A question (a motion or an amendment) is put to one ``MeetingVote``: a counted show of hands, a
named roll call, a secret electronic poll (through ``mandate.votes``) or, at a delegate meeting,
a card vote. Closing a vote freezes who was present and entitled at that moment
(OpenSlides' ``entitled_users_at_stop``), so later check-ins cannot change a recorded result.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.models import Branch
from mandate.meetings.rules import Combine, MajorityRule, QuorumRule, WeightFormula


def _nonce() -> str:
    return secrets.token_urlsafe(9)


class MeetingKind(models.TextChoices):
    MEMBERS = "members", "Members' meeting"
    DELEGATE = "delegate", "Delegate meeting"


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid"


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "In progress"
    CLOSED = "closed", "Closed"


class MeetingSeries(models.Model):
    """A recurring meeting, such as the daily members' meeting on strike days."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="meeting_series")
    title = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=MeetingMode.choices, default=MeetingMode.HYBRID)
    location = models.CharField(max_length=200, blank=True)
    link = models.URLField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    # A branch meeting has a branch; a national delegate meeting has none.
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="meetings"
    )
    dispute = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.SET_NULL
    )
    series = models.ForeignKey(
        MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    title = models.CharField(max_length=200)
    mode = models.CharField(max_length=10, choices=MeetingMode.choices)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    link = models.URLField(blank=True, help_text="The online meeting's address.")
    quorum_number = models.PositiveIntegerField(null=True, blank=True)
    quorum_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    quorum_combine = models.CharField(
        max_length=6,
        choices=[(c.value, f"whichever is {c.value}") for c in Combine],
        default=Combine.LOWER.value,
    )
    weight_formula = models.CharField(
        max_length=20,
        choices=[
            (WeightFormula.ONE_PER_BRANCH.value, "One card per branch"),
            (WeightFormula.PROPORTIONAL.value, "Proportional to active membership"),
            (WeightFormula.MANUAL.value, "Set by hand"),
        ],
        default=WeightFormula.PROPORTIONAL.value,
    )
    weight_per = models.PositiveIntegerField(
        default=100, help_text="Active members per unit of card weight (proportional cards)."
    )
    state = models.CharField(
        max_length=10, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    # Part of the QR code's signed token: a new nonce revokes every printed code.
    checkin_nonce = models.CharField(max_length=20, default=_nonce)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["branch", "-starts_at"], name="meeting_branch_start")]
        constraints = [
            models.CheckConstraint(
                name="meeting_members_has_branch",
                condition=models.Q(kind="delegate") | models.Q(branch__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_delegate(self) -> bool:
        return self.kind == MeetingKind.DELEGATE

    @property
    def quorum_rule(self) -> QuorumRule:
        share = Fraction(self.quorum_percent) / 100 if self.quorum_percent is not None else None
        return QuorumRule(
            number=self.quorum_number, share=share, combine=Combine(self.quorum_combine)
        )


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Delegate(models.Model):
    """A branch's delegate to a delegate meeting, carrying the branch's card weight."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="delegates")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    weight = models.DecimalField(max_digits=12, decimal_places=2)
    # The delegate whose card this one holds by proxy (an absent branch's).
    proxy_for = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="proxy_holder"
    )
    # Part of the delegate's personal link: a new nonce revokes the link.
    nonce = models.CharField(max_length=20, default=_nonce)

    class Meta:
        ordering = ["branch__name", "name", "id"]
        constraints = [
            models.CheckConstraint(
                name="delegate_weight_positive", condition=models.Q(weight__gt=0)
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.branch})"


class CheckInMethod(models.TextChoices):
    LINK = "link", "Personal link"
    QR = "qr", "QR code"
    STEWARD = "steward", "Steward"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    delegate = models.ForeignKey(
        Delegate, null=True, blank=True, on_delete=models.CASCADE, related_name="attendance"
    )
    checked_in_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, choices=CheckInMethod.choices)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["checked_in_at", "id"]
        constraints = [
            # The database, not a read-then-write, makes a double tap one attendance.
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=models.Q(member__isnull=False),
                name="attendance_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["meeting", "delegate"],
                condition=models.Q(delegate__isnull=False),
                name="attendance_once_per_delegate",
            ),
            models.CheckConstraint(
                name="attendance_one_attendee",
                condition=models.Q(member__isnull=False, delegate__isnull=True)
                | models.Q(member__isnull=True, delegate__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance {self.pk} at meeting {self.meeting_id}"


class QuestionState(models.TextChoices):
    PENDING = "pending", "Not yet decided"
    CARRIED = "carried", "Carried"
    LOST = "lost", "Not carried"
    WITHDRAWN = "withdrawn", "Withdrawn"


DECIDED = (QuestionState.CARRIED, QuestionState.LOST, QuestionState.WITHDRAWN)


class Motion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="motions"
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    proposer = models.CharField(max_length=200, blank=True, help_text="e.g. Branch committee")
    state = models.CharField(
        max_length=10, choices=QuestionState.choices, default=QuestionState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Amendment(models.Model):
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="amendments")
    text = models.TextField()
    proposer = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=QuestionState.choices, default=QuestionState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to motion {self.motion_id}"


class VoteMethod(models.TextChoices):
    SHOW_OF_HANDS = "show_of_hands", "Counted show of hands"
    NAMED = "named", "Named vote (roll call)"
    SECRET = "secret", "Secret electronic vote"
    CARD = "card", "Card vote"


class VoteState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Choice(models.TextChoices):
    FOR = "for", "For"
    AGAINST = "against", "Against"
    ABSTAIN = "abstain", "Abstain"


class MeetingVote(models.Model):
    """The vote on one question: a motion or one of its amendments."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    motion = models.OneToOneField(
        Motion, null=True, blank=True, on_delete=models.CASCADE, related_name="vote"
    )
    amendment = models.OneToOneField(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="vote"
    )
    method = models.CharField(max_length=15, choices=VoteMethod.choices)
    rule = models.CharField(
        max_length=20,
        choices=[(r.value, r.label.capitalize()) for r in MajorityRule],
        default=MajorityRule.SIMPLE.value,
    )
    abstentions_count = models.BooleanField(
        default=False, help_text="Count abstentions in the base the majority is measured against."
    )
    state = models.CharField(max_length=10, choices=VoteState.choices, default=VoteState.OPEN)
    # People for a show of hands, named or secret vote; card weight for a card vote.
    votes_for = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    votes_against = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    votes_abstain = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    present = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    entitled = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    # Who was present and entitled when the vote closed: attendance (or delegate) ids and, for
    # card votes, their weights. Never changes after close.
    entitled_snapshot = models.JSONField(default=list, blank=True)
    carried = models.BooleanField(null=True)
    result_text = models.CharField(max_length=300, blank=True)
    poll_ref = models.CharField(
        max_length=64, blank=True, help_text="The secret poll in mandate.votes, if any."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="meetingvote_one_question",
                condition=models.Q(motion__isnull=False, amendment__isnull=True)
                | models.Q(motion__isnull=True, amendment__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Vote {self.pk} ({self.get_method_display()})"

    @property
    def majority_rule(self) -> MajorityRule:
        return MajorityRule(self.rule)

    @property
    def question_title(self) -> str:
        if self.motion is not None:
            return self.motion.title
        assert self.amendment is not None  # noqa: S101 - the check constraint guarantees it
        return f"Amendment to {self.amendment.motion.title}"


class NamedVote(models.Model):
    vote = models.ForeignKey(MeetingVote, on_delete=models.CASCADE, related_name="named")
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "attendance"], name="namedvote_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} on vote {self.vote_id}"


_SPLIT = models.F("weight_for") + models.F("weight_against") + models.F("weight_abstain")
_HALF_CENT = models.Value(Decimal("0.005"))


class CardVote(models.Model):
    """One delegate's card, split across for, against and abstain (summing to its weight)."""

    vote = models.ForeignKey(MeetingVote, on_delete=models.CASCADE, related_name="cards")
    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="cards")
    # The weight at the moment of casting: a later change to the delegate's weight does not
    # silently change a cast card.
    weight = models.DecimalField(max_digits=12, decimal_places=2)
    weight_for = models.DecimalField(max_digits=12, decimal_places=2)
    weight_against = models.DecimalField(max_digits=12, decimal_places=2)
    weight_abstain = models.DecimalField(max_digits=12, decimal_places=2)
    cast_by = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="+")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "delegate"], name="cardvote_once"),
            # A backstop only: the split is checked exactly in Decimal before it is written.
            # SQLite keeps decimals as floating point, where 0.01 + 0.40 is not 0.41, so the
            # database allows a sub-cent rounding difference that two-place splits cannot make.
            models.CheckConstraint(
                name="cardvote_split_sums_to_weight",
                condition=models.Q(weight_for__gte=0, weight_against__gte=0, weight_abstain__gte=0)
                & models.Q(weight__gt=_SPLIT - _HALF_CENT)
                & models.Q(weight__lt=_SPLIT + _HALF_CENT),
            ),
        ]

    def __str__(self) -> str:
        return f"Card of delegate {self.delegate_id} on vote {self.vote_id}"


class ChannelKind(models.TextChoices):
    GROUP_CHAT = "group_chat", "Group chat"
    MEETING_LINK = "meeting_link", "Online meeting link"
    OTHER = "other", "Other"


class OrganisingChannel(models.Model):
    """A branch's group chat or standing meeting link: shown to the branch's own people only."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=200)
    url = models.URLField()
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name
