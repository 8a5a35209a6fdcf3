"""Everything that changes a ballot: creating it, its checklist, opening and freezing the
electorate, results (imported or entered), mandates, result notices and rule overrides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mandate.ballots.matching import Suggestion, light_key, match_names
from mandate.ballots.models import (
    Ballot,
    BallotKind,
    BallotState,
    ChecklistStep,
    Constituency,
    ConstituencyAlias,
    ElectorateEntry,
    ElectorateExclusion,
    ExclusionReason,
    Mandate,
    NoticeKind,
    QuestionKind,
    Result,
    ResultNotice,
    ResultsImport,
    ResultSource,
    RuleOverride,
    StepPhase,
    StepStatus,
)
from mandate.ballots.rules import RuleError, load_rulebook, load_rulebooks, statutory
from mandate.ballots.scrutineer import (
    Jurisdiction as HintJurisdiction,
)
from mandate.ballots.scrutineer import (
    ParsedReport,
    ReportProblem,
    parse_report,
)
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Employer, Jurisdiction, User, Workplace
from mandate.disputes.models import Dispute
from mandate.law.ballot_support import Counts, decide
from mandate.law.calculate import Timetable, ballot_timetable
from mandate.law.errors import LawError
from mandate.law.model import Override, Rule, Rulebook
from mandate.law.registry import JURISDICTIONS
from mandate.members.models import Employment, MemberStatus

CREATE = "create"


class BallotError(DomainError):
    """A ballot cannot be created or changed as asked; the message says why."""


class ChecklistIncomplete(DomainError):
    """The ballot cannot open: required steps are missing or late (each one named)."""

    status_code = 409

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "The ballot cannot open until every required step is done in time: "
            + " ".join(problems)
        )
        self.problems = problems


class ImportRefused(DomainError):
    """A report was not imported; nothing was written. ``problems`` lists each reason."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        problems: list[str] | None = None,
        unmatched: Mapping[str, list[Suggestion[int]]] | None = None,
    ) -> None:
        self.headline = message
        self.problems = problems or []
        self.unmatched = dict(unmatched or {})
        full = message
        if self.problems:
            full += " " + " ".join(self.problems)
        super().__init__(full)


def _today(today: dt.date | None) -> dt.date:
    return today if today is not None else timezone.localdate()


def _branch(ballot: Ballot) -> Any:
    return ballot.dispute.branch


# Creating a ballot and its checklist --------------------------------------------------------


def _jurisdiction_key(value: str) -> str:
    key = value.strip().lower()
    if key not in JURISDICTIONS:
        raise BallotError(
            f"jurisdiction: unknown rulebook {value!r}; use one of {', '.join(JURISDICTIONS)}."
        )
    return key


def ballot_timetable_for(ballot: Ballot, book: Rulebook | None = None) -> Timetable:
    """The ballot's statutory timetable from its rulebook (overrides applied)."""
    book = book or load_rulebook(ballot.jurisdiction)
    try:
        return ballot_timetable(
            book,
            opens=ballot.opens,
            closes=ballot.closes,
            important_public_services=ballot.important_public_services,
            extension_agreed=ballot.extension_agreed,
            regime=ballot.regime or None,
        )
    except LawError as exc:
        raise RuleError(exc.message) from None


@transaction.atomic
def ballot_create(
    *,
    dispute: Dispute,
    name: str,
    opens: dt.date,
    closes: dt.date,
    actor: User | None,
    jurisdiction: str = "gb",
    kind: str = BallotKind.SEPARATE,
    aggregation_basis: str = "",
    ask_strike: bool = True,
    ask_asos: bool = True,
    scrutineer: str = "",
    authorised_callers: str = "",
    important_public_services: bool = False,
    extension_agreed: bool = False,
    regime: str = "",
    employers: Iterable[Employer] | None = None,
) -> Ballot:
    """Create a ballot with one constituency per employer (or one for all) and its checklist."""
    name = name.strip()
    if not name:
        raise BallotError("name: give the ballot a name.")
    if closes < opens:
        raise BallotError(
            f"closes: the ballot closes ({closes.isoformat()}) before it opens "
            f"({opens.isoformat()})."
        )
    if kind not in BallotKind.values:
        raise BallotError(f"kind: {kind!r} is not separate or aggregated.")
    if kind == BallotKind.AGGREGATED and not aggregation_basis.strip():
        raise BallotError(
            "aggregation_basis: an aggregated ballot must record the s228A test it relies on "
            "(TULRCA s228A); separate ballots are the default."
        )
    if not (ask_strike or ask_asos):
        raise BallotError(
            "questions: ask at least one question (strike or action short of strike)."
        )
    key = _jurisdiction_key(jurisdiction)
    if regime:
        try:
            statutory(key).regime(regime)
        except LawError as exc:
            raise BallotError(f"regime: {exc.message}") from None
    ballot = Ballot.objects.create(
        dispute=dispute,
        name=name,
        jurisdiction=key,
        regime=regime,
        kind=kind,
        aggregation_basis=aggregation_basis.strip(),
        ask_strike=ask_strike,
        ask_asos=ask_asos,
        scrutineer=scrutineer.strip(),
        authorised_callers=authorised_callers.strip(),
        opens=opens,
        closes=closes,
        important_public_services=important_public_services,
        extension_agreed=extension_agreed,
        created_by=actor,
    )
    chosen = list(employers) if employers is not None else list(dispute.parties.all())
    if kind == BallotKind.AGGREGATED:
        nations = {e.jurisdiction for e in chosen}
        Constituency.objects.create(
            ballot=ballot,
            name="All members (aggregated)",
            jurisdiction=nations.pop() if len(nations) == 1 else Jurisdiction.ENGLAND,
        )
    else:
        Constituency.objects.bulk_create(
            Constituency(ballot=ballot, name=e.name, employer=e, jurisdiction=e.jurisdiction)
            for e in chosen
        )
    checklist_build(ballot=ballot, employers=chosen)
    audit_record(
        actor=actor,
        action="ballot.create",
        obj=ballot,
        branch=_branch(ballot),
        detail={"dispute": dispute.pk, "constituencies": len(chosen), "kind": kind},
    )
    return ballot


