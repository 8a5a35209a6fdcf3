"""What the rulebook computes: the ballot timetable, notice deadlines and threshold outcomes.

Every answer carries its reasons, each naming the rule and its source, so a branch secretary can
check the arithmetic and an administrator can see which parameter produced which date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mandate.law.arithmetic import count, meets_share, percent, share_label
from mandate.law.dates import long_date, period_last_day_days, period_last_day_months
from mandate.law.errors import LawError
from mandate.law.model import Citation, Rule, Rulebook


@dataclass(frozen=True)
class Reason:
    """One step of an answer: the rule applied, what it found, and where the rule comes from."""

    rule_id: str
    text: str
    source: Citation

    def to_dict(self) -> dict[str, str]:
        return {"rule_id": self.rule_id, "text": self.text, "source": self.source.short}


@dataclass(frozen=True)
class Deadline:
    """A date the timetable fixes: latest receipt, recommended day or earliest day."""

    rule_id: str
    date: dt.date
    regime: str
    source: Citation
    explanation: str
    kind: str = "latest"

    def to_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "regime": self.regime,
            "source": self.source.short,
            "explanation": self.explanation,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Check:
    """A pass or fail on facts the caller gave (a notice's receipt date, a first day of action)."""

    rule_id: str
    ok: bool
    text: str
    source: Citation

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "ok": self.ok,
            "text": self.text,
            "source": self.source.short,
        }


@dataclass(frozen=True)
class Mandate:
    """The period of lawful action a successful ballot gives."""

    starts: dt.date
    last_day: dt.date
    regime: str
    source: Citation
    limits: str
    extended: bool
    earliest_first_action: dt.date | None
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "starts": self.starts.isoformat(),
            "last_day": self.last_day.isoformat(),
            "regime": self.regime,
            "source": self.source.short,
            "limits": self.limits,
            "extended_by_agreement": self.extended,
            "earliest_first_action": (
                self.earliest_first_action.isoformat() if self.earliest_first_action else None
            ),
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Timetable:
    """The statutory timetable of one ballot and, optionally, its first notice of action."""

    jurisdiction: str
    rulebook_name: str
    opens: dt.date
    closes: dt.date
    regimes: dict[str, str]
    deadlines: tuple[Deadline, ...]
    mandate: Mandate | None
    checks: tuple[Check, ...] = ()
    requirements: tuple[Reason, ...] = ()
    not_applicable: tuple[Reason, ...] = ()
    warnings: tuple[str, ...] = ()

    def deadline(self, rule_id: str) -> Deadline:
        for item in self.deadlines:
            if item.rule_id == rule_id:
                return item
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "rulebook": self.rulebook_name,
            "ballot": {"opens": self.opens.isoformat(), "closes": self.closes.isoformat()},
            "regime": dict(self.regimes),
            "deadlines": {item.rule_id: item.to_dict() for item in self.deadlines},
            "mandate": self.mandate.to_dict() if self.mandate else None,
            "checks": [item.to_dict() for item in self.checks],
            "requirements": [item.to_dict() for item in self.requirements],
            "not_applicable": [item.to_dict() for item in self.not_applicable],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class BallotOutcome:
    """The result of one question in one constituency, decided by exact integer arithmetic."""

    jurisdiction: str
    question: str
    regime: str
    entitled: int
    votes_cast: int
    yes: int
    no: int
    spoiled: int
    turnout: str
    turnout_required: bool
    turnout_met: bool
    majority_met: bool
    majority_other_reading_met: bool
    ips_required: bool
    ips_met: bool
    mandate: bool
    mandate_starts: dt.date | None
    last_day: dt.date | None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def majority_readings_differ(self) -> bool:
        return self.majority_met != self.majority_other_reading_met

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "question": self.question,
            "regime": self.regime,
            "entitled": self.entitled,
            "votes_cast": self.votes_cast,
            "yes": self.yes,
            "no": self.no,
            "spoiled": self.spoiled,
            "turnout": self.turnout,
            "turnout_required": self.turnout_required,
            "turnout_met": self.turnout_met,
            "majority_met": self.majority_met,
            "majority_other_reading_met": self.majority_other_reading_met,
            "majority_readings_differ": self.majority_readings_differ,
            "ips_required": self.ips_required,
            "ips_met": self.ips_met,
            "mandate": self.mandate,
            "mandate_starts": self.mandate_starts.isoformat() if self.mandate_starts else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


