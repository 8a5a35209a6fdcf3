"""The WSGI app that answers personal voting links, in front of the rest of the site.

During an e-ballot nearly every request is a voter submitting or opening their link, and the
site-wide middleware (sessions, CSRF, authentication, two-factor, messages, htmx, login
throttling) has nothing to do on that path: the token in the URL is the credential, the pages
show nothing of a session or a user, and the view is exempt from CSRF (see
mandate.votes.views_public). Measured, the site-wide stack and Django's request machinery cost
the web process more CPU than the vote itself, so ``mandate.wsgi`` sends link requests here:

- A vote sent from a link (``POST /ballot/<token>/`` with a well-formed token and choice) is
  answered directly: Django's host check and scheme from a WSGIRequest, the link's rate limit,
  the one-statement cast (``actions.vote_cast_by_link``), the receipt or "already voted" page
  from the per-poll cache, and the response headers the middleware below puts on those pages.
- A second submission of the same link while the first is being cast in this process (a
  double tap, a resend from a phone on a poor connection) waits for the first and, once that
  was accepted, is answered "already voted" without asking the database (``_Repeats``).
- Everything else on a link path (opening the link, a bad token or choice, a closed poll, a
  redirect to HTTPS, anything unexpected) goes through Django with the short middleware list
  ``MIDDLEWARE``, resolving only the public vote URLs.

The headers of a directly answered vote are taken once from the same middleware (security:
HSTS on HTTPS, nosniff, referrer and opener policies; the Content Security Policy; framing), so
they cannot drift from what the Django path sends; mandate/votes/tests/test_link_handler.py
holds both to the full site's stack.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core import signals
from django.core.cache.backends.base import BaseCache
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_script_name
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port, validate_host
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.module_loading import import_string

from mandate.core.errors import DomainError
from mandate.votes import actions, ratelimit, views_public
from mandate.votes.links import read_token

logger = logging.getLogger(__name__)

URLCONF = "mandate.votes.urls_link"

# The exact shape of a voting link; anything else (a missing slash, a sub-path) takes the full
# stack, whose CommonMiddleware and 404 page know what to do with it.
LINK_PATH = re.compile(r"/ballot/[^/]{1,200}/\Z")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mandate.votes.link_handler.FixedCSPMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


class FixedCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy built once: the voting pages use no nonce and no
    per-view policy decorator, so every response carries the same header (the site's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        self._headers: dict[str, str] | None = None

    def process_request(self, request: HttpRequest) -> None:
        return None  # no nonce on these pages

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if self._headers is None:
            built = super().process_response(request, response)
            # Kept only once a policy was written: django-csp leaves DEBUG error pages bare.
            if HEADER in built or HEADER_REPORT_ONLY in built:
                self._headers = {
                    name: built[name] for name in (HEADER, HEADER_REPORT_ONLY) if name in built
                }
            return built
        for name, value in self._headers.items():
            if name not in response:
                response[name] = value
        return response


class LinkHandler(WSGIHandler):
    """WSGIHandler with MIDDLEWARE above instead of settings.MIDDLEWARE, resolving URLCONF."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(MIDDLEWARE):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.urlconf = URLCONF  # type: ignore[attr-defined]
        with _recent_health(connections[DEFAULT_DB_ALIAS]):
            return BaseHandler.get_response(self, request)


# CONN_HEALTH_CHECKS sends "SELECT 1" before each request's first query: a second round trip on
# a path that otherwise makes one. A connection this thread used without an error less than
# HEALTHY_FOR seconds ago skips it; an idle one is still checked. A connection that broke within
# that second fails its request (a voter's retry is safe: a vote is cast once) and is closed at
# the end of it, as it would be with the check.
HEALTHY_FOR = 1.0
_recent = threading.local()


