"""Claims, decisions, top-ups, batches, the CSV for the bank, the ledger and who sees what."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core import policy
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import AuditEvent
from mandate.funds import actions
from mandate.funds import rules as engine
from mandate.funds.models import ClaimDay, ClaimState, EntryKind, FundRules, LedgerEntry
from mandate.funds.tests import factories as f
from mandate.pay.tests.factories import STRIKE_DAYS

D = Decimal
pytestmark = pytest.mark.django_db


def login(user: str) -> Client:
    client = Client()
    assert client.login(username=user, password=PASSWORD)
    return client


@pytest.fixture
def funds(world: World) -> f.Funds:
    return f.build(world)


def test_claim_is_proposed_and_explained_from_the_recorded_days(
    world: World, funds: f.Funds
) -> None:
    claim = f.claim(world, funds.national_rules)
    # 42,000 a year: band B, 50 a day from day 2 -> 2 days paid.
    assert claim.proposed == D("100.00") and claim.band == "B"
    assert claim.state == ClaimState.SUBMITTED
    assert "2 Mar 2026: strike day, day 1: not paid (first paid day is day 2)." in claim.explanation
    assert "3 Mar 2026: strike day, day 2: band B £50.00." in claim.explanation
    days = list(claim.days.values_list("day", "amount", "loss"))
    assert days == [
        (STRIKE_DAYS[0], D("0.00"), D("115.07")),
        (STRIKE_DAYS[1], D("50.00"), D("115.07")),
        (STRIKE_DAYS[2], D("50.00"), D("115.07")),
    ]


def test_a_day_is_claimed_once_from_one_fund(world: World, funds: f.Funds) -> None:
    f.claim(world, funds.national_rules)
    with pytest.raises(DomainError, match="Already claimed from this fund: 2 Mar 2026"):
        f.claim(world, funds.national_rules)


def test_evidence_required_means_no_claim_without_a_payslip(world: World, funds: f.Funds) -> None:
    with pytest.raises(DomainError, match="no evidence of the deduction yet"):
        f.claim(world, funds.national_rules, member=world.covered)


def test_approve_then_the_hardship_fund_tops_up_to_the_loss(world: World, funds: f.Funds) -> None:
    national = f.claim(world, funds.national_rules)
    actions.claim_decide(actor=world.national, claim_id=national.pk, approve=True)
    hardship = f.claim(world, funds.hardship_rules)
    # Day 1 nothing from the national fund: 40. Days 2-3: 40 each, still within 115.07 - 50.
    assert hardship.proposed == D("120.00")
    assert any("top-up, band H £40.00" in line for line in hardship.explanation)
    per_day = {
        d: a
        for d, a in ClaimDay.objects.filter(member=world.member, active=True).values_list(
            "day", "amount"
        )
        if a
    }
    for day in STRIKE_DAYS:
        paid = sum(
            ClaimDay.objects.filter(member=world.member, day=day, active=True).values_list(
                "amount", flat=True
            ),
            D(0),
        )
        assert paid <= D("115.07")
    assert per_day


def test_a_fund_that_does_not_top_up_pays_nothing_for_a_day_paid_elsewhere(
    world: World, funds: f.Funds
) -> None:
    national = f.claim(world, funds.national_rules)
    actions.claim_decide(actor=world.national, claim_id=national.pk, approve=True)
    plain = actions.rules_publish(
        actor=world.panel,
        fund=funds.hardship,
        dispute=funds.dispute,
        rules=engine.Rules(
            bands=(engine.Band("H", D(0), None, D("40.00")),), evidence_required=False
        ),
    )
    claim = f.claim(world, plain)
    assert claim.proposed == D("40.00")  # day 1 only
    assert any(
        "already paid by National strike fund; this fund does not top up" in t
        for t in claim.explanation
    )


def test_approval_rechecks_against_what_other_funds_paid_meanwhile(
    world: World, funds: f.Funds
) -> None:
    plain = actions.rules_publish(
        actor=world.panel,
        fund=funds.hardship,
        dispute=funds.dispute,
        rules=engine.Rules(
            bands=(engine.Band("H", D(0), None, D("40.00")),), evidence_required=False
        ),
    )
    hardship = f.claim(world, plain)
    national = f.claim(world, funds.national_rules)
    assert hardship.proposed == D("120.00")
    actions.claim_decide(actor=world.national, claim_id=national.pk, approve=True)
    approved = actions.claim_decide(actor=world.panel, claim_id=hardship.pk, approve=True)
    assert approved.approved_amount == D("40.00")


def test_reject_needs_a_reason_and_frees_the_days(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.national_rules)
    with pytest.raises(DomainError, match="reason"):
        actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=False)
    actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=False, reason="Duplicate")
    with pytest.raises(InvalidState, match="already decided"):
        actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=True)
    again = f.claim(world, funds.national_rules)
    assert again.proposed == D("100.00")


def test_approve_less_needs_a_reason_and_never_more(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.national_rules)
    with pytest.raises(DomainError, match="at most £100.00"):
        actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=True, amount=D(101))
    with pytest.raises(DomainError, match="Say why"):
        actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=True, amount=D(60))
    done = actions.claim_decide(
        actor=world.national,
        claim_id=claim.pk,
        approve=True,
        amount=D(60),
        reason="Part-time on day 3",
    )
    assert done.approved_amount == D(60)
    assert sum(claim.days.values_list("amount", flat=True), D(0)) == D(60)


def test_batch_csv_and_payment_write_the_ledger(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.national_rules, account_name='=HYPERLINK("http://x")')
    actions.claim_decide(actor=world.national, claim_id=claim.pk, approve=True)
    with pytest.raises(DomainError, match="not enough for any approved claim"):
        actions.batch_create(actor=world.national, fund=funds.national)
    actions.ledger_deposit(
        actor=world.national, fund=funds.national, amount=D("1000.00"), memo="Levy"
    )
    batch = actions.batch_create(actor=world.national, fund=funds.national)
    assert batch.total == D("100.00")
    assert actions.fund_available(funds.national) == D("900.00")
    with pytest.raises(InvalidState, match="export it to the bank first"):
        actions.batch_mark_paid(actor=world.national, batch_id=batch.pk, bank_reference="R1")
    text = actions.batch_export(actor=world.national, batch=batch)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(actions.CSV_COLUMNS)
    assert rows[1] == [
        '\'=HYPERLINK("http://x")',
        "123456",
        "12345678",
        "100.00",
        f"MANDATE F{funds.national.pk} C{claim.pk}",
    ]
    assert AuditEvent.objects.filter(action="funds.batch_export", object_id=str(batch.pk)).exists()
    actions.batch_mark_paid(actor=world.national, batch_id=batch.pk, bank_reference="R1")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    assert actions.fund_balance(funds.national) == D("900.00")
    payment = LedgerEntry.objects.get(kind=EntryKind.PAYMENT)
    assert payment.amount == D("-100.00") and payment.claim_id == claim.pk
    with pytest.raises(InvalidState, match="already recorded as paid"):
        actions.batch_mark_paid(actor=world.national, batch_id=batch.pk, bank_reference="R1")


def test_hardship_batch_scales_pro_rata_priority_first(world: World, funds: f.Funds) -> None:
    mine = f.claim(world, funds.hardship_rules)  # 42,000: not low paid, 3 x 40
    theirs = f.claim(world, funds.hardship_rules, member=world.covered)  # 31,000: low paid
    assert (mine.tier, theirs.tier) == (1, 0) and theirs.groups == ["low_paid"]
    for c in (mine, theirs):
        actions.claim_decide(actor=world.panel, claim_id=c.pk, approve=True)
    actions.ledger_deposit(
        actor=world.panel, fund=funds.hardship, amount=D("200.00"), memo="Collection"
    )
    batch = actions.batch_create(actor=world.panel, fund=funds.hardship)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert batch.scaled and batch.total == D("200.00")
    assert theirs.payable == D("120.00")  # the priority group in full
    assert mine.payable == D("80.00")
    assert "Scaled pro rata" in mine.payable_note
    # The days record what was really paid, to the penny.
    assert sum(mine.days.values_list("amount", flat=True), D(0)) == D("80.00")


def test_the_ledger_is_append_only(world: World, funds: f.Funds) -> None:
    entry = actions.ledger_deposit(
        actor=world.national, fund=funds.national, amount=D("10.00"), memo="x"
    )
    entry.memo = "changed"
    with pytest.raises(InvalidState):
        entry.save()
    with pytest.raises(InvalidState):
        entry.delete()
    with pytest.raises(InvalidState):
        LedgerEntry.objects.filter(pk=entry.pk).update(memo="changed")
    with pytest.raises(InvalidState):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).memo == "x"
    with pytest.raises(DomainError, match="pounds and pence"):
        actions.ledger_deposit(actor=world.national, fund=funds.national, amount=D("0"), memo="x")


def test_published_rules_are_never_changed(world: World, funds: f.Funds) -> None:
    funds.national_rules.first_paid_day = 1
    with pytest.raises(InvalidState):
        funds.national_rules.save()
    again = actions.rules_publish(
        actor=world.national, fund=funds.national, dispute=funds.dispute, rules=f.national_rules()
    )
    assert again.version == 2
    assert FundRules.objects.filter(fund=funds.national).count() == 2


# Who sees what ------------------------------------------------------------------------------


def test_policy_scopes(world: World, funds: f.Funds) -> None:
    assert set(policy.funds_with_details(world.panel)) == {funds.hardship}
    assert set(policy.funds_with_details(world.national)) == {funds.hardship, funds.national}
    assert set(policy.funds_with_details(world.secretary)) == set()
    assert set(policy.funds_with_totals(world.secretary)) == {funds.hardship, funds.national}
    assert set(policy.funds_with_totals(world.outsider)) == {funds.national}
    assert set(policy.funds_with_totals(world.member_user)) == set()
    assert set(policy.funds_with_totals(world.rep)) == set()
    claim = f.claim(world, funds.hardship_rules)
    assert policy.get_claim(world.member_user, claim.pk) == claim
    assert policy.get_claim(world.panel, claim.pk) == claim
    for who in (world.secretary, world.outsider, world.rep, world.regional):
        with pytest.raises(Http404):
            policy.get_claim(who, claim.pk)
    national_claim = f.claim(world, funds.national_rules)
    with pytest.raises(Http404):
        policy.get_claim(world.panel, national_claim.pk)


def test_outsider_gets_404_everywhere(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.hardship_rules)
    client = login("outsider")
    for url in (
        f"/funds/{funds.hardship.pk}/",
        f"/funds/{funds.hardship.pk}/claims/",
        f"/funds/claims/{claim.pk}/",
        f"/funds/{funds.hardship.pk}/rules/{funds.dispute.slug}/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/funds/claims/{claim.pk}/decide/", {"decision": "approve"}).status_code == 404
    )
    assert (
        client.post(
            f"/funds/{funds.hardship.pk}/deposit/", {"amount": "5", "memo": "x"}
        ).status_code
        == 404
    )
    assert not LedgerEntry.objects.exists()


def test_branch_officer_sees_totals_not_claims(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.hardship_rules)
    client = login("secretary")
    page = client.get(f"/funds/{funds.hardship.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Waiting for the panel" in body and "£120.00" in body
    assert "Mo Ahmed" not in body and "Ledger" not in body
    assert client.get(f"/funds/{funds.hardship.pk}/claims/").status_code == 403
    assert client.get(f"/funds/claims/{claim.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="funds.view_totals", actor=world.secretary).exists()


def test_member_sees_only_their_own_claims(world: World, funds: f.Funds) -> None:
    mine = f.claim(world, funds.hardship_rules)
    theirs = f.claim(world, funds.hardship_rules, member=world.covered)
    client = login("member")
    page = client.get("/funds/mine/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"#{mine.pk}" in body and f"#{theirs.pk}" not in body
    assert client.get(f"/funds/claims/{mine.pk}/").status_code == 200
    assert client.get(f"/funds/claims/{theirs.pk}/").status_code == 404
    assert client.get(f"/funds/{funds.hardship.pk}/").status_code == 404
    assert (
        client.post(f"/funds/claims/{mine.pk}/decide/", {"decision": "approve"}).status_code == 404
    )
    assert AuditEvent.objects.filter(
        action="funds.view_claim", object_id=str(mine.pk), actor=world.member_user
    ).exists()


def test_panel_reviews_with_names_hidden_and_every_view_is_audited(
    world: World, funds: f.Funds
) -> None:
    claim = f.claim(world, funds.hardship_rules)
    client = login("panel")
    shown = client.get(f"/funds/{funds.hardship.pk}/claims/").content.decode()
    assert "Mo Ahmed" in shown
    hidden = client.get(f"/funds/{funds.hardship.pk}/claims/?hide=1").content.decode()
    assert "Mo Ahmed" not in hidden and f"#{claim.pk}" in hidden
    detail = client.get(f"/funds/claims/{claim.pk}/?hide=1").content.decode()
    assert "Mo Ahmed" not in detail and "****5678" in detail and "12345678" not in detail
    events = AuditEvent.objects.filter(
        actor=world.panel, action__in=["funds.view_claims", "funds.view_claim"]
    )
    assert events.count() == 3
    assert all("Mo" not in str(e.detail) for e in events)


def test_member_claims_through_the_form(world: World, funds: f.Funds) -> None:
    client = login("member")
    url = f"/funds/mine/claim/{funds.national_rules.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "£100.00" in page.content.decode()
    days = [d.isoformat() for d in STRIKE_DAYS]
    bad = client.post(
        url,
        {
            "days": days,
            "account_name": "Mo",
            "sort_code": "12-34",
            "account_number": "1234",
            "declare": "on",
        },
    )
    assert bad.status_code == 200
    assert "A sort code is six digits" in bad.content.decode()
    assert "An account number is eight digits" in bad.content.decode()
    good = client.post(
        url,
        {
            "days": days,
            "account_name": "Mo",
            "sort_code": "12-34-56",
            "account_number": "12345678",
            "declare": "on",
        },
    )
    assert good.status_code == 302
    claim = world.member.claims.get()
    assert claim.sort_code == "123456" and claim.proposed == D("100.00")


def test_rules_form_says_which_line_is_wrong(world: World, funds: f.Funds) -> None:
    client = login("panel")
    url = f"/funds/{funds.hardship.pk}/rules/{funds.dispute.slug}/"
    page = client.get(url)
    assert page.status_code == 200 and "H | 0 |  | 40.00" in page.content.decode()
    response = client.post(
        url,
        {
            "bands": "A | 0 | 30000 | 75\nB | 20000 | | fifty",
            "first_paid_day": 1,
            "claim_window_days": 365,
        },
    )
    assert response.status_code == 200
    assert "Line 2: “fifty” is not an amount." in response.content.decode()
    huge = client.post(
        url, {"bands": "A | 0 | 1e400 | 75", "first_paid_day": 1, "claim_window_days": 365}
    )
    assert huge.status_code == 200 and "Line 1: “1e400” is not an amount." in huge.content.decode()
    overlap = client.post(
        url,
        {
            "bands": "A | 0 | 30000 | 75\nB | 20000 | | 50",
            "first_paid_day": 1,
            "claim_window_days": 365,
        },
    )
    assert "Bands A and B overlap." in overlap.content.decode()
    ok = client.post(
        url,
        {
            "bands": "A | 0 | 30000 | 75 | 2 | | 1100\nB | 30000 | | 50 | 3 | | 800",
            "first_paid_day": 1,
            "claim_window_days": 365,
            "evidence_required": "on",
        },
    )
    assert ok.status_code == 302
    latest = FundRules.objects.filter(fund=funds.hardship).order_by("-version").first()
    assert latest is not None and latest.version == 2
    assert latest.as_rules().bands[1].cap_money == D(800)


def test_index_pages(world: World, funds: f.Funds) -> None:
    assert login("panel").get("/funds/").status_code == 200
    assert login("member").get("/funds/").status_code == 302
    national = login("national")
    assert national.get("/funds/new/").status_code == 200
    response = national.post(
        "/funds/new/", {"name": "Second fund", "kind": "strike", "where": "national"}
    )
    assert response.status_code == 302
    assert login("secretary").get("/funds/new/").status_code == 404


def test_deposit_and_batch_through_the_pages(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.hardship_rules)
    client = login("panel")
    assert (
        client.post(f"/funds/claims/{claim.pk}/decide/", {"decision": "approve"}).status_code == 302
    )
    bad = client.post(
        f"/funds/{funds.hardship.pk}/deposit/", {"amount": "-3", "memo": ""}, follow=True
    )
    assert "Nothing recorded" in bad.content.decode()
    client.post(f"/funds/{funds.hardship.pk}/deposit/", {"amount": "500", "memo": "Collection"})
    response = client.post(f"/funds/{funds.hardship.pk}/batches/new/")
    batch_url = response["Location"]
    assert client.get(batch_url).status_code == 200
    csv_response = client.post(batch_url + "export.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert client.post(batch_url + "paid/", {"bank_reference": "BACS-1"}).status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    assert actions.fund_balance(funds.hardship) == D("380.00")
    assert dt.date.today()  # the pages render dates without error


def test_a_panel_member_cannot_decide_their_own_claim(world: World, funds: f.Funds) -> None:
    with pytest.raises(DomainError, match="your own claim"):
        claim = f.claim(world, funds.hardship_rules)
        actions.claim_decide(actor=world.member_user, claim_id=claim.pk, approve=True)


def test_the_queue_has_a_query_budget(
    world: World, funds: f.Funds, django_assert_max_num_queries: object
) -> None:
    f.claim(world, funds.hardship_rules)
    f.claim(world, funds.hardship_rules, member=world.covered)
    client = login("panel")
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        assert client.get(f"/funds/{funds.hardship.pk}/claims/?state=").status_code == 200


def test_my_claims_says_when_every_day_is_claimed(world: World, funds: f.Funds) -> None:
    f.claim(world, funds.hardship_rules)
    client = login("member")
    body = client.get("/funds/mine/").content.decode()
    assert "Claim from National strike fund" in body
    assert "every day you recorded is claimed" in body
    page = client.get(f"/funds/mine/claim/{funds.hardship_rules.pk}/").content.decode()
    assert "No recorded day is left to claim" in page and "Send the claim" not in page


def test_panel_sees_the_payslip_evidence_link(world: World, funds: f.Funds) -> None:
    claim = f.claim(world, funds.hardship_rules)
    body = login("panel").get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "see the payslip" in body and "for 3 days" in body
    mine = login("member").get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "see the payslip" not in mine


def test_a_mistake_is_corrected_by_a_new_entry(world: World, funds: f.Funds) -> None:
    client = login("panel")
    url = f"/funds/{funds.hardship.pk}/"
    client.post(url + "deposit/", {"amount": "500", "memo": "Collection"})
    refused = client.post(url + "correct/", {"amount": "0", "memo": "x"}, follow=True)
    assert "Give the correction in pounds and pence" in refused.content.decode()
    client.post(url + "correct/", {"amount": "-50", "memo": "Collection was 450, not 500"})
    assert actions.fund_balance(funds.hardship) == D("450.00")
    assert LedgerEntry.objects.filter(fund=funds.hardship).count() == 2
    assert (
        login("secretary").post(url + "correct/", {"amount": "5", "memo": "x"}).status_code == 403
    )
