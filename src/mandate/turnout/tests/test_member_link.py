"""The member's personal link: what it does, and every way it must refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot
from mandate.conftest import World
from mandate.turnout.actions import link_rotate, links_ensure, status_row
from mandate.turnout.links import make_token
from mandate.turnout.models import (
    ContactEvent,
    ContactStatus,
    GtvoSettings,
    ReplacementRequest,
    Status,
)
from mandate.turnout.tests.factories import open_ballot


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _token(ballot: Ballot, member_id: int) -> str:
    return make_token(status_row(ballot, member_id))


def _url(token: str, name: str = "home") -> str:
    return reverse(f"gtvo_link:{name}", args=[token])


def test_member_says_voted(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    page = client.get(_url(token))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hello Mo" in body and ballot.name in body
    # The path (the token) never leaves in a Referer; the origin still does, for CSRF.
    assert page["Referrer-Policy"] == "strict-origin"
    assert '<meta name="robots" content="noindex' in body
    done = client.post(_url(token, "voted"), follow=True)
    assert "noted that you have voted" in done.content.decode()
    row = ContactStatus.objects.get(ballot=ballot, member=world.member)
    assert (row.status, row.source) == (Status.SAYS_VOTED, "self_report")


def test_page_reveals_nobody_else(client: Client, world: World, ballot: Ballot) -> None:
    body = client.get(_url(_token(ballot, world.member.pk))).content.decode()
    for other in (world.covered, world.uncovered, world.ucl_member):
        assert other.first_name not in body and other.last_name not in body
        assert other.membership_number not in body
    # Not even the member's own surname, number or address: only the first name.
    assert world.member.last_name not in body and world.member.membership_number not in body


def test_never_suggests_workplace_handling(client: Client, world: World, ballot: Ballot) -> None:
    body = client.get(_url(_token(ballot, world.member.pk))).content.decode().lower()
    for phrase in ("at work", "photo", "hand it in", "hand in your"):
        assert phrase not in body


def _dead(response: object) -> None:
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert "This link does not work" in response.content.decode()  # type: ignore[attr-defined]


def test_tampered_token(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    forged = token.replace(f"{ballot.pk}.{world.member.pk}.", f"{ballot.pk}.{world.covered.pk}.", 1)
    _dead(client.get(_url(forged)))
    _dead(client.get(_url(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))))
    _dead(client.get(_url("nonsense")))
    _dead(client.post(_url(forged, "voted")))
    assert not ContactEvent.objects.exists()


def test_wrong_member_or_other_ballot(client: Client, world: World, ballot: Ballot) -> None:
    # A token signed for one member cannot be re-pointed at another's row, nor another ballot.
    other_ballot = open_ballot(world, name="Second ballot")
    token = _token(ballot, world.member.pk)
    other_row = status_row(other_ballot, world.member.pk)
    swapped = token.replace(f"{ballot.pk}.", f"{other_ballot.pk}.", 1)
    _dead(client.get(_url(swapped)))
    # The real token for the other ballot works, and only on that ballot's row.
    client.post(_url(make_token(other_row), "voted"))
    assert ContactStatus.objects.get(ballot=other_ballot, member=world.member).says_voted
    assert not ContactStatus.objects.get(ballot=ballot, member=world.member).says_voted


def test_revoked_link(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    link_rotate(ballot=ballot, member=world.member, actor=world.secretary)
    _dead(client.get(_url(token)))


def test_expired_after_close_and_grace(client: Client, world: World) -> None:
    today = dt.date.today()
    ballot = open_ballot(
        world, opens=today - dt.timedelta(days=30), closes=today - dt.timedelta(days=8)
    )
    _dead(client.get(_url(_token(ballot, world.member.pk))))


def test_replayed_after_close_is_read_only(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    ballot_actions.ballot_close(ballot=ballot, actor=None)
    page = client.get(_url(token))
    assert page.status_code == 200 and "The ballot has closed" in page.content.decode()
    assert "I've voted" not in page.content.decode()
    for name in ("voted", "stop", "paper", "details"):
        assert (
            client.post(_url(token, name), {"address_line1": "x", "postcode": "L1 1AA"}).status_code
            == 409
        )
    assert not ContactEvent.objects.exists()
    assert not ReplacementRequest.objects.exists()


def test_after_closing_day_is_read_only(client: Client, world: World) -> None:
    today = dt.date.today()
    ballot = open_ballot(
        world, opens=today - dt.timedelta(days=20), closes=today - dt.timedelta(days=1)
    )
    token = _token(ballot, world.member.pk)
    assert client.post(_url(token, "voted")).status_code == 409
    assert not ContactEvent.objects.exists()


def test_rate_limited_per_link(
    client: Client, world: World, ballot: Ballot, settings: object
) -> None:
    settings.MANDATE_GTVO_RATE_PER_LINK = 3  # type: ignore[attr-defined]
    token = _token(ballot, world.member.pk)
    codes = [client.get(_url(token)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    # Another member's link from another address is unaffected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(_url(_token(ballot, world.covered.pk))).status_code == 200


def test_rate_limited_per_address(
    client: Client, world: World, ballot: Ballot, settings: object
) -> None:
    settings.MANDATE_GTVO_RATE_PER_IP = 4  # type: ignore[attr-defined]
    codes = [client.get(_url(f"guess-{i}")).status_code for i in range(6)]
    assert codes[:4] == [404] * 4 and codes[4:] == [429, 429]


def test_dont_contact(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    client.post(_url(token, "stop"))
    assert ContactStatus.objects.get(member=world.member).status == Status.DONT_CONTACT


def test_replacement_inside_window(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    assert "My paper hasn't arrived" in client.get(_url(token)).content.decode()
    form = client.get(_url(token, "paper"))
    assert "home address" in form.content.decode()
    response = client.post(
        _url(token, "paper"),
        {"address_line1": "1 Home Street", "town": "Liverpool", "postcode": "l8 1aa"},
    )
    assert response.status_code == 302
    req = ReplacementRequest.objects.get(ballot=ballot, member=world.member)
    assert (req.address_line1, req.postcode) == ("1 Home Street", "L8 1AA")
    world.member.refresh_from_db()
    assert world.member.postcode == "L8 1AA"
    assert ContactStatus.objects.get(member=world.member).status == Status.REPLACEMENT_REQUESTED
    # Asking again updates the one pending request rather than adding another.
    client.post(_url(token, "paper"), {"address_line1": "2 Home Street", "postcode": "L8 1AA"})
    assert ReplacementRequest.objects.filter(ballot=ballot).count() == 1


def test_replacement_outside_window(client: Client, world: World, ballot: Ballot) -> None:
    today = dt.date.today()
    GtvoSettings.objects.create(
        ballot=ballot,
        replacement_opens=today + dt.timedelta(days=2),
        replacement_closes=today + dt.timedelta(days=5),
    )
    token = _token(ballot, world.member.pk)
    home = client.get(_url(token)).content.decode()
    assert "My paper hasn't arrived" not in home and "come back here" in home
    client.post(_url(token, "paper"), {"address_line1": "1 Home St", "postcode": "L8 1AA"})
    assert not ReplacementRequest.objects.exists()


def test_replacement_refuses_workplace_postcode(
    client: Client, world: World, ballot: Ballot
) -> None:
    hls = world.liverpool_employer.workplaces.get(name__startswith="Health")
    hls.postcode = "L69 3GE"
    hls.save()
    token = _token(ballot, world.member.pk)
    response = client.post(_url(token, "paper"), {"address_line1": "Uni", "postcode": "L69 3GE"})
    assert "workplace postcode" in response.content.decode()
    assert not ReplacementRequest.objects.exists()


def test_update_details_normalises_and_refuses_work_email(
    client: Client, world: World, ballot: Ballot
) -> None:
    token = _token(ballot, world.member.pk)
    bad = client.post(
        _url(token, "details"),
        {
            "personal_email": "m.ahmed@liverpool.ac.uk",
            "mobile": "07700 900002",
            "address_line1": "1 Home St",
            "postcode": "L8 1AA",
        },
    )
    assert "work address" in bad.content.decode()
    ok = client.post(
        _url(token, "details"),
        {
            "personal_email": "Mo@Example.ORG",
            "mobile": "07700 900002",
            "address_line1": "1 Home St",
            "postcode": "l81aa",
        },
    )
    assert ok.status_code == 302
    world.member.refresh_from_db()
    assert (world.member.personal_email, world.member.mobile, world.member.postcode) == (
        "Mo@example.org",
        "+447700900002",
        "L8 1AA",
    )


def test_bad_details_name_the_field(client: Client, world: World, ballot: Ballot) -> None:
    token = _token(ballot, world.member.pk)
    response = client.post(
        _url(token, "details"), {"mobile": "not a phone", "address_line1": "x", "postcode": "nope"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "not a UK postcode" in body
    world.member.refresh_from_db()
    assert world.member.postcode == ""


def test_links_ensure_skips_members_outside_the_electorate(world: World, ballot: Ballot) -> None:
    rows = links_ensure(ballot=ballot, member_ids=[world.member.pk, world.ucl_member.pk])
    assert set(rows) == {world.member.pk}
