"""Changes to disputes. Each action checks its rules, writes in one transaction and is audited.

Audit details carry ids, kinds and states only: titles and evidence may name people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, Employer, User
from mandate.disputes.models import (
    Demand,
    Dispute,
    DisputeScope,
    DisputeStatus,
    Expectation,
    ExpectationStatus,
    ImplementationState,
    Metric,
    MetricValue,
    Precondition,
    ResponseType,
    TimelineEntry,
    TimelineKind,
)

# Largest magnitude a metric value may take: the column holds 12 digits before the point.
MAX_METRIC_VALUE = Decimal("999999999999.99")


def _text(value: str, *, what: str, max_length: int, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise DomainError(f"Give the {what}.")
    if len(cleaned) > max_length:
        raise DomainError(
            f"The {what} is {len(cleaned)} characters long; the limit is {max_length}."
        )
    return cleaned


def _next_order(
    model: type[Demand] | type[Expectation] | type[Precondition] | type[Metric], dispute: Dispute
) -> int:
    top = model.objects.filter(dispute=dispute).aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


# Paths under /disputes/ that a slug must not take.
RESERVED_SLUGS = frozenset({"new"})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70].strip("-") or "dispute"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Dispute.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _audit(
    dispute: Dispute, actor: User | None, action: str, obj: models.Model, **detail: object
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        branch=dispute.branch,
        detail={"dispute_id": dispute.pk, **detail},
    )


@transaction.atomic
def dispute_create(
    *,
    name: str,
    branch: Branch | None = None,
    parties: Iterable[Employer] | None = None,
    demands: Iterable[str] = (),
    summary: str = "",
    opened_on: dt.date | None = None,
    actor: User | None = None,
) -> Dispute:
    """Open a dispute: national if BRANCH is None, else local to BRANCH.

    Without PARTIES, a national dispute is with every employer and a local one with the
    branch's own employers.
    """
    name = _text(name, what="dispute's name", max_length=200)
    summary = _text(summary, what="summary", max_length=5000, required=False)
    demand_titles = [_text(d, what="demand", max_length=200) for d in demands if d.strip()]
    if opened_on is not None and opened_on > timezone.localdate():
        raise DomainError("A dispute cannot open in the future: give today's date or earlier.")
    if branch is None:
        chosen = list(Employer.objects.all() if parties is None else parties)
    else:
        own = list(branch.employers.all())
        chosen = own if parties is None else list(parties)
        foreign = sorted(e.name for e in chosen if e.pk not in {o.pk for o in own})
        if foreign:
            raise DomainError(
                f"A local dispute of {branch.name} can only be with that branch's employers; "
                f"not {', '.join(foreign)}."
            )
    if not chosen:
        raise DomainError("A dispute needs at least one employer as a party.")
    dispute = Dispute(
        name=name,
        scope=DisputeScope.NATIONAL if branch is None else DisputeScope.LOCAL,
        branch=branch,
        summary=summary,
        opened_on=opened_on or timezone.localdate(),
        created_by=actor,
    )
    # Two disputes of the same name opened at once would pick the same slug; the unique
    # constraint refuses the second, which then takes the next free one.
    for attempt in range(5):
        dispute.slug = _unique_slug(name)
        try:
            with transaction.atomic():
                dispute.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    dispute.parties.set(chosen)
    Demand.objects.bulk_create(
        Demand(dispute=dispute, title=title, order=i) for i, title in enumerate(demand_titles)
    )
    _audit(
        dispute,
        actor,
        "dispute.create",
        dispute,
        scope=dispute.scope,
        parties=len(chosen),
        demands=len(demand_titles),
    )
    return dispute


@transaction.atomic
def dispute_add_demand(
    *, dispute: Dispute, title: str, detail: str = "", actor: User | None = None
) -> Demand:
    """Add a demand to DISPUTE, after its existing ones."""
    demand = Demand.objects.create(
        dispute=dispute,
        title=_text(title, what="demand", max_length=200),
        detail=_text(detail, what="detail", max_length=5000, required=False),
        order=_next_order(Demand, dispute),
    )
    _audit(dispute, actor, "dispute.demand_add", demand)
    return demand


def _check_party(dispute: Dispute, employer: Employer | None) -> None:
    if employer is not None and not dispute.parties.filter(pk=employer.pk).exists():
        raise DomainError(f"{employer.name} is not a party to “{dispute.name}”.")


@transaction.atomic
def timeline_add(
    *,
    dispute: Dispute,
    date: dt.date,
    kind: str,
    title: str,
    detail: str = "",
    employer: Employer | None = None,
    response_type: str = "",
    actor: User | None = None,
) -> TimelineEntry:
    """Add an entry (a claim, an offer, a meeting, an employer's response...) to the timeline."""
    if kind not in TimelineKind.values:
        raise DomainError(
            f"Unknown kind of entry {kind!r}: use one of {', '.join(TimelineKind.values)}."
        )
    if response_type and kind != TimelineKind.EMPLOYER_RESPONSE:
        raise DomainError("Only an employer response can have a response type.")
    if response_type and response_type not in ResponseType.values:
        raise DomainError(f"Unknown response type {response_type!r}.")
    if kind == TimelineKind.EMPLOYER_RESPONSE and employer is None and not dispute.branch_id:
        raise DomainError("Say which employer responded: this dispute has many employers.")
    _check_party(dispute, employer)
    entry = TimelineEntry.objects.create(
        dispute=dispute,
        date=date,
        kind=kind,
        title=_text(title, what="title", max_length=200),
        detail=_text(detail, what="detail", max_length=5000, required=False),
        employer=employer,
        response_type=response_type,
        created_by=actor,
    )
    _audit(
        dispute,
        actor,
        "dispute.timeline_add",
        entry,
        kind=kind,
        response_type=response_type,
        employer_id=employer.pk if employer else None,
    )
    return entry


@transaction.atomic
def metric_add(
    *,
    dispute: Dispute,
    name: str,
    unit: str = "",
    higher_is_better: bool = False,
    actor: User | None = None,
) -> Metric:
    """Start tracking a number in DISPUTE."""
    name = _text(name, what="metric's name", max_length=200)
    if dispute.metrics.filter(name__iexact=name).exists():
        raise DomainError(f"This dispute already tracks “{name}”.")
    metric = Metric.objects.create(
        dispute=dispute,
        name=name,
        unit=_text(unit, what="unit", max_length=40, required=False),
        higher_is_better=higher_is_better,
        order=_next_order(Metric, dispute),
    )
    _audit(dispute, actor, "dispute.metric_add", metric)
    return metric


@transaction.atomic
def metric_record(
    *,
    metric: Metric,
    date: dt.date,
    value: Decimal | int | str,
    note: str = "",
    actor: User | None = None,
) -> MetricValue:
    """Record METRIC's value on DATE; a second value for the same date corrects the first."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{value!r} is not a number.") from None
    if not amount.is_finite() or abs(amount) > MAX_METRIC_VALUE:
        raise DomainError("That number is too large to record.")
    if date > timezone.localdate():
        raise DomainError("A value cannot be recorded for a date in the future.")
    note = _text(note, what="note", max_length=200, required=False)
    point, created = MetricValue.objects.update_or_create(
        metric=metric,
        date=date,
        defaults={
            "value": amount,
            "note": note,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    _audit(
        metric.dispute,
        actor,
        "dispute.metric_record",
        point,
        metric_id=metric.pk,
        date=date.isoformat(),
        corrected=not created,
    )
    return point


@transaction.atomic
def expectation_add(
    *, dispute: Dispute, title: str, detail: str = "", actor: User | None = None
) -> Expectation:
    """Add an item to a national dispute's framework of expectations."""
    if not dispute.is_national:
        raise DomainError(
            "Only a national dispute has a framework of expectations for each employer."
        )
    expectation = Expectation.objects.create(
        dispute=dispute,
        title=_text(title, what="expectation", max_length=200),
        detail=_text(detail, what="detail", max_length=5000, required=False),
        order=_next_order(Expectation, dispute),
    )
    _audit(dispute, actor, "dispute.expectation_add", expectation)
    return expectation


@transaction.atomic
def expectation_set_status(
    *,
    expectation: Expectation,
    employer: Employer,
    state: str,
    note: str = "",
    actor: User | None = None,
) -> ExpectationStatus:
    """Record how far EMPLOYER has got in implementing EXPECTATION."""
    if state not in ImplementationState.values:
        raise DomainError(
            f"Unknown state {state!r}: use one of {', '.join(ImplementationState.values)}."
        )
    dispute = expectation.dispute
    _check_party(dispute, employer)
    note = _text(note, what="note", max_length=300, required=False)
    # get_or_create survives two officers creating the row at once (it retries the read after
    # the unique constraint refuses the second insert); the lock then orders their updates.
    created = ExpectationStatus.objects.get_or_create(expectation=expectation, employer=employer)[1]
    status = ExpectationStatus.objects.select_for_update().get(
        expectation=expectation, employer=employer
    )
    previous = ImplementationState.NOT_STARTED if created else status.state
    status.state = state
    status.note = note
    status.updated_at = timezone.now()
    status.updated_by = actor
    status.save()
    _audit(
        dispute,
        actor,
        "dispute.expectation_status",
        status,
        expectation_id=expectation.pk,
        employer_id=employer.pk,
        state=state,
        previous=str(previous),
    )
    return status


@transaction.atomic
def precondition_add(
    *, dispute: Dispute, description: str, actor: User | None = None
) -> Precondition:
    """Record a precondition to action agreed with the employer; it starts unmet."""
    precondition = Precondition.objects.create(
        dispute=dispute,
        description=_text(description, what="precondition", max_length=300),
        order=_next_order(Precondition, dispute),
    )
    _audit(dispute, actor, "dispute.precondition_add", precondition)
    return precondition


@transaction.atomic
def precondition_mark_met(
    *,
    precondition: Precondition,
    evidence: str,
    evidence_file: UploadedFile | None = None,
    actor: User | None = None,
) -> Precondition:
    """Mark PRECONDITION met, with the evidence that it was; refuse if it already is."""
    evidence = _text(evidence, what="evidence that it was met", max_length=5000)
    # Lock the row: two officers marking it at once must not both succeed.
    locked = Precondition.objects.select_for_update().get(pk=precondition.pk)
    if locked.met_at is not None:
        raise InvalidState(
            f"“{locked.description}” was already marked met on {locked.met_at:%d %B %Y}."
        )
    locked.met_at = timezone.now()
    locked.met_by = actor
    locked.evidence = evidence
    if evidence_file is not None:
        locked.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=False)
    locked.save()
    dispute = locked.dispute
    _audit(
        dispute,
        actor,
        "dispute.precondition_met",
        locked,
        with_file=bool(evidence_file),
        unmet_left=dispute.unmet_preconditions().count(),
    )
    return locked


