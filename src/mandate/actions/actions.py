"""Everything that changes industrial action: creating and calling it, its notices of action,
employers' critical dates, solidarity events, calendar links and planned escalations.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from mandate.actions.checks import CheckResult, action_checks, failing
from mandate.actions.ics import parse_ics
from mandate.actions.models import (
    Action,
    ActionDay,
    ActionKind,
    ActionStatus,
    AsosType,
    CalendarToken,
    CriticalDate,
    CriticalDateKind,
    DeliveryMethod,
    NoticeOfAction,
    Pattern,
    PlannedEscalation,
    SolidarityEvent,
    SolidarityKind,
    SolidaritySource,
)
from mandate.actions.queries import Figures, action_employers, notice_figures
from mandate.ballots.models import Ballot, Constituency, NoticeKind, ResultNotice
from mandate.ballots.rules import load_rulebook
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, Employer, User, Workplace
from mandate.disputes.models import Dispute, ResponseType
from mandate.members.models import Member


class ActionError(DomainError):
    """An action cannot be created or changed as asked; the message says why."""


def _validate_shape(
    *,
    kind: str,
    asos_type: str,
    pattern: str,
    dates: Sequence[dt.date],
    start_date: dt.date | None,
    end_date: dt.date | None,
) -> None:
    if kind not in ActionKind.values:
        raise ActionError(f"Kind {kind!r} is not strike or action short of strike.")
    if kind == ActionKind.ASOS and asos_type not in AsosType.values:
        raise ActionError("Say which action short of strike is called (asos_type).")
    if kind == ActionKind.STRIKE and asos_type:
        raise ActionError("A strike has no type of action short of strike.")
    if pattern not in Pattern.values:
        raise ActionError(f"Pattern {pattern!r} is not continuous or discontinuous.")
    if pattern == Pattern.DISCONTINUOUS:
        if not dates:
            raise ActionError("Discontinuous action needs at least one date.")
        if start_date or end_date:
            raise ActionError("Discontinuous action lists its dates; it has no start or end date.")
    else:
        if dates:
            raise ActionError("Continuous action has a start date, not a list of dates.")
        if start_date is None:
            raise ActionError("Continuous action needs a start date.")
        if end_date is not None and end_date < start_date:
            raise ActionError(
                f"The end date {end_date:%d %B %Y} is before the start date {start_date:%d %B %Y}."
            )


def action_create(
    *,
    dispute: Dispute,
    ballot: Ballot,
    title: str,
    kind: str,
    constituencies: Iterable[Constituency],
    pattern: str = Pattern.DISCONTINUOUS,
    dates: Iterable[dt.date] = (),
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    asos_type: str = "",
    categories: str = "",
    workplaces: Iterable[Workplace] = (),
    instructions: str = "",
    actor: User | None,
) -> Action:
    """Plan an action in DISPUTE under BALLOT's mandates; nothing is called until action_call."""
    day_list = sorted(set(dates))
    chosen = list(constituencies)
    places = list(workplaces)
    title = title.strip()
    if not title:
        raise ActionError("Give the action a title.")
    _validate_shape(
        kind=kind,
        asos_type=asos_type,
        pattern=pattern,
        dates=day_list,
        start_date=start_date,
        end_date=end_date,
    )
    if ballot.dispute_id != dispute.pk:
        raise ActionError(f"The ballot “{ballot.name}” belongs to another dispute.")
    if kind not in ballot.questions:
        raise ActionError(
            f"The ballot “{ballot.name}” did not ask about {ActionKind(kind).label.lower()}, "
            "so it cannot authorise it (s229(2))."
        )
    if not chosen:
        raise ActionError("Choose at least one constituency to call.")
    foreign = [c.name for c in chosen if c.ballot_id != ballot.pk]
    if foreign:
        raise ActionError(f"Not constituencies of “{ballot.name}”: {', '.join(foreign)}.")
    employer_ids = {c.employer_id for c in chosen if c.employer_id is not None}
    stray = [w.name for w in places if w.employer_id not in employer_ids]
    if stray:
        raise ActionError(
            f"Workplaces not at an employer of the chosen constituencies: {', '.join(stray)}."
        )
    with transaction.atomic():
        action = Action.objects.create(
            dispute=dispute,
            ballot=ballot,
            title=title[:200],
            kind=kind,
            asos_type=asos_type if kind == ActionKind.ASOS else "",
            pattern=pattern,
            start_date=start_date,
            end_date=end_date,
            categories=categories.strip(),
            instructions=instructions.strip(),
            created_by=actor,
        )
        action.constituencies.set(chosen)
        action.workplaces.set(places)
        ActionDay.objects.bulk_create([ActionDay(action=action, date=d) for d in day_list])
        audit_record(
            actor=actor,
            action="action.create",
            obj=action,
            branch=dispute.branch,
            detail={
                "kind": kind,
                "pattern": pattern,
                "days": len(day_list),
                "constituencies": len(chosen),
            },
        )
    return action


