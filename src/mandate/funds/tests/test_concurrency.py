"""Two panel members approving the same claim at once: one approval, one payment."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from mandate.conftest import World
from mandate.core.errors import InvalidState
from mandate.core.models import AuditEvent
from mandate.funds import actions
from mandate.funds.models import ClaimState, EntryKind, LedgerEntry
from mandate.funds.tests import factories as f

THREADS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_panel_members_approving_at_once_produce_one_payment(world: World) -> None:
    funds = f.build(world)
    claim = f.claim(world, funds.hardship_rules)
    start = threading.Barrier(THREADS)
    won: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def approve() -> None:
        try:
            start.wait()
            actions.claim_decide(actor=world.panel, claim_id=claim.pk, approve=True)
            with lock:
                won.append(1)
        except InvalidState as exc:
            with lock:
                refused.append(exc.message)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=approve) for _ in range(THREADS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    assert not errors, errors[:3]
    assert len(won) == 1 and len(refused) == THREADS - 1
    assert all("already decided" in m for m in refused)
    assert (
        AuditEvent.objects.filter(action="funds.claim_decide", object_id=str(claim.pk)).count() == 1
    )
    actions.ledger_deposit(actor=world.panel, fund=funds.hardship, amount=Decimal(500), memo="x")
    batch = actions.batch_create(actor=world.panel, fund=funds.hardship)
    actions.batch_export(actor=world.panel, batch=batch)
    actions.batch_mark_paid(actor=world.panel, batch_id=batch.pk, bank_reference="R")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT, claim=claim).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_funds_approving_the_same_days_at_once_never_pay_above_the_loss(world: World) -> None:
    """A national and a plain (non top-up) branch fund decide the member's claims at once: the
    member's row lock makes the second re-check see the first, so no day is paid twice."""
    from mandate.funds import rules as engine
    from mandate.funds.models import ClaimDay

    funds = f.build(world)
    plain = actions.rules_publish(
        actor=world.panel,
        fund=funds.hardship,
        dispute=funds.dispute,
        rules=engine.Rules(
            bands=(engine.Band("H", Decimal(0), None, Decimal("40.00")),), evidence_required=False
        ),
    )
    national = f.claim(world, funds.national_rules)
    branch = f.claim(world, plain)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def decide(claim_id: int, actor: object) -> None:
        try:
            start.wait()
            actions.claim_decide(actor=actor, claim_id=claim_id, approve=True)  # type: ignore[arg-type]
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [
        threading.Thread(target=decide, args=(national.pk, world.national)),
        threading.Thread(target=decide, args=(branch.pk, world.panel)),
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors or all(isinstance(e, actions.NothingToPay) for e in errors), errors
    for day in {d.day for d in ClaimDay.objects.filter(member=world.member)}:
        paying = ClaimDay.objects.filter(
            member=world.member,
            day=day,
            active=True,
            claim__state=ClaimState.APPROVED,
            amount__gt=0,
        )
        assert paying.count() <= 1, day