def _ballot_rule(book: Rulebook, ballot: Ballot, rule_id: str) -> Rule:
    """A rule as it stands for the ballot: in its explicit regime, else by opening date."""
    if ballot.regime:
        return book.rule(rule_id, regime=ballot.regime)
    return book.rule(rule_id, on=ballot.opens)


def _ballot_employers(ballot: Ballot) -> list[Employer]:
    own = [c.employer for c in ballot.constituencies.select_related("employer") if c.employer]
    if ballot.kind == BallotKind.AGGREGATED and not own:
        own = list(ballot.dispute.parties.all())
    return sorted({e.pk: e for e in own}.values(), key=lambda e: e.name)


def checklist_build(*, ballot: Ballot, employers: Iterable[Employer] | None = None) -> int:
    """Create the statutory steps the ballot lacks; steps already recorded are left alone.

    Per employer: notice of ballot (B-notice) and sample voting paper (B-sample), each with its
    latest day of receipt from that employer's rulebook; the result letter (s231A). For the
    ballot: the scrutineer (B-scrutineer) and the statement to members (s231).
    """
    chosen = list(employers) if employers is not None else _ballot_employers(ballot)
    books = load_rulebooks()
    ballot_book = books[ballot.jurisdiction]
    ballot_tt = ballot_timetable_for(ballot, ballot_book)
    existing = set(ballot.steps.values_list("rule_id", "employer_id"))
    steps: list[ChecklistStep] = []

    def add(**fields: Any) -> None:
        employer = fields.get("employer")
        if (fields["rule_id"], employer.pk if employer else None) not in existing:
            steps.append(ChecklistStep(ballot=ballot, **fields))

    for employer in chosen:
        key = Jurisdiction(employer.jurisdiction).rulebook
        tt = ballot_tt if key == ballot.jurisdiction else ballot_timetable_for(ballot, books[key])
        for order, rule_id, what in (
            (10, "B-notice", "Notice of ballot"),
            (20, "B-sample", "Sample voting paper"),
        ):
            try:
                deadline = tt.deadline(rule_id)
            except KeyError:
                continue
            add(
                rule_id=rule_id,
                employer=employer,
                title=f"{what} received by {employer.name}",
                citation=deadline.source.short,
                due=deadline.date,
                order=order,
            )
    scrutineer = _ballot_rule(ballot_book, ballot, "B-scrutineer")
    add(
        rule_id="B-scrutineer",
        employer=None,
        title="Independent scrutineer appointed and named on the voting paper",
        citation=scrutineer.source.short,
        due=ballot.opens,
        order=5,
    )
    try:
        inform = ballot_tt.deadline("T-inform")
        inform_due: dt.date | None = inform.date
        inform_source = inform.source.short
    except KeyError:
        inform_due, inform_source = None, ""
    add(
        rule_id="T-inform",
        employer=None,
        title="Result statement to every member entitled to vote (s231)",
        citation=inform_source,
        due=inform_due,
        phase=StepPhase.AFTER_CLOSE,
        order=50,
    )
    for employer in chosen:
        add(
            rule_id="T-inform",
            employer=employer,
            title=f"Result letter to {employer.name} (s231A)",
            citation=inform_source,
            due=inform_due,
            phase=StepPhase.AFTER_CLOSE,
            order=60,
        )
    ChecklistStep.objects.bulk_create(steps)
    return len(steps)


