from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from mandate.conftest import PASSWORD
from mandate.core.models import AuditEvent
from mandate.votes import engine, links
from mandate.votes.models import CastVote, Poll, PollState, Voter
from mandate.votes.tests.conftest import open_poll

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _voter(poll, member):
    return Voter.objects.get(poll=poll, member=member)


def _url(poll, member):
    return links.link_url(_voter(poll, member), absolute=False)


def test_member_votes_from_link_and_gets_receipt(client, world):
    poll = open_poll([world.member, world.covered])
    url = _url(poll, world.member)
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page["X-Robots-Tag"]
    assert b"Cast my vote" in page.content
    yes = poll.choices.get(label="Yes")
    done = client.post(url, {"choice": yes.pk})
    assert done.status_code == 200
    receipt = done.context["receipt"]
    assert receipt.encode() in done.content
    assert CastVote.objects.get(poll=poll, receipt=receipt).choice == yes
    again = client.post(url, {"choice": yes.pk})
    assert again.status_code == 200
    assert b"You have already voted" in again.content
    assert client.get(url).status_code == 200
    assert CastVote.objects.filter(poll=poll, choice__isnull=False).count() == 1


def test_missing_or_foreign_choice_is_a_form_error(client, world):
    poll = open_poll([world.member])
    other = open_poll([world.member], title="Other")
    url = _url(poll, world.member)
    assert client.post(url, {}).status_code == 400
    bad = client.post(url, {"choice": other.choices.first().pk})
    assert bad.status_code == 400 and b"Choose one of the options" in bad.content
    assert client.post(url, {"choice": "x"}).status_code == 400
    assert not _voter(poll, world.member).has_voted


def test_tampered_revoked_and_other_poll_tokens_are_dead(client, world):
    poll = open_poll([world.member])
    other = open_poll([world.member], title="Other")
    voter = _voter(poll, world.member)
    token = links.token_for(voter)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("ballot_link", args=[tampered])).status_code == 404
    # A token signed for another purpose (another salt) does not open a ballot.
    foreign = signing.Signer(salt="mandate.turnout.member-link", sep=".").sign(
        f"{poll.pk}.{voter.pk}.{voter.nonce}"
    )
    assert client.get(reverse("ballot_link", args=[foreign])).status_code == 404
    # The roll row of another poll with this poll's id swapped in: the signature breaks.
    other_voter = _voter(other, world.member)
    swapped = links.make_token(poll.pk, other_voter.pk, other_voter.nonce)
    assert client.get(reverse("ballot_link", args=[swapped])).status_code == 404
    Voter.objects.filter(pk=voter.pk).update(nonce="revoked")
    assert client.get(reverse("ballot_link", args=[token])).status_code == 404
    yes = poll.choices.get(label="Yes").pk
    assert client.post(reverse("ballot_link", args=[token]), {"choice": yes}).status_code == 404
    assert client.post(reverse("ballot_link", args=[tampered]), {"choice": yes}).status_code == 404
    assert not Voter.objects.get(pk=voter.pk).has_voted


def test_link_after_close_says_closed_and_refuses(client, world):
    poll = open_poll([world.member, world.covered])
    url = _url(poll, world.member)
    yes = poll.choices.get(label="Yes")
    engine.poll_close(poll=poll)
    page = client.get(url)
    assert page.status_code == 200 and b"Voting has closed" in page.content
    refused = client.post(url, {"choice": yes.pk})
    assert refused.status_code == 200 and b"closed" in refused.content
    assert not _voter(poll, world.member).has_voted
    engine.poll_publish(poll=Poll.objects.get(pk=poll.pk))
    assert reverse("ballot_published", args=[poll.pk]).encode() in client.get(url).content


def test_link_after_closing_time_before_close_refuses(client, world, monkeypatch):
    poll = open_poll([world.member])
    url = _url(poll, world.member)
    later = poll.closes_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    refused = client.post(url, {"choice": poll.choices.first().pk})
    assert b"Voting has closed" in refused.content
    assert not _voter(poll, world.member).has_voted


def test_rate_limit_per_link(client, world, settings):
    settings.MANDATE_VOTE_RATE_PER_LINK = 3
    poll = open_poll([world.member])
    url = _url(poll, world.member)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_published_list_and_lookup(client, world):
    poll = open_poll([world.member, world.covered])
    url = _url(poll, world.member)
    receipt = client.post(url, {"choice": poll.choices.get(label="No").pk}).context["receipt"]
    public = reverse("ballot_published", args=[poll.pk])
    assert client.get(public).status_code == 404  # not before publication
    engine.poll_publish(poll=engine.poll_close(poll=poll))
    page = client.get(public)
    assert page.status_code == 200 and receipt.encode() in page.content
    found = client.get(public, {"receipt": receipt.lower().replace("-", " ")})
    assert b"is in the count, recorded as <strong>No</strong>" in found.content
    missing = client.get(public, {"receipt": "AAAA-AAAA-AAAA"})
    assert b"is not in the published list" in missing.content
    assert b"not a receipt code" in client.get(public, {"receipt": "hello"}).content