class _Selector:
    """Picks a rule version by its trigger date, or in one regime forced for a what-if."""

    def __init__(self, rulebook: Rulebook, regime: str | None) -> None:
        self.rulebook = rulebook
        self.forced = regime
        if regime is not None:
            rulebook.regime(regime)

    def rule(self, rule_id: str, on: dt.date) -> Rule:
        if self.forced is not None:
            return self.rulebook.rule(rule_id, regime=self.forced)
        return self.rulebook.rule(rule_id, on=on)

    def has(self, rule_id: str) -> bool:
        return self.rulebook.has_rule(rule_id)

    def latest_receipt(
        self, rule_id: str, target: dt.date, days_for: Callable[[Rule], int]
    ) -> tuple[dt.date, Rule] | None:
        """The latest day a notice may be received so that it is in time for ``target``.

        The period depends on the regime at the receipt date, which is the unknown, so each
        version is tried within its own window and the latest valid day wins: a notice received
        on 2026-02-17 needs 14 days, one received a day later only 10.
        """
        if self.forced is not None:
            rule = self.rulebook.rule(rule_id, regime=self.forced)
            if not rule.applies:
                return None
            return target - dt.timedelta(days=days_for(rule)), rule
        best: tuple[dt.date, Rule] | None = None
        for rule in self.rulebook.versions(rule_id):
            if not rule.in_force or not rule.applies:
                continue
            candidate = target - dt.timedelta(days=days_for(rule))
            if rule.effective_to is not None and candidate > rule.effective_to:
                candidate = rule.effective_to
            if rule.effective_from is not None and candidate < rule.effective_from:
                continue
            if best is None or candidate > best[0]:
                best = (candidate, rule)
        return best

    def earliest_after(
        self, rule_id: str, start: dt.date, days_for: Callable[[Rule], int]
    ) -> tuple[dt.date, dt.date, Rule] | None:
        """The earliest day reachable by a notice received on or after ``start``.

        Returns (first day, receipt day, rule). A shorter period starting later can win: a notice
        received on 2026-02-18 reaches 2026-02-28, earlier than 14 days from 2026-02-17.
        """
        if self.forced is not None:
            rule = self.rulebook.rule(rule_id, regime=self.forced)
            if not rule.applies:
                return None
            return start + dt.timedelta(days=days_for(rule)), start, rule
        best: tuple[dt.date, dt.date, Rule] | None = None
        for rule in self.rulebook.versions(rule_id):
            if not rule.in_force or not rule.applies:
                continue
            if rule.effective_to is not None and rule.effective_to < start:
                continue
            receipt = max(start, rule.effective_from or start)
            first = receipt + dt.timedelta(days=days_for(rule))
            if best is None or first < best[0]:
                best = (first, receipt, rule)
        return best


def _notice_days(agreed: bool, agreed_days: int | None = None) -> Callable[[Rule], int]:
    """The notice period under a rule: the statutory days, or with an agreement the agreed days,
    never fewer than the rule's shortest period by agreement; where the rule allows none, an
    agreement changes nothing."""

    def days(rule: Rule) -> int:
        statutory = rule.int_param("days")
        shorter = rule.optional_int_param("days_by_agreement")
        if shorter is None:
            return statutory
        if agreed_days is not None:
            return min(statutory, max(agreed_days, shorter))
        return shorter if agreed else statutory

    return days


def _days_before_opening(rule: Rule) -> int:
    return rule.int_param("days_before_opening")