@transaction.atomic
def constituency_add(
    *,
    ballot: Ballot,
    name: str,
    actor: User | None,
    employer: Employer | None = None,
    workplace: Workplace | None = None,
    jurisdiction: str = "",
    entitled_count: int | None = None,
) -> Constituency:
    """Add a constituency to a draft ballot (and the employer's steps to its checklist)."""
    if ballot.state != BallotState.DRAFT:
        raise InvalidState(
            f"The ballot “{ballot.name}” is {BallotState(ballot.state).label.lower()}: "
            "constituencies can only be added while it is a draft."
        )
    name = name.strip()
    if not name:
        raise BallotError("name: give the constituency a name.")
    if ballot.constituencies.filter(name=name).exists():
        raise BallotError(f"name: the ballot already has a constituency called “{name}”.")
    nation = jurisdiction or (employer.jurisdiction if employer else Jurisdiction.ENGLAND)
    if nation not in Jurisdiction.values:
        raise BallotError(
            f"jurisdiction: {nation!r} is not one of {', '.join(Jurisdiction.values)}."
        )
    constituency = Constituency.objects.create(
        ballot=ballot,
        name=name,
        employer=employer,
        workplace=workplace,
        jurisdiction=nation,
        entitled_count=entitled_count,
    )
    if employer is not None:
        checklist_build(ballot=ballot)
    audit_record(
        actor=actor, action="ballot.constituency_add", obj=constituency, branch=_branch(ballot)
    )
    return constituency


@transaction.atomic
def step_record(
    *,
    step: ChecklistStep,
    actor: User | None,
    done_on: dt.date | None = None,
    method: str = "",
    evidence: str = "",
    evidence_file: UploadedFile | None = None,
    not_required: bool = False,
    note: str = "",
    today: dt.date | None = None,
) -> ChecklistStep:
    """Record a step done (on a day, how, with evidence) or not required (with a note)."""
    today = _today(today)
    if not_required:
        if not note.strip():
            raise BallotError("note: say why this step is not required.")
        step.status = StepStatus.NOT_REQUIRED
        step.done_on = None
    else:
        if done_on is None:
            raise BallotError("done_on: give the day the step was done (the day of receipt).")
        if done_on > today:
            raise BallotError(f"done_on: {done_on.isoformat()} is in the future.")
        step.done_on = done_on
        step.status = (
            StepStatus.LATE if step.due is not None and done_on > step.due else StepStatus.DONE
        )
    step.method = method.strip()
    step.evidence = evidence.strip()
    step.note = note.strip()
    if evidence_file is not None:
        step.evidence_file = evidence_file
    step.recorded_at = timezone.now()
    step.recorded_by = actor
    step.save()
    audit_record(
        actor=actor,
        action="ballot.step_record",
        obj=step,
        branch=_branch(step.ballot),
        detail={"rule_id": step.rule_id, "status": step.status},
    )
    return step


# Opening: the checklist, then the frozen electorate ------------------------------------------


@dataclass
class Candidate:
    member_id: int
    constituency_id: int
    entitled: bool
    reason: str = ""


def electorate_candidates(ballot: Ballot, on: dt.date) -> list[Candidate]:
    """Who the electorate would be if frozen on ON: entitled members and recorded exclusions.

    Members of a branch covering the constituency's employer, active, with an employment there
    (at the workplace, for a workplace constituency) current on ON. Members whose employment there
    ended before ON are kept as excluded (left), so the frozen list shows why they are out
    (British Airways v Unite 2009).
    """
    constituencies = list(ballot.constituencies.all())
    by_employer: dict[int, list[Constituency]] = defaultdict(list)
    aggregated: Constituency | None = None
    for c in constituencies:
        if c.employer_id is not None:
            by_employer[c.employer_id].append(c)
        elif ballot.kind == BallotKind.AGGREGATED:
            aggregated = c
    employer_ids = (
        set(by_employer)
        if aggregated is None
        else set(ballot.dispute.parties.values_list("pk", flat=True)) | set(by_employer)
    )
    if not employer_ids:
        return []
    excluded = dict(ballot.exclusions.values_list("member_id", "reason"))
    rows = (
        Employment.objects.filter(
            employer_id__in=employer_ids,
            member__status=MemberStatus.ACTIVE,
            member__branch__employers=F("employer"),
        )
        .values_list("member_id", "employer_id", "workplace_id", "start_date", "end_date")
        .order_by("member_id", "employer_id")
    )
    best: dict[tuple[int, int], Candidate] = {}
    for member_id, employer_id, workplace_id, start, end in rows.iterator(chunk_size=5000):
        targets = by_employer.get(employer_id, [])
        chosen = [
            c for c in targets if c.workplace_id is None or c.workplace_id == workplace_id
        ] or ([aggregated] if aggregated is not None else [])
        current = (end is None or end >= on) and (start is None or start <= on)
        for c in chosen:
            if current:
                reason = excluded.get(member_id, "")
                cand = Candidate(member_id, c.pk, entitled=not reason, reason=reason)
            else:
                cand = Candidate(member_id, c.pk, entitled=False, reason=ExclusionReason.LEFT)
            prior = best.get((member_id, c.pk))
            # A current employment outweighs an ended one at the same employer.
            if (
                prior is None
                or (cand.entitled and not prior.entitled)
                or (prior.reason == ExclusionReason.LEFT and cand.reason != ExclusionReason.LEFT)
            ):
                best[(member_id, c.pk)] = cand
    return list(best.values())