def action_add_days(*, action: Action, dates: Iterable[dt.date], actor: User | None) -> int:
    """Add dates to a discontinuous action; a notice already served does not cover them."""
    if action.pattern != Pattern.DISCONTINUOUS:
        raise ActionError("Continuous action has no list of dates; change its end date instead.")
    if action.status == ActionStatus.ENDED:
        raise ActionError(f"The action “{action.title}” has ended.")
    with transaction.atomic():
        existing = set(action.listed_days())
        new = sorted(set(dates) - existing)
        ActionDay.objects.bulk_create([ActionDay(action=action, date=d) for d in new])
        audit_record(
            actor=actor,
            action="action.add_days",
            obj=action,
            branch=action.dispute.branch,
            detail={"added": len(new)},
        )
    return len(new)


def action_transition(*, action: Action, status: str, actor: User | None) -> Action:
    """Move ACTION to STATUS where no check is needed (taking place, suspended, ended)."""
    if status == ActionStatus.CALLED:
        raise ActionError("Calling action runs every check first: use the Call button.")
    with transaction.atomic():
        locked = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
        locked.check_transition(status)
        previous = locked.status
        locked.status = status
        fields = ["status"]
        if status == ActionStatus.SUSPENDED:
            locked.suspended_at = timezone.now()
            locked.employer_agreed_resumption = False
            fields += ["suspended_at", "employer_agreed_resumption"]
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="action.status",
            obj=locked,
            branch=locked.dispute.branch,
            detail={"from": previous, "to": status},
        )
    return locked


class ActionBlocked(DomainError):
    """The action failed a check and cannot be called; every failing reason is listed."""

    status_code = 409

    def __init__(self, action: Action, reasons: list[CheckResult]) -> None:
        self.reasons = reasons
        listed = " ".join(
            f"{r.rule_id}: {r.message}" + (f" ({r.citation})" if r.citation else "")
            for r in reasons
        )
        super().__init__(f"“{action.title}” cannot be called. {listed}")


