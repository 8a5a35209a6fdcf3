"""The action pages: who may see and do what, notices, calendar feeds and solidarity imports."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from mandate.actions import actions
from mandate.actions.models import (
    Action,
    ActionStatus,
    CalendarToken,
    NoticeOfAction,
    SolidarityEvent,
)
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.ballots.models import Ballot
from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent, User
from mandate.disputes import actions as dispute_actions

OPENS_C = dt.date(2026, 3, 2)
MEMBER_NAMES = ["Ahmed", "Byrne", "Cole", "L0001", "L0002", "mo@example.org"]


@dataclass
class Scene:
    world: World
    ballot: Ballot
    action: Action
    notice: NoticeOfAction


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def scene(world: World) -> Scene:
    ballot = granted_ballot(world, opens=OPENS_C)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    action = strike(world, ballot, [tomorrow, today + dt.timedelta(days=3)])
    notice = actions.notice_prepare(
        action=action, employer=world.liverpool_employer, actor=world.secretary
    )
    notice = actions.notice_mark_served(
        notice=notice,
        received_on=today - dt.timedelta(days=20),
        method="hand",
        proof_note="Signed for at reception",
        actor=world.secretary,
    )
    action = actions.action_call(action=action, actor=world.secretary)
    return Scene(world, ballot, action, notice)


def pages(s: Scene) -> list[str]:
    slug = s.ballot.dispute.slug
    return [
        f"/actions/dispute/{slug}/",
        f"/actions/{s.action.pk}/",
        f"/actions/notices/{s.notice.pk}/",
        f"/actions/notices/{s.notice.pk}/docx/",
        f"/actions/employers/{s.world.liverpool_employer.slug}/",
    ]


def test_anonymous_is_sent_to_log_in(client: Client, scene: Scene) -> None:
    for url in [*pages(scene), "/actions/", "/actions/solidarity/", "/my-action/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_outsider_gets_404_everywhere(client: Client, scene: Scene) -> None:
    login(client, scene.world.outsider)
    for url in pages(scene):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/actions/{scene.action.pk}/call/").status_code == 404
    assert client.post(f"/actions/notices/{scene.notice.pk}/served/").status_code == 404
    assert client.get("/my-action/").status_code == 404  # no member record of their own


def test_secretary_sees_every_page(client: Client, scene: Scene) -> None:
    login(client, scene.world.secretary)
    for url in [*pages(scene), "/actions/", "/actions/solidarity/"]:
        assert client.get(url).status_code == 200, url


def test_rep_reads_but_cannot_change(client: Client, scene: Scene) -> None:
    login(client, scene.world.rep)
    for url in pages(scene):
        assert client.get(url).status_code == 200, url
    detail = client.get(f"/actions/{scene.action.pk}/").content.decode()
    assert "Call the action" not in detail and "Draw up a notice" not in detail
    assert (
        client.post(f"/actions/{scene.action.pk}/status/", {"status": "ended"}).status_code == 403
    )
    assert client.get(f"/actions/dispute/{scene.ballot.dispute.slug}/new/").status_code == 403
    employer = scene.world.liverpool_employer.slug
    assert client.post(f"/actions/{scene.action.pk}/notice/{employer}/").status_code == 404
    assert client.post(f"/actions/employers/{employer}/", {"kind": "graduation"}).status_code == 404
    scene.action.refresh_from_db()
    assert scene.action.status == ActionStatus.CALLED


def test_member_sees_only_their_own_page(client: Client, scene: Scene) -> None:
    login(client, scene.world.member_user)
    for url in [*pages(scene), "/actions/"]:
        assert client.get(url).status_code == 404, url
    page = client.get("/my-action/").content.decode()
    assert "Am I on strike tomorrow?" in page
    tomorrow_card = page.split("Tomorrow,")[1].split("</div>")[0]
    assert "On strike" in tomorrow_card
    assert "Health and Life Sciences building" in page
    assert "Make my calendar link" in page and "/calendar/" not in page
    assert not CalendarToken.objects.exists()  # a GET writes nothing
    page = client.post("/my-action/new-link/", follow=True).content.decode()
    assert "/calendar/" in page and "New link" in page


def test_new_joiner_is_told_they_are_not_called(client: Client, scene: Scene) -> None:
    from mandate.core import actions as core_actions
    from mandate.core.models import RoleKind
    from mandate.members.actions import member_create

    user = core_actions.user_create(username="newbie", password=PASSWORD)
    core_actions.role_grant(user=user, kind=RoleKind.MEMBER, branch=scene.world.liverpool)
    member_create(
        branch=scene.world.liverpool,
        membership_number="L0100",
        first_name="Nia",
        last_name="New",
        user=user,
        employments=[{"employer": scene.world.liverpool_employer, "job_category": "Lecturer"}],
    )
    login(client, user)
    page = client.get("/my-action/").content.decode()
    assert "you are not called" in page
    assert "On strike" not in page


def test_call_refused_on_the_web_with_reasons(client: Client, world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS_C)
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    login(client, world.secretary)
    # Planned, no notice: the call button posts and is refused, naming the state.
    response = client.post(f"/actions/{action.pk}/call/", follow=True)
    assert "is planned, so it cannot become called" in response.content.decode()
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Blocked" in page and "No notice of action has been served" in page
    assert "s234A" in page


def test_notice_regime_c_gives_categories_workplaces_total_and_no_names(
    client: Client, scene: Scene
) -> None:
    login(client, scene.world.secretary)
    page = client.get(f"/actions/notices/{scene.notice.pk}/").content.decode()
    assert "Total number of employees concerned: 3" in page
    assert "Lecturer" in page and "Main campus" in page
    assert "How the figures were arrived at" not in page  # regime C: not required
    for name in MEMBER_NAMES:
        assert name not in page
    response = client.get(f"/actions/notices/{scene.notice.pk}/docx/")
    assert response["Content-Disposition"].endswith('.docx"')
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    cells = [
        c.text
        for t in Document(io.BytesIO(response.content)).tables
        for r in t.rows
        for c in r.cells
    ]
    assert "Total number of employees concerned: 3" in text
    assert "Lecturer" in cells and "Number" not in cells
    for name in MEMBER_NAMES:
        assert name not in text and name not in " ".join(cells)


def test_notice_regime_b_counts_each_category_and_explains(world: World) -> None:
    ballot = granted_ballot(world, opens=dt.date(2026, 1, 5))
    action = strike(world, ballot, [dt.date(2026, 2, 16)])
    notice = actions.notice_prepare(
        action=action, employer=world.liverpool_employer, actor=world.secretary
    )
    notice = actions.notice_mark_served(
        notice=notice, received_on=dt.date(2026, 2, 2), method="hand", proof_note="x", actor=None
    )
    assert notice.regime == "B"
    assert notice.figures["categories"] == [{"name": "Lecturer", "count": 3}]
    assert {w["name"]: w["count"] for w in notice.figures["workplaces"]} == {
        "Health and Life Sciences building": 2,
        "Main campus": 1,
    }
    from mandate.actions.notices import notice_document

    doc = notice_document(notice)
    assert doc.categories == [("Lecturer", 3)] and "entitled to vote" in doc.explanation
    assert AuditEvent.objects.filter(action="action.notice_served", object_id=str(notice.pk))


def test_serve_form_records_delivery_and_is_audited(client: Client, world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS_C)
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    login(client, world.secretary)
    employer = world.liverpool_employer.slug
    response = client.post(f"/actions/{action.pk}/notice/{employer}/")
    notice = action.notices.get()
    assert response["Location"] == f"/actions/notices/{notice.pk}/"
    bad = client.post(f"/actions/notices/{notice.pk}/served/", {"received_on": "2026-04-20"})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()
    ok = client.post(
        f"/actions/notices/{notice.pk}/served/",
        {"received_on": "2026-04-20", "method": "email", "proof_note": "Reply from HR"},
    )
    assert ok.status_code == 302
    notice.refresh_from_db()
    assert notice.is_served and notice.regime == "C"
    action.refresh_from_db()
    assert action.status == ActionStatus.NOTICE_SERVED


def test_member_feed_lists_their_days_and_the_old_link_dies(client: Client, scene: Scene) -> None:
    login(client, scene.world.member_user)
    client.post("/my-action/new-link/")
    token = CalendarToken.objects.get(member=scene.world.member, revoked_at__isnull=True)
    anonymous = Client()
    feed = anonymous.get(f"/calendar/{token.token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{tomorrow:%Y%m%d}" in body
    assert "Strike: Strike days" in body and "Ahmed" not in body
    client.post("/my-action/new-link/")
    assert anonymous.get(f"/calendar/{token.token}.ics").status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404
    new = CalendarToken.objects.get(member=scene.world.member, revoked_at__isnull=True)
    assert new.token != token.token and len(new.token) >= 43


def test_branch_feed_has_the_branch_action(client: Client, scene: Scene) -> None:
    login(client, scene.world.secretary)
    client.post(f"/actions/branches/{scene.world.liverpool.slug}/feed/")
    token = CalendarToken.objects.get(branch=scene.world.liverpool, revoked_at__isnull=True)
    body = Client().get(f"/calendar/{token.token}.ics").content.decode()
    assert body.count("BEGIN:VEVENT") == 2
    login(Client(), scene.world.outsider)
    outsider = login(Client(), scene.world.outsider)
    assert outsider.post(f"/actions/branches/{scene.world.liverpool.slug}/feed/").status_code == 404


GOOD_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//CWU//Ballots//EN
BEGIN:VEVENT
UID:cwu-ballot-2026@example.org
DTSTAMP:20261101T090000Z
SUMMARY:Royal Mail national strike ballot
DTSTART;VALUE=DATE:20261201
DTEND;VALUE=DATE:20261216
URL:https://example.org/cwu
END:VEVENT
BEGIN:VEVENT
UID:cwu-strike-2026@example.org
DTSTAMP:20261101T090000Z
SUMMARY:Postal workers' strike
DTSTART;VALUE=DATE:20270108
END:VEVENT
END:VCALENDAR
"""