def notice_in_time(
    rulebook: Rulebook,
    *,
    received: dt.date,
    first_action: dt.date,
    by_agreement: bool = False,
    agreed_days: int | None = None,
    regime: str | None = None,
) -> Check:
    """Whether a notice of action received on a date is in time for a first day of action.

    BY_AGREEMENT takes the rule's shortest period by agreement; AGREED_DAYS the period the
    union and employer agreed, bounded by the rule (see ``_notice_days``).
    """
    select = _Selector(rulebook, regime)
    rule = select.rule("A-notice", received)
    if not rule.applies:
        return Check(
            "A-notice", True, f"No notice of action period applies ({rule.notes})", rule.source
        )
    days = _notice_days(by_agreement, agreed_days)(rule)
    latest = first_action - dt.timedelta(days=days)
    margin = (latest - received).days
    what = f"notice received {received.isoformat()} (regime {rule.regime}: {days} days"
    what += " by agreement)" if days != rule.int_param("days") else ")"
    if margin >= 0:
        text = (
            f"{what} is in time for action from {first_action.isoformat()}: latest receipt "
            f"{latest.isoformat()}, {margin} day{'s' if margin != 1 else ''} to spare, {rule.source}"
        )
        return Check("A-notice", True, text, rule.source)
    text = (
        f"{what} is {-margin} day{'s' if margin != -1 else ''} late for action from "
        f"{first_action.isoformat()}: it had to be received by {latest.isoformat()}; the "
        f"earliest lawful first day on this notice is "
        f"{(received + dt.timedelta(days=days)).isoformat()}, {rule.source}"
    )
    return Check("A-notice", False, text, rule.source)


def action_notice_deadline(
    rulebook: Rulebook,
    *,
    first_action: dt.date,
    by_agreement: bool = False,
    agreed_days: int | None = None,
    regime: str | None = None,
) -> Deadline | None:
    """The latest day the employer may receive the notice of action for a first day of action."""
    select = _Selector(rulebook, regime)
    period = _notice_days(by_agreement, agreed_days)
    found = select.latest_receipt("A-notice", first_action, period)
    if found is None:
        return None
    day, rule = found
    days = period(rule)
    agreed = " (shorter period agreed with the employer)" if days != rule.int_param("days") else ""
    explanation = (
        f"first day of action {first_action.isoformat()} - {days} days{agreed} = "
        f"{(first_action - dt.timedelta(days=days)).isoformat()}; regime {rule.regime} by the date "
        f"the employer receives the notice"
    )
    if day != first_action - dt.timedelta(days=days):
        explanation += (
            f"; a notice received later would fall under a regime needing longer notice, so "
            f"the latest safe receipt is {day.isoformat()}"
        )
    explanation += f"; must also be after the s231A result notice, {rule.source}"
    return Deadline("A-notice", day, rule.regime, rule.source, explanation)


def _mandate(
    select: _Selector,
    *,
    opens: dt.date,
    closes: dt.date,
    extension_agreed: bool,
) -> tuple[Mandate | None, Rule]:
    rule = select.rule("A-mandate", opens)
    if not rule.applies:
        return None, rule
    limits = rule.str_param("limits")
    extended = False
    clamped = False
    if "months" in rule.params:
        months = rule.int_param("months")
        longer = rule.optional_int_param("months_by_agreement")
        if extension_agreed and longer is not None:
            months, extended = longer, True
        last_day, clamped = period_last_day_months(closes, months)
        length = f"{months} months"
    else:
        weeks = rule.int_param("weeks")
        longer = rule.optional_int_param("weeks_by_agreement")
        if extension_agreed and longer is not None:
            weeks, extended = longer, True
        last_day = period_last_day_days(closes, weeks * 7)
        length = f"{weeks} weeks ({weeks * 7} days)"
    explanation = (
        f"date of the ballot {closes.isoformat()} + {length} - 1 day = {last_day.isoformat()}"
    )
    if extended:
        explanation += " (extended by agreement with the employer)"
    elif extension_agreed:
        explanation += f" (regime {rule.regime} allows no extension by agreement)"
    if clamped:
        explanation += (
            "; the end month has no matching day, so the period is clamped to the month's end "
            "and the day before is kept as the last lawful day, one day inside the "
            "corresponding-date reading"
        )
    if limits == "start_of_action":
        explanation += "; action must begin by this day (once begun, the ballot did not expire)"
    explanation += f"; regime {rule.regime} by ballot opening {opens.isoformat()}, {rule.source}"
    earliest: dt.date | None = None
    if select.has("A-notice"):
        found = select.earliest_after("A-notice", closes, _notice_days(extension_agreed))
        if found is not None:
            earliest = found[0]
    mandate = Mandate(
        starts=closes,
        last_day=last_day,
        regime=rule.regime,
        source=rule.source,
        limits=limits,
        extended=extended,
        earliest_first_action=earliest,
        explanation=explanation,
    )
    return mandate, rule


