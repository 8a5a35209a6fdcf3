from __future__ import annotations

from django.test import Client

from mandate.ballots.models import ElectorateExclusion, ExclusionReason
from mandate.ballots.tests.factories import local_ballot
from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_preview_counts_and_record_an_exclusion(world: World) -> None:
    ballot = local_ballot(world)
    client = login("secretary")
    page = client.get(f"/ballots/{ballot.pk}/electorate/").content.decode()
    assert "A preview from the register" in page
    assert '<th class="num">3</th>' in page  # L0001-L0003 are entitled

    response = client.post(
        f"/ballots/{ballot.pk}/electorate/exclude/",
        {"membership_number": "L0002", "reason": ExclusionReason.VOLUNTARY_REDUNDANCY},
        follow=True,
    )
    body = response.content.decode()
    assert "will not be balloted" in body and "Accepted voluntary redundancy" in body
    assert '<th class="num">2</th>' in body
    exclusion = ElectorateExclusion.objects.get(ballot=ballot)
    assert exclusion.member == world.covered
    event = AuditEvent.objects.get(action="ballot.exclusion_record")
    assert "Byrne" not in str(event.detail)

    client.post(f"/ballots/{ballot.pk}/electorate/exclusions/{exclusion.pk}/remove/")
    assert not ElectorateExclusion.objects.filter(ballot=ballot).exists()


def test_bad_exclusions_are_refused_and_nothing_written(world: World) -> None:
    ballot = local_ballot(world)
    client = login("secretary")
    for data, message in [
        ({"membership_number": "U0001", "reason": "left"}, "not a member you can see"),
        ({"membership_number": "NOPE", "reason": "left"}, "not a member you can see"),
        ({"membership_number": "L0002", "reason": "other"}, "say why"),
        ({"membership_number": "L0002", "reason": "bogus"}, "reason"),
    ]:
        body = client.post(
            f"/ballots/{ballot.pk}/electorate/exclude/", data, follow=True
        ).content.decode()
        assert message in body, data
    assert not ElectorateExclusion.objects.exists()


def test_electorate_permissions(world: World) -> None:
    ballot = local_ballot(world)
    url = f"/ballots/{ballot.pk}/electorate/"
    assert login("outsider").get(url).status_code == 404
    assert (
        login("outsider").post(url + "exclude/", {"membership_number": "L0002"}).status_code == 404
    )
    # A rep reads the counts but cannot change the list.
    rep_page = login("rep").get(url)
    assert rep_page.status_code == 200 and "Leave a member out" not in rep_page.content.decode()
    assert (
        login("rep")
        .post(url + "exclude/", {"membership_number": "L0002", "reason": "left"})
        .status_code
        == 403
    )
    assert Client().get(url).status_code == 302
