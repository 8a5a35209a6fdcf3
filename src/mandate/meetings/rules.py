"""Majority, quorum and card-vote rules for meetings: plain Python, no Django.

Every comparison is done on exact rationals (``Fraction``): counts are integers for a show of
hands and ``Decimal`` card weights for a delegate meeting, and neither is ever turned into a float.
A threshold such as two-thirds is tested by cross-multiplying (``3 * for >= 2 * base``), so
"exactly two-thirds" carries and one vote fewer does not, whatever the size of the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from math import ceil

Number = int | Decimal


class RuleError(ValueError):
    """Counts or settings that no meeting could produce; the message says which."""


class MajorityRule(StrEnum):
    SIMPLE = "simple"
    ABSOLUTE_PRESENT = "absolute_present"
    ABSOLUTE_ENTITLED = "absolute_entitled"
    TWO_THIRDS = "two_thirds"
    THREE_QUARTERS = "three_quarters"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    MajorityRule.SIMPLE: "simple majority",
    MajorityRule.ABSOLUTE_PRESENT: "absolute majority of those present",
    MajorityRule.ABSOLUTE_ENTITLED: "absolute majority of those entitled to vote",
    MajorityRule.TWO_THIRDS: "two-thirds majority",
    MajorityRule.THREE_QUARTERS: "three-quarters majority",
}

# The share of the base that must vote for, and whether reaching it exactly is enough. A simple
# or absolute majority is "more than half"; two-thirds and three-quarters are "at least".
_THRESHOLDS: dict[MajorityRule, tuple[Fraction, bool]] = {
    MajorityRule.SIMPLE: (Fraction(1, 2), True),
    MajorityRule.ABSOLUTE_PRESENT: (Fraction(1, 2), True),
    MajorityRule.ABSOLUTE_ENTITLED: (Fraction(1, 2), True),
    MajorityRule.TWO_THIRDS: (Fraction(2, 3), False),
    MajorityRule.THREE_QUARTERS: (Fraction(3, 4), False),
}


@dataclass(frozen=True)
class Decision:
    carried: bool
    text: str
    base: Fraction  # what the threshold was measured against
    needed: str  # "more than 115" / "at least 154": what carrying needed, in people or weight


def fmt(value: Number | Fraction) -> str:
    """A count as a person reads it: 230, 1,234.5 (card weights keep their exact digits)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return f"{value.numerator:,}"
        return f"{Decimal(value.numerator) / Decimal(value.denominator):,.2f}"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.normalize():,f}"
    return f"{value:,}"


