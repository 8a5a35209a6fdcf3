from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from mandate.conftest import World
from mandate.core.models import AuditEvent
from mandate.disputes import actions
from mandate.disputes.models import (
    Demand,
    Dispute,
    DisputeStatus,
    Expectation,
    ExpectationStatus,
    Metric,
    MetricValue,
    Precondition,
    TimelineEntry,
)
from mandate.disputes.tests.conftest import login

TODAY = timezone.localdate()


def body(response: Any) -> str:
    return str(response.content.decode())


# The list --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Client, local: Dispute) -> None:
    for url in ("/disputes/", "/disputes/new/", f"/disputes/{local.slug}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    response = client.post(f"/disputes/{local.slug}/demands/", {"title": "x"})
    assert response.status_code == 302
    assert not Demand.objects.filter(title="x").exists()


@pytest.mark.parametrize(
    ("username", "sees_local", "sees_ucl"),
    [
        ("national", True, True),
        ("regional", True, False),
        ("secretary", True, False),
        ("rep", True, False),
        ("outsider", False, True),
    ],
)
def test_list_shows_national_and_own_branch_disputes(
    client: Client,
    local: Dispute,
    national: Dispute,
    ucl_local: Dispute,
    username: str,
    sees_local: bool,
    sees_ucl: bool,
) -> None:
    page = body(login(client, username).get("/disputes/"))
    assert national.name in page
    assert (local.name in page) is sees_local
    assert (ucl_local.name in page) is sees_ucl


def test_list_flags_unmet_preconditions(client: Client, local: Dispute) -> None:
    assert "1 precondition to action unmet" in body(login(client, "secretary").get("/disputes/"))


def test_list_is_not_found_without_dispute_rights(client: Client, local: Dispute) -> None:
    assert login(client, "member").get("/disputes/").status_code == 404
    assert login(client, "panel").get("/disputes/").status_code == 404


def test_top_bar_links_to_disputes_for_those_who_may_see_them(client: Client, world: World) -> None:
    assert 'href="/disputes/"' in body(login(client, "rep").get("/"))
    assert 'href="/disputes/"' not in body(login(client, "member").get("/"))


# The dispute page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "manage"),
    [
        ("national", 200, True),
        ("regional", 200, True),
        ("secretary", 200, True),
        ("rep", 200, False),
        ("outsider", 404, False),
        ("member", 404, False),
        ("panel", 404, False),
    ],
)
def test_local_dispute_page_by_persona(
    client: Client, local: Dispute, username: str, status: int, manage: bool
) -> None:
    response = login(client, username).get(f"/disputes/{local.slug}/")
    assert response.status_code == status
    if status == 200:
        page = body(response)
        assert "No compulsory redundancies" in page
        assert "Unmet:</strong> Joint consultation meeting" in page
        assert "ACAS letter of 10 June" in page
        assert "<polyline" in page and "<title id=" in page
        assert ("Mark met" in page) is manage
        assert ("Record a value" in page) is manage
        assert ("Add to the timeline" in page) is manage


def test_national_dispute_page_tracker_by_persona(
    client: Client, national: Dispute, world: World
) -> None:
    expectation = national.expectations.first()
    assert expectation is not None
    actions.expectation_set_status(
        expectation=expectation, employer=world.ucl_employer, state="implemented"
    )
    url = f"/disputes/{national.slug}/"
    liverpool_link = f"/disputes/{national.slug}/tracker/{world.liverpool_employer.slug}/"
    ucl_link = f"/disputes/{national.slug}/tracker/{world.ucl_employer.slug}/"

    page = body(login(client, "national").get(url))
    assert "Every employer" in page and liverpool_link in page and ucl_link in page
    assert "Add an expectation" in page

    page = body(login(client, "secretary").get(url))
    assert "Your employer" in page and liverpool_link in page and ucl_link not in page
    assert "University College London" not in page
    # The summary counts every employer without naming them.
    assert "Across all 2 employers" in page
    assert "Add an expectation" not in page and "Add to the timeline" not in page

    page = body(login(client, "rep").get(url))
    assert "University of Liverpool" in page and liverpool_link not in page

    page = body(login(client, "outsider").get(url))
    assert ucl_link in page and liverpool_link not in page
    assert login(client, "member").get(url).status_code == 404