def action_call(*, action: Action, actor: User | None, today: dt.date | None = None) -> Action:
    """Call the action (or call it again after a suspension) if, and only if, every check passes."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = (
            Action.objects.select_for_update(of=("self",))
            .select_related("ballot", "dispute", "dispute__branch")
            .get(pk=action.pk)
        )
        locked.check_transition(ActionStatus.CALLED)
        failures = failing(action_checks(locked, today=today))
        if failures:
            raise ActionBlocked(locked, failures)
        resumed = locked.status == ActionStatus.SUSPENDED
        locked.status = ActionStatus.CALLED
        locked.called_at = timezone.now()
        locked.called_by = actor
        # The suspension is answered (new notice or employer's agreement); a later one starts anew.
        locked.suspended_at = None
        locked.save(update_fields=["status", "called_at", "called_by", "suspended_at"])
        audit_record(
            actor=actor,
            action="action.call",
            obj=locked,
            branch=locked.dispute.branch,
            detail={"resumed": resumed},
        )
    return locked


def action_set_flags(
    *,
    action: Action,
    actor: User | None,
    exclude_unballoted: bool | None = None,
    employer_agreed_resumption: bool | None = None,
) -> Action:
    """Record that new joiners are told they are not called, or that the employer agreed to a
    resumption without a new notice."""
    with transaction.atomic():
        locked = (
            Action.objects.select_for_update(of=("self",))
            .select_related("dispute")
            .get(pk=action.pk)
        )
        fields = []
        if exclude_unballoted is not None:
            locked.exclude_unballoted = exclude_unballoted
            fields.append("exclude_unballoted")
        if employer_agreed_resumption is not None:
            if employer_agreed_resumption and locked.suspended_at is None:
                raise ActionError("The action is not suspended: there is nothing to resume.")
            locked.employer_agreed_resumption = employer_agreed_resumption
            fields.append("employer_agreed_resumption")
        if fields:
            locked.save(update_fields=fields)
            audit_record(
                actor=actor,
                action="action.flags",
                obj=locked,
                branch=locked.dispute.branch,
                detail={f: getattr(locked, f) for f in fields},
            )
    return locked


# Notices of action (s234A) ------------------------------------------------------------------


def _explanation(action: Action, employer: Employer, figures: Figures, on: dt.date) -> str:
    ballot = action.ballot
    frozen = (
        f"{timezone.localtime(ballot.electorate_frozen_at):%d %B %Y}"
        if ballot.electorate_frozen_at
        else f"{ballot.opens:%d %B %Y}"
    )
    narrowed = []
    if action.category_list():
        narrowed.append("the job categories listed")
    if action.workplaces.exists():
        narrowed.append("the workplaces listed")
    scope = f", limited to {' and '.join(narrowed)}" if narrowed else ""
    return (
        f"The figures are the union's members employed by {employer.name} who were entitled to "
        f"vote in the ballot “{ballot.name}” (electorate fixed on {frozen}, constituency: "
        f"{', '.join(figures.constituencies)}){scope}, and who are still members employed there "
        f"on {on:%d %B %Y}. Categories and workplaces are those recorded in the union's "
        "membership records, using the employer's own job titles; where a member's category or "
        "workplace is not recorded they are counted under “not recorded”. Members who joined "
        "after the ballot are not called and are not counted."
    )


def notice_prepare(
    *, action: Action, employer: Employer, actor: User | None, today: dt.date | None = None
) -> NoticeOfAction:
    """Draw up (or draw up again) the draft notice of action to EMPLOYER from today's figures."""
    today = today or timezone.localdate()
    if employer.pk not in {e.pk for e in action_employers(action)}:
        raise ActionError(f"The action does not call anyone employed by {employer.name}.")
    if action.status == ActionStatus.ENDED:
        raise ActionError(f"The action “{action.title}” has ended.")
    figures = notice_figures(action, employer, on=today)
    with transaction.atomic():
        # One draft per employer: two officers drawing up at once take turns on the action row.
        Action.objects.select_for_update(of=("self",)).filter(pk=action.pk).first()
        NoticeOfAction.objects.filter(
            action=action, employer=employer, served_at__isnull=True
        ).delete()
        notice = NoticeOfAction.objects.create(
            action=action,
            employer=employer,
            pattern=action.pattern,
            start_date=action.start_date,
            end_date=action.end_date,
            dates=[d.isoformat() for d in sorted(action.listed_days())],
            figures=figures.to_dict(),
            explanation=_explanation(action, employer, figures, today),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="action.notice_prepare",
            obj=notice,
            branch=action.dispute.branch,
            detail={"action": action.pk, "employer": employer.pk, "total": figures.total},
        )
    return notice


def _same_days(notice: NoticeOfAction, action: Action) -> bool:
    if notice.pattern != action.pattern:
        return False
    if action.pattern == Pattern.CONTINUOUS:
        return (notice.start_date, notice.end_date) == (action.start_date, action.end_date)
    return bool(notice.dates == [d.isoformat() for d in sorted(action.listed_days())])


def notice_is_stale(notice: NoticeOfAction) -> bool:
    """True if a draft no longer matches its action's days (prepare it again)."""
    return not notice.is_served and not _same_days(notice, notice.action)