def _exact(value: Number, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RuleError(f"{name} must be a whole number or a decimal, not {value!r}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise RuleError(f"{name} must be a finite number.")
    if value < 0:
        raise RuleError(f"{name} cannot be negative ({fmt(value)}).")
    return Fraction(value)


def describe_rule(rule: MajorityRule, abstentions_count: bool) -> str:
    """The rule in words, with its abstention rule stated."""
    if rule in (MajorityRule.ABSOLUTE_PRESENT, MajorityRule.ABSOLUTE_ENTITLED):
        return f"{rule.label}; abstaining counts as not voting for"
    base = "votes cast including abstentions" if abstentions_count else "votes cast"
    tail = "abstentions counted" if abstentions_count else "abstentions not counted"
    return f"{rule.label} of {base}; {tail}"


def decide(
    rule: MajorityRule,
    for_: Number,
    against: Number,
    abstain: Number,
    present: Number,
    entitled: Number,
    abstentions_count: bool,
) -> Decision:
    """Whether a question carried under RULE, and the sentence that says so.

    ``present`` and ``entitled`` are people for a show of hands or a named vote, and card weight
    for a delegate meeting's card vote. Votes cast can never exceed those present.
    """
    f, a, ab = _exact(for_, "For"), _exact(against, "Against"), _exact(abstain, "Abstaining")
    p, e = _exact(present, "Present"), _exact(entitled, "Entitled")
    if p > e:
        raise RuleError(f"Present ({fmt(present)}) cannot exceed those entitled ({fmt(entitled)}).")
    if f + a + ab > p:
        raise RuleError(
            f"For, against and abstaining add up to {fmt(f + a + ab)}, "
            f"more than the {fmt(present)} present."
        )
    share, strict = _THRESHOLDS[rule]
    if rule is MajorityRule.ABSOLUTE_PRESENT:
        base = p
    elif rule is MajorityRule.ABSOLUTE_ENTITLED:
        base = e
    else:
        base = f + a + (ab if abstentions_count else 0)
    target = share * base
    # Nobody voting for never carries, even where the base is empty and "0 >= 0" would.
    carried = f > 0 and (f > target if strict else f >= target)
    needed = f"more than {fmt(target)}" if strict else f"at least {fmt(target)}"
    parts = [f"{fmt(present)} present", f"{fmt(for_)} for", f"{fmt(against)} against"]
    if ab:
        parts.append(f"{fmt(abstain)} abstaining")
    outcome = "carried" if carried else "not carried"
    text = f"{', '.join(parts)}: {outcome} ({describe_rule(rule, abstentions_count)})"
    return Decision(carried=carried, text=text, base=base, needed=needed)


# Quorum ---------------------------------------------------------------------------------------


class Combine(StrEnum):
    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class QuorumRule:
    """A fixed number, a share of members, or both with "whichever is lower/higher"."""

    number: int | None = None
    share: Fraction | None = None
    combine: Combine = Combine.LOWER

    def __post_init__(self) -> None:
        if self.number is not None and self.number < 0:
            raise RuleError("A quorum cannot be a negative number of people.")
        if self.share is not None and not 0 <= self.share <= 1:
            raise RuleError("A quorum share must be between 0% and 100% of members.")

    def required(self, members: int) -> int:
        """People needed for MEMBERS entitled to attend (a share rounds up: 10% of 45 is 5)."""
        options: list[int] = []
        if self.number is not None:
            options.append(self.number)
        if self.share is not None:
            options.append(ceil(self.share * members))
        if not options:
            return 0
        return min(options) if self.combine is Combine.LOWER else max(options)

    def describe(self) -> str:
        pieces: list[str] = []
        if self.share is not None:
            pieces.append(f"{fmt(Fraction(self.share * 100))}% of members")
        if self.number is not None:
            pieces.append(f"{self.number:,}")
        if not pieces:
            return "no quorum"
        if len(pieces) == 1:
            return pieces[0]
        return f"{pieces[0]} or {pieces[1]}, whichever is {self.combine.value}"


@dataclass(frozen=True)
class QuorumStatus:
    required: int
    present: int
    met: bool
    text: str


def quorum(rule: QuorumRule, present: int, members: int) -> QuorumStatus:
    """Whether PRESENT people make a quorum of a meeting open to MEMBERS."""
    if present < 0 or members < 0:
        raise RuleError("Attendance and membership cannot be negative.")
    need = rule.required(members)
    met = present >= need
    if rule.number is None and rule.share is None:
        return QuorumStatus(required=0, present=present, met=True, text="No quorum is set.")
    verdict = "quorate" if met else f"not quorate: {need - present:,} more needed"
    text = f"{present:,} present of {need:,} needed ({rule.describe()}): {verdict}"
    return QuorumStatus(required=need, present=present, met=met, text=text)


# Card votes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One delegate's card: their weight, divided across for, against and abstain."""

    weight: Decimal
    for_: Decimal
    against: Decimal
    abstain: Decimal

    def check(self, where: str = "card") -> None:
        for name, part in (
            ("for", self.for_),
            ("against", self.against),
            ("abstain", self.abstain),
        ):
            if not part.is_finite() or part < 0:
                raise RuleError(f"{where}: the {name} share cannot be negative.")
        total = self.for_ + self.against + self.abstain
        if total != self.weight:
            raise RuleError(
                f"{where}: for, against and abstain add up to {fmt(total)}; "
                f"they must add up exactly to the card's weight of {fmt(self.weight)}."
            )


@dataclass(frozen=True)
class CardTotals:
    for_: Decimal
    against: Decimal
    abstain: Decimal
    cards: int


def card_totals(cards: Iterable[Card]) -> CardTotals:
    """Add up cards exactly, refusing any card whose split does not sum to its weight."""
    f = a = ab = Decimal(0)
    n = 0
    for n, card in enumerate(cards, start=1):
        card.check(f"card {n}")
        f, a, ab = f + card.for_, a + card.against, ab + card.abstain
    return CardTotals(for_=f, against=a, abstain=ab, cards=n)


# Card weights ---------------------------------------------------------------------------------


class WeightFormula(StrEnum):
    ONE_PER_BRANCH = "one_per_branch"
    PROPORTIONAL = "proportional"
    MANUAL = "manual"


CENT = Decimal("0.01")


def branch_weight(formula: WeightFormula, active_members: int, per: int = 100) -> Decimal:
    """A branch's card weight: 1, or its active members / PER to 2 places, half rounding up.

    A proportional card is never below 0.01, so a branch that sends a delegate always has a say.
    Manual weights are set by hand and have no formula.
    """
    if formula is WeightFormula.ONE_PER_BRANCH:
        return Decimal(1)
    if formula is WeightFormula.MANUAL:
        raise RuleError("Manual weights are set per delegate, not computed.")
    if per <= 0:
        raise RuleError("Members per card unit must be a positive whole number.")
    if active_members < 0:
        raise RuleError("A branch cannot have a negative membership.")
    weight = (Decimal(active_members) / Decimal(per)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(weight, CENT)