_CONTENT_LABELS = {
    "categories": "the categories of worker",
    "workplaces": "the workplaces",
    "total_number": "the total number of workers concerned",
    "counts_per_category": "the number in each category",
    "counts_per_workplace": "the number at each workplace",
    "explain_figures": "how the figures were arrived at",
    "summary_of_dispute": "a summary of the matters in dispute",
    "asos_types": "the types of action short of strike",
    "expected_periods": "the period(s) in which action is expected",
}


def _content_text(rule: Rule, what: str) -> str:
    needs = [_CONTENT_LABELS.get(n, n) for n, value in rule.params.items() if value is True]
    if not needs:
        return f"{what}: no extra content required (regime {rule.regime}), {rule.source}"
    return f"{what} (regime {rule.regime}) must give: {', '.join(needs)}, {rule.source}"


def ballot_timetable(
    rulebook: Rulebook,
    *,
    opens: dt.date,
    closes: dt.date,
    first_action: dt.date | None = None,
    notice_received: dt.date | None = None,
    important_public_services: bool = False,
    extension_agreed: bool = False,
    regime: str | None = None,
) -> Timetable:
    """The ballot's statutory timetable, each date with its rule, regime, source and arithmetic.

    ``extension_agreed`` applies every by-agreement variant the regime offers: the 7-day notice
    of action and the 9-month (or 8-week) mandate. ``regime`` forces one regime for a what-if
    (the only way to use a regime not yet in force).
    """
    if closes < opens:
        raise LawError(
            f"closes: the ballot closes ({closes.isoformat()}) before it opens "
            f"({opens.isoformat()}).",
            field="closes",
        )
    if notice_received is not None and first_action is None:
        raise LawError(
            "notice_received: give the first day of action too, to check the notice against it.",
            field="notice_received",
        )
    select = _Selector(rulebook, regime)
    deadlines: list[Deadline] = []
    checks: list[Check] = []
    requirements: list[Reason] = []
    not_applicable: list[Reason] = []
    warnings: list[str] = []
    regimes: dict[str, str] = {}

    if regime is not None and not rulebook.regime(regime).in_force:
        warnings.append(
            f"Regime {regime} ({rulebook.regime(regime).name}) is not yet in force: every date "
            "below is a what-if, not the law today."
        )

    notice_day: dt.date | None = None
    for rule_id, what in (("B-notice", "notice of ballot"), ("B-sample", "sample voting paper")):
        if not select.has(rule_id):
            continue
        found = select.latest_receipt(rule_id, opens, _days_before_opening)
        if found is None:
            rule = select.rule(rule_id, opens)
            not_applicable.append(Reason(rule_id, f"No {what}: {rule.notes}", rule.source))
            continue
        day, rule = found
        days = rule.int_param("days_before_opening")
        deadlines.append(
            Deadline(
                rule_id,
                day,
                rule.regime,
                rule.source,
                f"latest receipt by every employer of voters: opening {opens.isoformat()} - "
                f"{days} days = {day.isoformat()} ({long_date(day)}), {rule.source}",
            )
        )
        if rule_id == "B-notice":
            regimes["ballot_notice"] = rule.regime
            notice_day = day

    if select.has("B-content") and notice_day is not None:
        rule = select.rule("B-content", notice_day)
        text = _content_text(rule, "Notice of ballot")
        if regime is None and rule.effective_from is not None:
            before = rule.effective_from - dt.timedelta(days=1)
            earlier = [v for v in rulebook.versions("B-content") if v.covers(before)]
            if earlier and dict(earlier[0].params) != dict(rule.params):
                text += (
                    f"; content follows the day the employer receives the notice: if received "
                    f"on or before {before.isoformat()}, regime {earlier[0].regime} applies "
                    f"and it must give "
                    + ", ".join(
                        _CONTENT_LABELS.get(n, n) for n, v in earlier[0].params.items() if v is True
                    )
                )
        requirements.append(Reason("B-content", text, rule.source))

    thresholds = select.rule("T-majority", opens)
    regimes["thresholds"] = thresholds.regime
    regimes["voting_paper"] = thresholds.regime
    if select.has("V-content"):
        rule = select.rule("V-content", opens)
        requirements.append(Reason("V-content", _content_text(rule, "Voting paper"), rule.source))
    if select.has("B-scrutineer"):
        rule = select.rule("B-scrutineer", opens)
        limit = rule.int_param("max_entitled_without_scrutineer")
        requirements.append(
            Reason(
                "B-scrutineer",
                f"independent scrutineer required unless {limit} or fewer are entitled in total "
                f"across linked ballots, {rule.source}",
                rule.source,
            )
        )
    turnout = select.rule("T-turnout", opens)
    if turnout.applies:
        requirements.append(
            Reason(
                "T-turnout",
                f"turnout threshold: at least {share_label(turnout.fraction_param('share'))} of "
                f"those entitled must vote (regime {turnout.regime}), {turnout.source}",
                turnout.source,
            )
        )
    else:
        not_applicable.append(
            Reason("T-turnout", f"no turnout threshold: {turnout.notes}", turnout.source)
        )
    ips = select.rule("T-ips", opens)
    if important_public_services:
        if ips.applies:
            requirements.append(
                Reason(
                    "T-ips",
                    f"important public services: yes votes must be at least "
                    f"{share_label(ips.fraction_param('share'))} of those entitled (regime "
                    f"{ips.regime}), {ips.source}",
                    ips.source,
                )
            )
        else:
            not_applicable.append(
                Reason("T-ips", f"no important public services threshold: {ips.notes}", ips.source)
            )

    inform = select.rule("T-inform", opens)
    result_day = closes + dt.timedelta(days=inform.int_param("recommended_days_after_close"))
    deadlines.append(
        Deadline(
            "T-inform",
            result_day,
            inform.regime,
            inform.source,
            f"result to every member entitled and every employer as soon as reasonably "
            f"practicable: plan to send it the day the scrutineer reports, {result_day.isoformat()}"
            f"; Metrobus v Unite 2009 lost an injunction over a notice two days late; no notice "
            f"of action before it is sent, {inform.source}",
            kind="recommended",
        )
    )
    if select.has("A-early"):
        early = select.rule("A-early", opens)
        deadlines.append(
            Deadline(
                "A-early",
                closes,
                early.regime,
                early.source,
                f"no call to action before the ballot closes on {closes.isoformat()}; the call "
                f"is made by the person named on the voting paper, {early.source}",
                kind="earliest",
            )
        )

    mandate, mandate_rule = _mandate(
        select, opens=opens, closes=closes, extension_agreed=extension_agreed
    )
    regimes["mandate"] = mandate_rule.regime
    if mandate is None:
        not_applicable.append(
            Reason("A-mandate", f"no statutory expiry: {mandate_rule.notes}", mandate_rule.source)
        )
    else:
        deadlines.append(
            Deadline(
                "A-mandate",
                mandate.last_day,
                mandate.regime,
                mandate.source,
                mandate.explanation,
                kind="latest",
            )
        )

    if first_action is not None:
        notice = action_notice_deadline(
            rulebook, first_action=first_action, by_agreement=extension_agreed, regime=regime
        )
        if notice is None:
            rule = select.rule("A-notice", first_action)
            not_applicable.append(
                Reason("A-notice", f"no notice of action: {rule.notes}", rule.source)
            )
        else:
            deadlines.append(notice)
            regimes["notice_of_action"] = notice.regime
            if notice.date < closes:
                checks.append(
                    Check(
                        "A-notice",
                        False,
                        f"the notice of action would have to be received by "
                        f"{notice.date.isoformat()}, before the ballot closes on "
                        f"{closes.isoformat()}: action cannot lawfully start on "
                        f"{first_action.isoformat()}",
                        notice.source,
                    )
                )
            if select.has("A-content"):
                rule = select.rule("A-content", notice.date)
                requirements.append(
                    Reason("A-content", _content_text(rule, "Notice of action"), rule.source)
                )
        if mandate is not None:
            inside = closes <= first_action <= mandate.last_day
            verb = "begin" if mandate.limits == "start_of_action" else "take place"
            checks.append(
                Check(
                    "A-mandate",
                    inside,
                    (
                        f"first day of action {first_action.isoformat()} is within the mandate "
                        f"({mandate.starts.isoformat()} to {mandate.last_day.isoformat()})"
                        if inside
                        else f"first day of action {first_action.isoformat()} is outside the "
                        f"mandate: action must {verb} between {mandate.starts.isoformat()} and "
                        f"{mandate.last_day.isoformat()}"
                    )
                    + f", {mandate.source}",
                    mandate.source,
                )
            )
        if select.has("P-supervisor"):
            rule = select.rule("P-supervisor", first_action)
            regimes["picketing"] = rule.regime
            if rule.applies:
                requirements.append(
                    Reason(
                        "P-supervisor",
                        f"picketing on {first_action.isoformat()} (regime {rule.regime}): a "
                        f"picket supervisor per site, with a letter of authorisation, "
                        f"identifiable and contactable; checked for each day of picketing, "
                        f"{rule.source}",
                        rule.source,
                    )
                )
            else:
                not_applicable.append(
                    Reason(
                        "P-supervisor",
                        f"no picket supervisor required for picketing on "
                        f"{first_action.isoformat()}: {rule.notes}",
                        rule.source,
                    )
                )
        if select.has("P-six"):
            rule = select.rule("P-six", first_action)
            requirements.append(
                Reason(
                    "P-six",
                    f"in general no more than {rule.int_param('max_pickets_per_entrance')} "
                    f"pickets at any entrance, {rule.source}",
                    rule.source,
                )
            )

    if notice_received is not None and first_action is not None and select.has("A-notice"):
        if notice_received < closes:
            rule = select.rule("A-notice", notice_received)
            checks.append(
                Check(
                    "A-notice",
                    False,
                    f"notice received {notice_received.isoformat()}, before the ballot "
                    f"closed on {closes.isoformat()}: a notice of action must follow the "
                    f"s231A result notice, {rule.source}",
                    rule.source,
                )
            )
        checks.append(
            notice_in_time(
                rulebook,
                received=notice_received,
                first_action=first_action,
                by_agreement=extension_agreed,
                regime=regime,
            )
        )

    return Timetable(
        jurisdiction=rulebook.jurisdiction,
        rulebook_name=rulebook.name,
        opens=opens,
        closes=closes,
        regimes=regimes,
        deadlines=tuple(deadlines),
        mandate=mandate,
        checks=tuple(checks),
        requirements=tuple(requirements),
        not_applicable=tuple(not_applicable),
        warnings=tuple(warnings),
    )


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LawError(f"{name}: expected a whole number, got {value!r}.", field=name)
    if value < 0:
        raise LawError(f"{name}: must not be negative, got {value}.", field=name)
    return value


