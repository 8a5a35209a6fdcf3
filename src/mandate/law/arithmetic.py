"""Exact threshold arithmetic and its display.

Decisions compare integers (``2 * votes_cast >= entitled``), never a percentage: the University
of Manchester returned 1,046 of 2,094 in the 2021 pensions ballot, 49.952...%, which a rounded
display shows as 50.0% although the 50% turnout threshold was not met.
"""

from __future__ import annotations

from fractions import Fraction


def meets_share(part: int, whole: int, share: Fraction, *, strict: bool = False) -> bool:
    """Whether ``part / whole`` reaches ``share`` (or exceeds it when ``strict``), exactly."""
    left = part * share.denominator
    right = share.numerator * whole
    return left > right if strict else left >= right


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with two decimals, truncated towards the true value.

    Truncation, not rounding, so a value below a threshold never displays as the threshold:
    1,046 / 2,094 is 49.952...% and shows as "49.95%", never "50.00%".
    """
    if whole <= 0:
        raise ValueError("percentage of an empty whole")
    hundredths = (part * 10000) // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def share_label(share: Fraction) -> str:
    """A threshold as people say it: "50%", "40%", or "2/3 (66.66%)" when not a whole percent."""
    hundred = share * 100
    if hundred.denominator == 1:
        return f"{hundred.numerator}%"
    return f"{share.numerator}/{share.denominator} ({percent(share.numerator, share.denominator)})"


def count(number: int) -> str:
    """A count with thousands separators, as on a scrutineer's report: 2,094."""
    return f"{number:,}"