def opening_problems(ballot: Ballot, *, today: dt.date, total_entitled: int) -> list[str]:
    """Every reason the ballot cannot open today, each naming the rule and the step."""
    problems: list[str] = []
    if today < ballot.opens:
        problems.append(
            f"The ballot opens on {ballot.opens:%d %B %Y}: mark it open on the day the first "
            "voting papers are sent, not before."
        )
    book = load_rulebook(ballot.jurisdiction)
    scrutineer_rule = _ballot_rule(book, ballot, "B-scrutineer")
    limit = scrutineer_rule.int_param("max_entitled_without_scrutineer")
    steps = list(
        ballot.steps.filter(phase=StepPhase.BEFORE_OPENING)
        .select_related("employer")
        .order_by("order", "employer__name")
    )
    for step in steps:
        if step.rule_id == "B-scrutineer":
            # Settled by the ballot itself: a named scrutineer, or a small enough electorate.
            if total_entitled > limit and not ballot.scrutineer:
                problems.append(
                    f"B-scrutineer is missing: {total_entitled:,} are entitled to vote, more than "
                    f"{limit}, so an independent scrutineer must be named ({step.citation})."
                )
            continue
        problem = step.problem(today)
        if problem:
            problems.append(problem)
    return problems


@transaction.atomic
def ballot_open(*, ballot: Ballot, actor: User | None, today: dt.date | None = None) -> int:
    """Open the ballot: refuse while a required step is missing or late, then freeze the
    electorate. Returns the number of members entitled to vote."""
    today = _today(today)
    ballot = Ballot.objects.select_for_update().select_related("dispute").get(pk=ballot.pk)
    ballot.check_transition(BallotState.OPEN)
    candidates = electorate_candidates(ballot, ballot.opens)
    entitled_by: dict[int, int] = defaultdict(int)
    for cand in candidates:
        if cand.entitled:
            entitled_by[cand.constituency_id] += 1
    constituencies = list(ballot.constituencies.all())
    total = sum(
        entitled_by.get(c.pk, 0)
        if (c.employer_id or ballot.kind == BallotKind.AGGREGATED)
        else (c.entitled_count or 0)
        for c in constituencies
    )
    problems = opening_problems(ballot, today=today, total_entitled=total)
    if problems:
        raise ChecklistIncomplete(problems)
    ElectorateEntry.objects.filter(constituency__ballot=ballot).delete()
    ElectorateEntry.objects.bulk_create(
        (
            ElectorateEntry(
                constituency_id=c.constituency_id,
                member_id=c.member_id,
                entitled=c.entitled,
                exclusion_reason="" if c.entitled else c.reason,
            )
            for c in candidates
        ),
        batch_size=5000,
    )
    for c in constituencies:
        if c.employer_id or ballot.kind == BallotKind.AGGREGATED:
            c.entitled_count = entitled_by.get(c.pk, 0)
    Constituency.objects.bulk_update(constituencies, ["entitled_count"])
    scrutineer_step = ballot.steps.filter(rule_id="B-scrutineer", employer__isnull=True).first()
    if scrutineer_step is not None and scrutineer_step.status == StepStatus.PENDING:
        # Opening proves the scrutineer question was settled: named, or not needed.
        scrutineer_step.status = StepStatus.DONE if ballot.scrutineer else StepStatus.NOT_REQUIRED
        scrutineer_step.done_on = today if ballot.scrutineer else None
        scrutineer_step.note = (
            f"Scrutineer: {ballot.scrutineer}" if ballot.scrutineer else f"{total} entitled"
        )
        scrutineer_step.recorded_at = timezone.now()
        scrutineer_step.recorded_by = actor
        scrutineer_step.save()
    ballot.state = BallotState.OPEN
    ballot.electorate_frozen_at = timezone.now()
    ballot.save(update_fields=["state", "electorate_frozen_at"])
    excluded = sum(1 for c in candidates if not c.entitled)
    audit_record(
        actor=actor,
        action="ballot.open",
        obj=ballot,
        branch=_branch(ballot),
        detail={"entitled": total, "excluded": excluded, "constituencies": len(constituencies)},
    )
    return total


