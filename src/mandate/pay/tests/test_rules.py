"""Table tests of the deduction arithmetic, from DOMAIN.md 4.3, to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.pay.rules import PolicyTerms, allocate, day_rate, expected_for_day, instalments

D = Decimal
NOTICE = dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("salary", "divisor", "expected"),
    [
        # Hartley v King Edward VI College [2017] UKSC 39: 1/365 of annual salary.
        ("42000", 365, "115.07"),
        ("31000", 365, "84.93"),
        ("55000", 365, "150.68"),
        ("36500", 365, "100.00"),
        # The working-days divisor the union flags: 1/260 takes 40% more.
        ("42000", 260, "161.54"),
        ("31000", 260, "119.23"),
        # An exact half penny rounds up, not to even: 26,032.50 / 260 = 100.125.
        ("26032.50", 260, "100.13"),
        ("32.50", 260, "0.13"),
    ],
)
def test_hartley_strike_day_rate_to_the_penny(salary: str, divisor: int, expected: str) -> None:
    assert day_rate(D(salary), divisor) == D(expected)
    terms = PolicyTerms(strike_divisor=divisor)
    assert expected_for_day(D(salary), terms, "strike", NOTICE) == D(expected)


@pytest.mark.parametrize(
    ("percent", "day", "expected"),
    [
        # Wiluszynski v Tower Hamlets: withholding starts with the notice refusing partial
        # performance; before it the policy expects nothing.
        ("20", NOTICE - dt.timedelta(days=1), "0.00"),
        ("20", NOTICE, "23.01"),  # 20% of 42,000/365 = 23.0137
        ("50", NOTICE, "57.53"),  # 57.534
        ("100", NOTICE + dt.timedelta(days=30), "115.07"),
        ("0", NOTICE, "0.00"),
    ],
)
def test_wiluszynski_asos_percentage_from_notice(percent: str, day: dt.date, expected: str) -> None:
    terms = PolicyTerms(asos_percent=D(percent), asos_from=NOTICE, asos_payrolls=3)
    assert expected_for_day(D("42000"), terms, "asos", day) == D(expected)
    assert terms.payrolls_for("asos") == 3
    assert terms.payrolls_for("strike") == 1


def test_asos_without_a_notice_expects_nothing() -> None:
    terms = PolicyTerms(asos_percent=D("100"))
    assert expected_for_day(D("42000"), terms, "asos", NOTICE) == D("0.00")


def test_unknown_salary_expects_nothing() -> None:
    assert expected_for_day(None, PolicyTerms(), "strike", NOTICE) == D("0.00")


@pytest.mark.parametrize(
    ("total", "payrolls", "parts"),
    [
        ("115.07", 1, ["115.07"]),
        ("115.07", 3, ["38.36", "38.36", "38.35"]),
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("0.05", 2, ["0.03", "0.02"]),
    ],
)
def test_instalments_add_up_exactly(total: str, payrolls: int, parts: list[str]) -> None:
    assert instalments(D(total), payrolls) == [D(p) for p in parts]


def test_allocate_by_weight_in_pennies() -> None:
    assert allocate(D("345.21"), [D("115.07")] * 3) == [D("115.07")] * 3
    assert allocate(D("100.00"), [D("1"), D("1"), D("1")]) == [D("33.34"), D("33.33"), D("33.33")]
    assert allocate(D("10.00"), [D("0"), D("0")]) == [D("5.00"), D("5.00")]
    assert allocate(D("10.00"), []) == []


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
    weights=st.lists(st.decimals(min_value=D("0"), max_value=D("1000"), places=2), min_size=1),
)
def test_allocation_always_adds_up(amount: Decimal, weights: list[Decimal]) -> None:
    shares = allocate(amount, weights)
    assert sum(shares, D(0)) == amount
    assert all(s >= 0 for s in shares)


@given(
    total=st.decimals(min_value=D("0.00"), max_value=D("100000"), places=2),
    payrolls=st.integers(min_value=1, max_value=24),
)
def test_instalments_always_add_up(total: Decimal, payrolls: int) -> None:
    parts = instalments(total, payrolls)
    assert len(parts) == payrolls
    assert sum(parts, D(0)) == total
    assert max(parts) - min(parts) <= D("0.01")