class _recent_health:
    def __init__(self, db: BaseDatabaseWrapper) -> None:
        self.db = db

    def __enter__(self) -> None:
        db = self.db
        raw = db.connection
        if (
            raw is not None
            and getattr(_recent, "raw", None) is raw
            and time.monotonic() - _recent.at < HEALTHY_FOR
        ):
            db.health_check_done = True  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        db = self.db
        if exc[0] is None and db.connection is not None and not db.errors_occurred:
            _recent.raw, _recent.at = db.connection, time.monotonic()


def _unused_view(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("only the middleware's process_response is called")


def _answer_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers MIDDLEWARE puts on an answer page, on HTTPS or not (HSTS), bar its length."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/ballot/x/",
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.input": io.BytesIO(),
    }
    request = WSGIRequest(environ)
    response: HttpResponseBase = views_public.headed(HttpResponse())
    for path in reversed(MIDDLEWARE):
        instance = import_string(path)(_unused_view)
        if hasattr(instance, "process_response"):
            response = instance.process_response(request, response)
    return [(name, value) for name, value in response.items() if name != "Content-Length"]


# How long after a link's vote was accepted this process answers a repeat of it from memory.
REPEAT_WINDOW = 10.0
# How long a repeat waits for the first submission's cast before asking the database itself.
REPEAT_WAIT = 5.0


