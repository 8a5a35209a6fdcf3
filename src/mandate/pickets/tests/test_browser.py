"""Browser test on a phone: a member signs up for a shift from their personal link and checks
in by scanning the code on the line; the site's organiser taps in another picket by name."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mandate.conftest import browser_login, build_world
from mandate.pickets import actions, links
from mandate.pickets.models import Attendance, Signup, SignupSource
from mandate.pickets.tests.factories import picket_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_signs_up_from_a_link_and_the_organiser_checks_people_in(
    live_server: Any, phone: Any
) -> None:
    world = build_world()
    line = picket_line(world)
    today = timezone.localdate()
    actions.signup_member(shift=line.shift(), member=world.covered, source=SignupSource.LINK)
    link = actions.link_ensure(member=world.member)

    # The member opens the link from their text and signs up for the first shift.
    phone.goto(f"{live_server.url}/p/m/{links.member_token(link)}/")
    expect(phone.locator("h1")).to_contain_text("Picket shifts, Mo", use_inner_text=True)
    phone.get_by_role(
        "button", name=f"Sign up for Health and Life Sciences {today:%a %-d %b} 07:30"
    ).click()
    expect(phone.locator("main")).to_contain_text("You're on the line", use_inner_text=True)
    assert Signup.objects.filter(member=world.member, cancelled_at__isnull=True).count() == 1

    # On the line, they scan the code: this phone already knows them.
    phone.goto(links.qr_url(line.site, today).replace("http://localhost:8000", live_server.url))
    phone.get_by_role("button", name="I'm here").click()
    expect(phone.locator("main")).to_contain_text("You're checked in, Mo", use_inner_text=True)

    # The organiser (the rep) taps in Cat, who has no phone with her.
    phone.context.clear_cookies()
    browser_login(phone, live_server, "rep")
    phone.goto(f"{live_server.url}/pickets/sites/{line.site.pk}/{today.isoformat()}/checkin/")
    expect(phone.locator("#present-count")).to_have_text("1", use_inner_text=True)
    phone.get_by_role("button", name="Check in Cat Byrne").click()
    phone.get_by_label("Cat Byrne is checked in").wait_for()
    expect(phone.locator("#present-count")).to_have_text("2", use_inner_text=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert Attendance.objects.filter(site=line.site, date=today).count() == 2


def test_supporter_stops_reminders_on_a_phone_and_the_organiser_sees_it(
    live_server: Any, phone: Any
) -> None:
    import datetime as dt

    from mandate.pickets import supporter_reminders
    from mandate.pickets.models import Supporter

    world = build_world()
    line = picket_line(world, days=[timezone.localdate() + dt.timedelta(days=1)])
    priya = actions.supporter_create(
        branch=world.liverpool,
        name="Priya",
        phone="+447700900801",
        email="",
        kind="student",
        consent=True,
    )
    actions.signup_supporter(shift=line.shift(), supporter=priya)

    # Priya opens her own link and asks for no reminders.
    phone.goto(f"{live_server.url}/p/s/{links.supporter_token(priya)}/")
    phone.get_by_role("button", name="Stop reminders").click()
    expect(phone.locator("main")).to_contain_text("No more reminders", use_inner_text=True)
    phone.get_by_role("button", name="Remind me again").wait_for()
    assert Supporter.objects.get(pk=priya.pk).reminders_stopped_at is not None
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    # The reminder run leaves her out, and the organiser's rota says why.
    now = line.shift().starts_at() - dt.timedelta(hours=12)
    supporter_reminders.queue(within=dt.timedelta(hours=18), now=now)
    phone.context.clear_cookies()
    browser_login(phone, live_server, "rep")
    phone.goto(f"{live_server.url}/pickets/sites/{line.site.pk}/{line.days[0].isoformat()}/")
    expect(phone.locator("main")).to_contain_text(
        "Not reminded: asked for no reminders", use_inner_text=True
    )