@transaction.atomic
def ballot_close(*, ballot: Ballot, actor: User | None) -> Ballot:
    """Mark the ballot closed (the last day votes could be cast has passed)."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    ballot.check_transition(BallotState.CLOSED)
    ballot.state = BallotState.CLOSED
    ballot.save(update_fields=["state"])
    audit_record(actor=actor, action="ballot.close", obj=ballot, branch=ballot.dispute.branch)
    return ballot


@transaction.atomic
def exclusion_record(
    *, ballot: Ballot, member_id: int, reason: str, actor: User | None, note: str = ""
) -> ElectorateExclusion:
    """Record that a member will not be balloted, and why, before the electorate is frozen."""
    if ballot.is_frozen:
        raise InvalidState(
            f"The ballot “{ballot.name}” is {BallotState(ballot.state).label.lower()}: its "
            "electorate is frozen and can no longer change."
        )
    if reason not in ExclusionReason.values:
        raise BallotError(f"reason: choose one of {', '.join(ExclusionReason.labels)}.")
    if reason == ExclusionReason.OTHER and not note.strip():
        raise BallotError("note: say why the member is excluded.")
    exclusion, _ = ElectorateExclusion.objects.update_or_create(
        ballot=ballot,
        member_id=member_id,
        defaults={"reason": reason, "note": note.strip(), "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="ballot.exclusion_record",
        obj=ballot,
        branch=_branch(ballot),
        detail={"reason": reason},
    )
    return exclusion


# Results -----------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What an import would do: matched names, unmatched names with suggestions, problems."""

    report: ParsedReport
    matched: dict[str, int] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    unmatched: dict[str, list[Suggestion[int]]] = field(default_factory=dict)
    shared: dict[int, list[str]] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[ReportProblem]:
        return self.report.errors

    @property
    def warnings(self) -> list[ReportProblem]:
        return self.report.warnings


def _aliases() -> dict[str, str]:
    return dict(ConstituencyAlias.objects.values_list("alias", "name"))


def results_preview(*, ballot: Ballot, data: bytes, filename: str) -> ImportPreview:
    """Parse a report and match its names to the ballot's constituencies; writes nothing."""
    report = parse_report(data, filename)
    known = dict(ballot.constituencies.values_list("name", "pk"))
    by_name = {light_key(name): pk for name, pk in known.items()}
    aliases: dict[str, int] = {}
    for alias, ours in _aliases().items():
        pk = by_name.get(light_key(ours))
        if pk is not None:
            aliases[alias] = pk
    found = match_names(report.names(), known, aliases)
    hints: dict[str, str] = {}
    for result in report.results:
        hints.setdefault(result.name, result.jurisdiction_hint.value)
    return ImportPreview(
        report=report,
        matched=dict(found.matched),
        how={k: str(v) for k, v in found.how.items()},
        unmatched=dict(found.unmatched),
        shared=dict(found.shared),
        hints=hints,
    )


def _check_results_allowed(ballot: Ballot, today: dt.date) -> None:
    if ballot.state in (BallotState.CLOSED, BallotState.RESULTS_IN):
        return
    if ballot.closes < today:
        # A ballot recorded after the fact (its voting period is over).
        return
    raise InvalidState(
        f"The ballot “{ballot.name}” is {BallotState(ballot.state).label.lower()} and closes on "
        f"{ballot.closes:%d %B %Y}: there are no results before it closes."
    )


def _hint_nation(hint: str, employer: Employer | None) -> str:
    if hint == HintJurisdiction.NI.value:
        return Jurisdiction.NORTHERN_IRELAND
    if employer is not None:
        return employer.jurisdiction
    return Jurisdiction.ENGLAND


def _remember_alias(report_name: str, constituency: Constituency, actor: User | None) -> None:
    key = light_key(report_name)
    if key == light_key(constituency.name):
        return
    ConstituencyAlias.objects.update_or_create(
        alias_key=key,
        defaults={
            "alias": report_name.strip(),
            "name": constituency.name,
            "employer": constituency.employer,
            "created_by": actor,
        },
    )


