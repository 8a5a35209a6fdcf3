"""Every statutory test an action must pass before it is called, each with its reason and source.

``action_checks`` reads the action, its ballot's mandates and result letters, the notices of
action served and the frozen electorate, and returns one ``CheckResult`` per finding. Numbers of
days come from the rulebook (with recorded overrides), chosen by each step's own trigger date:
the notice-of-action regime by the date the employer received the notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from mandate.actions import queries
from mandate.actions.models import Action, NoticeOfAction, Pattern
from mandate.ballots.models import Constituency, Mandate, NoticeKind, ResultNotice
from mandate.ballots.rules import load_rulebook
from mandate.core.models import Employer
from mandate.law.calculate import action_notice_deadline, notice_in_time
from mandate.law.model import Rulebook

METROBUS = "Metrobus v Unite [2009] EWCA Civ 829"
ROYAL_MAIL_2017 = "Royal Mail v CWU [2017] EWHC 3323 (QB)"
RESUMPTION = "TULRCA s234A(7)-(7B)"


@dataclass(frozen=True)
class CheckResult:
    """One finding: the rule, pass or fail, a sentence a branch secretary can act on, the source."""

    rule_id: str
    ok: bool
    message: str
    citation: str
    constituency: str = ""
    employer: str = ""
    date: dt.date | None = None
    # Every day this finding blocks (the page badges each one); empty when it blocks them all.
    dates: tuple[dt.date, ...] = ()


def _cite(book: Rulebook, rule_id: str, on: dt.date) -> str:
    if not book.has_rule(rule_id):
        return ""
    return book.rule(rule_id, on=on).source.short


def _listed(days: Iterable[dt.date], limit: int = 6) -> str:
    items = sorted(days)
    text = ", ".join(f"{d:%a %d %b %Y}" for d in items[:limit])
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


def _days(action: Action) -> list[dt.date]:
    return queries.days_of(action)


def _mandate_checks(
    action: Action, constituencies: list[Constituency], days: list[dt.date]
) -> list[CheckResult]:
    ballot = action.ballot
    mandates = {
        m.constituency_id: m
        for m in Mandate.objects.filter(constituency__in=constituencies, question=action.kind)
    }
    results = []
    question = "strike" if action.kind == "strike" else "action short of strike"
    for c in constituencies:
        book = load_rulebook(c.rulebook_key)
        cite = _cite(book, "A-mandate", ballot.opens)
        mandate = mandates.get(c.pk)
        if mandate is None or not mandate.granted:
            why = mandate.reason if mandate is not None else "no result has been recorded"
            results.append(
                CheckResult(
                    "A-mandate",
                    False,
                    f"No mandate for {question} in {c.name}: {why}".rstrip(". ") + ".",
                    cite,
                    constituency=c.name,
                )
            )
            continue
        outside = [d for d in days if d < ballot.closes]
        if mandate.last_day is not None:
            outside += [d for d in days if d > mandate.last_day]
        if action.pattern == Pattern.CONTINUOUS and action.end_date is None and mandate.last_day:
            note = f" Continuous action must end by {mandate.last_day:%d %B %Y}."
        else:
            note = ""
        if outside:
            results.append(
                CheckResult(
                    "A-mandate",
                    False,
                    f"{c.name}: the mandate for {question} runs from {ballot.closes:%d %B %Y} "
                    f"to {mandate.last_day:%d %B %Y}; "
                    f"outside it: {_listed(outside)}. A new ballot is needed for those days.",
                    cite,
                    constituency=c.name,
                    date=min(outside),
                    dates=tuple(sorted(outside)),
                )
            )
        else:
            last = f"{mandate.last_day:%d %B %Y}" if mandate.last_day else "no expiry"
            results.append(
                CheckResult(
                    "A-mandate",
                    True,
                    f"{c.name}: every day is within the mandate for {question} (last day "
                    f"{last}).{note}",
                    cite,
                    constituency=c.name,
                )
            )
    return results


def agreement_note(book: Rulebook, notice: NoticeOfAction) -> str:
    """What a recorded notice-period agreement does under the rule in force when the employer
    received the notice (or today, for a draft), in a sentence citing the section; empty when
    nothing was agreed."""
    agreed = notice.agreed_notice_days
    if agreed is None or notice.agreed_on is None:
        return ""
    on = notice.received_on or timezone.localdate()
    rule = book.rule("A-notice", on=on)
    if not rule.applies:
        return ""
    what = (
        f" {agreed} days' notice was agreed with the employer on {notice.agreed_on:%d %B %Y} "
        f"({notice.agreed_by}; {notice.agreement_reference})"
    )
    statutory = rule.int_param("days")
    shortest = rule.optional_int_param("days_by_agreement")
    cite = rule.source.short
    if shortest is None:
        return (
            f"{what}, but regime {rule.regime} allows no shorter period by agreement ({cite}): "
            f"the statutory {statutory} days apply."
        )
    if agreed >= statutory:
        return f"{what}; that is not shorter than the statutory {statutory} days ({cite})."
    if agreed < shortest:
        return (
            f"{what}; the law allows no fewer than {shortest} days by agreement ({cite}), so "
            f"{shortest} apply."
        )
    return (
        f"{what}, as {cite} allows (regime {rule.regime}: no fewer than {shortest} by agreement)."
    )


def _employer_checks(
    action: Action,
    employer: Employer,
    book: Rulebook,
    days: list[dt.date],
    notices: list[NoticeOfAction],
) -> list[CheckResult]:
    ballot = action.ballot
    results: list[CheckResult] = []
    first = min(days) if days else None
    letters = list(
        ResultNotice.objects.filter(
            ballot=ballot, kind=NoticeKind.EMPLOYER_LETTER, employer=employer
        ).order_by("sent_at")
    )
    inform_cite = f"{_cite(book, 'T-inform', ballot.opens)}; {METROBUS}"
    if not letters:
        results.append(
            CheckResult(
                "T-inform",
                False,
                f"No s231A result letter is recorded as sent to {employer.name}: send it and "
                "record it on the ballot before serving any notice of action.",
                inform_cite,
                employer=employer.name,
            )
        )
    else:
        sent = timezone.localtime(letters[0].sent_at).date()
        early = [n for n in notices if n.received_on is not None and n.received_on < sent]
        if early:
            results.append(
                CheckResult(
                    "T-inform",
                    False,
                    f"{employer.name} received a notice of action on "
                    f"{early[0].received_on:%d %B %Y}, before the s231A result letter was sent "
                    f"on {sent:%d %B %Y}: serve a new notice.",
                    inform_cite,
                    employer=employer.name,
                )
            )
        else:
            results.append(
                CheckResult(
                    "T-inform",
                    True,
                    f"The s231A result letter went to {employer.name} on {sent:%d %B %Y}, before "
                    "any notice of action.",
                    inform_cite,
                    employer=employer.name,
                )
            )
    if first is None:
        return results
    if not notices:
        draft = (
            action.notices.filter(
                employer=employer, served_at__isnull=True, agreed_notice_days__isnull=False
            )
            .order_by("-created_at")
            .first()
        )
        agreed = draft.agreed_notice_days if draft is not None else None
        deadline = action_notice_deadline(book, first_action=first, agreed_days=agreed)
        when = (
            f": it must be received by {deadline.date:%d %B %Y} for action from "
            f"{first:%d %B %Y} (regime {deadline.regime}"
            + (", with the notice period agreed with the employer" if agreed else "")
            + ")"
            if deadline
            else ""
        )
        results.append(
            CheckResult(
                "A-notice",
                False,
                f"No notice of action has been served on {employer.name}{when}.",
                deadline.source.short if deadline else _cite(book, "A-notice", first),
                employer=employer.name,
                date=first,
            )
        )
        return results
    for notice in notices:
        if notice.received_on is None:  # a served notice always has one (a constraint)
            continue
        covered = [d for d in days if notice.covers(d)]
        if not covered:
            continue
        check = notice_in_time(
            book,
            received=notice.received_on,
            first_action=min(covered),
            agreed_days=notice.agreed_notice_days,
        )
        results.append(
            CheckResult(
                "A-notice",
                check.ok,
                f"{employer.name}: {check.text}{agreement_note(book, notice)}",
                check.source.short,
                employer=employer.name,
                date=min(covered),
                dates=() if check.ok else tuple(covered),
            )
        )
    missing = [d for d in days if not any(n.covers(d) for n in notices)]
    content_on = max(n.received_on for n in notices if n.received_on is not None)
    content_cite = _cite(book, "A-content", content_on)
    if missing:
        results.append(
            CheckResult(
                "A-content",
                False,
                f"The notices served on {employer.name} do not cover {_listed(missing)}: "
                "a date not in a notice needs a new notice.",
                content_cite,
                employer=employer.name,
                date=min(missing),
                dates=tuple(missing),
            )
        )
    else:
        results.append(
            CheckResult(
                "A-content",
                True,
                f"Every day of action is in a notice served on {employer.name}.",
                content_cite,
                employer=employer.name,
            )
        )
    return results


def _resumption_check(
    action: Action, employer: Employer, notices: list[NoticeOfAction]
) -> CheckResult | None:
    if action.suspended_at is None:
        return None
    suspended = timezone.localtime(action.suspended_at).date()
    if action.employer_agreed_resumption:
        return CheckResult(
            "A-notice",
            True,
            f"Resuming after the suspension of {suspended:%d %B %Y}: the employers agreed, so no "
            "new notice is needed.",
            RESUMPTION,
            employer=employer.name,
        )
    fresh = [n for n in notices if n.received_on is not None and n.received_on >= suspended]
    if fresh:
        return CheckResult(
            "A-notice",
            True,
            f"{employer.name} received a new notice on {fresh[0].received_on:%d %B %Y}, after "
            f"the suspension of {suspended:%d %B %Y}.",
            RESUMPTION,
            employer=employer.name,
        )
    return CheckResult(
        "A-notice",
        False,
        f"The action was suspended on {suspended:%d %B %Y}: resuming it needs a new notice to "
        f"{employer.name}, unless the employer agreed to the resumption (record that first).",
        RESUMPTION,
        employer=employer.name,
    )


def _called_checks(
    action: Action, constituencies: list[Constituency], book_for: dict[str, Rulebook]
) -> list[CheckResult]:
    results = []
    for c in constituencies:
        cite = _cite(book_for[c.rulebook_key], "B-called", action.ballot.opens)
        in_reach, joiners = queries.unballoted_count(action, c)
        if joiners == 0:
            results.append(
                CheckResult(
                    "B-called",
                    True,
                    f"{c.name}: all {in_reach} members in reach were entitled to vote.",
                    cite,
                    constituency=c.name,
                )
            )
        elif action.exclude_unballoted:
            results.append(
                CheckResult(
                    "B-called",
                    True,
                    f"{c.name}: {joiners} member{'s' if joiners != 1 else ''} joined after the "
                    "ballot (or were not entitled) and are told they are not called.",
                    cite,
                    constituency=c.name,
                )
            )
        else:
            results.append(
                CheckResult(
                    "B-called",
                    False,
                    f"{c.name}: {joiners} member{'s' if joiners != 1 else ''} joined after the "
                    "ballot and must not be called. Confirm they will be told they are not "
                    "called (exclude them) before calling the action.",
                    cite,
                    constituency=c.name,
                )
            )
    return results


def action_checks(action: Action, *, today: dt.date | None = None) -> list[CheckResult]:
    """Every check the action must pass to be called, in the order an officer works through them."""
    today = today or timezone.localdate()
    ballot = action.ballot
    constituencies = list(action.constituencies.select_related("employer", "workplace"))
    days = _days(action)
    gb = load_rulebook(ballot.jurisdiction)
    books = {key: load_rulebook(key) for key in {c.rulebook_key for c in constituencies}}
    results: list[CheckResult] = []
    early_cite = _cite(gb, "A-early", ballot.opens)
    if today <= ballot.closes:
        results.append(
            CheckResult(
                "A-early",
                False,
                f"The ballot closes on {ballot.closes:%d %B %Y}: no call to action before then.",
                early_cite,
            )
        )
    else:
        callers = ballot.authorised_callers.strip() or "the person named on the voting paper"
        results.append(
            CheckResult(
                "A-early",
                True,
                f"The ballot closed on {ballot.closes:%d %B %Y}; the call is made by {callers}.",
                early_cite,
            )
        )
    if not constituencies:
        results.append(CheckResult("A-mandate", False, "The action names no constituency.", ""))
    if not days:
        results.append(CheckResult("A-content", False, "The action has no day of action.", ""))
    results += _mandate_checks(action, constituencies, days)
    served = list(
        action.notices.filter(served_at__isnull=False)
        .select_related("employer")
        .order_by("received_on", "id")
    )
    for employer in queries.action_employers(action):
        book = load_rulebook("ni" if employer.jurisdiction == "northern_ireland" else "gb")
        mine = [n for n in served if n.employer_id == employer.pk]
        results += _employer_checks(action, employer, book, days, mine)
        resume = _resumption_check(action, employer, mine)
        if resume is not None:
            results.append(resume)
    results += _called_checks(action, constituencies, books)
    unmet = list(action.dispute.unmet_preconditions().values_list("description", flat=True))
    if unmet:
        results.append(
            CheckResult(
                "D-precondition",
                False,
                "Preconditions agreed with the employer are not yet met: " + "; ".join(unmet) + ".",
                ROYAL_MAIL_2017,
            )
        )
    else:
        results.append(
            CheckResult(
                "D-precondition",
                True,
                "Every precondition agreed with the employer is met (or none was agreed).",
                ROYAL_MAIL_2017,
            )
        )
    return results


def failing(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.ok]
