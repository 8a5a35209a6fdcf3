"""Supporters: minimal details, consent, kept out of the member register."""

from __future__ import annotations

import pytest
from django.test import Client

from mandate.conftest import World
from mandate.core import policy
from mandate.core.policy import Perm
from mandate.members.models import Member
from mandate.pickets import links
from mandate.pickets.models import Signup, Supporter
from mandate.pickets.tests.factories import picket_line


def test_a_supporter_signs_up_from_the_site_link_and_stays_out_of_the_register(
    world: World,
) -> None:
    line = picket_line(world)
    members_before = Member.objects.count()
    client = Client()
    response = client.post(
        f"/p/join/{links.join_token(line.site)}/",
        {
            "shift": line.shift().pk,
            "name": "Sasha (student)",
            "phone": "07700 900123",
            "email": "",
            "kind": "student",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    supporter = Supporter.objects.get()
    assert supporter.phone == "+447700900123"
    assert supporter.branch == world.liverpool
    assert Member.objects.count() == members_before
    assert (
        not policy.members_for(world.secretary, Perm.VIEW_MEMBERS)
        .filter(first_name__startswith="Sasha")
        .exists()
    )
    signup = Signup.objects.get(supporter=supporter)
    assert signup.member is None and signup.shift == line.shift()
    # Their own page, from the redirect, lists the shift and lets them cancel it.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Sasha" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Al", "kind": "student", "consent": "on"}, "phone number or an email"),
        ({"name": "Al", "kind": "student", "phone": "07700 900123"}, "Tick this to sign up"),
        ({"name": "Al", "kind": "student", "phone": "not a phone", "consent": "on"}, "Phone"),
    ],
)
def test_supporter_form_says_what_is_missing_and_writes_nothing(
    world: World, data: dict[str, str], message: str
) -> None:
    line = picket_line(world)
    response = Client().post(
        f"/p/join/{links.join_token(line.site)}/", {"shift": line.shift().pk, **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Supporter.objects.exists()


def test_a_revoked_supporter_link_is_dead(world: World) -> None:
    line = picket_line(world)
    token = links.join_token(line.site)
    from mandate.pickets import actions

    actions.codes_rotate(site=line.site, actor=world.secretary)
    response = Client().get(f"/p/join/{token}/")
    assert response.status_code == 404
    assert "doesn't work" in response.content.decode()


def test_supporter_sign_ups_from_one_address_are_limited(world: World) -> None:
    from django.core.cache import cache

    from mandate.pickets import views_public

    cache.clear()
    line = picket_line(world)
    client = Client(REMOTE_ADDR="203.0.113.9")
    url = f"/p/join/{links.join_token(line.site)}/"
    statuses = [
        client.post(url, {"shift": line.shift().pk}).status_code
        for _ in range(views_public.JOIN_PER_ADDRESS + 1)
    ]
    assert statuses[:-1] == [400] * views_public.JOIN_PER_ADDRESS
    assert statuses[-1] == 429
    cache.clear()
