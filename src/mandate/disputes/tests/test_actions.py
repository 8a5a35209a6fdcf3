from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from mandate.conftest import World
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import AuditEvent
from mandate.disputes import actions
from mandate.disputes.models import (
    Demand,
    Dispute,
    DisputeStatus,
    ExpectationStatus,
    ImplementationState,
    MetricValue,
    PreconditionsUnmet,
    ResponseType,
    TimelineEntry,
    TimelineKind,
)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# Creating --------------------------------------------------------------------------------------


def test_create_local_dispute_defaults_parties_to_the_branch_employers(world: World) -> None:
    dispute = actions.dispute_create(
        name="HLS redundancies",
        branch=world.liverpool,
        demands=["No compulsory redundancies", "  "],
        actor=world.secretary,
    )
    assert dispute.slug == "hls-redundancies"
    assert dispute.scope == "local"
    assert list(dispute.parties.all()) == [world.liverpool_employer]
    assert [d.title for d in dispute.demands.all()] == ["No compulsory redundancies"]
    assert dispute.status == DisputeStatus.OPEN
    (event,) = events("dispute.create")
    assert event.branch == world.liverpool
    assert event.actor == world.secretary
    assert event.detail == {
        "dispute_id": dispute.pk,
        "scope": "local",
        "parties": 1,
        "demands": 1,
    }


def test_create_national_dispute_is_with_every_employer(world: World) -> None:
    dispute = actions.dispute_create(name="Four Fights", actor=world.national)
    assert dispute.scope == "national" and dispute.branch is None
    assert set(dispute.parties.all()) == {world.liverpool_employer, world.ucl_employer}
    assert events("dispute.create")[0].branch is None


def test_slugs_are_unique_and_never_new(world: World) -> None:
    first = actions.dispute_create(name="Pay", actor=world.national)
    second = actions.dispute_create(name="Pay", actor=world.national)
    assert (first.slug, second.slug) == ("pay", "pay-2")
    assert actions.dispute_create(name="New", actor=world.national).slug == "new-2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "Give the dispute's name."),
        ({"name": "x" * 201}, "limit is 200"),
        ({"name": "Pay", "opened_on": dt.date(2999, 1, 1)}, "cannot open in the future"),
        ({"name": "Pay", "demands": ["x" * 201]}, "The demand is 201 characters"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    world: World, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        actions.dispute_create(**kwargs)  # type: ignore[arg-type]
    assert not Dispute.objects.exists()
    assert not events("dispute.create")


def test_local_dispute_cannot_name_another_branch_employer(world: World) -> None:
    with pytest.raises(DomainError, match="not University College London"):
        actions.dispute_create(
            name="x", branch=world.liverpool, parties=[world.ucl_employer], actor=world.secretary
        )
    assert not Dispute.objects.exists()


def test_a_dispute_needs_a_party(world: World) -> None:
    with pytest.raises(DomainError, match="at least one employer"):
        actions.dispute_create(name="x", parties=[])


# The state machine --------------------------------------------------------------------------


def test_escalate_then_settle(local: Dispute, world: World) -> None:
    actions.dispute_escalate(dispute=local, reason="100% docking", actor=world.secretary)
    local.refresh_from_db()
    assert local.status == DisputeStatus.ESCALATED
    assert local.timeline.filter(title="Dispute escalated", detail="100% docking").exists()
    actions.dispute_settle(dispute=local, settled_on=timezone.localdate(), actor=world.secretary)
    local.refresh_from_db()
    assert local.status == DisputeStatus.SETTLED
    assert local.settled_on == timezone.localdate()
    assert [e.detail["previous"] for e in events("dispute.settle")] == ["escalated"]


def test_settled_dispute_cannot_escalate_and_the_error_names_the_state(local: Dispute) -> None:
    actions.dispute_settle(dispute=local)
    with pytest.raises(InvalidState, match="is settled, so it cannot be escalated"):
        actions.dispute_escalate(dispute=local)
    with pytest.raises(InvalidState, match="is settled, so it cannot be settled"):
        actions.dispute_settle(dispute=local)
    assert len(events("dispute.settle")) == 1
    assert not events("dispute.escalate")


def test_escalated_dispute_cannot_escalate_again(local: Dispute) -> None:
    actions.dispute_escalate(dispute=local)
    with pytest.raises(InvalidState, match="is escalated.*It can only be settled"):
        actions.dispute_escalate(dispute=local)


def test_settle_date_must_fall_within_the_dispute(local: Dispute) -> None:
    with pytest.raises(DomainError, match="before it opened"):
        actions.dispute_settle(dispute=local, settled_on=dt.date(2026, 1, 1))
    with pytest.raises(DomainError, match="not in advance"):
        actions.dispute_settle(dispute=local, settled_on=timezone.localdate() + dt.timedelta(1))
    local.refresh_from_db()
    assert local.status == DisputeStatus.OPEN


def test_database_refuses_a_local_dispute_without_a_branch(local: Dispute) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=local.pk).update(branch=None)