class _Repeats:
    """The links whose vote this process is casting or cast in the last REPEAT_WINDOW seconds.

    A link's vote is cast once and never taken back, so once this process has seen it accepted
    the answer to any repeat is "already voted", as the database would say, as long as voting
    is still open (after the close the database's answer is "voting has closed"). Only the
    link's claim (poll, roll row, nonce) and the poll's heading are kept, never a choice or a
    receipt, and only for seconds; what it remembers the roll already records.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._casting: dict[tuple[int, int, str], threading.Event] = {}
        self._voted: dict[tuple[int, int, str], tuple[float, actions.PollHeading]] = {}

    def claim(self, key: tuple[int, int, str]) -> tuple[actions.PollHeading | None, bool]:
        """(the heading of KEY's accepted vote, or None; whether the caller now casts KEY's
        vote and must call ``done``)."""
        for attempt in range(2):
            with self._lock:
                heading = self._known(key)
                if heading is not None:
                    return heading, False
                running = self._casting.get(key)
                if running is None:
                    self._casting[key] = threading.Event()
                    return None, True
            if attempt == 0:
                running.wait(REPEAT_WAIT)
        return None, False  # the first is slow or failed: this one asks the database itself

    def done(self, key: tuple[int, int, str], accepted: actions.PollHeading | None) -> None:
        """KEY's cast is over; ACCEPTED is its poll's heading when the vote is recorded."""
        with self._lock:
            now = time.monotonic()
            if accepted is not None:
                if len(self._voted) >= 10_000:
                    self._voted = {k: v for k, v in self._voted.items() if v[0] > now}
                self._voted[key] = (now + REPEAT_WINDOW, accepted)
            event = self._casting.pop(key, None)
        if event is not None:
            event.set()

    def _known(self, key: tuple[int, int, str]) -> actions.PollHeading | None:
        entry = self._voted.get(key)
        if entry is None:
            return None
        until, heading = entry
        closes_at = heading.closes_at
        if until <= time.monotonic() or closes_at is None or closes_at <= timezone.now():
            del self._voted[key]
            return None
        return heading


# What Django itself connects to request_started and request_finished. With nothing else
# connected, a vote answered directly does their work without the dispatch (a tenth of the
# path's CPU): it closes the database connection if it is broken or past CONN_MAX_AGE, before
# and after, as close_old_connections does. The others do nothing here: reset_queries clears a
# log kept only with DEBUG on, when votes take the Django path; close_caches closes no cache
# that only BaseCache.close (a no-op) closes; reset_urlconf undoes an urlconf this path never sets.
_STOCK_RECEIVERS = frozenset(
    {
        "django.db.reset_queries",
        "django.db.close_old_connections",
        "django.core.cache.close_caches",
        "django.core.handlers.base.reset_urlconf",
    }
)


def _stock_request_signals() -> tuple[bool, bool] | None:
    """Whether close_old_connections is connected to request_started and to request_finished,
    when those signals do nothing else a directly answered vote must run them for; else None."""
    closes = []
    for signal in (signals.request_started, signals.request_finished):
        sync, asynchronous = signal._live_receivers(LinkApp)
        names = {f"{r.__module__}.{getattr(r, '__qualname__', '')}" for r in sync}
        if asynchronous or not names <= _STOCK_RECEIVERS:
            return None
        closes.append("django.db.close_old_connections" in names)
    caches_close = {import_string(config["BACKEND"]).close for config in settings.CACHES.values()}
    if len(settings.DATABASES) != 1 or not caches_close <= {BaseCache.close}:
        return None
    return closes[0], closes[1]


class LinkApp:
    """The WSGI app for voting-link paths (see the module docstring)."""

    def __init__(self) -> None:
        self.django = LinkHandler()
        self._headers = {secure: _answer_headers(secure) for secure in (False, True)}
        self._repeats = _Repeats()
        self._postgres = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
        self._stock_signals = _stock_request_signals()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") == "POST" and self._postgres and not settings.DEBUG:
            answered = self._vote(environ, start_response)
            if answered is not None:
                return answered
        return self.django(environ, start_response)

    def _vote(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes] | None:
        """Answer a vote directly, or return None for the Django path to answer."""
        db = connections[DEFAULT_DB_ALIAS]
        if self._stock_signals is not None:
            close_before, close_after = self._stock_signals
            if close_before:
                db.close_if_unusable_or_obsolete()
            try:
                answer = self._cast(environ, db)
            finally:
                if close_after:
                    db.close_if_unusable_or_obsolete()
        else:
            signals.request_started.send(sender=self.__class__, environ=environ)
            try:
                answer = self._cast(environ, db)
            finally:
                signals.request_finished.send(sender=self.__class__)
        if answer is None:
            return None
        status, headers, body = answer
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _cast(
        self, environ: dict[str, Any], db: BaseDatabaseWrapper
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        read = read_vote(environ)
        if read is None:
            return None
        secure, token, choice = read
        claim = read_token(token)
        if claim is None:
            return None
        allowed = ratelimit.allow(token)
        environ[views_public.RATE_COUNTED] = "ok" if allowed else "over"
        if not allowed:
            return None
        key = (claim.poll_id, claim.voter_id, claim.nonce)
        known, casting = self._repeats.claim(key)
        if known is not None:
            return self._answer(environ, secure, "already_voted.html", known, None)
        cast = None
        try:
            with _recent_health(db):
                cast = actions.vote_cast_by_link(
                    poll_id=claim.poll_id,
                    voter_id=claim.voter_id,
                    nonce=claim.nonce,
                    choice_id=int(choice),
                    now=timezone.now(),
                    db=db,
                )
        except DomainError:  # voting closed, no free slot: the view says which
            return None
        except Exception:
            # The Django path tries again and answers (a vote is cast at most once); the log
            # line names no link: the token is a credential.
            logger.exception("A vote from a link failed; answering it through Django")
            return None
        finally:
            if casting:
                self._repeats.done(key, cast[0] if cast is not None else None)
        if cast is None:
            return None
        poll, receipt = cast
        page = "receipt.html" if receipt is not None else "already_voted.html"
        return self._answer(environ, secure, page, poll, receipt)

    def _answer(
        self,
        environ: dict[str, Any],
        secure: bool,
        page: str,
        poll: actions.PollHeading,
        receipt: str | None,
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        template = f"votes/public/{page}"
        if not views_public.answer_cached(template, poll):
            # Rendered once per poll and process: its links take the script prefix.
            set_script_prefix(get_script_name(environ))
        content = views_public.answer_content(template, poll, receipt)
        return "200 OK", self._headers[secure], content


# Hosts already checked against ALLOWED_HOSTS (the raw Host header or its stand-in, with
# whether it is allowed), forgotten when a setting changes.
_HOSTS: dict[str, bool] = {}
_FORM = "application/x-www-form-urlencoded"


@receiver(setting_changed)
def _forget_hosts(**kwargs: Any) -> None:
    _HOSTS.clear()


def _raw_host(environ: dict[str, Any]) -> str:
    """The host as HttpRequest._get_raw_host reads it."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        return str(environ["HTTP_X_FORWARDED_HOST"])
    if "HTTP_HOST" in environ:
        return str(environ["HTTP_HOST"])
    host = str(environ["SERVER_NAME"])
    port = str(environ["SERVER_PORT"])
    default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    return host if port == default else f"{host}:{port}"