def test_timeline_newest_first_and_escalation_prompt(
    client: Client, national: Dispute, world: World
) -> None:
    actions.timeline_add(
        dispute=national, date=dt.date(2026, 3, 1), kind="claim", title="Claim served"
    )
    actions.timeline_add(
        dispute=national,
        date=dt.date(2026, 10, 12),
        kind="employer_response",
        title="Docking",
        employer=world.ucl_employer,
        response_type="asos_100_percent_deduction",
    )
    page = body(login(client, "rep").get(f"/disputes/{national.slug}/"))
    assert page.index("Docking") < page.index("Claim served")
    assert "Grounds to escalate" in page
    # The prompt stays however long the timeline grows, until the dispute is escalated.
    for day in range(40):
        actions.timeline_add(
            dispute=national, date=dt.date(2026, 11, 1), kind="other", title=f"n{day}"
        )
    assert "Grounds to escalate" in body(client.get(f"/disputes/{national.slug}/"))
    actions.dispute_escalate(dispute=national)
    assert "Grounds to escalate" not in body(client.get(f"/disputes/{national.slug}/"))


def test_timeline_is_cut_at_thirty_with_a_link_to_all(client: Client, local: Dispute) -> None:
    for day in range(1, 36):
        actions.timeline_add(
            dispute=local,
            date=dt.date(2026, 6, 1) + dt.timedelta(day),
            kind="other",
            title=f"Entry {day:02}",
        )
    login(client, "rep")
    page = body(client.get(f"/disputes/{local.slug}/"))
    assert "Entry 35" in page and "Entry 05" not in page
    assert "Show the whole timeline (35 entries)" in page
    assert "Entry 01" in body(client.get(f"/disputes/{local.slug}/?timeline=all"))


# Mutations: who may post -----------------------------------------------------------------------

MUTATIONS = [
    ("demands/", {"title": "Reinstate the two"}, lambda: Demand.objects.filter(title="Reinstate the two")),
    ("preconditions/", {"description": "Ballot held"}, lambda: Precondition.objects.filter(description="Ballot held")),
    ("timeline/", {"date": "2026-11-18", "kind": "action", "title": "Strike day"}, lambda: TimelineEntry.objects.filter(title="Strike day")),
    ("metrics/", {"name": "Pickets", "unit": "people"}, lambda: Metric.objects.filter(name="Pickets")),
    ("escalate/", {"reason": "docking"}, lambda: Dispute.objects.filter(status="escalated")),
    ("settle/", {"settled_on": TODAY.isoformat()}, lambda: Dispute.objects.filter(status="settled")),
]  # fmt: skip


@pytest.mark.parametrize(("path", "data", "written"), MUTATIONS)
@pytest.mark.parametrize(("username", "allowed"), [("secretary", True), ("regional", True), ("national", True), ("rep", False), ("outsider", False), ("member", False)])  # fmt: skip
def test_local_dispute_mutations_by_persona(
    client: Client,
    local: Dispute,
    path: str,
    data: dict[str, str],
    written: Any,
    username: str,
    allowed: bool,
) -> None:
    response = login(client, username).post(f"/disputes/{local.slug}/{path}", data)
    if allowed:
        assert response.status_code == 302, body(response)
        assert written().exists()
    else:
        assert response.status_code == 404
        assert not written().exists()


@pytest.mark.parametrize(("path", "data", "written"), MUTATIONS)
def test_branch_officers_cannot_change_a_national_dispute(
    client: Client, national: Dispute, path: str, data: dict[str, str], written: Any
) -> None:
    assert (
        login(client, "secretary").post(f"/disputes/{national.slug}/{path}", data).status_code
        == 404
    )
    assert not written().exists()