@transaction.atomic
def results_import(
    *,
    ballot: Ballot,
    data: bytes,
    filename: str,
    actor: User | None,
    create_constituencies: bool = False,
    resolutions: Mapping[str, int | str] | None = None,
    today: dt.date | None = None,
) -> ResultsImport:
    """Import a scrutineer's report into the ballot, all or nothing, and compute the mandates.

    ``resolutions`` maps an unmatched report name to a constituency id (remembered as an alias
    for every later ballot) or to ``"create"``. Re-importing replaces the ballot's results.
    """
    today = _today(today)
    ballot = Ballot.objects.select_for_update().select_related("dispute").get(pk=ballot.pk)
    _check_results_allowed(ballot, today)
    preview = results_preview(ballot=ballot, data=data, filename=filename)
    report = preview.report
    if not report.ok:
        raise ImportRefused(
            f"{filename} was not imported: {len(report.errors)} error(s) in the report.",
            problems=[str(p) for p in report.errors],
        )
    asked = {q.value for q in ballot.questions}
    unasked = sorted({r.question.value for r in report.results} - asked)
    if unasked:
        labels = ", ".join(QuestionKind(q).label.lower() for q in unasked)
        raise ImportRefused(
            f"{filename} was not imported: it has results for {labels}, a question this ballot "
            "did not ask."
        )
    constituencies = {c.pk: c for c in ballot.constituencies.select_related("employer")}
    resolutions = dict(resolutions or {})
    matched = dict(preview.matched)
    remaining: dict[str, list[Suggestion[int]]] = {}
    for name, suggestions in preview.unmatched.items():
        choice = resolutions.get(name)
        if choice is None and create_constituencies:
            choice = CREATE
        if choice is None:
            remaining[name] = suggestions
        elif choice == CREATE:
            continue
        else:
            try:
                target = constituencies[int(choice)]
            except (KeyError, TypeError, ValueError):
                raise ImportRefused(
                    f"{filename} was not imported: “{name}” was matched to a constituency that "
                    "is not in this ballot."
                ) from None
            matched[name] = target.pk
    if remaining:
        lines = []
        for name, suggestions in remaining.items():
            shown = "; ".join(s.name for s in suggestions[:3]) or "no close name"
            lines.append(f"“{name}” (did you mean: {shown}?)")
        raise ImportRefused(
            f"{filename} was not imported: {len(remaining)} name(s) match no constituency of "
            "this ballot. Match each one, or create the constituencies "
            "(--create-constituencies):",
            problems=lines,
            unmatched=remaining,
        )
    targets: dict[int, list[str]] = defaultdict(list)
    for name, pk in matched.items():
        targets[pk].append(name)
    shared = {pk: names for pk, names in targets.items() if len(names) > 1}
    if shared:
        raise ImportRefused(
            f"{filename} was not imported: two report names would land on one constituency:",
            problems=[
                f"{', '.join(names)} → {constituencies[pk].name}" for pk, names in shared.items()
            ],
        )
    created = 0
    for name in report.names():
        if name in matched:
            continue
        if ballot.constituencies.filter(name=name.strip()).exists():
            raise ImportRefused(f"{filename} was not imported: “{name}” is listed twice.")
        employer = Employer.objects.filter(name__iexact=name.strip()).first()
        c = Constituency.objects.create(
            ballot=ballot,
            name=name.strip(),
            employer=employer,
            jurisdiction=_hint_nation(preview.hints.get(name, ""), employer),
        )
        constituencies[c.pk] = c
        matched[name] = c.pk
        created += 1
    for name, choice in resolutions.items():
        if choice != CREATE and name in matched:
            _remember_alias(name, constituencies[matched[name]], actor)

    sha = hashlib.sha256(data).hexdigest()
    record = ResultsImport.objects.create(
        ballot=ballot,
        filename=filename[:255],
        sha256=sha,
        format=report.format,
        warnings=[str(p) for p in report.warnings],
        created_by=actor,
    )
    Result.objects.filter(constituency__ballot=ballot).delete()
    rows: list[Result] = []
    reconcile: list[str] = []
    for r in report.results:
        c = constituencies[matched[r.name]]
        if c.entitled_count is None and r.entitled is not None:
            c.entitled_count = r.entitled
        elif (
            ballot.is_frozen
            and r.entitled is not None
            and c.entitled_count is not None
            and c.entitled_count != r.entitled
        ):
            reconcile.append(
                f"{c.name}: the scrutineer counts {r.entitled:,} entitled, the frozen electorate "
                f"{c.entitled_count:,}; reconcile them (Network Rail 2010)."
            )
        if r.jurisdiction_hint is HintJurisdiction.NI and (
            c.jurisdiction != Jurisdiction.NORTHERN_IRELAND
        ):
            reconcile.append(
                f"{c.name}: the report lists it under Northern Ireland, but the constituency is "
                f"recorded in {Jurisdiction(c.jurisdiction).label}."
            )
        rows.append(
            Result(
                constituency=c,
                question=r.question.value,
                entitled=r.entitled,
                votes_cast=r.votes_cast,
                yes=r.yes,
                no=r.no,
                spoiled=r.spoiled,
                source=ResultSource.IMPORT,
                imported_from=record,
                source_ref=str(r.source)[:100],
                entered_by=actor,
            )
        )
    Result.objects.bulk_create(rows)
    Constituency.objects.bulk_update(list(constituencies.values()), ["entitled_count"])
    if ballot.state != BallotState.RESULTS_IN:
        ballot.check_transition(BallotState.RESULTS_IN)
        ballot.state = BallotState.RESULTS_IN
        ballot.save(update_fields=["state"])
    granted = mandates_compute(ballot=ballot)
    record.counts = {
        "results": len(rows),
        "constituencies": len({r.constituency_id for r in rows}),
        "created": created,
        "mandates": granted,
        "warnings": len(report.warnings) + len(reconcile),
    }
    record.warnings = [*record.warnings, *reconcile]
    record.save(update_fields=["counts", "warnings"])
    audit_record(
        actor=actor,
        action="ballot.results_import",
        obj=ballot,
        branch=_branch(ballot),
        detail={**record.counts, "sha256": sha[:16]},
    )
    return record


