"""Projected turnout for a constituency from what members have told the union, and the last safe
day to post a paper. Plain Python: no Django, no database.

The model (documented for officers in docs/get-the-vote-out.md):

- N members are entitled; n have given a definite answer ("contacted"); k of them say they voted.
- The share of uncontacted members who will have voted is unknown, with a Beta(α, β) prior built
  from a past turnout (mean = that turnout, strength = α + β pseudo-members). Updating on the
  contacted sample gives the posterior Beta(α + k, β + n − k).
- The N − n uncontacted members then vote in a number X that follows the beta-binomial
  distribution with those parameters. Estimate = (k + E[X]) / N.
- The band is the 10th to 90th percentile of X (an 80% credible band), computed exactly from the
  beta-binomial probabilities; it is widened to include the estimate itself where the
  distribution is so lopsided that the mean lies outside those percentiles.
- Decisions compare integers with ``meets_share`` (``2 * votes >= entitled``), never a rounded
  percentage.

This assumes members who talk to the union vote like those who do not. They usually vote more,
so the band is optimistic; "votes still needed" is therefore counted from those who *said* they
voted only.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate

import holidays

from mandate.law.arithmetic import meets_share

BAND_LOW = 0.10
BAND_HIGH = 0.90
# Probabilities below this share of the mode's are treated as zero when summing the tails.
_NEGLIGIBLE = 1e-13


@dataclass(frozen=True)
class Prior:
    alpha: float
    beta: float

    @classmethod
    def from_turnout(cls, percent: float, strength: float) -> Prior:
        """A prior with mean PERCENT% worth STRENGTH pseudo-members (both clamped to sense)."""
        share = min(max(percent / 100, 0.01), 0.99)
        weight = max(strength, 1.0)
        return cls(alpha=share * weight, beta=(1 - share) * weight)


@dataclass(frozen=True)
class Projection:
    entitled: int
    said_voted: int
    contacted: int
    # Votes, not shares: the expected total and the 80% band, for integer comparisons.
    expected_votes: float
    low_votes: int
    high_votes: int
    threshold: Fraction | None
    # Votes still needed to reach the threshold, from those who said they voted (0 if met).
    needed: int
    # "green" (band clear of the line), "amber" (straddles), "red" (below), "none" (no threshold
    # or nobody entitled).
    status: str

    @property
    def estimate(self) -> float | None:
        return self.expected_votes / self.entitled if self.entitled else None

    @property
    def low(self) -> float | None:
        return self.low_votes / self.entitled if self.entitled else None

    @property
    def high(self) -> float | None:
        return self.high_votes / self.entitled if self.entitled else None

    @property
    def said_voted_share(self) -> float | None:
        return self.said_voted / self.entitled if self.entitled else None

    @property
    def threshold_votes(self) -> int | None:
        return None if self.threshold is None else votes_to_meet(self.entitled, self.threshold)


def votes_to_meet(entitled: int, share: Fraction) -> int:
    """The fewest votes that meet SHARE of ENTITLED: ceil(entitled * share), exactly."""
    return -(-share.numerator * entitled // share.denominator)


# Pages are reloaded far more often than a constituency's counts change: remember recent answers
# (about 1 ms each for a large constituency, so 150 of them cost a page 70 ms cold).
@lru_cache(maxsize=8192)
def beta_binomial_quantiles(
    m: int, a: float, b: float, probs: tuple[float, ...]
) -> tuple[int, ...]:
    """The smallest x with P(X <= x) >= p for each p, X ~ BetaBinomial(m, a, b), exactly.

    Walks outwards from the mode with the ratio of successive probabilities, so the work is
    proportional to the spread of X, not to m, and nothing underflows.
    """
    if m == 0:
        return tuple(0 for _ in probs)
    mode = round(m * (a - 1) / (a + b - 2)) if a > 1 and b > 1 else round(m * a / (a + b))
    mode = min(max(mode, 0), m)
    # Scaled so the mode has weight 1; the rest follow from pmf(x+1)/pmf(x).
    right: list[float] = []
    w = 1.0
    for x in range(mode, m):
        w *= (m - x) * (x + a) / ((x + 1) * (m - x - 1 + b))
        if w < _NEGLIGIBLE:
            break
        right.append(w)
    left: list[float] = []
    w = 1.0
    for x in range(mode, 0, -1):
        w *= x * (m - x + b) / ((m - x + 1) * (x - 1 + a))
        if w < _NEGLIGIBLE:
            break
        left.append(w)
    # The ratios are exact, so the normalised weights are the distribution even if the rounded
    # mode is off by one.
    left.reverse()
    first = mode - len(left)
    cumulative = list(accumulate([*left, 1.0, *right]))
    total = cumulative[-1]
    return tuple(
        first + min(bisect_left(cumulative, p * total * (1 - 1e-12)), len(cumulative) - 1)
        for p in probs
    )


def project(
    *,
    entitled: int,
    said_voted: int,
    contacted: int,
    prior: Prior,
    threshold: Fraction | None,
) -> Projection:
    """Project one constituency's turnout (see the module docstring for the method)."""
    if said_voted < 0 or contacted < said_voted:
        raise ValueError("said_voted must lie between 0 and contacted")
    # The frozen count is the denominator; a stale count below the answers is not believed.
    n_total = max(entitled, contacted)
    k, n = said_voted, contacted
    m = n_total - n
    a, b = prior.alpha + k, prior.beta + n - k
    expected = k + m * a / (a + b)
    lo, hi = beta_binomial_quantiles(m, a, b, (BAND_LOW, BAND_HIGH))
    low_votes = min(k + lo, math.floor(expected))
    high_votes = max(k + hi, math.ceil(expected))
    if threshold is None or n_total == 0:
        return Projection(n_total, k, n, expected, low_votes, high_votes, threshold, 0, "none")
    needed = max(0, votes_to_meet(n_total, threshold) - k)
    if meets_share(low_votes, n_total, threshold):
        status = "green"
    elif not meets_share(high_votes, n_total, threshold):
        status = "red"
    else:
        status = "amber"
    return Projection(n_total, k, n, expected, low_votes, high_votes, threshold, needed, status)


# Posting ----------------------------------------------------------------------------------

# Our jurisdictions to the holidays package's UK subdivisions.
SUBDIVISIONS = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}


@lru_cache(maxsize=64)
def _bank_holidays(subdiv: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year))


def is_working_day(day: dt.date, nation: str) -> bool:
    """Monday to Friday and not a bank holiday in NATION (our jurisdiction key)."""
    subdiv = SUBDIVISIONS.get(nation, "ENG")
    return day.weekday() < 5 and day not in _bank_holidays(subdiv, day.year)


def last_safe_posting_day(closes: dt.date, lead_days: int, nation: str) -> dt.date:
    """The last day a paper posted in NATION still arrives by CLOSES: LEAD_DAYS working days
    earlier, skipping weekends and that nation's bank holidays."""
    day = closes
    counted = 0
    while counted < lead_days:
        day -= dt.timedelta(days=1)
        if is_working_day(day, nation):
            counted += 1
    if lead_days == 0:
        while not is_working_day(day, nation):
            day -= dt.timedelta(days=1)
    return day