def evaluate_ballot(
    rulebook: Rulebook,
    *,
    opens: dt.date,
    closes: dt.date,
    entitled: int,
    votes_cast: int,
    yes: int,
    no: int,
    spoiled: int | None = None,
    important_public_services: bool = False,
    extension_agreed: bool = False,
    question: str = "strike",
    regime: str | None = None,
) -> BallotOutcome:
    """Decide one question of one constituency's ballot, with a reason for every step.

    ``votes_cast`` counts every paper returned, spoiled and blank included (turnout counts them;
    the majority does not). ``spoiled`` defaults to ``votes_cast - yes - no``.
    """
    entitled = _check_count("entitled", entitled)
    votes_cast = _check_count("votes_cast", votes_cast)
    yes = _check_count("yes", yes)
    no = _check_count("no", no)
    if entitled == 0:
        raise LawError("entitled: no one is entitled to vote.", field="entitled")
    if votes_cast > entitled:
        raise LawError(
            f"votes_cast: {count(votes_cast)} votes cast exceed the {count(entitled)} entitled; "
            "reconcile the electorate with the scrutineer (Network Rail 2010).",
            field="votes_cast",
        )
    if spoiled is None:
        if yes + no > votes_cast:
            raise LawError(
                f"votes_cast: yes ({count(yes)}) + no ({count(no)}) exceed the "
                f"{count(votes_cast)} votes cast.",
                field="votes_cast",
            )
        spoiled = votes_cast - yes - no
    else:
        spoiled = _check_count("spoiled", spoiled)
        if yes + no + spoiled != votes_cast:
            raise LawError(
                f"spoiled: yes ({count(yes)}) + no ({count(no)}) + spoiled ({count(spoiled)}) "
                f"= {count(yes + no + spoiled)}, not the {count(votes_cast)} votes cast.",
                field="spoiled",
            )
    if closes < opens:
        raise LawError(
            f"closes: the ballot closes ({closes.isoformat()}) before it opens "
            f"({opens.isoformat()}).",
            field="closes",
        )

    select = _Selector(rulebook, regime)
    reasons: list[Reason] = []
    if regime is not None and not rulebook.regime(regime).in_force:
        rule = select.rule("T-majority", opens)
        reasons.append(
            Reason(
                "T-majority",
                f"regime {regime} is not yet in force: this outcome is a what-if",
                rule.source,
            )
        )
    turnout_text = percent(votes_cast, entitled)

    turnout_rule = select.rule("T-turnout", opens)
    turnout_required = turnout_rule.applies
    if turnout_required:
        share = turnout_rule.fraction_param("share")
        turnout_met = meets_share(votes_cast, entitled, share)
        verdict = (
            f"at least {share_label(share)}: threshold met"
            if turnout_met
            else f"below {share_label(share)}: no mandate"
        )
        reasons.append(
            Reason(
                "T-turnout",
                f"turnout {count(votes_cast)} of {count(entitled)} = {turnout_text}, {verdict}, "
                f"{turnout_rule.source}",
                turnout_rule.source,
            )
        )
    else:
        turnout_met = True
        reasons.append(
            Reason(
                "T-turnout",
                f"turnout {count(votes_cast)} of {count(entitled)} = {turnout_text}; no turnout "
                f"threshold (regime {turnout_rule.regime}): {turnout_rule.notes}",
                turnout_rule.source,
            )
        )

    majority_rule = select.rule("T-majority", opens)
    share = majority_rule.fraction_param("share")
    strict = majority_rule.params.get("strict") is True
    basis = majority_rule.str_param("basis")

    def reading(on: str) -> tuple[bool, str]:
        whole = yes + no if on == "yes_no" else votes_cast
        label = "yes-or-no answers" if on == "yes_no" else "papers returned"
        met = whole > 0 and meets_share(yes, whole, share, strict=strict)
        shown = percent(yes, whole) if whole else "no votes"
        relation = "more than" if strict else "at least"
        return (
            met,
            f"{count(yes)} yes of {count(whole)} {label} = {shown}, {relation} {share_label(share)} needed",
        )

    majority_met, primary = reading(basis)
    other_basis = "votes_cast" if basis == "yes_no" else "yes_no"
    other_met, secondary = reading(other_basis)
    reasons.append(
        Reason(
            "T-majority",
            f"majority ({count(yes)} yes, {count(no)} no, {count(spoiled)} spoiled or blank): "
            f"{primary}: {'met' if majority_met else 'not met'}, {majority_rule.source}",
            majority_rule.source,
        )
    )
    if other_met != majority_met:
        reasons.append(
            Reason(
                "T-majority",
                f"the readings differ: counted against all {other_basis.replace('_', ' ')}, "
                f"{secondary}: {'met' if other_met else 'not met'}; the decision follows the "
                f"rule's basis ({basis.replace('_', ' ')}), {majority_rule.source}",
                majority_rule.source,
            )
        )

    ips_rule = select.rule("T-ips", opens)
    ips_required = important_public_services and ips_rule.applies
    if ips_required:
        ips_share = ips_rule.fraction_param("share")
        ips_met = meets_share(yes, entitled, ips_share)
        verdict = (
            f"at least {share_label(ips_share)}: threshold met"
            if ips_met
            else f"below {share_label(ips_share)}: no mandate"
        )
        reasons.append(
            Reason(
                "T-ips",
                f"important public services: {count(yes)} yes of {count(entitled)} entitled = "
                f"{percent(yes, entitled)}, {verdict}, {ips_rule.source}",
                ips_rule.source,
            )
        )
    else:
        ips_met = True
        if important_public_services:
            reasons.append(
                Reason(
                    "T-ips",
                    f"important public services: no 40% support threshold (regime "
                    f"{ips_rule.regime}): {ips_rule.notes}",
                    ips_rule.source,
                )
            )

    if select.has("B-scrutineer"):
        rule = select.rule("B-scrutineer", opens)
        limit = rule.int_param("max_entitled_without_scrutineer")
        needed = entitled > limit
        reasons.append(
            Reason(
                "B-scrutineer",
                f"{count(entitled)} entitled: "
                + (
                    "an independent scrutineer is required"
                    if needed
                    else f"{limit} or fewer, no scrutineer required unless linked ballots "
                    "together exceed it"
                )
                + f", {rule.source}",
                rule.source,
            )
        )

    mandate_ok = turnout_met and majority_met and ips_met
    starts: dt.date | None = None
    last_day: dt.date | None = None
    mandate, mandate_rule = _mandate(
        select, opens=opens, closes=closes, extension_agreed=extension_agreed
    )
    if mandate_ok:
        if mandate is None:
            starts = closes
            reasons.append(
                Reason(
                    "A-mandate",
                    f"mandate for {question} from {closes.isoformat()}; no statutory expiry: "
                    f"{mandate_rule.notes}",
                    mandate_rule.source,
                )
            )
        else:
            starts, last_day = mandate.starts, mandate.last_day
            reasons.append(
                Reason(
                    "A-mandate",
                    f"mandate for {question} from {starts.isoformat()} to {last_day.isoformat()}: "
                    f"{mandate.explanation}",
                    mandate.source,
                )
            )
    else:
        reasons.append(
            Reason(
                "A-mandate",
                f"no mandate for {question}: "
                + ", ".join(
                    name
                    for name, ok in (
                        ("turnout threshold not met", turnout_met),
                        ("majority not met", majority_met),
                        ("important public services threshold not met", ips_met),
                    )
                    if not ok
                ),
                mandate_rule.source,
            )
        )

    return BallotOutcome(
        jurisdiction=rulebook.jurisdiction,
        question=question,
        regime=majority_rule.regime,
        entitled=entitled,
        votes_cast=votes_cast,
        yes=yes,
        no=no,
        spoiled=spoiled,
        turnout=turnout_text,
        turnout_required=turnout_required,
        turnout_met=turnout_met,
        majority_met=majority_met,
        majority_other_reading_met=other_met,
        ips_required=ips_required,
        ips_met=ips_met,
        mandate=mandate_ok,
        mandate_starts=starts,
        last_day=last_day,
        reasons=tuple(reasons),
    )