@transaction.atomic
def result_enter(
    *,
    constituency: Constituency,
    question: str,
    entitled: int,
    votes_cast: int,
    yes: int,
    no: int,
    spoiled: int,
    actor: User | None,
    today: dt.date | None = None,
) -> Result:
    """Enter one result by hand, checked (yes + no + spoiled = votes cast <= entitled)."""
    ballot = (
        Ballot.objects.select_for_update().select_related("dispute").get(pk=constituency.ballot_id)
    )
    _check_results_allowed(ballot, _today(today))
    if question not in {q.value for q in ballot.questions}:
        raise BallotError(f"question: this ballot did not ask {question!r}.")
    for label, value in (
        ("entitled", entitled),
        ("votes_cast", votes_cast),
        ("yes", yes),
        ("no", no),
        ("spoiled", spoiled),
    ):
        if value < 0:
            raise BallotError(f"{label}: must not be negative.")
    if yes + no + spoiled != votes_cast:
        raise BallotError(
            f"votes_cast: yes ({yes:,}) + no ({no:,}) + spoiled ({spoiled:,}) = "
            f"{yes + no + spoiled:,}, not the {votes_cast:,} votes cast."
        )
    if entitled <= 0 or votes_cast > entitled:
        raise BallotError(
            f"entitled: {votes_cast:,} votes cast cannot exceed the {entitled:,} entitled to vote."
        )
    result, _ = Result.objects.update_or_create(
        constituency=constituency,
        question=question,
        defaults={
            "entitled": entitled,
            "votes_cast": votes_cast,
            "yes": yes,
            "no": no,
            "spoiled": spoiled,
            "source": ResultSource.MANUAL,
            "imported_from": None,
            "source_ref": "",
            "entered_by": actor,
            "entered_at": timezone.now(),
        },
    )
    if constituency.entitled_count is None:
        constituency.entitled_count = entitled
        constituency.save(update_fields=["entitled_count"])
    if ballot.state != BallotState.RESULTS_IN:
        ballot.check_transition(BallotState.RESULTS_IN)
        ballot.state = BallotState.RESULTS_IN
        ballot.save(update_fields=["state"])
    mandates_compute(ballot=ballot)
    audit_record(
        actor=actor,
        action="ballot.result_enter",
        obj=result,
        branch=_branch(ballot),
        detail={"question": question},
    )
    return result


def mandates_compute(*, ballot: Ballot, books: Mapping[str, Rulebook] | None = None) -> int:
    """Recompute every mandate of the ballot from its results; returns how many were granted.

    Each constituency is judged by its own jurisdiction's rulebook (a Northern Ireland
    constituency of a GB ballot by the NI Order) with the recorded overrides applied.
    """
    books = books or load_rulebooks()
    results = Result.objects.filter(constituency__ballot=ballot).select_related("constituency")
    mandates: list[Mandate] = []
    now = timezone.now()
    for result in results:
        c = result.constituency
        key = c.rulebook_key if ballot.jurisdiction == "gb" else ballot.jurisdiction
        book = books[key]
        # The ballot's explicit regime names a GB regime; NI and other books pick by date.
        regime = ballot.regime if ballot.regime and key == ballot.jurisdiction else None
        try:
            decision = decide(
                book,
                opens=ballot.opens,
                closes=ballot.closes,
                counts=Counts(
                    entitled=result.entitled,
                    votes_cast=result.votes_cast,
                    yes=result.yes,
                    no=result.no,
                    spoiled=result.spoiled,
                ),
                question=QuestionKind(result.question).label.lower(),
                important_public_services=ballot.important_public_services,
                extension_agreed=ballot.extension_agreed,
                regime=regime,
            )
        except LawError as exc:
            raise BallotError(f"{c.name}, {result.question}: {exc.message}") from None
        mandates.append(
            Mandate(
                constituency=c,
                question=result.question,
                rulebook=key,
                regime=decision.regime,
                turnout_met=decision.turnout_met,
                majority_met=decision.majority_met,
                ips_met=decision.ips_met,
                granted=decision.mandate,
                last_day=decision.last_day,
                last_day_limits=decision.last_day_limits,
                reasons=decision.reasons,
                computed_at=now,
            )
        )
    Mandate.objects.filter(constituency__ballot=ballot).delete()
    Mandate.objects.bulk_create(mandates)
    return sum(1 for m in mandates if m.granted)