def _transition(dispute: Dispute, status: str) -> Dispute:
    locked = (
        Dispute.objects.select_for_update(of=("self",)).select_related("branch").get(pk=dispute.pk)
    )
    locked.check_transition(status)
    return locked


@transaction.atomic
def dispute_escalate(*, dispute: Dispute, reason: str = "", actor: User | None = None) -> Dispute:
    """Mark the dispute escalated, and note why on its timeline."""
    locked = _transition(dispute, DisputeStatus.ESCALATED)
    reason = _text(reason, what="reason", max_length=5000, required=False)
    previous = locked.status
    locked.status = DisputeStatus.ESCALATED
    locked.save(update_fields=["status"])
    TimelineEntry.objects.create(
        dispute=locked,
        date=timezone.localdate(),
        kind=TimelineKind.ACTION,
        title="Dispute escalated",
        detail=reason,
        created_by=actor,
    )
    _audit(locked, actor, "dispute.escalate", locked, previous=previous)
    return locked


@transaction.atomic
def dispute_settle(
    *,
    dispute: Dispute,
    settled_on: dt.date | None = None,
    terms: str = "",
    actor: User | None = None,
) -> Dispute:
    """Mark the dispute settled on SETTLED_ON (today by default)."""
    locked = _transition(dispute, DisputeStatus.SETTLED)
    when = settled_on or timezone.localdate()
    if when < locked.opened_on:
        raise DomainError(
            f"A dispute cannot settle before it opened ({locked.opened_on:%d %B %Y})."
        )
    if when > timezone.localdate():
        raise DomainError("Record the settlement on the day it happens, not in advance.")
    terms = _text(terms, what="terms", max_length=5000, required=False)
    previous = locked.status
    locked.status = DisputeStatus.SETTLED
    locked.settled_on = when
    locked.save(update_fields=["status", "settled_on"])
    TimelineEntry.objects.create(
        dispute=locked,
        date=when,
        kind=TimelineKind.OTHER,
        title="Dispute settled",
        detail=terms,
        created_by=actor,
    )
    _audit(locked, actor, "dispute.settle", locked, previous=previous)
    return locked
