"""Majority, quorum and card-vote rules at plus and minus one vote around every threshold."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.meetings.rules import (
    Card,
    Combine,
    MajorityRule,
    QuorumRule,
    RuleError,
    WeightFormula,
    branch_weight,
    card_totals,
    decide,
    quorum,
)

R = MajorityRule


@pytest.mark.parametrize(
    ("rule", "for_", "against", "abstain", "present", "entitled", "carried"),
    [
        # simple majority of votes cast: for > against
        (R.SIMPLE, 51, 50, 0, 101, 300, True),
        (R.SIMPLE, 50, 50, 0, 100, 300, False),
        (R.SIMPLE, 49, 50, 0, 99, 300, False),
        # absolute majority of those present (230): more than 115
        (R.ABSOLUTE_PRESENT, 116, 10, 0, 230, 500, True),
        (R.ABSOLUTE_PRESENT, 115, 10, 0, 230, 500, False),
        (R.ABSOLUTE_PRESENT, 114, 0, 0, 230, 500, False),
        # absolute majority of those entitled (500): more than 250
        (R.ABSOLUTE_ENTITLED, 251, 0, 0, 300, 500, True),
        (R.ABSOLUTE_ENTITLED, 250, 0, 0, 300, 500, False),
        (R.ABSOLUTE_ENTITLED, 249, 0, 0, 300, 500, False),
        # two-thirds of 30 cast is 20: exactly 20 carries
        (R.TWO_THIRDS, 21, 9, 0, 30, 30, True),
        (R.TWO_THIRDS, 20, 10, 0, 30, 30, True),
        (R.TWO_THIRDS, 19, 11, 0, 30, 30, False),
        # three-quarters of 100 cast is 75
        (R.THREE_QUARTERS, 76, 24, 0, 100, 100, True),
        (R.THREE_QUARTERS, 75, 25, 0, 100, 100, True),
        (R.THREE_QUARTERS, 74, 26, 0, 100, 100, False),
    ],
)
def test_majority_thresholds_plus_minus_one(
    rule: MajorityRule,
    for_: int,
    against: int,
    abstain: int,
    present: int,
    entitled: int,
    carried: bool,
) -> None:
    assert decide(rule, for_, against, abstain, present, entitled, False).carried is carried


def test_liverpool_sentence() -> None:
    d = decide(R.SIMPLE, 223, 7, 0, 230, 1200, False)
    assert d.carried
    assert d.text == (
        "230 present, 223 for, 7 against: carried "
        "(simple majority of votes cast; abstentions not counted)"
    )


def test_abstention_rule_both_ways_simple() -> None:
    not_counted = decide(R.SIMPLE, 10, 8, 5, 23, 23, False)
    counted = decide(R.SIMPLE, 10, 8, 5, 23, 23, True)
    assert not_counted.carried and not counted.carried
    assert "abstentions counted" in counted.text and "5 abstaining" in counted.text
    # 12 of 23 is more than half of everything cast including abstentions; 11 is not
    assert decide(R.SIMPLE, 12, 6, 5, 23, 23, True).carried
    assert not decide(R.SIMPLE, 11, 7, 5, 23, 23, True).carried


def test_abstention_rule_both_ways_two_thirds() -> None:
    # 20 for, 10 against, 3 abstain: two-thirds of 30 cast, but not of 33
    assert decide(R.TWO_THIRDS, 20, 10, 3, 33, 33, False).carried
    assert not decide(R.TWO_THIRDS, 20, 10, 3, 33, 33, True).carried
    assert decide(R.TWO_THIRDS, 22, 8, 3, 33, 33, True).carried
    assert not decide(R.TWO_THIRDS, 21, 9, 3, 33, 33, True).carried


def test_nobody_voting_never_carries() -> None:
    assert not decide(R.TWO_THIRDS, 0, 0, 0, 10, 10, False).carried
    assert not decide(R.SIMPLE, 0, 0, 4, 10, 10, False).carried


def test_counts_cannot_exceed_present() -> None:
    with pytest.raises(RuleError, match="more than the 230 present"):
        decide(R.SIMPLE, 224, 7, 0, 230, 300, False)
    with pytest.raises(RuleError, match="cannot be negative"):
        decide(R.SIMPLE, -1, 7, 0, 230, 300, False)
    with pytest.raises(RuleError, match="cannot exceed those entitled"):
        decide(R.SIMPLE, 1, 0, 0, 10, 9, False)


@given(
    st.integers(0, 2000),
    st.integers(0, 2000),
    st.integers(0, 2000),
    st.integers(0, 100),
    st.booleans(),
)
def test_decide_matches_integer_reference(
    f: int, a: int, ab: int, extra: int, counted: bool
) -> None:
    present = f + a + ab + extra
    cast = f + a + (ab if counted else 0)
    expected = {
        R.SIMPLE: 2 * f > cast,
        R.ABSOLUTE_PRESENT: 2 * f > present,
        R.ABSOLUTE_ENTITLED: 2 * f > present + extra,
        R.TWO_THIRDS: f > 0 and 3 * f >= 2 * cast,
        R.THREE_QUARTERS: f > 0 and 4 * f >= 3 * cast,
    }
    for rule, want in expected.items():
        got = decide(rule, f, a, ab, present, present + extra, counted)
        assert got.carried is want, rule
        assert got.text.endswith(")") and ("not carried" in got.text) is not want


@pytest.mark.parametrize(
    ("members", "present", "met"),
    [
        (300, 29, False),  # 10% of 300 = 30, lower than 50
        (300, 30, True),
        (300, 31, True),
        (1000, 49, False),  # 10% of 1000 = 100, so 50 is lower
        (1000, 50, True),
        (45, 4, False),  # 10% of 45 = 4.5, rounded up to 5 people
        (45, 5, True),
    ],
)
def test_quorum_ten_percent_or_fifty_whichever_lower(members: int, present: int, met: bool) -> None:
    rule = QuorumRule(number=50, share=Fraction(1, 10), combine=Combine.LOWER)
    status = quorum(rule, present, members)
    assert status.met is met
    assert "10% of members or 50, whichever is lower" in status.text


@pytest.mark.parametrize(("present", "met"), [(99, False), (100, True), (101, True)])
def test_quorum_whichever_higher(present: int, met: bool) -> None:
    rule = QuorumRule(number=50, share=Fraction(1, 10), combine=Combine.HIGHER)
    assert quorum(rule, present, 1000).met is met


@pytest.mark.parametrize(("present", "met"), [(24, False), (25, True)])
def test_quorum_fixed_number(present: int, met: bool) -> None:
    assert quorum(QuorumRule(number=25), present, 5000).met is met


def test_no_quorum_rule_is_always_met() -> None:
    assert quorum(QuorumRule(), 0, 100).met


def test_weighted_card_vote_decides_exactly() -> None:
    # two-thirds of 30.00 weight cast is exactly 20.00
    d = decide(
        R.TWO_THIRDS,
        Decimal("20.00"),
        Decimal("10.00"),
        Decimal(0),
        Decimal("30.00"),
        Decimal("30.00"),
        False,
    )
    assert d.carried
    d = decide(
        R.TWO_THIRDS,
        Decimal("19.99"),
        Decimal("10.01"),
        Decimal(0),
        Decimal("30.00"),
        Decimal("30.00"),
        False,
    )
    assert not d.carried
    assert "19.99 for" in d.text


def test_card_split_must_sum_to_weight() -> None:
    with pytest.raises(RuleError, match="card 2: .*exactly to the card's weight of 2.5"):
        card_totals(
            [
                Card(Decimal("1"), Decimal("1"), Decimal(0), Decimal(0)),
                Card(Decimal("2.5"), Decimal("1"), Decimal("1"), Decimal("0.49")),
            ]
        )
    with pytest.raises(RuleError, match="negative"):
        card_totals([Card(Decimal("1"), Decimal("2"), Decimal("-1"), Decimal(0))])


cents = st.integers(min_value=1, max_value=5_000_00)


@given(st.lists(st.tuples(cents, st.integers(0, 100), st.integers(0, 100)), max_size=60))
def test_card_totals_equal_reference_sum(rows: list[tuple[int, int, int]]) -> None:
    cards, ref_for, ref_against, ref_abstain = [], 0, 0, 0
    for weight_cents, p, q in rows:
        # split the weight in whole cents: a share for, a share of the rest against
        f = weight_cents * p // 100
        a = (weight_cents - f) * q // 100
        ab = weight_cents - f - a
        ref_for, ref_against, ref_abstain = ref_for + f, ref_against + a, ref_abstain + ab
        cards.append(
            Card(
                Decimal(weight_cents).scaleb(-2),
                Decimal(f).scaleb(-2),
                Decimal(a).scaleb(-2),
                Decimal(ab).scaleb(-2),
            )
        )
    totals = card_totals(cards)
    assert totals.for_ * 100 == ref_for
    assert totals.against * 100 == ref_against
    assert totals.abstain * 100 == ref_abstain
    assert totals.cards == len(rows)


@pytest.mark.parametrize(
    ("members", "weight"),
    [(1234, "12.34"), (1235, "12.35"), (50, "0.50"), (0, "0.01"), (2094, "20.94"), (5, "0.05")],
)
def test_proportional_weight(members: int, weight: str) -> None:
    assert branch_weight(WeightFormula.PROPORTIONAL, members) == Decimal(weight)


def test_proportional_weight_rounds_half_up() -> None:
    assert branch_weight(WeightFormula.PROPORTIONAL, 1, per=200) == Decimal("0.01")  # 0.005
    assert branch_weight(WeightFormula.PROPORTIONAL, 25, per=1000) == Decimal("0.03")  # 0.025
    assert branch_weight(WeightFormula.ONE_PER_BRANCH, 9999) == Decimal(1)
    with pytest.raises(RuleError):
        branch_weight(WeightFormula.MANUAL, 10)
