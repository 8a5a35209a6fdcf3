"""The fund rules engine: plain Python over plain values, no Django import.

Given one fund's rules for one dispute and a member's recorded days of action, it proposes what
the fund pays for each day and explains every amount, line by line. All arithmetic is exact
Decimal in pounds and pence; nothing is ever rounded up.

The examples it is built to carry (DOMAIN.md section 4.3): a national fund paying GBP 50 a day
from the 3rd strike day for salaries of 30k and above (cap 800) and GBP 75 a day from the 2nd
day below 30k (cap 1,100); later rounds from day 2 with an 11-day, then a 20-day cap, extended to
action short of strike where 100% was docked. Never more than the member lost; evidence of the
deduction; a one-year claim window. Hardship funds top up, with priorities, pro rata when short.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

STRIKE = "strike"
ASOS = "asos"

# Priority groups a hardship fund may put first; a member's groups come from their contract and
# salary (see ``member_groups``).
CASUALISED = "casualised"
LOW_PAID = "low_paid"
PRIORITY_GROUPS = {CASUALISED: "casualised contract", LOW_PAID: "low paid"}
CASUAL_CONTRACTS = frozenset({"hourly_paid", "zero_hours", "fixed_term"})


class RulesError(ValueError):
    """The rules themselves are inconsistent; the message says which part and why."""


def money(value: Decimal) -> str:
    """GBP with a thousands separator: 1100 -> '£1,100.00'."""
    return f"£{value.quantize(PENNY):,}"


def day_label(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def pence(value: Decimal) -> Decimal:
    """Round down to the penny: a fund never pays a fraction of a penny more than it owes."""
    return value.quantize(PENNY, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Band:
    """A salary band: members whose salary is in [salary_from, salary_to) get this daily rate."""

    code: str
    salary_from: Decimal
    salary_to: Decimal | None
    daily_rate: Decimal
    # None: the fund's own first paid day and caps apply.
    first_paid_day: int | None = None
    cap_days: int | None = None
    cap_money: Decimal | None = None

    def contains(self, salary: Decimal) -> bool:
        return salary >= self.salary_from and (self.salary_to is None or salary < self.salary_to)

    @property
    def label(self) -> str:
        if self.salary_to is None:
            if self.salary_from == 0:
                return f"band {self.code} (any salary)"
            return f"band {self.code} ({money(self.salary_from)} and above)"
        if self.salary_from == 0:
            return f"band {self.code} (below {money(self.salary_to)})"
        return f"band {self.code} ({money(self.salary_from)} to below {money(self.salary_to)})"


@dataclass(frozen=True)
class SubscriptionBand:
    """The subscription a member must pay for a salary in [salary_from, salary_to)."""

    code: str
    salary_from: Decimal
    salary_to: Decimal | None

    def contains(self, salary: Decimal) -> bool:
        return salary >= self.salary_from and (self.salary_to is None or salary < self.salary_to)


@dataclass(frozen=True)
class Rules:
    """One version of a fund's rules for one dispute."""

    bands: tuple[Band, ...]
    first_paid_day: int = 1
    cap_days: int | None = None
    cap_money: Decimal | None = None
    # Strike days always qualify; ASOS days only if this is set and 100% was withheld.
    asos_full_deduction: bool = False
    evidence_required: bool = True
    claim_window_days: int = 365
    good_standing_required: bool = True
    # Ordered lowest to highest; empty: any active member is in good standing.
    subscription_bands: tuple[SubscriptionBand, ...] = ()
    # A top-up fund pays on days another fund already paid, up to what is still lost.
    top_up: bool = False
    priority_groups: tuple[str, ...] = ()
    low_pay_threshold: Decimal | None = None
    pro_rata: bool = False

    def __post_init__(self) -> None:
        check_rules(self)

    def band_for(self, salary: Decimal) -> Band | None:
        return next((b for b in self.bands if b.contains(salary)), None)


def check_rules(rules: Rules) -> None:
    """Raise RulesError unless the rules can be applied to any member."""
    if not rules.bands:
        raise RulesError("Give at least one salary band with its daily rate.")
    if rules.first_paid_day < 1:
        raise RulesError("The first paid day is counted from 1 (the member's first day out).")
    if rules.cap_days is not None and rules.cap_days < 0:
        raise RulesError("The cap in days cannot be negative.")
    if rules.cap_money is not None and rules.cap_money < 0:
        raise RulesError("The cap in money cannot be negative.")
    if rules.claim_window_days < 1:
        raise RulesError("The claim window must be at least one day.")
    ordered = sorted(rules.bands, key=lambda b: b.salary_from)
    seen: set[str] = set()
    for i, band in enumerate(ordered):
        if band.code in seen:
            raise RulesError(f"Band {band.code} is given twice.")
        seen.add(band.code)
        if band.daily_rate < 0 or band.daily_rate != band.daily_rate.quantize(PENNY):
            raise RulesError(f"Band {band.code}: the daily rate must be pounds and pence, >= 0.")
        if band.salary_to is not None and band.salary_to <= band.salary_from:
            raise RulesError(f"Band {band.code}: the salary range is empty.")
        if band.first_paid_day is not None and band.first_paid_day < 1:
            raise RulesError(f"Band {band.code}: the first paid day is counted from 1.")
        if i + 1 < len(ordered) and band.salary_to is not None:
            nxt = ordered[i + 1]
            if nxt.salary_from < band.salary_to:
                raise RulesError(f"Bands {band.code} and {nxt.code} overlap.")
    for group in rules.priority_groups:
        if group not in PRIORITY_GROUPS:
            raise RulesError(f"Unknown priority group “{group}”.")
    if LOW_PAID in rules.priority_groups and rules.low_pay_threshold is None:
        raise RulesError("The low-paid priority group needs a low-pay threshold.")


