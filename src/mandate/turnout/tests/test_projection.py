"""Projection arithmetic: property tests and table tests (T-turnout, s226(2)(a)(iia))."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.turnout.projection import (
    Prior,
    beta_binomial_quantiles,
    last_safe_posting_day,
    project,
    votes_to_meet,
)

HALF = Fraction(1, 2)


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int, int]:
    n_total = draw(st.integers(min_value=1, max_value=4000))
    n = draw(st.integers(min_value=0, max_value=n_total))
    k = draw(st.integers(min_value=0, max_value=n))
    return n_total, n, k


priors = st.builds(
    Prior.from_turnout,
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1, max_value=500),
)


@settings(max_examples=300, deadline=None)
@given(counts(), priors)
def test_band_contains_estimate_and_estimate_is_bounded(
    c: tuple[int, int, int], prior: Prior
) -> None:
    n_total, n, k = c
    p = project(entitled=n_total, said_voted=k, contacted=n, prior=prior, threshold=HALF)
    assert p.low_votes <= p.expected_votes <= p.high_votes
    # At least those who said they voted, at most everyone not known to have failed to.
    assert k <= p.expected_votes <= k + n_total - n
    assert k <= p.low_votes and p.high_votes <= k + n_total - n


@settings(max_examples=300, deadline=None)
@given(counts(), priors)
def test_needed_is_zero_exactly_when_half_said_voted(c: tuple[int, int, int], prior: Prior) -> None:
    n_total, n, k = c
    p = project(entitled=n_total, said_voted=k, contacted=n, prior=prior, threshold=HALF)
    assert (p.needed == 0) == (2 * k >= n_total)
    assert p.needed == max(0, math.ceil(n_total / 2) - k)


@settings(max_examples=200, deadline=None)
@given(counts(), priors)
def test_status_matches_band(c: tuple[int, int, int], prior: Prior) -> None:
    n_total, n, k = c
    p = project(entitled=n_total, said_voted=k, contacted=n, prior=prior, threshold=HALF)
    if 2 * p.low_votes >= n_total:
        assert p.status == "green"
    elif 2 * p.high_votes < n_total:
        assert p.status == "red"
    else:
        assert p.status == "amber"


def _brute_quantiles(m: int, a: float, b: float, probs: tuple[float, ...]) -> list[int]:
    def log_pmf(x: int) -> float:
        return (
            math.lgamma(m + 1)
            - math.lgamma(x + 1)
            - math.lgamma(m - x + 1)
            + math.lgamma(x + a)
            + math.lgamma(m - x + b)
            - math.lgamma(m + a + b)
            - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
        )

    pmf = [math.exp(log_pmf(x)) for x in range(m + 1)]
    out = []
    for p in probs:
        running = 0.0
        for x, v in enumerate(pmf):
            running += v
            if running >= p * (1 - 1e-12):
                out.append(x)
                break
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=300),
    st.floats(min_value=0.2, max_value=200),
    st.floats(min_value=0.2, max_value=200),
)
def test_quantiles_match_the_exact_distribution(m: int, a: float, b: float) -> None:
    probs = (0.1, 0.5, 0.9)
    fast = beta_binomial_quantiles(m, a, b, probs)
    slow = tuple(_brute_quantiles(m, a, b, probs)) if m else (0, 0, 0)
    # Floating sums may land a boundary one step apart; never more.
    assert all(abs(f - s) <= 1 for f, s in zip(fast, slow, strict=True))


def test_worked_example() -> None:
    # 1,000 entitled, 400 contacted, 300 say voted; prior 45% worth 50 members.
    p = project(
        entitled=1000,
        said_voted=300,
        contacted=400,
        prior=Prior.from_turnout(45, 50),
        threshold=HALF,
    )
    posterior_mean = (22.5 + 300) / (50 + 400)
    assert p.expected_votes == pytest.approx(300 + 600 * posterior_mean)
    assert p.needed == 200
    assert p.status == "green"  # about 73% expected, band well clear of 50%


def test_manchester_half_is_not_half() -> None:
    # 1,046 of 2,094 said voted and everyone answered: 49.95%, so red and 1 vote short.
    p = project(
        entitled=2094,
        said_voted=1046,
        contacted=2094,
        prior=Prior.from_turnout(45, 50),
        threshold=HALF,
    )
    assert (p.low_votes, p.high_votes, p.needed, p.status) == (1046, 1046, 1, "red")


def test_no_threshold_in_northern_ireland() -> None:
    p = project(entitled=10, said_voted=1, contacted=2, prior=Prior(5, 5), threshold=None)
    assert p.status == "none" and p.needed == 0


def test_votes_to_meet() -> None:
    assert votes_to_meet(2094, HALF) == 1047
    assert votes_to_meet(7, HALF) == 4
    assert votes_to_meet(10, Fraction(2, 5)) == 4


# Posting: closing date minus the lead time in working days, per nation's bank holidays.
POSTING = [
    # Closing Tuesday 7 April 2026, after Easter Monday (6th) and Good Friday (3rd), England.
    (dt.date(2026, 4, 7), 3, "england", dt.date(2026, 3, 31)),
    (dt.date(2026, 4, 7), 1, "england", dt.date(2026, 4, 2)),
    # Plain week: closing Thursday, 3 working days -> Monday.
    (dt.date(2026, 11, 26), 3, "england", dt.date(2026, 11, 23)),
    # Over a weekend: closing Tuesday, 3 working days -> previous Thursday.
    (dt.date(2026, 12, 1), 3, "england", dt.date(2026, 11, 26)),
    # St Andrew's Day (Monday 30 Nov 2026) is a bank holiday in Scotland only.
    (dt.date(2026, 12, 1), 1, "scotland", dt.date(2026, 11, 27)),
    (dt.date(2026, 12, 1), 1, "england", dt.date(2026, 11, 30)),
    # Christmas and Boxing Day (substitute Monday 28 Dec 2026) everywhere.
    (dt.date(2026, 12, 30), 2, "england", dt.date(2026, 12, 24)),
    # 2 January 2027 is a Saturday: Scotland's substitute holiday is Monday 4 January.
    (dt.date(2027, 1, 5), 2, "scotland", dt.date(2026, 12, 30)),
    (dt.date(2027, 1, 5), 2, "england", dt.date(2026, 12, 31)),
    # St Patrick's Day (17 March) in Northern Ireland.
    (dt.date(2026, 3, 18), 1, "northern_ireland", dt.date(2026, 3, 16)),
    (dt.date(2026, 3, 18), 1, "england", dt.date(2026, 3, 17)),
]


@pytest.mark.parametrize(("closes", "lead", "nation", "expected"), POSTING)
def test_last_safe_posting_day(closes: dt.date, lead: int, nation: str, expected: dt.date) -> None:
    assert last_safe_posting_day(closes, lead, nation) == expected
