"""A vote from a link: reading it from the WSGI environ (``link_handler.read_vote``) and the
one-statement cast through libpq (``actions.vote_cast_by_link``)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from mandate.core.errors import InvalidState
from mandate.votes import actions, link_handler, links
from mandate.votes.errors import VotingClosed
from mandate.votes.models import CastVote, Poll, Voter
from mandate.votes.tests.conftest import make_members, open_poll

TOKEN = "1.2.abc:sig"


def environ(body: bytes = b"choice=3", **extra: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/ballot/{TOKEN}/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
    }
    env.update(extra)
    return env


@pytest.fixture
def hosts(settings: Any) -> Any:
    settings.ALLOWED_HOSTS = ["testserver", ".example.org"]
    settings.USE_X_FORWARDED_HOST = False
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.SECURE_SSL_REDIRECT = False
    return settings


def test_a_well_formed_vote_is_read(hosts) -> None:
    env = environ()
    assert link_handler.read_vote(env) == (False, TOKEN, "3")
    # The body is put back for the Django path, should it answer instead.
    assert env["wsgi.input"].read() == b"choice=3"


@pytest.mark.parametrize(
    "host, allowed",
    [
        ("testserver", True),
        ("testserver:8000", True),
        ("vote.example.org", True),
        ("evil.test", False),
        ("testserver@evil", False),
        ("", False),
    ],
)
def test_the_host_is_checked_as_django_checks_it(hosts, host, allowed) -> None:
    assert (link_handler.read_vote(environ(HTTP_HOST=host)) is not None) is allowed


def test_without_a_host_header_the_server_name_and_port_stand_in(hosts) -> None:
    env = environ(SERVER_NAME="evil.test")
    del env["HTTP_HOST"]
    assert link_handler.read_vote(env) is None
    env = environ(SERVER_NAME="testserver", SERVER_PORT="8080")
    del env["HTTP_HOST"]
    assert link_handler.read_vote(env) is not None


def test_a_forwarded_host_counts_only_when_the_settings_trust_it(hosts) -> None:
    forwarded = environ(HTTP_X_FORWARDED_HOST="evil.test")
    assert link_handler.read_vote(forwarded) is not None  # ignored
    hosts.USE_X_FORWARDED_HOST = True
    assert link_handler.read_vote(environ(HTTP_X_FORWARDED_HOST="evil.test")) is None


def test_a_host_checked_once_is_checked_again_after_the_setting_changes(hosts) -> None:
    assert link_handler.read_vote(environ(HTTP_HOST="vote.example.org")) is not None
    hosts.ALLOWED_HOSTS = ["testserver"]
    assert link_handler.read_vote(environ(HTTP_HOST="vote.example.org")) is None


def test_https_from_the_scheme_or_a_trusted_proxy_header(hosts) -> None:
    assert link_handler.read_vote(environ(**{"wsgi.url_scheme": "https"}))[0] is True
    proxied = {"HTTP_X_FORWARDED_PROTO": "https, http"}
    assert link_handler.read_vote(environ(**proxied))[0] is False  # not trusted
    hosts.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert link_handler.read_vote(environ(**proxied))[0] is True
    assert link_handler.read_vote(environ(HTTP_X_FORWARDED_PROTO="http"))[0] is False
    hosts.SECURE_SSL_REDIRECT = True  # plain HTTP is the redirect's, through Django
    assert link_handler.read_vote(environ(HTTP_X_FORWARDED_PROTO="http")) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"PATH_INFO": "/ballot/x/y"},
        {"PATH_INFO": "/ballot/tök/"},
        {"CONTENT_TYPE": "multipart/form-data; boundary=x"},
        {"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-16"},
        {"CONTENT_LENGTH": "x"},
        {"CONTENT_LENGTH": "-1"},
        {"CONTENT_LENGTH": "20"},  # more than the body holds: the client went away
    ],
)
def test_anything_unusual_is_left_to_django(hosts, changes) -> None:
    assert link_handler.read_vote(environ(**changes)) is None


def test_the_upload_limit_is_django_s(hosts) -> None:
    hosts.DATA_UPLOAD_MAX_MEMORY_SIZE = 5
    assert link_handler.read_vote(environ()) is None
    hosts.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    assert link_handler.read_vote(environ()) is not None
    hosts.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    assert link_handler.read_vote(environ(b"a=1&b=2&choice=3")) is None


def test_a_form_charset_of_utf_8_is_read(hosts) -> None:
    typed = environ(CONTENT_TYPE="application/x-www-form-urlencoded; charset=UTF-8")
    assert link_handler.read_vote(typed) == (False, TOKEN, "3")


@pytest.mark.parametrize(
    "body",
    [
        b"choice=3",
        b"choice=3&choice=4",
        b"a=1&choice=12&b=",
        b"choice=3&choice",
        b"choice=&x=1",
        b"choice",
        b"",
        b"x=1",
        b"choice=1e3",
        b"choice=12345678901",
        b"&&choice=7&&",
        b"csrfmiddlewaretoken=abc&choice=5",
        b"choice=\xc3\xa9",
        b"choice=%33",
        b"choice=+3",
        b"cho%69ce=3",
    ],
)
def test_the_choice_read_is_the_one_django_reads(hosts, body) -> None:
    read = link_handler.read_vote(environ(body))
    django_choice = QueryDict(body).get("choice", "")
    if read is not None:
        assert read[2] == django_choice
    else:
        # Left to Django: an escape, or a choice that is not a number the fast path takes.
        is_number = django_choice.isascii() and django_choice.isdigit() and len(django_choice) <= 9
        assert b"%" in body or b"+" in body or not is_number


# The cast through libpq (PostgreSQL only).


def _poll(world: Any, n: int = 2, **kwargs: Any) -> tuple[Poll, list[links.LinkClaim], int]:
    poll = open_poll(make_members(world.liverpool, n, "LCA"), **kwargs)
    claims = [
        links.LinkClaim(poll.pk, voter.pk, voter.nonce)
        for voter in Voter.objects.filter(poll=poll).order_by("pk")
    ]
    return poll, claims, poll.choices.get(label="Yes").pk


def _cast(claim: links.LinkClaim, choice: int, now: Any = None) -> Any:
    return actions.vote_cast_by_link(
        poll_id=claim.poll_id,
        voter_id=claim.voter_id,
        nonce=claim.nonce,
        choice_id=choice,
        now=now or timezone.now(),
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_cast_reads_back_the_poll_and_the_receipt(world) -> None:
    poll, claims, yes = _poll(world, title="Accept the employers’ offer of 3.5% — £1,500?")
    heading, receipt = _cast(claims[0], yes)
    assert heading == actions.PollHeading(pk=poll.pk, title=poll.title, state="open")
    assert heading.closes_at == poll.closes_at
    assert receipt == CastVote.objects.get(poll=poll, choice_id=yes).receipt
    assert _cast(claims[0], yes) == (heading, None)  # already voted: no receipt
    assert _cast(links.LinkClaim(poll.pk, claims[1].voter_id, "wrong"), yes) is None
    assert _cast(claims[1], 10**8) is None  # not one of the poll's choices


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_cast_before_opening_or_after_closing_is_refused(world) -> None:
    poll, claims, yes = _poll(world)
    with pytest.raises(VotingClosed, match="not opened"):
        _cast(claims[0], yes, now=poll.opens_at - dt.timedelta(seconds=1))
    with pytest.raises(VotingClosed):
        _cast(claims[0], yes, now=poll.closes_at)
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_free_slot_through_a_link_leaves_the_roll_unmarked(world) -> None:
    poll, claims, yes = _poll(world)
    CastVote.objects.filter(poll=poll).delete()
    with pytest.raises(InvalidState, match="No free ballot slot"):
        _cast(claims[0], yes)
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()
    # The test's transaction is still usable: the failed statement was rolled back to a
    # savepoint.
    assert Voter.objects.filter(poll=poll).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_dropped_on_the_server_is_prepared_again(world) -> None:
    _, claims, yes = _poll(world)
    assert _cast(claims[0], yes)[1] is not None
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _cast(claims[1], yes)[1] is not None
    assert Voter.objects.filter(has_voted=True).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_autocommit_the_cast_joins_the_transaction_psycopg_begins(world) -> None:
    poll, claims, yes = _poll(world)
    connection.set_autocommit(False)
    try:
        assert _cast(claims[0], yes)[1] is not None
        connection.rollback()
    finally:
        connection.set_autocommit(True)
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()
    assert not CastVote.objects.filter(poll=poll, choice__isnull=False).exists()