# Result notices (s231, s231A) -----------------------------------------------------------


@transaction.atomic
def notice_mark_sent(
    *,
    ballot: Ballot,
    kind: str,
    sent_at: dt.datetime,
    method: str,
    actor: User | None,
    employer: Employer | None = None,
) -> ResultNotice:
    """Record when and how a result notice went out, and tick its T-inform step."""
    if ballot.state != BallotState.RESULTS_IN:
        raise InvalidState(
            f"The ballot “{ballot.name}” is {BallotState(ballot.state).label.lower()}: result "
            "notices follow the result."
        )
    if kind not in NoticeKind.values:
        raise BallotError(f"kind: {kind!r} is not a result notice.")
    if kind == NoticeKind.EMPLOYER_LETTER and employer is None:
        raise BallotError("employer: say which employer the letter went to.")
    if kind == NoticeKind.MEMBER_STATEMENT:
        employer = None
    if not method.strip():
        raise BallotError("method: say how it was sent (e.g. email to personal addresses).")
    if sent_at > timezone.now():
        raise BallotError("sent_at: that time is in the future.")
    notice = ResultNotice.objects.create(
        ballot=ballot,
        kind=kind,
        employer=employer,
        sent_at=sent_at,
        method=method.strip(),
        sent_by=actor,
    )
    step = ballot.steps.filter(rule_id="T-inform", employer=employer).first()
    if step is not None:
        day = timezone.localtime(sent_at).date()
        step.done_on = day
        step.status = StepStatus.LATE if step.due and day > step.due else StepStatus.DONE
        step.method = method.strip()
        step.recorded_at = timezone.now()
        step.recorded_by = actor
        step.save()
    audit_record(
        actor=actor,
        action="ballot.notice_sent",
        obj=ballot,
        branch=_branch(ballot),
        detail={"kind": kind, "employer": employer.pk if employer else None},
    )
    return notice


# The rulebook's overrides -----------------------------------------------------------------


@transaction.atomic
def rule_override_create(
    *,
    jurisdiction: str,
    rule_id: str,
    param: str,
    value: str,
    reason: str,
    actor: User | None,
    regime: str = "",
) -> RuleOverride:
    """Override one rule parameter with a recorded reason, then recompute affected mandates."""
    key = _jurisdiction_key(jurisdiction)
    if not reason.strip():
        raise RuleError("reason: an override needs a recorded reason.")
    book = load_rulebook(key)
    target = f"{rule_id}@{regime}" if regime else rule_id
    try:
        book.with_overrides({target: Override(params={param: value.strip()}, reason=reason)})
    except LawError as exc:
        raise RuleError(exc.message) from None
    override = RuleOverride.objects.create(
        jurisdiction=key,
        rule_id=rule_id,
        regime=regime,
        param=param,
        value=value.strip(),
        reason=reason.strip(),
        created_by=actor,
    )
    books = load_rulebooks()
    affected = Ballot.objects.filter(
        Q(jurisdiction=key) | Q(constituencies__jurisdiction=Jurisdiction.NORTHERN_IRELAND)
        if key == "ni"
        else Q(jurisdiction=key),
        state=BallotState.RESULTS_IN,
    ).distinct()
    recomputed = 0
    for ballot in affected:
        mandates_compute(ballot=ballot, books=books)
        recomputed += 1
    audit_record(
        actor=actor,
        action="rules.override",
        obj=override,
        detail={
            "jurisdiction": key,
            "rule": target,
            "param": param,
            "value": value.strip(),
            "ballots_recomputed": recomputed,
        },
    )
    return override


@transaction.atomic
def exclusion_remove(*, exclusion: ElectorateExclusion, actor: User | None) -> None:
    """Take a recorded exclusion back, before the electorate is frozen."""
    ballot = exclusion.ballot
    if ballot.is_frozen:
        raise InvalidState(
            f"The ballot “{ballot.name}” is {BallotState(ballot.state).label.lower()}: its "
            "electorate is frozen and can no longer change."
        )
    audit_record(
        actor=actor,
        action="ballot.exclusion_remove",
        obj=ballot,
        branch=_branch(ballot),
        detail={"reason": exclusion.reason},
    )
    exclusion.delete()