# Demands, timeline ------------------------------------------------------------------------------


def test_demands_keep_their_order(local: Dispute) -> None:
    actions.dispute_add_demand(dispute=local, title="Reinstate the two", detail="By name")
    assert [d.title for d in local.demands.all()] == [
        "No compulsory redundancies",
        "Reinstate the two",
    ]
    assert events("dispute.demand_add")[0].detail == {"dispute_id": local.pk}


def test_employer_response_with_a_structured_type_prompts_escalation(
    national: Dispute, world: World
) -> None:
    entry = actions.timeline_add(
        dispute=national,
        date=dt.date(2026, 10, 12),
        kind=TimelineKind.EMPLOYER_RESPONSE,
        title="100% deduction for marking boycott",
        employer=world.liverpool_employer,
        response_type=ResponseType.ASOS_100_PERCENT_DEDUCTION,
        actor=world.national,
    )
    actions.timeline_add(
        dispute=national,
        date=dt.date(2026, 10, 13),
        kind=TimelineKind.EMPLOYER_RESPONSE,
        title="20% deduction",
        employer=world.ucl_employer,
        response_type=ResponseType.ASOS_PARTIAL_DEDUCTION,
    )
    assert entry.prompts_escalation
    assert list(national.escalation_triggers()) == [entry]
    assert national.employer_responses().count() == 2
    (event, _) = events("dispute.timeline_add")[::-1]
    # Titles may name people: the audit log holds the kind and ids only.
    assert event.detail == {
        "dispute_id": national.pk,
        "kind": "employer_response",
        "response_type": "asos_100_percent_deduction",
        "employer_id": world.liverpool_employer.pk,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "rumour"}, "Unknown kind"),
        ({"kind": "offer", "response_type": "asos_100_percent_deduction"}, "Only an employer"),
        ({"kind": "employer_response", "response_type": "shrug"}, "Unknown response type"),
        ({"kind": "employer_response"}, "Say which employer"),
        ({"kind": "offer", "title": ""}, "Give the title"),
    ],
)
def test_timeline_refuses_bad_entries(
    national: Dispute, world: World, kwargs: dict[str, str], message: str
) -> None:
    data = {"title": "x", **kwargs}
    with pytest.raises(DomainError, match=message):
        actions.timeline_add(dispute=national, date=dt.date(2026, 5, 1), **data)  # type: ignore[arg-type]
    assert not TimelineEntry.objects.exists()


def test_timeline_employer_must_be_a_party(local: Dispute, world: World) -> None:
    with pytest.raises(DomainError, match="not a party"):
        actions.timeline_add(
            dispute=local,
            date=dt.date(2026, 6, 1),
            kind="offer",
            title="x",
            employer=world.ucl_employer,
        )


# Metrics ---------------------------------------------------------------------------------------


def test_metric_record_and_correct(local: Dispute, world: World) -> None:
    metric = local.metrics.get()
    actions.metric_record(
        metric=metric, date=dt.date(2026, 11, 17), value="2", actor=world.secretary
    )
    actions.metric_record(metric=metric, date=dt.date(2026, 11, 17), value=3, note="corrected")
    assert [v.value for v in metric.values.all()] == [Decimal(47), Decimal(6), Decimal(3)]
    assert [e.detail["corrected"] for e in events("dispute.metric_record")][:2] == [True, False]


@pytest.mark.parametrize(
    ("value", "date", "message"),
    [
        ("many", dt.date(2026, 6, 1), "is not a number"),
        ("1e20", dt.date(2026, 6, 1), "too large"),
        ("5", dt.date(2999, 1, 1), "in the future"),
    ],
)
def test_metric_record_refuses_bad_values(
    local: Dispute, value: str, date: dt.date, message: str
) -> None:
    before = MetricValue.objects.count()
    with pytest.raises(DomainError, match=message):
        actions.metric_record(metric=local.metrics.get(), date=date, value=value)
    assert MetricValue.objects.count() == before


