"""The officer pages: compose, preview, send and the delivery log; who may reach them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.members.actions import segment_save
from mandate.members.models import Member, Segment
from mandate.messaging.compose import unsubscribe_token
from mandate.messaging.models import Message, OptOut, Send

from .conftest import add_member, read_outbox


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _urls(world: World) -> list[str]:
    slug = world.liverpool.slug
    return [f"/branches/{slug}/messages/", f"/branches/{slug}/messages/new/"]


@pytest.mark.parametrize("username", ["secretary", "regional", "national"])
def test_officers_reach_the_pages(world: World, username: str) -> None:
    client = _client(username)
    for url in _urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("username", ["outsider", "rep", "member", "panel"])
def test_others_get_404(world: World, everyone: Segment, username: str) -> None:
    client = _client(username)
    for url in _urls(world):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/branches/{world.liverpool.slug}/messages/new/",
        {"segment": everyone.pk, "channel": "sms", "template": "x", "confirm": "send"},
    )
    assert response.status_code == 404
    assert not Send.objects.exists()


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    response = Client().get(_urls(world)[0])
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_preview_counts_and_example_then_send(
    world: World, everyone: Segment, outbox: Path, django_capture_on_commit_callbacks: Any
) -> None:
    add_member(world, "L0100", mobile="+447700900100", consent_sms=False)
    add_member(world, "L0101", mobile="+447700900101", do_not_contact=True)
    client = _client("secretary")
    url = f"/branches/{world.liverpool.slug}/messages/new/"
    form = {
        "segment": everyone.pk,
        "channel": "sms",
        "template": "Hi {first_name}, vote: {link}",
        "link": "https://example.org/vote",
        "request_key": "6d3c9a0e-8a8f-4f59-9d0a-1f1d6c3b2a11",
    }
    preview = client.post(url, {**form, "confirm": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Will be sent" in html
    assert re.search(r'class="stat">1<', html)
    assert "Skipped: no mobile number" in html  # Cat and Una
    assert "Skipped: no consent for this channel" in html
    assert "Skipped: marked do not contact" in html
    assert "Hi Mo, vote: https://example.org/vote" in html
    assert "texts (GSM-7)" in html or "text (GSM-7)" in html
    assert not Send.objects.exists()  # a preview queues nothing

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**form, "confirm": "send"})
    send = Send.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == f"/branches/{world.liverpool.slug}/messages/{send.pk}/"
    # A second click on Send does not send again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "confirm": "send"})
    assert Send.objects.count() == 1
    assert len(read_outbox(outbox)) == 1

    log = client.get(sent["Location"])
    assert log.status_code == 200
    page = log.content.decode()
    assert "Mo Ahmed" in page and "No consent for this channel" in page
    assert "+447700900001" not in page and "mo@example.org" not in page
    filtered = client.get(sent["Location"] + "?state=skipped").content.decode()
    assert "Mo Ahmed" not in filtered and "Cat Byrne" in filtered


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"template": "Hi {name}"}, "{name} is not a merge field"),
        ({"template": "Hi {first_name"}, "stray brace"),
        ({"template": "Go to {link}"}, "give the link here"),
        ({"channel": "email"}, "An email needs a subject."),
        ({"channel": "fax"}, "Select a valid choice"),
        ({"segment": "999999"}, "Select a valid choice"),
        ({"template": ""}, "This field is required"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_queues_nothing(
    world: World, everyone: Segment, changes: dict[str, str], error: str
) -> None:
    client = _client("secretary")
    form = {"segment": everyone.pk, "channel": "sms", "template": "Vote", **changes}
    response = client.post(
        f"/branches/{world.liverpool.slug}/messages/new/", {**form, "confirm": "send"}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Send.objects.exists()


def test_another_branchs_segment_cannot_be_used(world: World) -> None:
    ucl_segment = segment_save(branch=world.ucl, name="UCL all", filters={}, actor=None)
    client = _client("secretary")
    response = client.post(
        f"/branches/{world.liverpool.slug}/messages/new/",
        {"segment": ucl_segment.pk, "channel": "sms", "template": "Vote", "confirm": "send"},
    )
    assert response.status_code == 400
    assert not Send.objects.exists()


def test_a_broken_segment_is_a_form_error(world: World) -> None:
    broken = Segment.objects.create(branch=world.liverpool, name="Old", filters={"colour": "red"})
    client = _client("secretary")
    response = client.post(
        f"/branches/{world.liverpool.slug}/messages/new/",
        {"segment": broken.pk, "channel": "sms", "template": "Vote", "confirm": "preview"},
    )
    assert response.status_code == 400
    assert "Unknown filter" in response.content.decode()


def test_another_branchs_send_is_404(world: World, everyone: Segment) -> None:
    from mandate.messaging.actions import send_queue

    send = send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel="sms",
        template="Vote",
        members=Member.objects.filter(branch=world.liverpool),
        audience="x",
    )
    assert (
        _client("outsider").get(f"/branches/{world.liverpool.slug}/messages/{send.pk}/").status_code
        == 404
    )
    # Reached through a branch the outsider does hold, it is still not there.
    assert (
        _client("outsider").get(f"/branches/{world.ucl.slug}/messages/{send.pk}/").status_code
        == 404
    )


def test_log_page_query_budget(world: World, django_assert_max_num_queries: Any) -> None:
    from mandate.messaging.actions import send_queue

    for n in range(30):
        add_member(world, f"L2{n:03d}", mobile=f"+4477009002{n:02d}")
    send = send_queue(
        actor=world.secretary,
        branch=world.liverpool,
        channel="sms",
        template="Vote",
        members=Member.objects.filter(branch=world.liverpool),
        audience="x",
    )
    client = _client("secretary")
    client.get(f"/branches/{world.liverpool.slug}/messages/{send.pk}/")
    with django_assert_max_num_queries(12):
        assert (
            client.get(f"/branches/{world.liverpool.slug}/messages/{send.pk}/").status_code == 200
        )
    assert Message.objects.filter(send=send).count() == 33


def test_unsubscribe_link_opts_out_of_email(world: World) -> None:
    url = f"/messaging/unsubscribe/{unsubscribe_token(world.member.pk)}/"
    page = Client().get(url)
    assert page.status_code == 200 and "Stop emails" in page.content.decode()
    assert not OptOut.objects.exists()  # GET changes nothing
    done = Client().post(url)
    assert done.status_code == 200 and "Done" in done.content.decode()
    optout = OptOut.objects.get()
    assert (optout.member, optout.channel, optout.source) == (world.member, "email", "member_link")


@pytest.mark.parametrize("token", ["1", "1.forged", "abc", f"{'9' * 30}.x"])
def test_a_forged_unsubscribe_link_is_404(world: World, token: str) -> None:
    assert Client().post(f"/messaging/unsubscribe/{token}/").status_code == 404
    assert not OptOut.objects.exists()