@dataclass(frozen=True)
class Day:
    """One recorded day of action for the member, with what they lost and what was paid."""

    day: datetime.date
    kind: str  # STRIKE or ASOS
    percent_withheld: Decimal
    loss: Decimal
    evidence: bool
    claimed: bool = True
    # Already paid for this day by this fund (an earlier claim) and by other funds.
    paid_here: Decimal = ZERO
    paid_elsewhere: Decimal = ZERO
    paid_elsewhere_by: str = ""


@dataclass(frozen=True)
class Claimant:
    salary: Decimal | None
    active: bool = True
    subscription_band: str = ""
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Line:
    day: datetime.date | None
    amount: Decimal
    text: str


@dataclass
class Proposal:
    """What the fund would pay, and why, line by line."""

    eligible: bool
    band: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def paid_days(self) -> list[datetime.date]:
        return [line.day for line in self.lines if line.day is not None and line.amount > 0]

    def explanation(self) -> list[str]:
        return [*self.notes, *(line.text for line in self.lines)]


def member_groups(
    *, contract_types: Iterable[str], salary: Decimal | None, low_pay_threshold: Decimal | None
) -> frozenset[str]:
    """The priority groups a member falls in, from their current contracts and salary."""
    groups: set[str] = set()
    if any(c in CASUAL_CONTRACTS for c in contract_types):
        groups.add(CASUALISED)
    if salary is not None and low_pay_threshold is not None and salary < low_pay_threshold:
        groups.add(LOW_PAID)
    return frozenset(groups)


def _standing(rules: Rules, who: Claimant) -> str | None:
    """Why the member is not in good standing, or None if they are."""
    if not rules.good_standing_required:
        return None
    if not who.active:
        return "Not in good standing: the membership is not active."
    if not rules.subscription_bands or who.salary is None:
        return None
    needed = next((s for s in rules.subscription_bands if s.contains(who.salary)), None)
    if needed is None:
        return None
    codes = [s.code for s in rules.subscription_bands]
    paying = who.subscription_band.strip()
    if paying not in codes or codes.index(paying) < codes.index(needed.code):
        shown = f"subscription band “{paying}”" if paying else "no subscription band"
        return (
            f"Not in good standing: pays {shown} for a salary of {money(who.salary)}, "
            f"which needs band {needed.code} or above."
        )
    return None


def propose(
    rules: Rules, who: Claimant, days: Sequence[Day], *, claimed_on: datetime.date
) -> Proposal:
    """What the fund pays for the claimed DAYS, with a line for every day and every limit."""
    if who.salary is None:
        return Proposal(False, "", notes=["No salary recorded: the panel cannot pick a band."])
    band = rules.band_for(who.salary)
    if band is None:
        return Proposal(
            False, "", notes=[f"No band covers a salary of {money(who.salary)}: nothing is paid."]
        )
    why_not = _standing(rules, who)
    if why_not is not None:
        return Proposal(False, band.code, notes=[why_not])
    first = band.first_paid_day or rules.first_paid_day
    cap_days = band.cap_days if band.cap_days is not None else rules.cap_days
    cap_money = band.cap_money if band.cap_money is not None else rules.cap_money
    proposal = Proposal(True, band.code)
    notes = proposal.notes
    notes.append(
        f"Salary {money(who.salary)}: {band.label}, {money(band.daily_rate)} a day "
        f"from day {first}."
    )
    limits = []
    if cap_days is not None:
        limits.append(f"{cap_days} days")
    if cap_money is not None:
        limits.append(money(cap_money))
    if limits:
        notes.append(f"Cap for this dispute: {' and '.join(limits)}.")
    # Days this fund already paid count towards its caps.
    days_used = sum(1 for d in days if d.paid_here > 0)
    money_used = sum((d.paid_here for d in days), ZERO)
    if days_used:
        notes.append(f"Already paid by this fund: {days_used} days, {money(money_used)}.")
    window_start = claimed_on - datetime.timedelta(days=rules.claim_window_days)
    number = 0
    for d in sorted(days, key=lambda d: d.day):
        what = (
            "strike day"
            if d.kind == STRIKE
            else f"action short of strike, {d.percent_withheld}% withheld"
        )
        if d.kind == ASOS and not (rules.asos_full_deduction and d.percent_withheld >= HUNDRED):
            if d.claimed:
                reason = (
                    "only paid where 100% was withheld"
                    if rules.asos_full_deduction
                    else "this fund does not pay for action short of strike"
                )
                proposal.lines.append(
                    Line(d.day, ZERO, f"{day_label(d.day)}: {what}: not paid ({reason}).")
                )
            continue
        number += 1
        head = f"{day_label(d.day)}: {what}, day {number}"
        if not d.claimed:
            continue
        amount, reason = _day_amount(
            rules, band, d, number=number, first=first, window_start=window_start
        )
        if amount > 0 and cap_days is not None and days_used >= cap_days:
            amount, reason = ZERO, f"not paid (cap of {cap_days} days reached)"
        if amount > 0 and cap_money is not None and money_used + amount > cap_money:
            left = max(cap_money - money_used, ZERO)
            amount = left
            reason = (
                f"{money(left)} (cap of {money(cap_money)} reached)"
                if left > 0
                else f"not paid (cap of {money(cap_money)} reached)"
            )
        if amount > 0:
            days_used += 1
            money_used += amount
        proposal.lines.append(Line(d.day, amount, f"{head}: {reason}."))
    if not any(line.amount > 0 for line in proposal.lines):
        notes.append("Nothing to pay on the days claimed.")
    return proposal