def notice_mark_served(
    *,
    notice: NoticeOfAction,
    received_on: dt.date,
    method: str,
    actor: User | None,
    proof: UploadedFile | None = None,
    proof_note: str = "",
    today: dt.date | None = None,
) -> NoticeOfAction:
    """Record the day the employer received the notice, how, and the proof; the notice is then
    fixed: a later date of action needs a new notice."""
    today = today or timezone.localdate()
    if method not in DeliveryMethod.values:
        raise ActionError("method: choose how the notice was delivered.")
    if received_on > today:
        raise ActionError(f"received_on: {received_on:%d %B %Y} is in the future.")
    if proof is None and not proof_note.strip():
        raise ActionError("proof: attach the proof of delivery or describe it.")
    with transaction.atomic():
        locked = (
            NoticeOfAction.objects.select_for_update(of=("self",))
            .select_related("action", "action__ballot", "action__dispute", "employer")
            .get(pk=notice.pk)
        )
        action = locked.action
        if locked.is_served:
            raise InvalidState(
                f"Notice {locked.pk} was served on {locked.received_on:%d %B %Y} and cannot be "
                "changed: prepare a new notice."
            )
        if not _same_days(locked, action):
            raise ActionError(
                "The action's dates changed after this notice was drawn up: prepare it again "
                "and deliver the new one."
            )
        letter = (
            ResultNotice.objects.filter(
                ballot=action.ballot, kind=NoticeKind.EMPLOYER_LETTER, employer=locked.employer
            )
            .order_by("sent_at")
            .first()
        )
        # Metrobus 2009: no notice of action before the s231A result letter has gone.
        if letter is None or timezone.localtime(letter.sent_at).date() > received_on:
            raise InvalidState(
                f"The s231A result letter to {locked.employer.name} must be sent (and recorded on "
                "the ballot) before a notice of action is served (Metrobus v Unite 2009)."
            )
        book = load_rulebook("ni" if locked.employer.jurisdiction == "northern_ireland" else "gb")
        locked.regime = book.rule("A-notice", on=received_on).regime
        locked.received_on = received_on
        locked.method = method
        locked.proof_note = proof_note.strip()[:300]
        if proof is not None:
            locked.proof = proof
        locked.served_at = timezone.now()
        locked.served_by = actor
        locked.save()
        served_to = set(
            action.notices.filter(served_at__isnull=False).values_list("employer_id", flat=True)
        )
        if (
            action.status == ActionStatus.PLANNED
            and {e.pk for e in action_employers(action)} <= served_to
        ):
            action.status = ActionStatus.NOTICE_SERVED
            action.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="action.notice_served",
            obj=locked,
            branch=action.dispute.branch,
            detail={
                "action": action.pk,
                "employer": locked.employer_id,
                "received_on": received_on.isoformat(),
                "method": method,
                "regime": locked.regime,
            },
        )
    return locked


def notice_agreement_record(
    *,
    notice: NoticeOfAction,
    actor: User | None,
    days: int | None,
    agreed_by: str = "",
    agreed_on: dt.date | None = None,
    reference: str = "",
    today: dt.date | None = None,
) -> NoticeOfAction:
    """Record (or with DAYS None, withdraw) a notice period the union and the notice's employer
    agreed; the checks apply it as far as the rulebook allows."""
    today = today or timezone.localdate()
    if days is not None:
        if not 1 <= days <= 90:
            raise ActionError("agreed_notice_days: give the agreed period in days, 1 to 90.")
        if not agreed_by.strip():
            raise ActionError("agreed_by: say who agreed it for the employer (name and role).")
        if agreed_on is None:
            raise ActionError("agreed_on: give the day the employer agreed.")
        if agreed_on > today:
            raise ActionError(f"agreed_on: {agreed_on:%d %B %Y} is in the future.")
        if not reference.strip():
            raise ActionError(
                "agreement_reference: say where the agreement is recorded (a letter, an email, "
                "minutes): a court will ask for it."
            )
    with transaction.atomic():
        locked = (
            NoticeOfAction.objects.select_for_update(of=("self",))
            .select_related("action", "action__dispute", "employer")
            .get(pk=notice.pk)
        )
        locked.agreed_notice_days = days
        locked.agreed_by = agreed_by.strip()[:200] if days is not None else ""
        locked.agreed_on = agreed_on if days is not None else None
        locked.agreement_reference = reference.strip()[:300] if days is not None else ""
        locked.agreement_recorded_by = actor
        locked.agreement_recorded_at = timezone.now()
        locked.save(
            update_fields=[
                "agreed_notice_days",
                "agreed_by",
                "agreed_on",
                "agreement_reference",
                "agreement_recorded_by",
                "agreement_recorded_at",
            ]
        )
        audit_record(
            actor=actor,
            action="action.notice_agreement",
            obj=locked,
            branch=locked.action.dispute.branch,
            detail={
                "action": locked.action_id,
                "employer": locked.employer_id,
                "days": days,
                "agreed_on": agreed_on.isoformat() if agreed_on and days is not None else None,
            },
        )
    return locked


# Employers' calendars, solidarity, calendar links, planned escalations -----------------------


def critical_date_add(
    *,
    employer: Employer,
    kind: str,
    start: dt.date,
    end: dt.date | None = None,
    note: str = "",
    actor: User | None,
) -> CriticalDate:
    """Record a date in EMPLOYER's year that action can hit (graduation, clearing...)."""
    if kind not in CriticalDateKind.values:
        raise ActionError(f"kind: {kind!r} is not a kind of critical date.")
    if end is not None and end < start:
        raise ActionError("end: the last day is before the first.")
    with transaction.atomic():
        item = CriticalDate.objects.create(
            employer=employer,
            kind=kind,
            start=start,
            end=end if end != start else None,
            note=note.strip()[:200],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="action.critical_date_add",
            obj=item,
            detail={"employer": employer.pk, "kind": kind},
        )
    return item


