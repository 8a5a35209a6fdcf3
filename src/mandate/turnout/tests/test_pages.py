"""Officers' GTVO pages: who may see and do what, query budgets, export, reminders."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from mandate.ballots.models import Ballot
from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent, User
from mandate.messaging.models import Message
from mandate.turnout.actions import contact_record, replacement_request, snapshots_take
from mandate.turnout.models import GtvoSettings, ReplacementRequest, TurnoutSnapshot


def _client(user: User) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _pages(ballot: Ballot) -> dict[str, str]:
    cid = ballot.constituencies.get().pk
    return {
        "dashboard": reverse("gtvo:dashboard", args=[ballot.pk]),
        "league": reverse("gtvo:league", args=[ballot.pk]),
        "constituency": reverse("gtvo:constituency", args=[ballot.pk, cid]),
        "remind": reverse("gtvo:remind", args=[ballot.pk]),
        "replacements": reverse("gtvo:replacements", args=[ballot.pk]),
        "settings": reverse("gtvo:settings", args=[ballot.pk]),
    }


# (persona, page) -> expected status
EXPECTED = {
    "secretary": dict.fromkeys(
        _names := ("dashboard", "league", "constituency", "remind", "replacements", "settings"), 200
    ),
    "national": dict.fromkeys(_names, 200),
    "regional": dict.fromkeys(_names, 200),
    "rep": {
        "dashboard": 200,
        "league": 200,
        "constituency": 200,
        "remind": 403,
        "replacements": 403,
        "settings": 403,
    },
    "outsider": dict.fromkeys(_names, 404),
    "panel": dict.fromkeys(_names, 404),
    "member_user": dict.fromkeys(_names, 404),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_permissions_for_every_page(world: World, ballot: Ballot, persona: str) -> None:
    client = _client(getattr(world, persona))
    for page, url in _pages(ballot).items():
        assert client.get(url).status_code == EXPECTED[persona][page], (persona, page)


def test_anonymous_is_sent_to_log_in(client: Client, ballot: Ballot) -> None:
    for url in _pages(ballot).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_dashboard_counts_and_status(world: World, ballot: Ballot) -> None:
    for m in (world.member, world.covered):
        contact_record(ballot=ballot, member=m, status="says_voted", source="caller")
    body = _client(world.secretary).get(_pages(ballot)["dashboard"]).content.decode()
    # 2 of 3 said voted: 66.66%, truncated; nobody more needed.
    assert "66.66%" in body and "On course" in body


def test_rep_sees_names_only_in_reach(world: World, ballot: Ballot) -> None:
    body = _client(world.rep).get(_pages(ballot)["constituency"]).content.decode()
    assert world.covered.last_name in body
    assert world.uncovered.last_name not in body
    sec = _client(world.secretary).get(_pages(ballot)["constituency"]).content.decode()
    assert world.uncovered.last_name in sec
    assert "Health and Life Sciences building" in sec and "<svg" in sec


def test_dashboard_query_budget(
    world: World, ballot: Ballot, django_assert_max_num_queries: object
) -> None:
    client = _client(world.secretary)
    client.get(_pages(ballot)["dashboard"])
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert client.get(_pages(ballot)["dashboard"]).status_code == 200


def test_league_query_budget(
    world: World, ballot: Ballot, django_assert_max_num_queries: object
) -> None:
    client = _client(world.national)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(_pages(ballot)["league"] + "?order=said").status_code == 200


def test_export_is_post_audited_and_neutralised(world: World, ballot: Ballot) -> None:
    world.member.first_name = "=HYPERLINK(1)"
    world.member.save()
    replacement_request(
        ballot=ballot,
        member=world.member,
        address={"address_line1": "+1 Home St", "postcode": "L8 1AA"},
    )
    client = _client(world.secretary)
    url = reverse("gtvo:replacements_export", args=[ballot.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["membership_number", "first_name", "last_name"]
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][3] == "'+1 Home St" and rows[1][6] == "L8 1AA"
    event = AuditEvent.objects.get(action="turnout.replacements_export")
    assert event.detail["count"] == 1 and event.actor == world.secretary
    assert "HYPERLINK" not in str(event.detail)
    assert ReplacementRequest.objects.get().exported_at is not None
    # The next export holds only new requests.
    again = list(csv.reader(io.StringIO(client.post(url).content.decode("utf-8-sig"))))
    assert len(again) == 1


def test_settings_save_is_audited_and_validated(world: World, ballot: Ballot) -> None:
    client = _client(world.secretary)
    url = _pages(ballot)["settings"]
    bad = client.post(
        url,
        {
            "replacement_opens": "2026-11-20",
            "replacement_closes": "2026-11-10",
            "posting_lead_days": 3,
            "prior_turnout_percent": 45,
            "prior_strength": 50,
            "link_grace_days": 7,
        },
    )
    assert bad.status_code == 400 and "on or after" in bad.content.decode()
    ok = client.post(
        url,
        {
            "posting_lead_days": 2,
            "prior_turnout_percent": 55,
            "prior_strength": 30,
            "link_grace_days": 3,
        },
    )
    assert ok.status_code == 302
    assert GtvoSettings.objects.get(ballot=ballot).prior_turnout_percent == 55
    assert AuditEvent.objects.filter(action="turnout.settings").exists()


def test_reminder_goes_to_non_voters_with_personal_links(world: World, ballot: Ballot) -> None:
    world.covered.mobile = "+447700900002"
    world.covered.save()
    world.uncovered.mobile = "+447700900003"
    world.uncovered.save()
    contact_record(ballot=ballot, member=world.member, status="says_voted", source="self_report")
    contact_record(
        ballot=ballot, member=world.uncovered, status="dont_contact", source="self_report"
    )
    client = _client(world.secretary)
    url = _pages(ballot)["remind"]
    data = {
        "channel": "sms",
        "template": "Hi {first_name}, tell us: {link}",
        "request_key": "6f1e0c1e-8a53-4a47-9d5b-4b2c0e0f0a11",
    }
    preview = client.post(url, {**data, "confirm": "preview"})
    assert preview.status_code == 200 and "<strong>1</strong> of 1" in preview.content.decode()
    client.post(url, {**data, "confirm": "send"})
    messages = list(Message.objects.all())
    assert [m.member_id for m in messages] == [world.covered.pk]
    body = messages[0].body
    assert "your-personal-link" not in body and "/v/" in body
    token = body.split("/v/")[1].split("/")[0]
    page = Client().get(reverse("gtvo_link:home", args=[token]))
    assert page.status_code == 200 and "Hello Cat" in page.content.decode()


def test_reminder_refuses_workplace_wording(world: World, ballot: Ballot) -> None:
    client = _client(world.secretary)
    response = client.post(
        _pages(ballot)["remind"],
        {
            "channel": "sms",
            "template": "Bring your paper in and hand in at work {link}",
            "confirm": "preview",
        },
    )
    assert response.status_code == 400 and "posted from home" in response.content.decode()


def test_snapshots_and_trend(world: World, ballot: Ballot) -> None:
    contact_record(ballot=ballot, member=world.member, status="says_voted", source="caller")
    assert snapshots_take(ballot=ballot) == 1
    snap = TurnoutSnapshot.objects.get()
    assert (snap.entitled, snap.says_voted, snap.contacted) == (3, 1, 1)
    body = _client(world.secretary).get(_pages(ballot)["constituency"]).content.decode()
    assert "1 of 3 said voted" in body and "50% needed" in body


def _member_urls(ballot: Ballot, member_id: int) -> tuple[str, str]:
    return (
        reverse("gtvo:member", args=[ballot.pk, member_id]),
        reverse("gtvo:link_revoke", args=[ballot.pk, member_id]),
    )


def test_officer_revokes_a_members_link_and_sends_a_new_one(world: World, ballot: Ballot) -> None:
    from mandate.turnout.actions import links_ensure
    from mandate.turnout.links import make_token

    world.covered.mobile = "+447700900002"
    world.covered.save()
    old = make_token(links_ensure(ballot=ballot, member_ids=[world.covered.pk])[world.covered.pk])
    page, revoke = _member_urls(ballot, world.covered.pk)
    client = _client(world.secretary)
    # Reachable from the constituency's list of members yet to say they voted.
    assert page in client.get(_pages(ballot)["constituency"]).content.decode()
    assert "Never revoked" in client.get(page).content.decode()
    response = client.post(revoke, {"reason": "forwarded to a manager", "send": "sms"})
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()
    assert Client().get(reverse("gtvo_link:home", args=[old])).status_code == 404
    (message,) = Message.objects.filter(member=world.covered)
    assert message.state in ("queued", "sent") and "no longer works" in message.body
    new = message.body.split("/v/")[1].split("/")[0]
    assert new != old
    assert Client().get(reverse("gtvo_link:home", args=[new])).status_code == 200
    event = AuditEvent.objects.get(action="turnout.link_revoke")
    assert event.detail == {"member": world.covered.pk, "reason": "forwarded to a manager"}
    assert event.actor == world.secretary
    assert "Last revoked" in client.get(page).content.decode()


def test_revoke_without_sending_and_refusals(world: World, ballot: Ballot) -> None:
    contact_record(
        ballot=ballot, member=world.uncovered, status="dont_contact", source="self_report"
    )
    page, revoke = _member_urls(ballot, world.uncovered.pk)
    client = _client(world.secretary)
    refused = client.post(revoke, {"send": "email"})
    assert refused.status_code == 400 and "asked not to be contacted" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="turnout.link_revoke").exists()
    assert client.post(revoke, {"send": "pigeon"}).status_code == 400
    assert client.post(revoke, {"send": ""}).status_code == 200
    assert AuditEvent.objects.filter(action="turnout.link_revoke").count() == 1
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [
        ("rep", 200, 403),  # sees their building's members, cannot revoke
        ("outsider", 404, 404),
        ("panel", 404, 404),
        ("member_user", 404, 404),
    ],
)
def test_member_gtvo_page_permissions(
    world: World, ballot: Ballot, persona: str, get: int, post: int
) -> None:
    page, revoke = _member_urls(ballot, world.covered.pk)
    client = _client(getattr(world, persona))
    assert client.get(page).status_code == get
    assert client.post(revoke, {"send": ""}).status_code == post
    assert not AuditEvent.objects.filter(action="turnout.link_revoke").exists()


def test_member_outside_the_electorate_or_reach_is_404(world: World, ballot: Ballot) -> None:
    client = _client(world.secretary)
    assert client.get(_member_urls(ballot, world.ucl_member.pk)[0]).status_code == 404
    rep = _client(world.rep)
    assert rep.get(_member_urls(ballot, world.uncovered.pk)[0]).status_code == 404
