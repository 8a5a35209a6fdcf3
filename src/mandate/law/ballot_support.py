"""What the ballots app asks of the rulebook beyond ``calculate``: results with missing counts.

A scrutineer's report may give no No count (the majority must then be judged against every paper
returned, blank and spoiled included) or, in Northern Ireland where no turnout threshold applies,
no number entitled to vote. ``evaluate_ballot`` needs both, so ``decide`` uses it whenever the
counts are complete and applies the same rules itself, with the same exact arithmetic and cited
reasons, when they are not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from mandate.law.arithmetic import count, meets_share, percent, share_label
from mandate.law.calculate import ballot_timetable, evaluate_ballot
from mandate.law.errors import LawError
from mandate.law.model import Rule, Rulebook


@dataclass(frozen=True)
class Counts:
    """A constituency's answer to one question, as counted by the scrutineer.

    ``no`` is None when the report gives no No count; ``entitled`` is None when it gives no
    electorate (only lawful where no turnout threshold applies).
    """

    entitled: int | None
    votes_cast: int
    yes: int
    no: int | None = None
    spoiled: int | None = None


@dataclass(frozen=True)
class Decision:
    """Whether a result gives a mandate, each threshold's outcome, reasons and the last day."""

    regime: str
    turnout_met: bool | None  # None: no turnout threshold applies
    majority_met: bool
    ips_met: bool | None  # None: the important public services threshold does not apply
    mandate: bool
    last_day: dt.date | None
    last_day_limits: str  # "all_action", "start_of_action", or "" with no expiry
    reasons: list[str] = field(default_factory=list)


def decide(
    book: Rulebook,
    *,
    opens: dt.date,
    closes: dt.date,
    counts: Counts,
    question: str,
    important_public_services: bool = False,
    extension_agreed: bool = False,
    regime: str | None = None,
) -> Decision:
    """Apply T-turnout, T-majority, T-ips and A-mandate to one result, exactly, with reasons."""
    timetable = ballot_timetable(
        book,
        opens=opens,
        closes=closes,
        important_public_services=important_public_services,
        extension_agreed=extension_agreed,
        regime=regime,
    )
    mandate = timetable.mandate
    limits = mandate.limits if mandate is not None else ""
    if counts.entitled and counts.no is not None:
        outcome = evaluate_ballot(
            book,
            opens=opens,
            closes=closes,
            entitled=counts.entitled,
            votes_cast=counts.votes_cast,
            yes=counts.yes,
            no=counts.no,
            spoiled=counts.spoiled,
            important_public_services=important_public_services,
            extension_agreed=extension_agreed,
            question=question,
            regime=regime,
        )
        return Decision(
            regime=outcome.regime,
            turnout_met=outcome.turnout_met if outcome.turnout_required else None,
            majority_met=outcome.majority_met,
            ips_met=outcome.ips_met if outcome.ips_required else None,
            mandate=outcome.mandate,
            last_day=outcome.last_day,
            last_day_limits=limits if outcome.mandate else "",
            # The scrutineer requirement is the ballot's, judged on its checklist.
            reasons=[r.text for r in outcome.reasons if r.rule_id != "B-scrutineer"],
        )
    return _decide_incomplete(
        book,
        opens=opens,
        counts=counts,
        question=question,
        important_public_services=important_public_services,
        regime=regime,
        last_day=mandate.last_day if mandate is not None else None,
        limits=limits,
    )