def test_metric_names_are_unique_per_dispute(local: Dispute) -> None:
    with pytest.raises(DomainError, match="already tracks"):
        actions.metric_add(dispute=local, name="compulsory redundancies AT RISK")


# The framework ---------------------------------------------------------------------------------


def test_expectation_status_one_row_per_employer_and_audited(
    national: Dispute, world: World
) -> None:
    expectation = national.expectations.first()
    assert expectation is not None
    actions.expectation_set_status(
        expectation=expectation,
        employer=world.liverpool_employer,
        state=ImplementationState.NEGOTIATING,
        actor=world.secretary,
    )
    status = actions.expectation_set_status(
        expectation=expectation,
        employer=world.liverpool_employer,
        state=ImplementationState.AGREED,
        note="Signed at JNCC",
        actor=world.secretary,
    )
    assert ExpectationStatus.objects.count() == 1
    assert (status.state, status.note, status.updated_by) == (
        "agreed",
        "Signed at JNCC",
        world.secretary,
    )
    assert [e.detail["previous"] for e in events("dispute.expectation_status")] == [
        "negotiating",
        "not_started",
    ]


def test_expectation_status_refuses_unknown_state_and_non_party(
    national: Dispute, world: World
) -> None:
    expectation = national.expectations.first()
    assert expectation is not None
    with pytest.raises(DomainError, match="Unknown state"):
        actions.expectation_set_status(
            expectation=expectation, employer=world.ucl_employer, state="done"
        )
    national.parties.remove(world.ucl_employer)
    with pytest.raises(DomainError, match="not a party"):
        actions.expectation_set_status(
            expectation=expectation, employer=world.ucl_employer, state="agreed"
        )
    assert not ExpectationStatus.objects.exists()


def test_only_national_disputes_have_a_framework(local: Dispute) -> None:
    with pytest.raises(DomainError, match="Only a national dispute"):
        actions.expectation_add(dispute=local, title="x")


# Preconditions ---------------------------------------------------------------------------------


def test_unmet_preconditions_block_action_until_met(local: Dispute, world: World) -> None:
    (unmet,) = local.unmet_preconditions()
    with pytest.raises(PreconditionsUnmet, match="Joint consultation meeting"):
        local.check_preconditions()
    upload = SimpleUploadedFile("minutes Jo Bloggs.pdf", b"%PDF-1.4", "application/pdf")
    met = actions.precondition_mark_met(
        precondition=unmet,
        evidence="Minutes of 1 July",
        evidence_file=upload,
        actor=world.secretary,
    )
    assert met.is_met and met.met_by == world.secretary
    # Stored under a random name: the uploaded file's name named a person.
    assert "Bloggs" not in met.evidence_file.name and met.evidence_file.name.endswith(".pdf")
    local.check_preconditions()
    assert not local.unmet_preconditions().exists()
    event = events("dispute.precondition_met")[0]
    assert event.detail == {
        "dispute_id": local.pk,
        "with_file": True,
        "unmet_left": 0,
    }


def test_mark_met_needs_evidence_and_refuses_twice(local: Dispute) -> None:
    (unmet,) = local.unmet_preconditions()
    with pytest.raises(DomainError, match="Give the evidence"):
        actions.precondition_mark_met(precondition=unmet, evidence="   ")
    unmet.refresh_from_db()
    assert not unmet.is_met
    actions.precondition_mark_met(precondition=unmet, evidence="Done")
    with pytest.raises(InvalidState, match="already marked met"):
        actions.precondition_mark_met(precondition=unmet, evidence="Again")
    unmet.refresh_from_db()
    assert unmet.evidence == "Done"


def test_a_met_precondition_without_evidence_is_refused_by_the_database(local: Dispute) -> None:
    (unmet,) = local.unmet_preconditions()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(unmet).objects.filter(pk=unmet.pk).update(met_at=timezone.now())


def test_demand_rows_are_not_written_when_create_fails(world: World) -> None:
    with pytest.raises(DomainError):
        actions.dispute_create(name="x", demands=["ok", "y" * 300])
    assert not Demand.objects.exists()