def _day_amount(
    rules: Rules,
    band: Band,
    d: Day,
    *,
    number: int,
    first: int,
    window_start: datetime.date,
) -> tuple[Decimal, str]:
    if d.paid_here > 0:
        return ZERO, f"not paid (already paid {money(d.paid_here)} by this fund)"
    if number < first:
        return ZERO, f"not paid (first paid day is day {first})"
    if d.day < window_start:
        return ZERO, f"not paid (outside the {rules.claim_window_days}-day claim window)"
    if rules.evidence_required and not d.evidence:
        return ZERO, "not paid (no evidence of the deduction yet)"
    if d.loss <= 0:
        return ZERO, "not paid (no loss recorded)"
    if d.paid_elsewhere > 0 and not rules.top_up:
        by = f" by {d.paid_elsewhere_by}" if d.paid_elsewhere_by else " by another fund"
        return ZERO, f"not paid (already paid{by}; this fund does not top up)"
    still_lost = d.loss - d.paid_elsewhere
    if still_lost <= 0:
        return ZERO, f"not paid (the loss of {money(d.loss)} is already covered)"
    rate = band.daily_rate
    amount = pence(min(rate, still_lost))
    text = f"band {band.code} {money(rate)}"
    if d.paid_elsewhere > 0:
        text = f"top-up, {text}"
    if amount < rate:
        text += f", limited to the {money(still_lost)} still lost"
    return amount, text


# Pro-rata scaling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    claim_id: int
    amount: Decimal
    tier: int  # 0 first: the order of the fund's priority groups; len(groups) for everyone else


@dataclass
class Allocation:
    paid: dict[int, Decimal]
    lines: dict[int, list[str]]

    @property
    def total(self) -> Decimal:
        return sum(self.paid.values(), ZERO)


def allocate(available: Decimal, asks: Sequence[Ask]) -> Allocation:
    """Share AVAILABLE among ASKS: whole tiers in priority order, the first short tier pro rata.

    Within the short tier each claim gets its share rounded down to the penny; the pennies left
    over go one each to the claims with the largest remainders, ties to the lower claim id (the
    earlier claim). The tier's payments then sum exactly to the money left for it.
    """
    if available < 0:
        raise RulesError("The money available cannot be negative.")
    left = pence(available)
    paid: dict[int, Decimal] = {}
    lines: dict[int, list[str]] = {}
    for tier in sorted({a.tier for a in asks}):
        group = sorted((a for a in asks if a.tier == tier), key=lambda a: a.claim_id)
        wanted = sum((a.amount for a in group), ZERO)
        if wanted <= left:
            for a in group:
                paid[a.claim_id] = a.amount
                lines[a.claim_id] = [f"Paid in full: {money(a.amount)}."]
            left -= wanted
            continue
        shares = _pro_rata(left, group, wanted)
        for a in group:
            paid[a.claim_id] = shares[a.claim_id]
            lines[a.claim_id] = [
                f"Scaled pro rata: claims in this priority tier ask {money(wanted)}, "
                f"{money(left)} is available; {money(shares[a.claim_id])} of {money(a.amount)}."
            ]
        left = ZERO
    return Allocation(paid, lines)


def _pro_rata(available: Decimal, group: Sequence[Ask], wanted: Decimal) -> dict[int, Decimal]:
    # Whole pennies as integers: the shares are exact fractions, never rounded floats.
    pot = int(available / PENNY)
    total = int(wanted / PENNY)
    if total <= 0:
        return {a.claim_id: ZERO for a in group}
    floors: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for a in group:
        floors[a.claim_id], remainders[a.claim_id] = divmod(int(a.amount / PENNY) * pot, total)
    spare = pot - sum(floors.values())
    for k in sorted(remainders, key=lambda k: (-remainders[k], k))[:spare]:
        floors[k] += 1
    return {k: (Decimal(v) * PENNY).quantize(PENNY) for k, v in floors.items()}