def _decide_incomplete(
    book: Rulebook,
    *,
    opens: dt.date,
    counts: Counts,
    question: str,
    important_public_services: bool,
    regime: str | None,
    last_day: dt.date | None,
    limits: str,
) -> Decision:
    def rule(rule_id: str) -> Rule:
        return book.rule(rule_id, regime=regime) if regime else book.rule(rule_id, on=opens)

    if counts.yes > counts.votes_cast:
        raise LawError(
            f"yes: {count(counts.yes)} yes votes exceed the {count(counts.votes_cast)} votes cast.",
            field="yes",
        )
    if counts.entitled is not None and counts.votes_cast > counts.entitled:
        raise LawError(
            f"votes_cast: {count(counts.votes_cast)} votes cast exceed the "
            f"{count(counts.entitled)} entitled; reconcile the electorate with the scrutineer "
            "(Network Rail 2010).",
            field="votes_cast",
        )
    reasons: list[str] = []
    turnout_rule = rule("T-turnout")
    turnout_met: bool | None = None
    if turnout_rule.applies:
        share = turnout_rule.fraction_param("share")
        if not counts.entitled:
            turnout_met = False
            reasons.append(
                f"turnout cannot be judged: no number entitled to vote was given, and at least "
                f"{share_label(share)} must vote, {turnout_rule.source}"
            )
        else:
            turnout_met = meets_share(counts.votes_cast, counts.entitled, share)
            verdict = (
                f"at least {share_label(share)}: threshold met"
                if turnout_met
                else f"below {share_label(share)}: no mandate"
            )
            reasons.append(
                f"turnout {count(counts.votes_cast)} of {count(counts.entitled)} = "
                f"{percent(counts.votes_cast, counts.entitled)}, {verdict}, {turnout_rule.source}"
            )
    else:
        shown = (
            f"turnout {count(counts.votes_cast)} of {count(counts.entitled)} = "
            f"{percent(counts.votes_cast, counts.entitled)}"
            if counts.entitled
            else f"{count(counts.votes_cast)} votes cast (no electorate given)"
        )
        reasons.append(
            f"{shown}; no turnout threshold (regime {turnout_rule.regime}), {turnout_rule.source}"
        )

    majority_rule = rule("T-majority")
    m_share = majority_rule.fraction_param("share")
    strict = majority_rule.params.get("strict") is True
    if counts.no is not None:
        whole, label = counts.yes + counts.no, "yes-or-no answers"
    else:
        whole, label = counts.votes_cast, "papers returned"
    majority_met = whole > 0 and meets_share(counts.yes, whole, m_share, strict=strict)
    relation = "more than" if strict else "at least"
    shown = percent(counts.yes, whole) if whole else "no votes"
    text = (
        f"majority: {count(counts.yes)} yes of {count(whole)} {label} = {shown}, {relation} "
        f"{share_label(m_share)} needed: {'met' if majority_met else 'not met'}, "
        f"{majority_rule.source}"
    )
    if counts.no is None:
        text += (
            "; the report gives no No count, so blank and spoiled papers count against the question"
        )
    reasons.append(text)

    ips_met: bool | None = None
    ips_rule = rule("T-ips")
    if important_public_services and ips_rule.applies:
        ips_share: Fraction = ips_rule.fraction_param("share")
        entitled = counts.entitled or 0
        ips_met = entitled > 0 and meets_share(counts.yes, entitled, ips_share)
        reasons.append(
            f"important public services: {count(counts.yes)} yes of {count(entitled)} entitled"
            + (f" = {percent(counts.yes, entitled)}" if entitled else "")
            + f", {'threshold met' if ips_met else 'no mandate'} (at least "
            f"{share_label(ips_share)} needed), {ips_rule.source}"
        )

    granted = majority_met and turnout_met is not False and ips_met is not False
    mandate_rule = rule("A-mandate")
    if granted:
        if last_day is None:
            reasons.append(f"mandate for {question}; no statutory expiry, {mandate_rule.source}")
        else:
            verb = "action must begin by" if limits == "start_of_action" else "lawful until"
            reasons.append(
                f"mandate for {question}: {verb} {last_day.isoformat()}, {mandate_rule.source}"
            )
    else:
        failed = [
            name
            for name, ok in (
                ("turnout threshold not met", turnout_met is not False),
                ("majority not met", majority_met),
                ("important public services threshold not met", ips_met is not False),
            )
            if not ok
        ]
        reasons.append(f"no mandate for {question}: {', '.join(failed)}, {mandate_rule.source}")
    return Decision(
        regime=majority_rule.regime,
        turnout_met=turnout_met,
        majority_met=majority_met,
        ips_met=ips_met,
        mandate=granted,
        last_day=last_day if granted else None,
        last_day_limits=limits if granted else "",
        reasons=reasons,
    )