BAD_ICS = GOOD_ICS.replace("SUMMARY:Postal workers' strike\n", "")


def test_solidarity_import_good_then_again_updates(client: Client, world: World) -> None:
    login(client, world.secretary)
    response = client.post(
        "/actions/solidarity/import/", {"union_name": "CWU", "text": GOOD_ICS}, follow=True
    )
    assert "Imported 2 new event(s), updated 0" in response.content.decode()
    ballot = SolidarityEvent.objects.get(uid="cwu-ballot-2026@example.org")
    assert (ballot.kind, ballot.start, ballot.end) == (
        "ballot",
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 15),
    )
    upload = io.BytesIO(GOOD_ICS.encode())
    upload.name = "cwu.ics"
    client.post("/actions/solidarity/import/", {"union_name": "CWU", "file": upload})
    assert SolidarityEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BAD_ICS, "Event 2: SUMMARY is missing"),
        ("hello", "not an iCalendar"),
        (GOOD_ICS.replace("DTSTART;VALUE=DATE:20270108", "DTSTART;VALUE=DATE:2027"), "Event 2"),
    ],
)
def test_solidarity_import_bad_writes_nothing(
    client: Client, world: World, text: str, message: str
) -> None:
    login(client, world.secretary)
    response = client.post("/actions/solidarity/import/", {"union_name": "CWU", "text": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and message in page
    assert SolidarityEvent.objects.count() == 0


def test_rep_cannot_add_solidarity(client: Client, world: World) -> None:
    login(client, world.rep)
    assert client.get("/actions/solidarity/").status_code == 200
    response = client.post(
        "/actions/solidarity/add/",
        {"union_name": "PCS", "title": "National ballot", "kind": "ballot", "start": "2026-12-01"},
    )
    assert response.status_code == 404
    assert SolidarityEvent.objects.count() == 0


def test_escalation_prompt_shows_the_plan(client: Client, scene: Scene) -> None:
    dispute = scene.ballot.dispute
    actions.escalation_plan_add(
        dispute=dispute,
        trigger="asos_100_percent_deduction",
        plan="Three more strike days in the exam period",
        actor=scene.world.secretary,
    )
    dispute_actions.timeline_add(
        dispute=dispute,
        date=timezone.localdate(),
        kind="employer_response",
        title="Docking 100% for the marking boycott",
        employer=scene.world.liverpool_employer,
        response_type="asos_100_percent_deduction",
        actor=scene.world.secretary,
    )
    login(client, scene.world.rep)
    page = client.get(f"/actions/dispute/{dispute.slug}/").content.decode()
    assert "Escalation prompt" in page and "Three more strike days in the exam period" in page


def test_clashes_graduation_is_a_target_bank_holiday_a_warning(world: World) -> None:
    from mandate.actions.clashes import action_clashes

    ballot = granted_ballot(world, opens=OPENS_C)
    action = strike(world, ballot, [dt.date(2026, 5, 25), dt.date(2026, 7, 15)])
    actions.critical_date_add(
        employer=world.liverpool_employer,
        kind="graduation",
        start=dt.date(2026, 7, 13),
        end=dt.date(2026, 7, 17),
        actor=None,
    )
    from mandate.ballots import actions as ballot_actions

    # The union's own postal ballot at the same employer, open over the strike in July.
    ballot_actions.ballot_create(
        dispute=ballot.dispute,
        name="Re-ballot",
        opens=dt.date(2026, 7, 1),
        closes=dt.date(2026, 7, 22),
        actor=None,
    )
    found = action_clashes(action)
    levels = {(c.level, c.date) for c in found}
    assert any(
        c.level == "warning" and "Re-ballot" in c.message and "post" in c.message for c in found
    )
    assert ("warning", dt.date(2026, 5, 25)) in levels  # Spring bank holiday in England
    assert ("info", dt.date(2026, 7, 15)) in levels
    assert any("Hits graduation" in c.message for c in found)


def test_agreement_form_records_a_shorter_notice_period(client: Client, scene: Scene) -> None:
    url = f"/actions/notices/{scene.notice.pk}/agreement/"
    login(client, scene.world.secretary)
    page = client.get(f"/actions/notices/{scene.notice.pk}/").content.decode()
    assert "Shorter notice agreed with the employer" in page and url in page
    bad = client.post(url, {"agreed_notice_days": "7", "agreed_by": "Director of HR"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Give the day the employer agreed." in text
    assert "Say where the agreement is recorded." in text
    scene.notice.refresh_from_db()
    assert scene.notice.agreed_notice_days is None
    agreed_on = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    ok = client.post(
        url,
        {
            "agreed_notice_days": "7",
            "agreed_by": "Director of HR",
            "agreed_on": agreed_on,
            "agreement_reference": "Letter filed with the branch minutes",
        },
    )
    assert ok.status_code == 302
    scene.notice.refresh_from_db()
    assert scene.notice.agreed_notice_days == 7
    assert scene.notice.agreement_recorded_by == scene.world.secretary
    event = AuditEvent.objects.get(action="action.notice_agreement")
    assert event.detail["days"] == 7 and event.detail["agreed_on"] == agreed_on
    page = client.get(f"/actions/notices/{scene.notice.pk}/").content.decode()
    # A regime C notice: the agreement is kept, and the page says it cannot shorten the period.
    assert "Letter filed with the branch minutes" in page
    assert "allows no shorter period by agreement" in page


def test_agreement_is_refused_to_rep_and_outsider(client: Client, scene: Scene) -> None:
    url = f"/actions/notices/{scene.notice.pk}/agreement/"
    data = {
        "agreed_notice_days": "7",
        "agreed_by": "HR",
        "agreed_on": "2026-01-01",
        "agreement_reference": "Email",
    }
    rep = login(Client(), scene.world.rep)
    assert url not in rep.get(f"/actions/notices/{scene.notice.pk}/").content.decode()
    assert rep.post(url, data).status_code == 404
    assert login(Client(), scene.world.outsider).post(url, data).status_code == 404
    scene.notice.refresh_from_db()
    assert scene.notice.agreed_notice_days is None
    assert not AuditEvent.objects.filter(action="action.notice_agreement").exists()
