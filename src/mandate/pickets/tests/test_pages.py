"""The picket pages: who sees what, what they can change, and what a member gets from a link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mandate.actions import actions as action_actions
from mandate.conftest import PASSWORD, World
from mandate.pickets import actions, links
from mandate.pickets.models import Attendance, Incident, IncidentKind, Signup, SignupSource
from mandate.pickets.tests.factories import Line, picket_line


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def line(world: World) -> Line:
    return picket_line(world)


def _urls(line: Line) -> list[str]:
    site, day = line.site.pk, line.days[0].isoformat()
    return [
        f"/pickets/branches/{line.site.branch.slug}/",
        f"/pickets/branches/{line.site.branch.slug}/day/{day}/",
        f"/pickets/sites/{site}/",
        f"/pickets/sites/{site}/{day}/",
        f"/pickets/sites/{site}/{day}/print/",
        f"/pickets/sites/{site}/{day}/qr/",
        f"/pickets/sites/{site}/{day}/checkin/",
        f"/pickets/sites/{site}/incidents/",
    ]


def test_another_branchs_officer_gets_404_everywhere(world: World, line: Line) -> None:
    client = _client("outsider")
    for url in _urls(line):
        assert client.get(url).status_code == 404, url
    shift = line.shift()
    for url in (
        f"/pickets/sites/{line.site.pk}/generate/",
        f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/checkin/",
        f"/pickets/shifts/{shift.pk}/delete/",
        f"/pickets/sites/{line.site.pk}/incidents/",
    ):
        assert client.post(url, {"who": f"m{world.member.pk}"}).status_code == 404, url
    assert not Attendance.objects.exists()
    assert line.site.shifts.count() == 4


def test_the_secretary_sees_every_page(world: World, line: Line) -> None:
    client = _client("secretary")
    for url in _urls(line):
        assert client.get(url).status_code == 200, url


def test_a_rep_reads_rotas_and_checks_in_but_changes_nothing_else(world: World, line: Line) -> None:
    other = actions.site_create(
        branch=world.liverpool,
        workplace=world.liverpool_employer.workplaces.get(name="Main campus"),
        name="Main campus",
        actor=world.secretary,
    )
    client = _client("rep")
    assert client.get(f"/pickets/sites/{other.pk}/").status_code == 200
    assert client.get(f"/pickets/sites/{other.pk}/incidents/").status_code == 404
    response = client.post(
        f"/pickets/sites/{other.pk}/generate/",
        {"action": line.action.pk, "pattern": "07:00-09:00"},
    )
    assert response.status_code == 403
    assert not other.shifts.exists()


def test_the_site_organiser_runs_their_site(world: World, line: Line) -> None:
    client = _client("rep")  # the factory makes the rep this site's organiser
    response = client.post(
        f"/pickets/sites/{line.site.pk}/generate/",
        {"action": line.action.pk, "pattern": "15:00-16:00"},
    )
    assert response.status_code == 302
    assert line.site.shifts.count() == 6


def test_member_signs_up_when_logged_in_and_is_warned_away_from_another_workplace(
    world: World, line: Line
) -> None:
    client = _client("member")
    page = client.get("/my-pickets/")
    assert page.status_code == 200
    assert "At your own workplace" in page.content.decode()
    response = client.post(f"/my-pickets/signup/{line.shift().pk}/", follow=True)
    assert "You&#x27;re on the line" in response.content.decode()
    assert Signup.objects.filter(member=world.member, cancelled_at__isnull=True).count() == 1
    main = actions.site_create(
        branch=world.liverpool,
        workplace=world.liverpool_employer.workplaces.get(name="Main campus"),
        name="Main campus gate",
        actor=world.secretary,
    )
    actions.shifts_generate(
        site=main, action=line.action, pattern="08:00-10:00", actor=None, today=line.days[0]
    )
    shift = main.shifts.first()
    assert shift is not None
    response = client.post(f"/my-pickets/signup/{shift.pk}/", follow=True)
    assert "not your own workplace" in response.content.decode()


def test_a_members_link_signs_up_cancels_and_swaps(world: World, line: Line) -> None:
    link = actions.link_ensure(member=world.member)
    token = links.member_token(link)
    client = Client()
    page = client.get(f"/p/m/{token}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert links.COOKIE in page.cookies
    client.post(f"/p/m/{token}/signup/{line.shift().pk}/")
    signup = Signup.objects.get(member=world.member, cancelled_at__isnull=True)
    assert signup.source == SignupSource.LINK
    client.post(f"/p/m/{token}/swap/{signup.pk}/", {"to": line.shift(1, "12:00").pk})
    live = Signup.objects.get(member=world.member, cancelled_at__isnull=True)
    assert live.shift == line.shift(1, "12:00")
    client.post(f"/p/m/{token}/cancel/{live.pk}/")
    assert not Signup.objects.filter(member=world.member, cancelled_at__isnull=True).exists()


def test_a_tampered_or_renewed_link_is_dead(world: World) -> None:
    link = actions.link_ensure(member=world.member)
    token = links.member_token(link)
    assert Client().get(f"/p/m/{token[:-2]}xx/").status_code == 404
    actions.link_renew(member=world.member)
    assert Client().get(f"/p/m/{token}/").status_code == 404


def test_scanning_the_code_checks_in_the_phone_whose_link_was_opened(
    world: World, line: Line
) -> None:
    code = links.qr_token(line.site, timezone.localdate())
    client = Client()
    first = client.get(f"/p/in/{code}/")
    assert "know who you are" in first.content.decode()
    assert not Attendance.objects.exists()
    link = actions.link_ensure(member=world.member)
    client.get(f"/p/m/{links.member_token(link)}/")
    page = client.get(f"/p/in/{code}/")
    assert "Checking in as Mo" in page.content.decode()
    assert not Attendance.objects.exists()  # a GET writes nothing
    client.post(f"/p/in/{code}/")
    again = client.post(f"/p/in/{code}/")
    assert "already checked in" in again.content.decode()
    assert Attendance.objects.filter(member=world.member).count() == 1


def test_the_organiser_taps_names_and_a_second_tap_counts_once(world: World, line: Line) -> None:
    actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    client = _client("rep")
    url = f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/checkin/"
    assert "Mo Ahmed" in client.get(url).content.decode()
    for _ in range(2):
        response = client.post(url, {"who": f"m{world.member.pk}"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "Here ✓" in response.content.decode()
    assert Attendance.objects.filter(site=line.site).count() == 1


def test_the_six_warning_shows_on_the_rota(world: World, line: Line) -> None:
    from mandate.members.actions import member_create

    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    gate = line.site.entrances.first()
    for i in range(7):
        m = member_create(
            branch=world.liverpool,
            membership_number=f"X{i}",
            first_name=f"P{i}",
            last_name="Q",
            employments=[{"employer": world.liverpool_employer, "workplace": hls}],
        )
        actions.signup_member(
            shift=line.shift(), member=m, source=SignupSource.LOGIN, entrance=gate
        )
    page = _client("secretary").get(f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/")
    assert "7 rostered at Main gate" in page.content.decode()


def test_the_letter_is_required_under_regime_b_and_good_practice_under_c(
    world: World, line: Line
) -> None:
    client = _client("secretary")
    b = client.get(f"/pickets/sites/{line.site.pk}/2026-02-17/letter/").content.decode()
    c = client.get(f"/pickets/sites/{line.site.pk}/2026-02-18/letter/").content.decode()
    assert "section 220A, in force" in b and "Good practice only" not in b
    assert "Good practice only" in c
    day = client.get(f"/pickets/sites/{line.site.pk}/2026-02-17/").content.decode()
    assert "Picket supervisor required" in day
    docx = client.get(f"/pickets/sites/{line.site.pk}/2026-02-17/letter.docx")
    assert docx.content[:2] == b"PK"
    client.post(
        f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/letter/shown/",
        {"shown_to": "Security manager"},
    )
    shown = Incident.objects.get(kind=IncidentKind.LETTER_SHOWN)
    assert shown.author == world.secretary and "Security manager" in shown.note


def test_incidents_are_logged_by_branch_officers_with_time_and_author(
    world: World, line: Line
) -> None:
    client = _client("secretary")
    url = f"/pickets/sites/{line.site.pk}/incidents/"
    bad = client.post(url, {"kind": "police", "happened_at": "", "note": ""})
    assert bad.status_code == 200 and "required" in bad.content.decode()
    when = (timezone.localtime() - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"kind": "police", "happened_at": when, "note": "PC 123 asked for numbers"})
    incident = Incident.objects.get()
    assert incident.author == world.secretary and incident.kind == "police"
    assert _client("regional").get(url).status_code == 404


def test_totals_add_up_per_branch_and_round(world: World, line: Line) -> None:
    actions.checkin(site=line.site, day=line.days[0], method="qr", member=world.member)
    actions.checkin(site=line.site, day=line.days[0], method="qr", member=world.covered)
    page = _client("national").get(f"/pickets/disputes/{line.action.dispute.slug}/totals/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "University of Liverpool" in text and "National total" in text


def test_the_members_calendar_feed_holds_their_shift(world: World, line: Line) -> None:
    actions.signup_member(shift=line.shift(), member=world.member, source=SignupSource.LOGIN)
    token = action_actions.calendar_token_issue(member=world.member, actor=None)
    feed = Client().get(f"/calendar/{token.token}.ics").content.decode()
    assert "SUMMARY:Picket: Health and Life Sciences" in feed
    assert "Cat" not in feed


def test_a_days_rota_costs_the_same_queries_for_many_people(
    world: World, line: Line, django_assert_max_num_queries: Any
) -> None:
    from mandate.members.actions import member_create

    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    for i in range(30):
        m = member_create(
            branch=world.liverpool,
            membership_number=f"R{i}",
            first_name=f"R{i}",
            last_name="Q",
            employments=[{"employer": world.liverpool_employer, "workplace": hls}],
        )
        actions.signup_member(
            shift=line.shift(at="07:30" if i % 2 else "12:00"), member=m, source="login"
        )
    client = _client("secretary")
    url = f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/"
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(url + "checkin/").status_code == 200


def test_the_organiser_finds_and_checks_in_someone_not_on_the_rota(
    world: World, line: Line
) -> None:
    url = f"/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/checkin/"
    # A rep finds only the members they cover.
    assert "Una Cole" not in _client("rep").get(url, {"q": "una"}).content.decode()
    client = _client("secretary")
    page = client.get(url, {"q": "una cole"}).content.decode()
    assert "Check in Una Cole" in page
    client.post(url, {"who": f"m{world.uncovered.pk}"})
    assert Attendance.objects.filter(member=world.uncovered).count() == 1


def test_the_organiser_adds_a_member_to_a_shift_by_number_or_name(world: World, line: Line) -> None:
    client = _client("secretary")
    shift = line.shift()
    client.post(f"/pickets/shifts/{shift.pk}/add/", {"who": "l0002"})
    response = client.post(f"/pickets/shifts/{shift.pk}/add/", {"who": "Una Cole"}, follow=True)
    text = response.content.decode()
    assert "not Una Cole&#x27;s own workplace" in text
    added = Signup.objects.filter(shift=shift, source=SignupSource.ORGANISER)
    assert {s.member_id for s in added} == {world.covered.pk, world.uncovered.pk}
    response = client.post(f"/pickets/shifts/{shift.pk}/add/", {"who": "Nobody Here"}, follow=True)
    assert "No member you can reach" in response.content.decode()
    # Another branch's officer cannot add anyone to this branch's shift.
    assert (
        _client("outsider").post(f"/pickets/shifts/{shift.pk}/add/", {"who": "U0001"}).status_code
        == 404
    )


def test_a_tap_that_cannot_count_says_why_in_the_row(world: World, line: Line) -> None:
    actions.signup_member(shift=line.shift(1), member=world.member, source=SignupSource.LOGIN)
    url = f"/pickets/sites/{line.site.pk}/{line.days[1].isoformat()}/checkin/"
    response = _client("rep").post(url, {"who": f"m{world.member.pk}"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "before the day" in response.content.decode()
    assert not Attendance.objects.exists()