def _host_allowed(raw: str) -> bool:
    """Whether HttpRequest.get_host would accept RAW (ALLOWED_HOSTS, as Django checks it)."""
    allowed = _HOSTS.get(raw)
    if allowed is None:
        hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not hosts:
            hosts = [".localhost", "127.0.0.1", "[::1]"]
        domain, _port = split_domain_port(raw)
        allowed = bool(domain) and validate_host(domain, hosts)
        if len(_HOSTS) >= 1000:
            _HOSTS.clear()
        _HOSTS[raw] = allowed
    return allowed


def _is_secure(environ: dict[str, Any]) -> bool:
    """Whether the request came over HTTPS, as HttpRequest.is_secure tells."""
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if proxy_header:
        header, secure_value = proxy_header
        value = environ.get(header)
        if value is not None:
            return bool(str(value).split(",", 1)[0].strip() == secure_value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def _form_choice(body: bytes) -> str | None:
    """The last "choice" field of a form body as QueryDict reads it, "" when there is none;
    None for a body this reading does not cover (escapes, too many fields: Django reads those)."""
    if b"%" in body or b"+" in body:
        return None
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    fields = body.split(b"&") if body else []
    if limit is not None and len(fields) > limit:
        return None
    choice = b""
    for field in fields:
        if field.startswith(b"choice="):
            choice = field[7:]
        elif field == b"choice":
            choice = b""
    try:
        return choice.decode("ascii")
    except UnicodeDecodeError:
        return None


def read_vote(environ: dict[str, Any]) -> tuple[bool, str, str] | None:
    """(over HTTPS, the link's token, the choice sent) for a well-formed vote from a link, read
    straight from the WSGI environ: the host checked against ALLOWED_HOSTS, the body read once
    (and put back for the Django path). None leaves the request to the Django path, which
    answers the rest (a bad host, an HTTPS redirect, an odd body) as the site does."""
    path = environ.get("PATH_INFO", "")
    if not (path.isascii() and path.startswith("/ballot/") and path.endswith("/")):
        return None
    try:
        if not _host_allowed(_raw_host(environ)):
            return None  # Django answers 400, as CommonMiddleware's check does
        secure = _is_secure(environ)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None  # SecurityMiddleware redirects
        content_type = str(environ.get("CONTENT_TYPE", ""))
        main, _, params = content_type.partition(";")
        if main.strip().lower() != _FORM or params.strip().lower() not in ("", "charset=utf-8"):
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length < 0 or (most is not None and length > most):
            return None
        body = environ["wsgi.input"].read(length) if length else b""
    except (KeyError, ValueError, OSError):
        return None
    # The Django path, if it answers instead, reads the body from this copy.
    environ["wsgi.input"] = io.BytesIO(body)
    if len(body) != length:
        return None
    choice = _form_choice(body)
    if choice is None or not (choice.isdigit() and len(choice) <= 9):
        return None
    return secure, path[len("/ballot/") : -1], choice


def dispatch(
    site: Callable[..., Iterable[bytes]], links: Callable[..., Iterable[bytes]]
) -> Callable[..., Iterable[bytes]]:
    """A WSGI app sending voting-link requests to LINKS and the rest to SITE."""
    match = LINK_PATH.match

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if match(environ.get("PATH_INFO", "")):
            return links(environ, start_response)
        return site(environ, start_response)

    return application