def critical_date_delete(*, item: CriticalDate, actor: User | None) -> None:
    """Remove a critical date recorded in error."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="action.critical_date_delete",
            obj=item,
            detail={"employer": item.employer_id, "kind": item.kind},
        )
        item.delete()


def solidarity_add(
    *,
    union_name: str,
    title: str,
    kind: str,
    start: dt.date,
    end: dt.date | None = None,
    url: str = "",
    actor: User | None,
) -> SolidarityEvent:
    """Record another union's ballot or action, to show beside the union's own."""
    if not union_name.strip() or not title.strip():
        raise ActionError("Give the union's name and what the ballot or action is.")
    if kind not in SolidarityKind.values:
        raise ActionError(f"kind: {kind!r} is not a ballot or action.")
    if end is not None and end < start:
        raise ActionError("end: the last day is before the first.")
    with transaction.atomic():
        event = SolidarityEvent.objects.create(
            union_name=union_name.strip()[:200],
            title=title.strip()[:300],
            kind=kind,
            start=start,
            end=end if end != start else None,
            url=url.strip()[:200],
            created_by=actor,
        )
        audit_record(actor=actor, action="action.solidarity_add", obj=event, detail={"kind": kind})
    return event


def solidarity_import(*, union_name: str, data: str | bytes, actor: User | None) -> tuple[int, int]:
    """Import every event of an ICS calendar as UNION_NAME's; an event imported before (same
    UID) is updated. All or nothing: a bad event writes nothing. Returns (created, updated)."""
    if not union_name.strip():
        raise ActionError("union_name: say whose calendar this is.")
    parsed = parse_ics(data)
    created = updated = 0
    with transaction.atomic():
        for item in parsed:
            fields = {
                "union_name": union_name.strip()[:200],
                "title": item.title,
                "kind": item.kind,
                "start": item.start,
                "end": item.end,
                "url": item.url,
                "source": SolidaritySource.ICS,
            }
            if item.uid:
                _, was_created = SolidarityEvent.objects.update_or_create(
                    uid=item.uid, defaults=fields, create_defaults={**fields, "created_by": actor}
                )
            else:
                SolidarityEvent.objects.create(**fields, created_by=actor)
                was_created = True
            created += was_created
            updated += not was_created
        audit_record(
            actor=actor,
            action="action.solidarity_import",
            detail={"created": created, "updated": updated},
        )
    return created, updated


def _lock_owner(branch: Branch | None, member: Member | None) -> dict[str, Branch | Member | None]:
    # Serialise link changes per owner: two clicks of "New link" must leave one live link.
    if branch is not None:
        Branch.objects.select_for_update().filter(pk=branch.pk).first()
        return {"branch": branch}
    if member is None:
        raise ActionError("A calendar link belongs to one branch or one member.")
    Member.objects.select_for_update().filter(pk=member.pk).first()
    return {"member": member}


def _issue(
    owner: dict[str, Branch | Member | None], branch: Branch | None, actor: User | None
) -> CalendarToken:
    revoked = CalendarToken.objects.filter(**owner, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = CalendarToken.objects.create(**owner, token=secrets.token_urlsafe(32))
    audit_record(
        actor=actor,
        action="action.calendar_link",
        obj=token,
        branch=branch,
        detail={"revoked": revoked},
    )
    return token


def calendar_token_issue(
    *, branch: Branch | None = None, member: Member | None = None, actor: User | None
) -> CalendarToken:
    """Issue a new secret calendar link for a branch or a member, revoking the old one."""
    if (branch is None) == (member is None):
        raise ActionError("A calendar link belongs to one branch or one member.")
    with transaction.atomic():
        owner = _lock_owner(branch, member)
        return _issue(owner, branch or (member.branch if member else None), actor)


def escalation_plan_add(
    *, dispute: Dispute, trigger: str, plan: str, actor: User | None
) -> PlannedEscalation:
    """Record what the branch agreed to do if the employer responds with TRIGGER."""
    if trigger not in ResponseType.values:
        raise ActionError(f"trigger: {trigger!r} is not an employer response.")
    if not plan.strip():
        raise ActionError("plan: say what the branch will do.")
    with transaction.atomic():
        item = PlannedEscalation.objects.create(
            dispute=dispute, trigger=trigger, plan=plan.strip(), created_by=actor
        )
        audit_record(
            actor=actor,
            action="action.escalation_plan",
            obj=item,
            branch=dispute.branch,
            detail={"trigger": trigger},
        )
    return item
