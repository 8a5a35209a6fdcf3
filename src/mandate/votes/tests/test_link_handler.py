"""The WSGI app in front of the site that answers voting links (mandate.votes.link_handler).

Requests are sent as a WSGI server sends them, to the same application ``mandate.wsgi`` builds,
so the headers compared are the ones a browser gets from each stack.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection, connections

from mandate.votes import link_handler, links
from mandate.votes.models import CastVote, Voter
from mandate.votes.tests.conftest import make_members, open_poll

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.header_list = headers
        self.body = body


def call(
    app: Any,
    path: str,
    *,
    method: str = "GET",
    data: dict[str, Any] | None = None,
    secure: bool = False,
    host: str = "testserver",
) -> Answer:
    body = urlencode(data or {}).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if secure else "80",
        "HTTP_HOST": host,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, headers

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return Answer(answer["status"], answer["headers"], content)


@pytest.fixture(autouse=True)
def _keep_test_transaction(request: Any) -> Iterator[None]:
    """Inside a test's transaction, requests must not close the connection at their start and
    end (django.test.Client does the same); tests with real transactions keep the signals."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        yield
        return
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def apps(settings: Any) -> tuple[Any, Any]:
    """(the site's full stack, the application mandate.wsgi serves), built under SETTINGS."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_HSTS_SECONDS = 3600
    site = WSGIHandler()
    return site, link_handler.dispatch(site, link_handler.LinkApp())


def _link(world: Any, n: int = 2) -> tuple[Any, list[str], int]:
    members = make_members(world.liverpool, n, "LNK")
    poll = open_poll(members)
    tokens = [links.token_for(v) for v in Voter.objects.filter(poll=poll).order_by("pk")]
    return poll, tokens, poll.choices.get(label="Yes").pk


def test_only_link_paths_leave_the_full_stack() -> None:
    seen: list[str] = []

    def site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append("site")
        return []

    def links_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append("links")
        return []

    app = link_handler.dispatch(site, links_app)
    for path in ["/ballot/abc.def/", "/ballot/x/", "/ballot/abc", "/ballot/a/b/", "/login/", "/"]:
        app({"PATH_INFO": path}, None)
    assert seen == ["links", "links", "site", "site", "site", "site"]


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [False, True])
def test_link_pages_carry_the_site_security_headers(world, apps, secure) -> None:
    site, app = apps
    _, tokens, _ = _link(world)
    path = f"/ballot/{tokens[0]}/"
    full = call(site, path, secure=secure)
    lean = call(app, path, secure=secure)
    assert full.status_code == lean.status_code == 200
    assert b'name="choice"' in lean.body
    for name in SECURITY_HEADERS:
        assert lean.headers.get(name) == full.headers.get(name), name
    assert ("Strict-Transport-Security" in lean.headers) is secure
    assert lean.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in lean.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in lean.headers


@pytest.mark.django_db
def test_the_rest_of_the_site_keeps_the_full_stack(apps) -> None:
    _, app = apps
    login = call(app, "/login/")
    assert login.status_code == 200
    assert any(
        name == "Set-Cookie" and value.lstrip().startswith("csrftoken=")
        for name, value in login.header_list
    )
    assert "Cookie" in login.headers.get("Vary", "")
    # Sessions and authentication still guard the officers' pages.
    assert call(app, "/votes/").status_code == 302


@pytest.mark.django_db
def test_link_host_is_checked(world, apps) -> None:
    _, app = apps
    _, tokens, yes = _link(world)
    answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes}, host="evil")
    assert answer.status_code == 400
    assert not Voter.objects.filter(has_voted=True).exists()


@pytest.mark.django_db
def test_https_redirect_still_applies_to_links(world, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is built
    app = link_handler.dispatch(WSGIHandler(), link_handler.LinkApp())
    _, tokens, yes = _link(world)
    answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("https://")
    assert not Voter.objects.filter(has_voted=True).exists()


@pytest.mark.django_db
def test_a_vote_through_the_app_on_any_database(world, apps) -> None:
    _, app = apps
    poll, tokens, yes = _link(world)
    path = f"/ballot/{tokens[0]}/"
    first = call(app, path, method="POST", data={"choice": yes})
    again = call(app, path, method="POST", data={"choice": yes})
    assert b'id="receipt"' in first.body and b"You have already voted" in again.body
    assert CastVote.objects.filter(poll=poll, choice_id=yes).count() == 1
    # A bad choice goes back to the form, through the view.
    other = call(app, f"/ballot/{tokens[1]}/", method="POST", data={"choice": "x"})
    assert other.status_code == 400 and b'name="choice"' in other.body


# What follows runs the direct path, which needs PostgreSQL (the one-statement cast).


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_direct_vote_answers_with_the_same_headers_as_the_view(world, apps) -> None:
    site, app = apps
    poll, tokens, yes = _link(world, 3)
    for secure in (False, True):
        token = tokens[int(secure)]
        path = f"/ballot/{token}/"
        direct = call(app, path, method="POST", data={"choice": yes}, secure=secure)
        again = call(site, path, method="POST", data={"choice": yes}, secure=secure)
        assert direct.status_code == again.status_code == 200
        assert b'id="receipt"' in direct.body and b"You have already voted" in again.body
        for name in SECURITY_HEADERS:
            assert direct.headers.get(name) == again.headers.get(name), name
        for name in ("Referrer-Policy", "X-Robots-Tag", "Cache-Control", "Content-Type"):
            assert direct.headers[name] == again.headers[name], name
        assert int(direct.headers["Content-Length"]) == len(direct.body)
    assert Voter.objects.filter(poll=poll, has_voted=True).count() == 2
    assert CastVote.objects.filter(poll=poll, choice_id=yes).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_direct_receipt_is_the_views_page(world, apps) -> None:
    """The cached page with the code filled in is the page the template renders."""
    site, app = apps
    poll, tokens, yes = _link(world, 2)
    direct = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    receipt = CastVote.objects.get(poll=poll, choice_id=yes).receipt
    from django.template import loader

    from mandate.votes.actions import PollHeading

    heading = PollHeading(pk=poll.pk, title=poll.title, state=poll.state)
    rendered = loader.get_template("votes/public/receipt.html").render(
        {"poll": heading, "receipt": receipt}
    )
    assert direct.body == rendered.encode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rate_limit_counts_each_request_once(world, apps, settings) -> None:
    settings.MANDATE_VOTE_RATE_PER_LINK = 3
    _, app = apps
    _, tokens, yes = _link(world)
    path = f"/ballot/{tokens[0]}/"
    # A bad choice falls through to the view: still one count for that request.
    statuses = [
        call(app, path, method="POST", data={"choice": 0}).status_code,
        call(app, path, method="POST", data={"choice": yes}).status_code,
        call(app, path, method="POST", data={"choice": yes}).status_code,
        call(app, path, method="POST", data={"choice": yes}).status_code,
    ]
    assert statuses == [400, 200, 200, 429]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_vote_after_close_is_refused_by_the_view(world, apps, caplog) -> None:
    from mandate.votes import engine

    _, app = apps
    poll, tokens, yes = _link(world)
    engine.poll_close(poll=poll)
    with caplog.at_level(logging.INFO):
        answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    assert answer.status_code == 200 and b"Voting has closed" in answer.body
    assert "A vote from a link failed" not in caplog.text  # an answer, not a failure
    assert not Voter.objects.filter(poll=poll, has_voted=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_health_check_skipped_only_for_a_recently_used_connection(world, apps, monkeypatch) -> None:
    _, app = apps
    _, tokens, yes = _link(world, 3)
    db = connections["default"]
    db.close()
    checks: list[int] = []
    original = type(db).is_usable

    def counted(self: Any) -> bool:
        checks.append(1)
        return bool(original(self))

    monkeypatch.setattr(type(db), "is_usable", counted)
    monkeypatch.setattr(db, "health_check_enabled", True)
    call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    call(app, f"/ballot/{tokens[1]}/", method="POST", data={"choice": yes})
    assert len(checks) == 0  # a new connection, then one used a moment ago
    monkeypatch.setattr(link_handler, "HEALTHY_FOR", 0.0)
    call(app, f"/ballot/{tokens[2]}/", method="POST", data={"choice": yes})
    assert len(checks) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_direct_cast_is_answered_by_the_view_and_logs_no_token(
    world, apps, monkeypatch, caplog
) -> None:
    _, app = apps
    poll, tokens, yes = _link(world)
    from mandate.votes import actions

    working = actions.vote_cast_by_link
    calls: list[int] = []

    def broken_once(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return working(**kwargs)

    monkeypatch.setattr(actions, "vote_cast_by_link", broken_once)
    with caplog.at_level(logging.INFO):
        answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    assert answer.status_code == 200 and b'id="receipt"' in answer.body
    assert Voter.objects.filter(poll=poll, has_voted=True).count() == 1
    assert tokens[0] not in caplog.text and tokens[0][:20] not in caplog.text
    assert "A vote from a link failed" in caplog.text
    assert len(calls) == 2  # the direct path, then the view


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_link_twice_at_once_through_the_app(world, apps) -> None:
    _, app = apps
    poll, tokens, yes = _link(world, 8)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def vote(token: str) -> None:
        try:
            barrier.wait()
            body = call(app, f"/ballot/{token}/", method="POST", data={"choice": yes}).body
            outcome = "accepted" if b'id="receipt"' in body else "already"
            if b"You have already voted" not in body and outcome == "already":
                outcome = "other"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=vote, args=(t,)) for t in tokens for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == {"accepted": 8, "already": 8}
    assert CastVote.objects.filter(poll=poll, choice_id=yes).count() == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("max_age", [0, 600])
def test_a_direct_vote_keeps_or_closes_the_connection_as_django_would(
    world, settings, monkeypatch, max_age: int
) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    db = connections["default"]
    monkeypatch.setitem(db.settings_dict, "CONN_MAX_AGE", max_age)
    app = link_handler.LinkApp()
    assert app._stock_signals == (True, True)  # the signals' work is done without them
    _, tokens, yes = _link(world, 1)
    db.close()
    answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    assert b'id="receipt"' in answer.body
    assert (db.connection is None) is (max_age == 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_receiver_of_the_request_signals_still_hears_a_direct_vote(world, settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    heard: list[str] = []

    def started(**kwargs: Any) -> None:
        heard.append("started")

    def finished(**kwargs: Any) -> None:
        heard.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        app = link_handler.LinkApp()
        assert app._stock_signals is None
        _, tokens, yes = _link(world, 1)
        answer = call(app, f"/ballot/{tokens[0]}/", method="POST", data={"choice": yes})
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert b'id="receipt"' in answer.body
    assert heard == ["started", "finished"]


def _count_casts(monkeypatch: Any, before: Any = None) -> list[int]:
    """Count the calls of the one-statement cast from here on; BEFORE runs ahead of each."""
    from mandate.votes import actions

    working = actions.vote_cast_by_link
    calls: list[int] = []

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["voter_id"])
        if before is not None:
            before()
        return working(**kwargs)

    monkeypatch.setattr(actions, "vote_cast_by_link", counted)
    return calls


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_of_an_accepted_vote_is_answered_without_the_database(
    world, apps, monkeypatch
) -> None:
    site, app = apps
    poll, tokens, yes = _link(world, 2)
    path = f"/ballot/{tokens[0]}/"
    first = call(app, path, method="POST", data={"choice": yes})
    told = call(site, path, method="POST", data={"choice": yes})  # the database's answer
    calls = _count_casts(monkeypatch)
    repeat = call(app, path, method="POST", data={"choice": yes})
    assert b'id="receipt"' in first.body
    assert repeat.status_code == 200 and repeat.body == told.body
    assert b"You have already voted" in repeat.body
    for name in (*SECURITY_HEADERS, "Referrer-Policy", "Cache-Control", "Content-Type"):
        assert repeat.headers.get(name) == told.headers.get(name), name
    assert calls == []
    # Another voter's link asks the database, and so does its repeat once the window is over.
    monkeypatch.setattr(link_handler, "REPEAT_WINDOW", 0.0)
    other = call(app, f"/ballot/{tokens[1]}/", method="POST", data={"choice": yes})
    assert b'id="receipt"' in other.body and len(calls) == 1
    later = call(app, f"/ballot/{tokens[1]}/", method="POST", data={"choice": yes})
    assert b"You have already voted" in later.body and len(calls) == 2
    assert CastVote.objects.filter(poll=poll, choice_id=yes).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_close_a_repeat_gets_the_databases_answer(world, apps, monkeypatch) -> None:
    import datetime as dt

    from django.utils import timezone

    _, app = apps
    poll, tokens, yes = _link(world, 1)
    path = f"/ballot/{tokens[0]}/"
    assert b'id="receipt"' in call(app, path, method="POST", data={"choice": yes}).body
    calls = _count_casts(monkeypatch)
    after = poll.closes_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    answer = call(app, path, method="POST", data={"choice": yes})
    assert b"Voting has closed" in answer.body and calls


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_waits_for_the_first_submission_in_this_process(world, apps, monkeypatch) -> None:
    _, app = apps
    poll, tokens, yes = _link(world, 1)
    path = f"/ballot/{tokens[0]}/"
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    calls = _count_casts(monkeypatch, before=hold)
    bodies: dict[str, bytes] = {}

    def send(name: str) -> None:
        try:
            bodies[name] = call(app, path, method="POST", data={"choice": yes}).body
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert started.wait(10)
    repeat = threading.Thread(target=send, args=("repeat",))
    repeat.start()
    repeat.join(0.3)
    assert repeat.is_alive()  # waiting for the first, not casting
    release.set()
    first.join()
    repeat.join()
    assert b'id="receipt"' in bodies["first"]
    assert b"You have already voted" in bodies["repeat"]
    assert len(calls) == 1
    assert CastVote.objects.filter(poll=poll, choice_id=yes).count() == 1


def test_slot_starts_are_random_uuids_and_a_forked_process_draws_its_own() -> None:
    from mandate.votes.actions import _random_start

    starts = [_random_start() for _ in range(600)]  # more than one batch of bytes
    assert len(set(starts)) == 600 and {s.version for s in starts} == {4}
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a web worker forked after the parent drew a batch
        os.write(write, _random_start().bytes)
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) != _random_start().bytes


def test_the_fixed_policy_is_kept_only_once_written(settings) -> None:
    from django.http import HttpRequest, HttpResponse

    settings.DEBUG = True
    middleware = link_handler.FixedCSPMiddleware(lambda request: HttpResponse())
    bare = middleware.process_response(HttpRequest(), HttpResponse(status=404))
    assert "Content-Security-Policy" not in bare  # django-csp's DEBUG error page
    settings.DEBUG = False
    for _ in range(2):
        page = middleware.process_response(HttpRequest(), HttpResponse())
        assert "default-src 'self'" in page["Content-Security-Policy"]
