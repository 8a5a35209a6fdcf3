"""What the routes answer: the register's filters and pages, salaries by role, imports with
per-row errors, results and mandates, action, phone banking, self-reports and secret votes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mandate.api.tests.conftest import Api
from mandate.api.tests.scene import Scene, build_scene
from mandate.conftest import World
from mandate.core.models import AuditEvent, Workplace
from mandate.members.models import Member
from mandate.turnout.models import ContactStatus, Source, Status
from mandate.votes.models import CastVote, Voter

Make = Callable[..., Api]


@pytest.fixture
def scene(world: World) -> Scene:
    return build_scene(world)


def _members(world: World) -> str:
    return f"/api/branches/{world.liverpool.slug}/members"


# Members ----------------------------------------------------------------------------------


def test_member_list_pages_with_a_next_offset(world: World, api_for: Make) -> None:
    api = api_for(world.secretary)
    first = api.get(_members(world), limit=2).json()
    assert first["count"] == 3 and first["next_offset"] == 2
    assert [m["membership_number"] for m in first["items"]] == ["L0001", "L0002"]
    last = api.get(_members(world), limit=2, offset=2).json()
    assert [m["membership_number"] for m in last["items"]] == ["L0003"]
    assert last["next_offset"] is None


def test_page_size_has_a_maximum(world: World, api_for: Make) -> None:
    response = api_for(world.secretary).get(_members(world), limit=201)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_member_list_uses_the_registers_filters(world: World, api_for: Make) -> None:
    api = api_for(world.secretary)
    main = Workplace.objects.get(name="Main campus")
    found = api.get(_members(world), workplace=main.pk).json()
    assert [m["membership_number"] for m in found["items"]] == ["L0003"]
    assert api.get(_members(world), q="byrne").json()["count"] == 1
    assert api.get(_members(world), has_mobile="yes").json()["count"] == 1


def test_refused_filters_are_named(world: World, api_for: Make) -> None:
    response = api_for(world.secretary).get(_members(world), status="asleep", workplace="999")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"status", "workplace"}


def test_a_nul_character_in_the_query_is_refused(world: World, api_for: Make) -> None:
    response = api_for(world.secretary).get(_members(world), q="a\x00b")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_a_rep_lists_only_the_members_they_cover(world: World, api_for: Make) -> None:
    found = api_for(world.rep).get(_members(world)).json()
    assert {m["membership_number"] for m in found["items"]} == {"L0001", "L0002"}
    assert found["count"] == 2


def test_listing_members_is_audited_without_personal_data(world: World, api_for: Make) -> None:
    api_for(world.secretary).get(_members(world), q="Byrne", status="active")
    event = AuditEvent.objects.get(action="api.members.export")
    assert event.actor == world.secretary and event.branch == world.liverpool
    assert event.detail == {"filters": ["q", "status"], "count": 1, "returned": 1, "offset": 0}
    assert "Byrne" not in str(event.detail)


def test_register_pages_read_by_a_script_count_as_exports(world: World, api_for: Make) -> None:
    from mandate.core.views_audit import AuditFilters, filter_events

    api_for(world.secretary).get(_members(world))
    exports = filter_events(AuditEvent.objects.all(), AuditFilters(exports_only=True))
    assert list(exports.values_list("action", flat=True)) == ["api.members.export"]


def test_salary_only_for_those_who_may_see_it(world: World, api_for: Make) -> None:
    url = f"{_members(world)}/{world.member.pk}"
    officer = api_for(world.secretary).get(url).json()
    assert officer["employments"][0]["annual_salary"] == "42000.00"
    rep = api_for(world.rep).get(url).json()
    assert rep["employments"][0]["annual_salary"] is None
    assert rep["personal_email"] == "mo@example.org"
    events = AuditEvent.objects.filter(action="api.member.read", object_id=str(world.member.pk))
    assert [e.detail["salary"] for e in events.order_by("pk")] == [True, False]


def test_guessed_member_ids_are_404(world: World, api_for: Make) -> None:
    rep = api_for(world.rep)
    assert rep.get(f"{_members(world)}/{world.uncovered.pk}").status_code == 404
    national = api_for(world.national)
    # Another branch's member under this branch's address.
    assert national.get(f"{_members(world)}/{world.ucl_member.pk}").status_code == 404
    assert national.get(f"{_members(world)}/999999").status_code == 404


# Imports ----------------------------------------------------------------------------------


def _upload(api: Api, world: World, text: str) -> Any:
    file = SimpleUploadedFile("register.csv", text.encode(), "text/csv")
    return api.post(f"/api/branches/{world.liverpool.slug}/imports", {"file": file})


def test_an_import_with_errors_lists_them_by_row_and_writes_nothing(
    world: World, api_for: Make
) -> None:
    api = api_for(world.secretary)
    csv = (
        "membership_number,first_name,last_name,personal_email\n"
        "L0100,Ann,One,not-an-email\n"
        "L0101,,Two,two@example.org\n"
    )
    response = _upload(api, world, csv)
    assert response.status_code == 201
    run = response.json()
    assert run["state"] == "invalid"
    assert {(e["row"], e["column"]) for e in run["errors"]} == {
        (2, "personal_email"),
        (3, "first_name"),
    }
    applied = api.post(f"/api/branches/{world.liverpool.slug}/imports/{run['id']}/apply")
    assert applied.status_code == 409
    assert not Member.objects.filter(membership_number__in=["L0100", "L0101"]).exists()


def test_an_import_is_previewed_then_applied(world: World, api_for: Make) -> None:
    api = api_for(world.secretary)
    csv = "membership_number,first_name,last_name\nL0200,New,Member\n"
    run = _upload(api, world, csv).json()
    assert run["state"] == "previewed" and run["counts"]["new"] == 1
    assert not Member.objects.filter(membership_number="L0200").exists()
    url = f"/api/branches/{world.liverpool.slug}/imports/{run['id']}"
    done = api.post(f"{url}/apply").json()
    assert done["state"] == "applied" and done["errors"] == []
    assert Member.objects.filter(membership_number="L0200", branch=world.liverpool).exists()
    assert AuditEvent.objects.filter(action="members.import", actor=world.secretary).exists()
    assert api.post(f"{url}/apply").status_code == 409
    assert api_for(world.outsider).get(url).status_code == 404


def test_an_upload_without_a_file_names_the_field(world: World, api_for: Make) -> None:
    response = api_for(world.secretary).post(f"/api/branches/{world.liverpool.slug}/imports", {})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["file"]


def test_an_empty_upload_is_an_error_not_a_crash(world: World, api_for: Make) -> None:
    run = _upload(api_for(world.secretary), world, "").json()
    assert run["state"] == "invalid" and run["errors"][0]["message"]


# Disputes, ballots, action ------------------------------------------------------------------


def test_disputes_are_scoped(world: World, scene: Scene, api_for: Make) -> None:
    outsider = api_for(world.outsider).get("/api/disputes").json()
    assert outsider["count"] == 0
    secretary = api_for(world.secretary).get("/api/disputes").json()
    assert {d["slug"] for d in secretary["items"]} == {
        scene.ballot.dispute.slug,
        scene.granted.dispute.slug,
    }


def test_results_and_mandates(world: World, scene: Scene, api_for: Make) -> None:
    api = api_for(world.rep)
    results = api.get(f"/api/ballots/{scene.granted.pk}/results").json()
    assert len(results) == 1
    strike = next(q for q in results[0]["questions"] if q["question"] == "strike")
    assert strike["mandate"] is True and strike["last_day"]
    mandates = api.get(f"/api/ballots/{scene.granted.pk}/mandates").json()
    assert {m["question"] for m in mandates} == {"strike", "asos"}
    assert all(m["mandate"] for m in mandates)


def test_a_report_that_cannot_be_read_names_the_file(
    world: World, scene: Scene, api_for: Make
) -> None:
    file = SimpleUploadedFile("r.xlsx", b"PK\x03\x04 broken", "application/octet-stream")
    response = api_for(world.national).post(
        f"/api/ballots/{scene.granted.pk}/results", {"file": file, "dry_run": "true"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def test_action_with_its_days_and_notices(world: World, scene: Scene, api_for: Make) -> None:
    api = api_for(world.rep)
    listed = api.get(f"/api/disputes/{scene.granted.dispute.slug}/actions").json()
    assert [a["id"] for a in listed["items"]] == [scene.action.pk]
    assert len(listed["items"][0]["days"]) == 1
    detail = api.get(f"/api/actions/{scene.action.pk}").json()
    assert detail["kind"] == "strike" and detail["notices"] == []


# Phone banking ----------------------------------------------------------------------------


def test_a_caller_takes_the_next_contact_and_records_the_outcome(
    world: World, scene: Scene, api_for: Make
) -> None:
    api = api_for(world.rep)
    base = f"/api/calls/{scene.assignment.pk}"
    contact = api.post(f"{base}/next").json()["contact"]
    assert contact["phone"].startswith("+44")
    again = api.post(f"{base}/next").json()["contact"]
    assert again["target_id"] == contact["target_id"]  # the one they hold
    missing = api.post(
        f"{base}/contacts/{contact['target_id']}/outcome", {"outcome": "call_back"}, json=True
    )
    assert missing.status_code == 400 and "call_back_at" in missing.json()["detail"]
    done = api.post(
        f"{base}/contacts/{contact['target_id']}/outcome", {"outcome": "says_voted"}, json=True
    )
    assert done.status_code == 200
    member = scene.assignment.targets.get(pk=contact["target_id"]).member
    status = ContactStatus.objects.get(ballot=scene.ballot, member=member)
    assert status.status == Status.SAYS_VOTED and status.source == Source.CALLER
    # Not theirs any more.
    again = api.post(
        f"{base}/contacts/{contact['target_id']}/outcome", {"outcome": "no_answer"}, json=True
    )
    assert again.status_code == 404


# A member's own business ------------------------------------------------------------------


def test_a_member_reports_they_have_voted(world: World, scene: Scene, api_for: Make) -> None:
    api = api_for(world.member_user)
    mine = {b["id"]: b for b in api.get("/api/me/ballots").json()}
    assert set(mine) == {scene.ballot.pk, scene.granted.pk}
    assert mine[scene.ballot.pk]["my_answer"] == "unknown"
    assert mine[scene.ballot.pk]["state"] == "open"
    response = api.post(f"/api/me/ballots/{scene.ballot.pk}/report", {"answer": "voted"}, json=True)
    assert response.json() == {
        "ballot_id": scene.ballot.pk,
        "my_answer": "says_voted",
        "applied": True,
    }
    row = ContactStatus.objects.get(ballot=scene.ballot, member=world.member)
    assert row.source == Source.SELF_REPORT
    bad = api.post(f"/api/me/ballots/{scene.ballot.pk}/report", {"answer": "maybe"}, json=True)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "answer"


def test_an_officer_without_a_member_record_has_no_own_ballots(
    world: World, scene: Scene, api_for: Make
) -> None:
    assert api_for(world.secretary).get("/api/me/ballots").status_code == 404


def test_a_member_casts_one_secret_vote(world: World, scene: Scene, api_for: Make) -> None:
    api = api_for(world.member_user)
    listed = api.get("/api/me/votes").json()
    assert listed[0]["poll_id"] == scene.poll.pk and listed[0]["open"]
    yes = next(c["id"] for c in listed[0]["choices"] if c["label"] == "Yes")
    events_before = AuditEvent.objects.count()
    first = api.post(f"/api/me/votes/{scene.poll.pk}", {"choice": yes}, json=True)
    assert first.status_code == 200
    receipt = first.json()["receipt"]
    second = api.post(f"/api/me/votes/{scene.poll.pk}", {"choice": yes}, json=True)
    assert second.status_code == 409 and "already voted" in second.json()["detail"]
    assert Voter.objects.get(poll=scene.poll, member=world.member).has_voted
    cast = CastVote.objects.get(poll=scene.poll, receipt=receipt)
    # The ballot row has no member, user or time on it, and casting wrote no audit event.
    assert {f.name for f in CastVote._meta.fields} == {
        "id",
        "poll",
        "receipt",
        "choice",
        "branch",
        "weight",
    }
    assert cast.choice_id == yes
    assert AuditEvent.objects.count() == events_before
    assert api.get("/api/me/votes").json()[0]["has_voted"] is True


def test_nobody_votes_in_a_poll_they_are_not_on(world: World, scene: Scene, api_for: Make) -> None:
    assert (
        api_for(world.secretary)
        .post(f"/api/me/votes/{scene.poll.pk}", {"choice": 1}, json=True)
        .status_code
        == 404
    )


def test_officers_see_their_polls_and_the_count_after_close(
    world: World, scene: Scene, api_for: Make
) -> None:
    from mandate.votes import engine

    api = api_for(world.secretary)
    assert [p["id"] for p in api.get("/api/polls").json()["items"]] == [scene.poll.pk]
    open_poll = api.get(f"/api/polls/{scene.poll.pk}").json()
    assert open_poll["cast"] is None and open_poll["choices"] == []
    engine.poll_close(poll=scene.poll)
    closed = api.get(f"/api/polls/{scene.poll.pk}").json()
    assert closed["cast"] == 0 and {c["label"] for c in closed["choices"]} == {"Yes", "No"}


# The schema and its docs ------------------------------------------------------------------


def test_schema_and_docs_are_served_without_third_party_hosts(world: World) -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = Client().get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


# Picket lines and funds -------------------------------------------------------------------


def test_picket_lines_give_counts_not_names(world: World, scene: Scene, api_for: Make) -> None:
    found = api_for(world.rep).get(f"/api/branches/{world.liverpool.slug}/pickets").json()
    assert [s["name"] for s in found["sites"]] == ["Main gate"]
    assert sorted(found["sites"][0]["entrances"]) == ["Back", "Front"]
    assert found["shifts"] and found["shifts"][0]["signed_up"] == 0
    assert set(found["shifts"][0]) == {
        "id",
        "site_id",
        "action_id",
        "date",
        "starts",
        "ends",
        "signed_up",
    }


def test_fund_totals_by_role(world: World, scene: Scene, api_for: Make) -> None:
    panel = api_for(world.panel).get(f"/api/funds/{scene.fund.pk}").json()
    assert panel["scope"] == "all" and {t["state"] for t in panel["totals"]} >= {"paid"}
    assert [f["id"] for f in api_for(world.secretary).get("/api/funds").json()] == [scene.fund.pk]
    assert api_for(world.outsider).get("/api/funds").json() == []


def test_a_page_of_members_costs_a_fixed_number_of_queries(
    world: World, api_for: Make, django_assert_max_num_queries: Any
) -> None:
    Member.objects.bulk_create(
        Member(
            branch=world.liverpool, membership_number=f"B{i:04d}", first_name="B", last_name=f"{i}"
        )
        for i in range(120)
    )
    api = api_for(world.secretary)
    api.get("/api/disputes")  # the token's last-used time is written once a minute
    with django_assert_max_num_queries(16):
        page = api.get(_members(world), limit=100).json()
    assert len(page["items"]) == 100 and page["count"] == 123
