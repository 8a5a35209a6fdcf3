"""The rules engine against the fund examples of DOMAIN.md section 4.3, and its properties."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.funds import rules as r
from mandate.funds.rules import Ask, Band, Claimant, Day, Rules, SubscriptionBand

D = Decimal
START = datetime.date(2026, 12, 1)
CLAIMED = datetime.date(2027, 1, 15)


def strikes(n: int, loss: str = "115.06", evidence: bool = True) -> list[Day]:
    return [
        Day(START + datetime.timedelta(days=i), r.STRIKE, D(100), D(loss), evidence)
        for i in range(n)
    ]


def first_round() -> Rules:
    """GBP 50 a day from the 3rd day at 30k and above (cap 800); GBP 75 from the 2nd below."""
    return Rules(
        bands=(
            Band("A", D(0), D(30000), D("75.00"), first_paid_day=2, cap_money=D(1100)),
            Band("B", D(30000), None, D("50.00"), first_paid_day=3, cap_money=D(800)),
        )
    )


def later_round(cap_days: int, asos: bool = False) -> Rules:
    return Rules(
        bands=(Band("A", D(0), D(30000), D("75.00")), Band("B", D(30000), None, D("50.00"))),
        first_paid_day=2,
        cap_days=cap_days,
        asos_full_deduction=asos,
    )


# Table: (case, rules, salary, days, expected total) --------------------------------------------

TABLE = [
    ("s4.3 first round, 30k+: from day 3, 10 days", first_round(), "42000", strikes(10), "400.00"),
    ("s4.3 first round, 30k+: cap 800", first_round(), "42000", strikes(20), "800.00"),
    ("s4.3 first round, 30k exactly is band B", first_round(), "30000", strikes(4), "100.00"),
    ("s4.3 first round, <30k: from day 2", first_round(), "29999.99", strikes(5), "300.00"),
    ("s4.3 first round, <30k: cap 1,100", first_round(), "25000", strikes(20), "1100.00"),
    ("s4.3 later round: from day 2, 11-day cap", later_round(11), "42000", strikes(15), "550.00"),
    ("s4.3 later round: 20-day cap", later_round(20), "42000", strikes(25), "1000.00"),
    ("s4.3 never more than the loss", first_round(), "18000", strikes(3, "49.31"), "98.62"),
    ("s4.3 evidence of the deduction", first_round(), "42000", strikes(5, evidence=False), "0.00"),
]


@pytest.mark.parametrize(
    ("case", "rules", "salary", "days", "total"), TABLE, ids=[t[0] for t in TABLE]
)
def test_fund_examples(case: str, rules: Rules, salary: str, days: list[Day], total: str) -> None:
    proposal = r.propose(rules, Claimant(D(salary)), days, claimed_on=CLAIMED)
    assert proposal.total == D(total), proposal.explanation()


def test_every_amount_is_explained_line_by_line() -> None:
    days = strikes(4)
    proposal = r.propose(later_round(20), Claimant(D(42000)), days, claimed_on=CLAIMED)
    text = proposal.explanation()
    assert text[0] == "Salary £42,000.00: band B (£30,000.00 and above), £50.00 a day from day 2."
    assert "Cap for this dispute: 20 days." in text
    assert "1 Dec 2026: strike day, day 1: not paid (first paid day is day 2)." in text
    assert "2 Dec 2026: strike day, day 2: band B £50.00." in text
    assert [line.amount for line in proposal.lines] == [D(0), D(50), D(50), D(50)]


def test_money_cap_pays_the_part_left_and_says_so() -> None:
    proposal = r.propose(first_round(), Claimant(D(25000)), strikes(20), claimed_on=CLAIMED)
    limited = [line for line in proposal.lines if D(0) < line.amount < D(75)]
    assert [line.amount for line in limited] == [D(50)]
    assert "(cap of £1,100.00 reached)" in limited[0].text
    assert proposal.lines[-1].text.endswith("not paid (cap of £1,100.00 reached).")


def test_asos_only_where_100_percent_was_withheld() -> None:
    days = [
        *strikes(2),
        Day(datetime.date(2026, 12, 10), r.ASOS, D(100), D("115.06"), True),
        Day(datetime.date(2026, 12, 11), r.ASOS, D(50), D("57.53"), True),
    ]
    with_asos = r.propose(later_round(20, asos=True), Claimant(D(42000)), days, claimed_on=CLAIMED)
    assert with_asos.total == D(100)
    assert any(
        "50% withheld: not paid (only paid where 100% was withheld)" in t
        for t in with_asos.explanation()
    )
    strike_only = r.propose(later_round(20), Claimant(D(42000)), days, claimed_on=CLAIMED)
    assert strike_only.total == D(50)


def test_days_already_paid_by_this_fund_count_towards_day_numbers_and_caps() -> None:
    days = strikes(13)
    earlier = [
        Day(d.day, d.kind, d.percent_withheld, d.loss, d.evidence, claimed=False, paid_here=D(50))
        if 1 <= i < 10
        else d
        for i, d in enumerate(days)
    ]
    proposal = r.propose(
        later_round(11), Claimant(D(42000)), earlier[10:] + earlier[:10], claimed_on=CLAIMED
    )
    # Days 2-10 were paid earlier (9 days); the cap of 11 leaves 2 of the 3 new days.
    assert proposal.total == D(100)
    assert "Already paid by this fund: 9 days, £450.00." in proposal.notes


def test_claim_window() -> None:
    proposal = r.propose(
        later_round(20), Claimant(D(42000)), strikes(3), claimed_on=datetime.date(2027, 12, 3)
    )
    assert [line.amount for line in proposal.lines] == [D(0), D(0), D(50)]
    assert "outside the 365-day claim window" in proposal.lines[1].text


def test_good_standing_needs_the_right_subscription_band() -> None:
    rules = Rules(
        bands=(Band("A", D(0), None, D("50.00")),),
        subscription_bands=(
            SubscriptionBand("1", D(0), D(20000)),
            SubscriptionBand("2", D(20000), D(40000)),
            SubscriptionBand("3", D(40000), None),
        ),
    )
    low = r.propose(
        rules, Claimant(D(42000), subscription_band="2"), strikes(2), claimed_on=CLAIMED
    )
    assert not low.eligible and low.total == 0
    assert low.notes == [
        "Not in good standing: pays subscription band “2” for a salary of £42,000.00, which needs band 3 or above."
    ]
    right = r.propose(
        rules, Claimant(D(42000), subscription_band="3"), strikes(2), claimed_on=CLAIMED
    )
    assert right.total == D(100)
    lapsed = r.propose(
        rules,
        Claimant(D(42000), active=False, subscription_band="3"),
        strikes(2),
        claimed_on=CLAIMED,
    )
    assert not lapsed.eligible


def test_a_day_paid_elsewhere_is_paid_again_only_as_a_top_up() -> None:
    paid = [
        Day(
            d.day,
            d.kind,
            d.percent_withheld,
            d.loss,
            d.evidence,
            paid_elsewhere=D(50),
            paid_elsewhere_by="National strike fund",
        )
        for d in strikes(2)
    ]
    plain = Rules(bands=(Band("A", D(0), None, D("100.00")),))
    refused = r.propose(plain, Claimant(D(42000)), paid, claimed_on=CLAIMED)
    assert refused.total == 0
    assert (
        "already paid by National strike fund; this fund does not top up" in refused.lines[0].text
    )
    topup = Rules(bands=(Band("A", D(0), None, D("100.00")),), top_up=True)
    topped = r.propose(topup, Claimant(D(42000)), paid, claimed_on=CLAIMED)
    assert topped.total == D("130.12")  # 2 x (115.06 - 50)
    assert "limited to the £65.06 still lost" in topped.lines[0].text


def test_no_salary_or_no_band() -> None:
    assert not r.propose(first_round(), Claimant(None), strikes(3), claimed_on=CLAIMED).eligible
    only_low = Rules(bands=(Band("A", D(0), D(30000), D("75.00")),))
    none = r.propose(only_low, Claimant(D(50000)), strikes(3), claimed_on=CLAIMED)
    assert not none.eligible and "No band covers" in none.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bands": ()}, "at least one salary band"),
        (
            {"bands": (Band("A", D(0), D(40000), D(50)), Band("B", D(30000), None, D(50)))},
            "overlap",
        ),
        ({"bands": (Band("A", D(0), None, D("50.001")),)}, "pounds and pence"),
        ({"bands": (Band("A", D(0), None, D(50)),), "first_paid_day": 0}, "counted from 1"),
        (
            {"bands": (Band("A", D(0), None, D(50)),), "priority_groups": ("low_paid",)},
            "low-pay threshold",
        ),
    ],
)
def test_inconsistent_rules_are_refused_with_a_reason(kwargs: dict, message: str) -> None:
    with pytest.raises(r.RulesError, match=message):
        Rules(**kwargs)


def test_member_groups() -> None:
    assert r.member_groups(
        contract_types=["hourly_paid"], salary=D(40000), low_pay_threshold=D(25000)
    ) == {r.CASUALISED}
    assert r.member_groups(
        contract_types=["open_ended"], salary=D(20000), low_pay_threshold=D(25000)
    ) == {r.LOW_PAID}


# Pro rata ---------------------------------------------------------------------------------------


def test_pro_rata_worked_example() -> None:
    asks = [
        Ask(1, D("100.00"), 1),
        Ask(2, D("100.00"), 1),
        Ask(3, D("100.00"), 1),
        Ask(4, D("60.00"), 0),
    ]
    alloc = r.allocate(D("160.00"), asks)
    # The priority tier is paid in full; 100.00 is shared by three equal claims: 33.34, 33.33, 33.33.
    assert alloc.paid == {4: D("60.00"), 1: D("33.34"), 2: D("33.33"), 3: D("33.33")}
    assert alloc.total == D("160.00")
    assert alloc.lines[4] == ["Paid in full: £60.00."]
    assert "Scaled pro rata" in alloc.lines[1][0]


def test_enough_money_pays_everyone_in_full() -> None:
    asks = [Ask(1, D("10.00"), 0), Ask(2, D("20.00"), 1)]
    assert r.allocate(D("100"), asks).paid == {1: D(10), 2: D(20)}


# Properties -------------------------------------------------------------------------------------

pennies = st.integers(min_value=0, max_value=40_000).map(lambda p: D(p) / 100)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Rules, Claimant, list[Day]]:
    cut = D(draw(st.integers(min_value=15_000, max_value=45_000)))
    bands = (
        Band(
            "A",
            D(0),
            cut,
            draw(pennies),
            first_paid_day=draw(st.none() | st.integers(1, 4)),
            cap_money=draw(st.none() | pennies),
        ),
        Band("B", cut, None, draw(pennies), cap_days=draw(st.none() | st.integers(0, 12))),
    )
    rules = Rules(
        bands=bands,
        first_paid_day=draw(st.integers(1, 4)),
        cap_days=draw(st.none() | st.integers(0, 25)),
        cap_money=draw(st.none() | pennies),
        asos_full_deduction=draw(st.booleans()),
        evidence_required=draw(st.booleans()),
        top_up=draw(st.booleans()),
    )
    salary = D(draw(st.integers(min_value=5_000, max_value=90_000)))
    n = draw(st.integers(0, 30))
    offsets = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n, unique=True))
    days = []
    for off in offsets:
        kind = draw(st.sampled_from([r.STRIKE, r.ASOS]))
        loss = draw(pennies)
        paid_here = draw(st.sampled_from([D(0), D(0), D(0), min(loss, D(50))]))
        paid_elsewhere = draw(st.sampled_from([D(0), D(0), min(loss, D(40)), loss]))
        days.append(
            Day(
                START + datetime.timedelta(days=off),
                kind,
                draw(st.sampled_from([D(20), D(50), D(100)])),
                loss,
                draw(st.booleans()),
                claimed=paid_here == 0 and draw(st.booleans()),
                paid_here=paid_here,
                paid_elsewhere=paid_elsewhere,
            )
        )
    return rules, Claimant(salary), days


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_never_above_the_loss_and_caps_hold(case: tuple[Rules, Claimant, list[Day]]) -> None:
    rules, who, days = case
    proposal = r.propose(rules, who, days, claimed_on=CLAIMED)
    by_day = {d.day: d for d in days}
    for line in proposal.lines:
        assert line.day is not None and line.amount >= 0
        d = by_day[line.day]
        assert line.amount == line.amount.quantize(r.PENNY)
        # Never more than the member still lost on that day, counting every fund.
        assert line.amount + d.paid_elsewhere + d.paid_here <= d.loss or line.amount == 0
        if d.paid_elsewhere > 0 and not rules.top_up:
            assert line.amount == 0
        if not d.claimed:
            pytest.fail("a day not claimed got a line")
    assert proposal.total <= sum((d.loss for d in days if d.claimed), D(0))
    if not proposal.eligible:
        return
    band = next(b for b in rules.bands if b.code == proposal.band)
    cap_days = band.cap_days if band.cap_days is not None else rules.cap_days
    cap_money = band.cap_money if band.cap_money is not None else rules.cap_money
    before_days = sum(1 for d in days if d.paid_here > 0)
    before_money = sum((d.paid_here for d in days), D(0))
    new_days = sum(1 for line in proposal.lines if line.amount > 0)
    if cap_days is not None:
        assert new_days == 0 or before_days + new_days <= cap_days
    if cap_money is not None:
        assert proposal.total == 0 or before_money + proposal.total <= cap_money
    for line in proposal.lines:
        assert line.amount <= band.daily_rate


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(pennies, st.integers(0, 2)), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=2_000_000).map(lambda p: D(p) / 100),
)
def test_pro_rata_sums_exactly_to_the_money_available(
    asks_in: list[tuple[Decimal, int]], available: Decimal
) -> None:
    asks = [Ask(i + 1, amount, tier) for i, (amount, tier) in enumerate(asks_in)]
    wanted = sum((a.amount for a in asks), D(0))
    alloc = r.allocate(available, asks)
    assert set(alloc.paid) == {a.claim_id for a in asks}
    for a in asks:
        assert D(0) <= alloc.paid[a.claim_id] <= a.amount
        assert alloc.paid[a.claim_id] == alloc.paid[a.claim_id].quantize(r.PENNY)
    # Enough money: everyone in full. Short: every penny available is paid, to the penny.
    assert alloc.total == min(wanted, available)
    # A lower tier gets nothing until every higher tier is paid in full.
    for a in asks:
        if alloc.paid[a.claim_id] > 0:
            for b in asks:
                if b.tier < a.tier:
                    assert alloc.paid[b.claim_id] == b.amount


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="AB|0123456789.,-e £\nxN", max_size=80))
def test_any_bands_text_is_either_valid_or_a_form_error(text: str) -> None:
    from mandate.funds.forms import RulesForm

    form = RulesForm({"bands": text, "first_paid_day": 1, "claim_window_days": 365})
    if form.is_valid():
        assert isinstance(form.cleaned_data["rules"], Rules)
    else:
        assert form.errors