def test_officer_creates_opens_closes_publishes(client, world):
    login(client, world.secretary)
    now = timezone.localtime()
    form = {
        "title": "Accept the offer?",
        "question": "The employer offers 3%.",
        "choices": "Accept\nReject",
        "scope": str(world.liverpool.pk),
        "dispute": "",
        "segment": "",
        "opens_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "min_branch_votes": "10",
    }
    created = client.post(reverse("votes:new"), form)
    assert created.status_code == 302
    poll = Poll.objects.get(title="Accept the offer?")
    assert poll.branch == world.liverpool
    client.post(reverse("votes:open", args=[poll.pk]))
    poll.refresh_from_db()
    assert poll.state == PollState.OPEN
    liverpool_members = {world.member.pk, world.covered.pk, world.uncovered.pk}
    assert set(Voter.objects.filter(poll=poll).values_list("member_id", flat=True)) == (
        liverpool_members
    )
    detail = client.get(reverse("votes:detail", args=[poll.pk]))
    assert detail.status_code == 200 and b"Turnout" in detail.content
    links_csv = client.post(reverse("votes:links", args=[poll.pk]))
    assert links_csv.status_code == 200
    rows = links_csv.content.decode().splitlines()
    assert rows[0] == "membership_number,first_name,personal_email,mobile,link" and len(rows) == 4
    assert "liverpool.ac.uk" not in links_csv.content.decode()  # never a work address
    assert AuditEvent.objects.filter(action="poll.links_export", object_id=str(poll.pk)).exists()
    client.post(reverse("votes:close", args=[poll.pk]))
    client.post(reverse("votes:publish", args=[poll.pk]))
    poll.refresh_from_db()
    assert poll.state == PollState.PUBLISHED and poll.count_ok


def test_bad_form_names_the_field(client, world):
    login(client, world.secretary)
    now = timezone.localtime()
    page = client.post(
        reverse("votes:new"),
        {
            "title": "T",
            "choices": "Only one",
            "scope": str(world.liverpool.pk),
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "min_branch_votes": "10",
        },
    )
    assert page.status_code == 400
    assert "choices" in page.context["form"].errors and "closes_at" in page.context["form"].errors
    assert not Poll.objects.exists()


def test_branch_officer_cannot_create_across_branches(client, world):
    login(client, world.secretary)
    page = client.get(reverse("votes:new"))
    scopes = [value for value, _ in page.context["form"].fields["scope"].choices]
    assert scopes == [str(world.liverpool.pk)]


@pytest.mark.parametrize("persona", ["outsider", "rep", "member_user", "panel"])
def test_others_get_404_on_a_branch_poll(client, world, persona):
    poll = open_poll([world.member], branch=world.liverpool)
    login(client, getattr(world, persona))
    assert client.get(reverse("votes:detail", args=[poll.pk])).status_code == 404
    assert client.post(reverse("votes:close", args=[poll.pk])).status_code == 404
    assert client.post(reverse("votes:links", args=[poll.pk])).status_code == 404
    poll.refresh_from_db()
    assert poll.state == PollState.OPEN


def test_national_poll_is_national_officers_only(client, world):
    poll = open_poll([world.member, world.ucl_member])
    for persona in ("secretary", "regional"):
        client.logout()
        login(client, getattr(world, persona))
        assert client.get(reverse("votes:detail", args=[poll.pk])).status_code == 404
    client.logout()
    login(client, world.national)
    assert client.get(reverse("votes:detail", args=[poll.pk])).status_code == 200


def test_regional_officer_runs_a_branch_poll_in_region(client, world):
    poll = open_poll([world.member], branch=world.liverpool)
    login(client, world.regional)
    assert client.get(reverse("votes:detail", args=[poll.pk])).status_code == 200


def test_detail_never_names_voters(client, world):
    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    engine.vote_cast(
        poll=poll, voter_key=engine.member_key(world.member.pk), choice=poll.choices.first().pk
    )
    login(client, world.secretary)
    page = client.get(reverse("votes:detail", args=[poll.pk])).content.decode()
    assert world.member.last_name not in page and world.member.membership_number not in page


def test_my_votes_lists_open_poll_with_link(client, world):
    poll = open_poll([world.member], title="Strike on?")
    login(client, world.member_user)
    page = client.get(reverse("my_votes"))
    assert page.status_code == 200 and b"Strike on?" in page.content
    assert _url(poll, world.member).encode() in page.content
    engine.vote_cast(
        poll=poll, voter_key=engine.member_key(world.member.pk), choice=poll.choices.first().pk
    )
    assert b"You have voted" in client.get(reverse("my_votes")).content


def test_no_log_line_pairs_a_voter_with_a_receipt_or_choice(client, world, caplog):
    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    voter = _voter(poll, world.member)
    token = links.token_for(voter)
    url = links.link_url(voter, absolute=False)
    with caplog.at_level(logging.DEBUG):
        receipt = client.post(url, {"choice": poll.choices.get(label="Yes").pk}).context["receipt"]
        client.post(url, {"choice": poll.choices.get(label="No").pk})
        client.get(reverse("ballot_link", args=[token[:-1] + "x"]))
        engine.poll_close(poll=poll)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert receipt not in text
    assert token not in text and token[:20] not in text
    assert world.member.membership_number not in text and f"member:{world.member.pk}" not in text
    # Audit events carry counts, never a voter.
    details = " ".join(str(e.detail) + e.object_id for e in AuditEvent.objects.all())
    assert receipt not in details and str(voter.pk) not in {
        e.object_id for e in AuditEvent.objects.filter(object_type="votes.voter")
    }


def test_poll_links_command_writes_csv_and_audits(world, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    poll = open_poll([world.member, world.covered], branch=world.liverpool)
    out = tmp_path / "links.csv"
    stdout = StringIO()
    call_command("poll", "links", str(poll.pk), "--out", str(out), stdout=stdout)
    lines = out.read_text().splitlines()
    assert len(lines) == 3 and "/ballot/" in lines[1]
    assert "2 links written" in stdout.getvalue()
    assert AuditEvent.objects.filter(action="poll.links_export", object_id=str(poll.pk)).exists()
    with pytest.raises(CommandError, match="already exists"):
        call_command("poll", "links", str(poll.pk), "--out", str(out))
    with pytest.raises(CommandError, match="No e-ballot"):
        call_command("poll", "links", "999999", "--out", str(tmp_path / "x.csv"))
