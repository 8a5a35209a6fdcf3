"""Deduction arithmetic: exact Decimal, pounds to the penny, halves rounded up.

Nothing here touches the database, so every figure can be checked by hand and in table tests.

- Strike day: annual salary / divisor (365 by default: Hartley v King Edward VI College [2017]
  UKSC 39), rounded to the penny, half up.
- Action short of strike: the policy's percentage of that day's pay, but only from the date of
  the employer's notice refusing partial performance (Wiluszynski v Tower Hamlets LBC [1989]
  ICR 493). Before it, nothing is expected; a deduction then is flagged for the branch to check
  (pro rata may still be lawful: Miles v Wakefield MDC [1987] AC 539).
- Spread over payrolls: the day's total is split into equal instalments of whole pennies that
  add up exactly, the odd pennies going to the first instalments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


def to_pennies(value: Decimal) -> Decimal:
    """Round VALUE to the penny, halves up (the way payroll rounds, and the way members check)."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PolicyTerms:
    """The figures of one policy version, apart from the database row."""

    strike_divisor: int = 365
    asos_percent: Decimal = Decimal("0")
    asos_from: dt.date | None = None
    asos_payrolls: int = 1

    def percent_for(self, kind: str, day: dt.date) -> Decimal:
        """The share of the day's pay the policy withholds for action of KIND on DAY."""
        if kind == "strike":
            return HUNDRED
        if self.asos_from is None or day < self.asos_from:
            return Decimal("0")
        return self.asos_percent

    def payrolls_for(self, kind: str) -> int:
        return self.asos_payrolls if kind == "asos" else 1


DEFAULT_TERMS = PolicyTerms()


def day_rate(annual_salary: Decimal, divisor: int) -> Decimal:
    """A full day's pay: ANNUAL_SALARY / DIVISOR, to the penny."""
    return to_pennies(annual_salary / Decimal(divisor))


def expected_for_day(
    annual_salary: Decimal | None, terms: PolicyTerms, kind: str, day: dt.date
) -> Decimal:
    """What the policy says is deducted for one day of action (0.00 if the salary is unknown).

    The percentage applies to the unrounded day's pay, then rounds once: 20% of 42,000/365 is
    23.01, not 20% of 115.07.
    """
    percent = terms.percent_for(kind, day)
    if annual_salary is None or percent == 0:
        return ZERO
    return to_pennies(annual_salary * percent / (HUNDRED * Decimal(terms.strike_divisor)))


def instalments(total: Decimal, payrolls: int) -> list[Decimal]:
    """Split TOTAL into PAYROLLS instalments, in whole pennies adding up to it exactly (the odd
    pennies go to the first instalments)."""
    if payrolls < 1:
        raise ValueError("payrolls must be at least 1")
    return allocate(total, [Decimal(1)] * payrolls)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Share AMOUNT across days in proportion to WEIGHTS, in whole pennies adding up exactly
    (largest remainder). Equal shares when every weight is zero."""
    if not weights:
        return []
    if all(w <= 0 for w in weights):
        weights = [Decimal(1)] * len(weights)
    pennies = int((amount / PENNY).to_integral_value(rounding=ROUND_HALF_UP))
    total_weight = sum(weights, Decimal(0))
    exact = [Decimal(pennies) * w / total_weight for w in weights]
    floors = [int(e) for e in exact]
    left = pennies - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(p) * PENNY for p in floors]
