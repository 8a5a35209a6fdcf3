"""Property tests for the date and threshold arithmetic (hypothesis)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from mandate.law import (
    action_notice_deadline,
    add_months,
    ballot_timetable,
    evaluate_ballot,
    meets_share,
    notice_in_time,
    percent,
    rulebook_for,
)

GB = rulebook_for("gb")
days = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def ballots(draw: st.DrawFn) -> tuple[int, int, int, int]:
    entitled = draw(st.integers(min_value=1, max_value=200_000))
    votes_cast = draw(st.integers(min_value=0, max_value=entitled))
    yes = draw(st.integers(min_value=0, max_value=votes_cast))
    no = draw(st.integers(min_value=0, max_value=votes_cast - yes))
    return entitled, votes_cast, yes, no


@given(ballots(), days)
def test_turnout_decision_equals_exact_fraction_comparison(
    counts: tuple[int, int, int, int], opens: dt.date
) -> None:
    entitled, votes_cast, yes, no = counts
    outcome = evaluate_ballot(
        GB,
        opens=opens,
        closes=opens + dt.timedelta(days=14),
        entitled=entitled,
        votes_cast=votes_cast,
        yes=yes,
        no=no,
    )
    if GB.regime_on(opens).code == "A":
        assert outcome.turnout_met is True
    else:
        assert outcome.turnout_met is (Fraction(votes_cast, entitled) >= Fraction(1, 2))
    assert outcome.majority_met is (yes > no)
    assert outcome.majority_other_reading_met is (2 * yes > votes_cast)
    assert outcome.mandate is (outcome.turnout_met and outcome.majority_met)


@given(ballots())
def test_ips_decision_equals_exact_fraction_comparison(counts: tuple[int, int, int, int]) -> None:
    entitled, votes_cast, yes, no = counts
    outcome = evaluate_ballot(
        GB,
        opens=dt.date(2024, 5, 1),
        closes=dt.date(2024, 5, 22),
        entitled=entitled,
        votes_cast=votes_cast,
        yes=yes,
        no=no,
        important_public_services=True,
    )
    assert outcome.ips_met is (Fraction(yes, entitled) >= Fraction(2, 5))


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_displayed_percent_never_exceeds_the_true_value(part: int, whole: int) -> None:
    assume(part <= whole)
    shown = Fraction(percent(part, whole).rstrip("%"))
    true = Fraction(part * 100, whole)
    assert shown <= true < shown + Fraction(1, 100)
    # So a share below a threshold can never display as the threshold.
    if not meets_share(part, whole, Fraction(1, 2)):
        assert shown < 50


@given(days, st.integers(min_value=0, max_value=21))
def test_mandate_last_day_is_after_closing_and_within_the_period(
    opens: dt.date, length: int
) -> None:
    closes = opens + dt.timedelta(days=length)
    mandate = ballot_timetable(GB, opens=opens, closes=closes).mandate
    assert mandate is not None
    rule = GB.rule("A-mandate", on=opens)
    assert mandate.last_day > closes
    if "months" in rule.params:
        months = rule.int_param("months")
        upper, _ = add_months(closes, months)
        assert mandate.last_day < upper
        lower, _ = add_months(closes, months - 1)
        assert mandate.last_day >= lower
        length = (mandate.last_day - closes).days + 1
        assert 28 * months - 1 <= length <= 31 * months
    else:
        assert (mandate.last_day - closes).days == 7 * rule.int_param("weeks") - 1


@given(days, st.booleans())
def test_notice_deadline_is_the_latest_day_in_time(first_action: dt.date, agreed: bool) -> None:
    deadline = action_notice_deadline(GB, first_action=first_action, by_agreement=agreed)
    assert deadline is not None
    assert notice_in_time(
        GB, received=deadline.date, first_action=first_action, by_agreement=agreed
    ).ok
    later = deadline.date + dt.timedelta(days=1)
    assert not notice_in_time(GB, received=later, first_action=first_action, by_agreement=agreed).ok


@given(days)
def test_notice_deadline_plus_n_days_is_the_first_day_within_a_regime(
    first_action: dt.date,
) -> None:
    deadline = action_notice_deadline(GB, first_action=first_action)
    assert deadline is not None
    rule = GB.rule("A-notice", on=deadline.date)
    n = rule.int_param("days")
    same_regime = GB.regime_on(first_action - dt.timedelta(days=n)).code == rule.regime
    if same_regime:
        assert deadline.date + dt.timedelta(days=n) == first_action
    else:
        assert deadline.date + dt.timedelta(days=n) <= first_action


@given(days, days)
def test_regime_selection_is_monotone_in_date(a: dt.date, b: dt.date) -> None:
    order = {"A": 0, "B": 1, "C": 2}
    early, late = sorted((a, b))
    assert order[GB.regime_on(early).code] <= order[GB.regime_on(late).code]


@given(days, st.integers(min_value=-400, max_value=400))
def test_add_months_keeps_the_day_or_clamps_to_month_end(day: dt.date, months: int) -> None:
    result, clamped = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    if clamped:
        assert result.day < day.day
        assert (result + dt.timedelta(days=1)).day == 1
    else:
        assert result.day == day.day
