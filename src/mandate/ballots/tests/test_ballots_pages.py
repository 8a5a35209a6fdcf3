"""The ballot pages: access for every persona, the web upload of a real report, query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from mandate.ballots import actions
from mandate.ballots.models import ChecklistStep, Mandate, RuleOverride, StepStatus
from mandate.ballots.tests.factories import PAY, PENSIONS, historic_ballot, local_ballot
from mandate.conftest import PASSWORD
from mandate.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def ballot_urls(ballot) -> list[str]:
    return [
        reverse("ballots:detail", args=[ballot.pk]),
        reverse("ballots:results", args=[ballot.pk]),
        reverse("ballots:notice_members", args=[ballot.pk]),
    ]


def test_outsider_gets_404_on_every_page_of_a_local_ballot(world) -> None:
    ballot = local_ballot(world)
    step = ballot.steps.first()
    outsider = client_for(world.outsider)
    for url in [
        *ballot_urls(ballot),
        reverse("ballots:step", args=[ballot.pk, step.pk]),
        reverse("ballots:enter", args=[ballot.pk]),
        reverse("ballots:upload", args=[ballot.pk]),
        reverse("ballots:notice_sent", args=[ballot.pk]),
        reverse("ballots:notice_employer", args=[ballot.pk, world.liverpool_employer.pk]),
    ]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(reverse("ballots:open", args=[ballot.pk])).status_code == 404
    assert ballot.name not in outsider.get(reverse("ballots:index")).content.decode()
    assert Client().get(reverse("ballots:detail", args=[ballot.pk])).status_code == 302


def test_rep_reads_but_cannot_change(world) -> None:
    ballot = local_ballot(world)
    step = ballot.steps.get(rule_id="B-notice")
    rep = client_for(world.rep)
    page = rep.get(reverse("ballots:detail", args=[ballot.pk]))
    assert page.status_code == 200
    assert "Record B-notice" not in page.content.decode()
    assert rep.get(reverse("ballots:step", args=[ballot.pk, step.pk])).status_code == 403
    response = rep.post(
        reverse("ballots:step", args=[ballot.pk, step.pk]), {"done_on": "2026-01-01"}
    )
    assert response.status_code == 403
    assert rep.post(reverse("ballots:open", args=[ballot.pk])).status_code == 403
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING


def test_secretary_records_a_step_and_sees_overdue_flag(world) -> None:
    today = dt.date.today()
    ballot = local_ballot(
        world, opens=today + dt.timedelta(days=5), closes=today + dt.timedelta(days=26)
    )
    secretary = client_for(world.secretary)
    page = secretary.get(reverse("ballots:detail", args=[ballot.pk])).content.decode()
    assert "Overdue" in page and "cannot open yet" in page
    step = ballot.steps.get(rule_id="B-notice")
    response = secretary.post(
        reverse("ballots:step", args=[ballot.pk, step.pk]),
        {"done_on": today.isoformat(), "method": "Hand delivered", "evidence": "Receipt signed"},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.LATE and step.method == "Hand delivered"
    page = secretary.get(reverse("ballots:detail", args=[ballot.pk])).content.decode()
    assert "after the deadline" in page
    response = secretary.post(reverse("ballots:open", args=[ballot.pk]), follow=True)
    assert "B-notice (University of Liverpool) is late" in response.content.decode()


def test_national_uploads_the_pay_report_through_the_web(world) -> None:
    ballot = historic_ballot()
    national = client_for(world.national)
    with PAY.open("rb") as handle:
        preview = national.post(reverse("ballots:upload", args=[ballot.pk]), {"file": handle})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "145 to resolve" in body
    sha = preview.context["sha256"]
    data = {"sha256": sha, **{f"match:{n}": "create" for n in preview.context["preview"].unmatched}}
    response = national.post(reverse("ballots:confirm", args=[ballot.pk]), data, follow=True)
    assert response.status_code == 200
    assert response.context["strike_granted"] == 54
    assert "54</strong> constituencies with a strike mandate" in response.content.decode()


def test_branch_officer_cannot_import_and_bad_upload_is_explained(world) -> None:
    ballot = historic_ballot()
    assert (
        client_for(world.secretary).get(reverse("ballots:upload", args=[ballot.pk])).status_code
        == 403
    )
    national = client_for(world.national)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("notes.csv", b"name,email\nAnn,ann@example.org\n")
    response = national.post(reverse("ballots:upload", args=[ballot.pk]), {"file": bad})
    assert response.status_code == 200
    assert "No results table found" in response.content.decode()
    stale = national.post(
        reverse("ballots:confirm", args=[ballot.pk]), {"sha256": "x"}, follow=True
    )
    assert "upload the report again" in stale.content.decode()


def test_national_results_page_sorts_and_has_fixed_query_count(
    world, django_assert_max_num_queries
) -> None:
    ballot = historic_ballot("USS 2021")
    actions.results_import(
        ballot=ballot,
        data=PENSIONS.read_bytes(),
        filename=PENSIONS.name,
        actor=None,
        create_constituencies=True,
    )
    national = client_for(world.national)
    url = reverse("ballots:results", args=[ballot.pk])
    national.get(url)
    with django_assert_max_num_queries(12):
        response = national.get(url + "?sort=turnout")
    lines = response.context["lines"]
    assert len(lines) == 68
    shares = [line.turnout_key() for line in lines]
    assert shares == sorted(shares, reverse=True)
    body = response.content.decode()
    assert "<svg" in body and "49.95%" in body
    assert response.context["strike_granted"] == 37
    low = national.get(url + "?sort=-turnout").context["lines"]
    assert low[0].turnout_key() <= low[-1].turnout_key()


def test_mandate_register_warnings_at_30_14_7(world) -> None:
    today = dt.date.today()
    ballot = local_ballot(
        world, opens=today - dt.timedelta(days=60), closes=today - dt.timedelta(days=40)
    )
    constituency = ballot.constituencies.get()
    actions.result_enter(
        constituency=constituency,
        question="strike",
        entitled=100,
        votes_cast=60,
        yes=50,
        no=9,
        spoiled=1,
        actor=None,
    )
    mandate = Mandate.objects.get(constituency=constituency, question="strike")
    assert mandate.granted
    client = client_for(world.secretary)
    for days, badge in ((45, None), (30, "30"), (20, "30"), (14, "14"), (7, "7"), (0, "7")):
        Mandate.objects.filter(pk=mandate.pk).update(last_day=today + dt.timedelta(days=days))
        line = client.get(reverse("ballots:register")).context["lines"][0]
        assert line.days_left == days
        assert line.warning == (int(badge) if badge else None)
    assert client_for(world.outsider).get(reverse("ballots:register")).context["lines"] == []


def test_notices_carry_every_figure_and_name_no_member(world) -> None:
    today = dt.date.today()
    ballot = local_ballot(
        world, opens=today - dt.timedelta(days=30), closes=today - dt.timedelta(days=2)
    )
    constituency = ballot.constituencies.get()
    actions.result_enter(
        constituency=constituency,
        question="strike",
        entitled=2094,
        votes_cast=1046,
        yes=807,
        no=230,
        spoiled=9,
        actor=None,
    )
    client = client_for(world.secretary)
    for url in (
        reverse("ballots:notice_members", args=[ballot.pk]),
        reverse("ballots:notice_employer", args=[ballot.pk, world.liverpool_employer.pk]),
    ):
        body = client.get(url).content.decode()
        for figure in (
            "2094",
            "1046",
            "807",
            "230",
            "9",
            "49.95%",
            "50% turnout threshold not met",
            "Majority voted yes",
        ):
            assert figure in body, (url, figure)
        for member in (world.member, world.covered, world.uncovered):
            assert member.last_name not in body
    docx = client.get(reverse("ballots:notice_members", args=[ballot.pk]) + "?format=docx")
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from docx import Document

    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(docx.content)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "2,094" in text and "1,046" in text and "not met" in text
    response = client.post(
        reverse("ballots:notice_sent", args=[ballot.pk]),
        {
            "kind": "employer_letter",
            "employer": world.liverpool_employer.pk,
            "sent_at": f"{today - dt.timedelta(days=1)}T09:00",
            "method": "Email to HR",
        },
    )
    assert response.status_code == 302
    step = ChecklistStep.objects.get(
        ballot=ballot, rule_id="T-inform", employer=world.liverpool_employer
    )
    assert step.status in (StepStatus.DONE, StepStatus.LATE) and step.method == "Email to HR"


def test_rulebook_page_and_override_recomputes_mandates(world) -> None:
    ballot = historic_ballot("USS 2021")
    actions.results_import(
        ballot=ballot,
        data=PENSIONS.read_bytes(),
        filename=PENSIONS.name,
        actor=None,
        create_constituencies=True,
    )
    national = client_for(world.national)
    page = national.get(reverse("rulebook")).content.decode()
    assert "T-turnout" in page and "TULRCA s226(2)(a)(iia)" in page and "not yet in force" in page
    secretary = client_for(world.secretary)
    assert "Override a parameter" not in secretary.get(reverse("rulebook")).content.decode()
    assert secretary.post(reverse("rule_override", args=["gb"]), {}).status_code == 404
    response = national.post(
        reverse("rule_override", args=["gb"]),
        {
            "rule_id": "T-turnout",
            "regime": "B",
            "param": "share",
            "value": "2/5",
            "reason": "What-if for counsel",
        },
    )
    assert response.status_code == 302
    assert RuleOverride.objects.get().reason == "What-if for counsel"
    assert AuditEvent.objects.filter(action="rules.override").exists()
    manchester = Mandate.objects.get(
        constituency__ballot=ballot,
        constituency__name="The University of Manchester",
        question="strike",
    )
    assert manchester.granted
    bad = national.post(
        reverse("rule_override", args=["gb"]),
        {"rule_id": "T-turnout", "regime": "B", "param": "share", "value": "lots", "reason": "x"},
        follow=True,
    )
    assert "expected a fraction" in bad.content.decode()
    assert RuleOverride.objects.count() == 1


def test_timeline_form_uses_the_law(world) -> None:
    client = client_for(world.secretary)
    response = client.get(
        reverse("ballots:timeline"),
        {"jurisdiction": "gb", "opens": "2026-03-02", "closes": "2026-03-23"},
    )
    body = response.content.decode()
    assert "B-notice" in body and "2026-03-23 + 12 months - 1 day = 2027-03-22" in body
    bad = client.get(
        reverse("ballots:timeline"),
        {"jurisdiction": "gb", "opens": "2026-03-23", "closes": "2026-03-02"},
    )
    assert "before it opens" in bad.content.decode()
    assert client_for(world.member_user).get(reverse("ballots:timeline")).status_code == 404