def test_mutations_refuse_get(client: Client, local: Dispute) -> None:
    login(client, "secretary")
    for path in ("demands/", "preconditions/", "timeline/", "metrics/", "escalate/", "settle/"):
        assert client.get(f"/disputes/{local.slug}/{path}").status_code == 405


def test_record_metric_value(client: Client, local: Dispute) -> None:
    metric = local.metrics.get()
    url = f"/disputes/{local.slug}/metrics/{metric.pk}/values/"
    assert login(client, "rep").post(url, {"date": "2026-11-17", "value": "2"}).status_code == 404
    response = login(client, "secretary").post(
        url, {"date": "2026-11-17", "value": "2", "note": "two left"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#metric-{metric.pk}")
    assert [str(v.value) for v in metric.values.all()] == ["47.00", "6.00", "2.00"]
    page = body(client.get(f"/disputes/{local.slug}/"))
    assert "down 45 since 5 May 2026" in page


def test_record_metric_value_with_htmx_returns_the_card(client: Client, local: Dispute) -> None:
    metric = local.metrics.get()
    response = login(client, "secretary").post(
        f"/disputes/{local.slug}/metrics/{metric.pk}/values/",
        {"date": "2026-11-17", "value": "2"},
        HTTP_HX_REQUEST="true",
    )
    page = body(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<article class="card" id="metric-{metric.pk}"')
    assert "2 on 17 November 2026" in page  # the chart's description
    assert page.count("<circle") == 3
    assert "Value recorded." in page


def test_mark_precondition_met_with_a_file_and_download_it(client: Client, local: Dispute) -> None:
    (unmet,) = local.unmet_preconditions()
    url = f"/disputes/{local.slug}/preconditions/{unmet.pk}/met/"
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf")
    response = login(client, "secretary").post(
        url, {"evidence": "Minutes of 1 July", "evidence_file": upload}
    )
    assert response.status_code == 302
    unmet.refresh_from_db()
    assert unmet.is_met and unmet.evidence == "Minutes of 1 July"
    download = f"/disputes/{local.slug}/preconditions/{unmet.pk}/evidence/"
    assert download in body(client.get(f"/disputes/{local.slug}/"))
    response = login(client, "rep").get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{unmet.pk}.pdf"'
    assert login(client, "outsider").get(download).status_code == 404


def test_mark_precondition_met_with_htmx_returns_the_section(
    client: Client, local: Dispute
) -> None:
    (unmet,) = local.unmet_preconditions()
    response = login(client, "secretary").post(
        f"/disputes/{local.slug}/preconditions/{unmet.pk}/met/",
        {"evidence": "Meeting held 1 July"},
        HTTP_HX_REQUEST="true",
    )
    page = body(response)
    assert page.lstrip().startswith('<section id="preconditions"')
    assert "Every precondition is met." in page and "Meeting held 1 July" in page


def test_mark_met_by_rep_or_outsider_is_not_found(client: Client, local: Dispute) -> None:
    (unmet,) = local.unmet_preconditions()
    url = f"/disputes/{local.slug}/preconditions/{unmet.pk}/met/"
    for username in ("rep", "outsider"):
        assert login(client, username).post(url, {"evidence": "x"}).status_code == 404
    unmet.refresh_from_db()
    assert not unmet.is_met


def test_precondition_of_another_dispute_is_not_found(
    client: Client, local: Dispute, ucl_local: Dispute
) -> None:
    other = actions.precondition_add(dispute=ucl_local, description="Mediation")
    response = login(client, "national").post(
        f"/disputes/{local.slug}/preconditions/{other.pk}/met/", {"evidence": "x"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.is_met


def test_add_timeline_entry_with_htmx(client: Client, national: Dispute, world: World) -> None:
    response = login(client, "national").post(
        f"/disputes/{national.slug}/timeline/",
        {
            "date": "2026-10-12",
            "kind": "employer_response",
            "title": "Docking at UCL",
            "employer": world.ucl_employer.pk,
            "response_type": "asos_100_percent_deduction",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert body(response).lstrip().startswith('<section id="timeline"')
    assert "Added to the timeline." in body(response)
    entry = TimelineEntry.objects.get()
    assert entry.employer == world.ucl_employer and entry.prompts_escalation


def test_add_expectation(client: Client, national: Dispute) -> None:
    response = login(client, "national").post(
        f"/disputes/{national.slug}/expectations/", {"title": "Review of fixed-term contracts"}
    )
    assert response.status_code == 302
    assert national.expectations.filter(title="Review of fixed-term contracts").exists()
    assert (
        login(client, "secretary")
        .post(f"/disputes/{national.slug}/expectations/", {"title": "x"})
        .status_code
        == 404
    )


# Bad input on every form -----------------------------------------------------------------------

BAD = [
    ("demands/", {"title": ""}, "This field is required."),
    ("demands/", {"title": "x" * 201}, "at most 200 characters"),
    ("preconditions/", {"description": ""}, "This field is required."),
    ("timeline/", {"date": "31/02/2026", "kind": "offer", "title": "x"}, "Enter a valid date."),
    ("timeline/", {"date": "2026-06-01", "kind": "rumour", "title": "x"}, "Select a valid choice. rumour is not one of the available choices."),
    ("timeline/", {"date": "2026-06-01", "kind": "offer", "title": ""}, "This field is required."),
    ("timeline/", {"date": "2026-06-01", "kind": "offer", "title": "x", "response_type": "asos_100_percent_deduction"}, "Only an employer response can have a response type."),
    ("timeline/", {"date": "2026-06-01", "kind": "offer", "title": "x", "employer": "999999"}, "Select a valid choice."),
    ("metrics/", {"name": ""}, "This field is required."),
    ("metrics/", {"name": "Compulsory redundancies at risk"}, "This dispute already tracks"),
    ("settle/", {"settled_on": "2026-01-01"}, "it cannot settle before that"),
    ("settle/", {"settled_on": "2999-01-01"}, "cannot be in the future"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "data", "message"), BAD)
def test_bad_input_shows_a_field_error_and_writes_nothing(
    client: Client, local: Dispute, path: str, data: dict[str, str], message: str
) -> None:
    before = AuditEvent.objects.count()
    response = login(client, "secretary").post(f"/disputes/{local.slug}/{path}", data)
    assert response.status_code == 400
    assert message in body(response).replace("&#x27;", "'")
    assert AuditEvent.objects.count() == before
    local.refresh_from_db()
    assert local.status == DisputeStatus.OPEN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-06-01", "value": "lots"}, "Enter a number."),
        ({"date": "2026-06-01", "value": ""}, "This field is required."),
        ({"date": "2999-06-01", "value": "3"}, "The date cannot be in the future."),
        ({"date": "2026-06-01", "value": "1e15"}, "less than or equal to"),
    ],
)
def test_bad_metric_values(
    client: Client, local: Dispute, data: dict[str, str], message: str
) -> None:
    metric = local.metrics.get()
    url = f"/disputes/{local.slug}/metrics/{metric.pk}/values/"
    response = login(client, "secretary").post(url, data)
    assert response.status_code == 400
    assert message in body(response)
    assert MetricValue.objects.filter(metric=metric).count() == 2
    htmx = client.post(url, data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and message in body(htmx)
    assert MetricValue.objects.filter(metric=metric).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"evidence": "  "}, "Give the evidence that this precondition was met."),
        ({"evidence": "ok", "evidence_file": SimpleUploadedFile("x.exe", b"MZ")}, "Files of type “.exe” are not accepted"),
    ],
)  # fmt: skip
def test_bad_evidence(client: Client, local: Dispute, data: dict[str, Any], message: str) -> None:
    (unmet,) = local.unmet_preconditions()
    response = login(client, "secretary").post(
        f"/disputes/{local.slug}/preconditions/{unmet.pk}/met/", data
    )
    assert response.status_code == 400
    assert message in body(response)
    unmet.refresh_from_db()
    assert not unmet.is_met


def test_marking_met_twice_is_a_clear_error(client: Client, local: Dispute) -> None:
    met = local.preconditions.get(met_at__isnull=False)
    url = f"/disputes/{local.slug}/preconditions/{met.pk}/met/"
    response = login(client, "secretary").post(url, {"evidence": "again"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#preconditions")
    assert "was already marked met" in body(response)
    htmx = client.post(url, {"evidence": "again"}, HTTP_HX_REQUEST="true")
    assert "was already marked met" in body(htmx) and "marked met.</p>" not in body(htmx)
    met.refresh_from_db()
    assert met.evidence == "ACAS letter of 10 June"


def test_expectation_needs_a_title(client: Client, national: Dispute) -> None:
    response = login(client, "national").post(
        f"/disputes/{national.slug}/expectations/", {"title": " "}
    )
    assert response.status_code == 400
    assert "This field is required." in body(response)
    assert national.expectations.count() == 2


def test_national_employer_response_needs_the_employer(client: Client, national: Dispute) -> None:
    response = login(client, "national").post(
        f"/disputes/{national.slug}/timeline/",
        {"date": "2026-06-01", "kind": "employer_response", "title": "Docking"},
    )
    assert response.status_code == 400
    assert "Say which employer responded." in body(response)
    assert not TimelineEntry.objects.exists()


def test_escalating_a_settled_dispute_names_its_state(client: Client, local: Dispute) -> None:
    actions.dispute_settle(dispute=local)
    response = login(client, "secretary").post(f"/disputes/{local.slug}/escalate/", {}, follow=True)
    assert "is settled, so it cannot be escalated" in body(response)
    local.refresh_from_db()
    assert local.status == DisputeStatus.SETTLED


# Creating a dispute ----------------------------------------------------------------------------


def test_branch_officer_creates_a_local_dispute_for_their_branch(
    client: Client, world: World
) -> None:
    login(client, "secretary")
    page = body(client.get("/disputes/new/"))
    assert "University of Liverpool" in page and "UCL" not in page
    assert "national dispute" not in page
    response = client.post(
        "/disputes/new/",
        {
            "name": "HLS redundancies",
            "branch": world.liverpool.pk,
            "demands": "No compulsory redundancies\n\nReinstate the two\n",
            "opened_on": "2026-05-05",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disputes/{dispute.slug}/"
    assert dispute.branch == world.liverpool
    assert [d.title for d in dispute.demands.all()] == [
        "No compulsory redundancies",
        "Reinstate the two",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "opened_on": "2026-05-05", "branch": "LIV"}, "This field is required."),
        ({"name": "x", "opened_on": "2999-05-05", "branch": "LIV"}, "The opening date cannot be in the future."),
        ({"name": "x", "opened_on": "2026-05-05", "branch": "UCL"}, "Select a valid choice."),
        ({"name": "x", "opened_on": "2026-05-05", "branch": ""}, "This field is required."),
        ({"name": "x", "opened_on": "2026-05-05", "branch": "LIV", "demands": "ok\n" + "y" * 201}, "Demand 2 is 201 characters long"),
    ],
)  # fmt: skip
def test_create_bad_input(client: Client, world: World, data: dict[str, str], message: str) -> None:
    data = {
        **data,
        "branch": {"LIV": str(world.liverpool.pk), "UCL": str(world.ucl.pk)}.get(
            data["branch"], ""
        ),
    }
    response = login(client, "secretary").post("/disputes/new/", data)
    assert response.status_code == 400
    assert message in body(response)
    assert not Dispute.objects.exists()


def test_national_officer_creates_a_national_dispute(client: Client, world: World) -> None:
    login(client, "national")
    assert "None: a national dispute with every employer" in body(client.get("/disputes/new/"))
    response = client.post(
        "/disputes/new/", {"name": "Four Fights", "branch": "", "opened_on": "2026-01-19"}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.is_national and dispute.parties.count() == 2


def test_create_is_not_found_for_reps(client: Client, world: World) -> None:
    assert login(client, "rep").get("/disputes/new/").status_code == 404
    assert (
        login(client, "rep")
        .post("/disputes/new/", {"name": "x", "opened_on": "2026-05-05"})
        .status_code
        == 404
    )
    assert not Dispute.objects.exists()


# One employer's framework row ------------------------------------------------------------------


def tracker_url(dispute: Dispute, employer: Any) -> str:
    return f"/disputes/{dispute.slug}/tracker/{employer.slug}/"


def test_branch_officer_updates_their_employer(
    client: Client, national: Dispute, world: World
) -> None:
    expectation = national.expectations.first()
    assert expectation is not None
    url = tracker_url(national, world.liverpool_employer)
    login(client, "secretary")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"expectation": expectation.pk, "state": "negotiating", "note": "JNCC in Dec"}
    )
    assert response.status_code == 302
    status = ExpectationStatus.objects.get()
    assert (status.employer, status.state, status.note) == (
        world.liverpool_employer,
        "negotiating",
        "JNCC in Dec",
    )
    page = body(client.get(f"/disputes/{national.slug}/"))
    assert "Negotiating" in page and "JNCC in Dec" in page


@pytest.mark.parametrize(
    ("username", "employer", "get", "post"),
    [
        ("secretary", "ucl", 404, 404),
        ("outsider", "liverpool", 404, 404),
        ("outsider", "ucl", 200, 302),
        ("rep", "liverpool", 200, 404),
        ("regional", "liverpool", 200, 302),
        ("national", "ucl", 200, 302),
        ("member", "liverpool", 404, 404),
    ],
)
def test_tracker_row_access(
    client: Client,
    national: Dispute,
    world: World,
    username: str,
    employer: str,
    get: int,
    post: int,
) -> None:
    target = world.liverpool_employer if employer == "liverpool" else world.ucl_employer
    expectation = national.expectations.first()
    assert expectation is not None
    login(client, username)
    url = tracker_url(national, target)
    response = client.get(url)
    assert response.status_code == get
    if get == 200:
        assert ('<button type="submit">Save</button>' in body(response)) is (post == 302)
    assert client.post(url, {"expectation": expectation.pk, "state": "agreed"}).status_code == post
    assert ExpectationStatus.objects.exists() is (post == 302)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"state": "done"}, "Select a valid choice. done is not one of the available choices."),
        ({"state": "agreed", "note": "x" * 301}, "at most 300 characters"),
    ],
)
def test_tracker_bad_input(
    client: Client, national: Dispute, world: World, data: dict[str, str], message: str
) -> None:
    expectation = national.expectations.first()
    assert expectation is not None
    response = login(client, "secretary").post(
        tracker_url(national, world.liverpool_employer), {"expectation": expectation.pk, **data}
    )
    assert response.status_code == 400
    assert message in body(response).replace("&#x27;", "'")
    assert not ExpectationStatus.objects.exists()


def test_tracker_refuses_an_expectation_of_another_dispute(
    client: Client, national: Dispute, world: World
) -> None:
    other = actions.dispute_create(name="Pensions", actor=world.national)
    foreign = actions.expectation_add(dispute=other, title="Other")
    response = login(client, "secretary").post(
        tracker_url(national, world.liverpool_employer),
        {"expectation": foreign.pk, "state": "agreed"},
    )
    assert response.status_code == 400
    assert "That expectation is not part of this framework." in body(response)
    assert not ExpectationStatus.objects.exists()
    assert Expectation.objects.count() == 3


def test_local_dispute_has_no_tracker(client: Client, local: Dispute, world: World) -> None:
    response = login(client, "secretary").post(
        f"/disputes/{local.slug}/expectations/", {"title": "x"}
    )
    assert response.status_code == 404
    assert not Expectation.objects.exists()
    assert (
        login(client, "secretary").get(tracker_url(local, world.liverpool_employer)).status_code
        == 404
    )
