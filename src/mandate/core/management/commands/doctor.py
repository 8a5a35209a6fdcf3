"""``mandate doctor``: check this installation's configuration, with a line per finding.

Exits 1 when any check is an error. Prints no secret, only whether each is set and sound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from mandate.core import health
from mandate.members.importing.applying import fast_write_status

OK, WARN, ERROR = "ok", "warning", "error"
_INSECURE_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - compared against


@dataclass(frozen=True)
class Finding:
    level: str
    topic: str
    message: str


def check_secret_key() -> list[Finding]:
    key = str(settings.SECRET_KEY)
    if key == _INSECURE_KEY:
        level = WARN if settings.DEBUG else ERROR
        return [Finding(level, "secret key", "the development key is in use: set SECRET_KEY_FILE")]
    if len(key) < 50 or len(set(key)) < 5:
        return [Finding(ERROR, "secret key", "too short or too simple: use 50+ random characters")]
    return [Finding(OK, "secret key", "set")]


def check_debug() -> list[Finding]:
    if settings.DEBUG:
        return [
            Finding(ERROR, "DEBUG", "on: error pages would show settings and data; unset DEBUG")
        ]
    return [Finding(OK, "DEBUG", "off")]


def check_hosts() -> list[Finding]:
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts:
        return [Finding(ERROR, "ALLOWED_HOSTS", "empty: every request would be refused")]
    if "*" in hosts:
        return [Finding(ERROR, "ALLOWED_HOSTS", "'*' accepts any Host header: list your names")]
    local = {"localhost", "127.0.0.1", "[::1]"}
    if set(hosts) <= local:
        return [Finding(WARN, "ALLOWED_HOSTS", "only local names: add the site's host name")]
    return [Finding(OK, "ALLOWED_HOSTS", ", ".join(hosts))]


def check_database() -> list[Finding]:
    result = health.check_database()
    if not result.ok:
        return [Finding(ERROR, "database", "unreachable: check DATABASE_URL and the server")]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return [Finding(ERROR, "database", "reachable, but its migrations could not be read")]
    if plan:
        return [
            Finding(
                ERROR,
                "database",
                f"{len(plan)} migrations not applied: run `mandate migrate`",
            )
        ]
    return [Finding(OK, "database", f"reachable ({connection.vendor}) and migrated")]


def check_cache() -> list[Finding]:
    backend = str(settings.CACHES["default"]["BACKEND"])
    try:
        cache.set("mandate-doctor", "1", 10)
        answered = cache.get("mandate-doctor") == "1"
    except Exception:
        # Any client error (connection refused, auth, DNS) means the same thing here.
        answered = False
    if not answered:
        return [Finding(ERROR, "cache", "unreachable: check REDIS_URL")]
    if backend.endswith("LocMemCache"):
        return [
            Finding(
                WARN,
                "cache",
                "per-process memory: fine on one server; set REDIS_URL for several",
            )
        ]
    return [Finding(OK, "cache", "reachable")]


def check_messaging() -> list[Finding]:
    found = []
    channel = str(getattr(settings, "MANDATE_EMAIL_CHANNEL", "console"))
    if channel in ("console", "file"):
        found.append(Finding(WARN, "email", f"channel is '{channel}': no email leaves the server"))
    elif channel == "smtp" and str(settings.EMAIL_HOST) in ("", "localhost"):
        found.append(Finding(WARN, "email", "SMTP to localhost: is a mail server running there?"))
    else:
        found.append(Finding(OK, "email", f"channel '{channel}'"))
    sms = str(getattr(settings, "MANDATE_SMS_BACKEND", "console"))
    if sms == "http":
        if not settings.MANDATE_SMS_URL or not settings.MANDATE_SMS_TOKEN:
            found.append(Finding(ERROR, "SMS", "http backend without MANDATE_SMS_URL or token"))
        elif not getattr(settings, "MANDATE_SMS_WEBHOOK_SECRET", ""):
            found.append(
                Finding(WARN, "SMS", "no MANDATE_SMS_WEBHOOK_SECRET: STOP replies not verified")
            )
        else:
            found.append(Finding(OK, "SMS", "http provider configured"))
    else:
        found.append(Finding(WARN, "SMS", f"backend is '{sms}': no text leaves the server"))
    return found


def check_worker() -> list[Finding]:
    result = health.check_worker()
    if result.ok:
        return [Finding(OK, "worker", result.reason)]
    if health.worker_required():
        return [Finding(ERROR, "worker", f"{result.reason}: start `mandate worker`")]
    return [Finding(WARN, "worker", f"{result.reason} (tasks run in-process here)")]


def check_static() -> list[Finding]:
    root = Path(str(settings.STATIC_ROOT))
    if not (root / "mandate" / "site.css").is_file():
        return [Finding(ERROR, "static files", "not collected: run `mandate collectstatic`")]
    return [Finding(OK, "static files", "collected")]


def check_two_factor() -> list[Finding]:
    required = getattr(settings, "MANDATE_REQUIRE_2FA", None)
    if required is None:
        return [Finding(WARN, "two-factor", "no MANDATE_REQUIRE_2FA setting in this version")]
    if not required:
        level = WARN if settings.DEBUG else ERROR
        return [Finding(level, "two-factor", "off: officers log in with a password alone")]
    return [Finding(OK, "two-factor", "required for officers and the fund panel")]


def check_member_import() -> list[Finding]:
    if connection.vendor != "postgresql":
        return []
    try:
        available, reason = fast_write_status()
    except DatabaseError:
        return []  # the database check reports an unreachable database
    if available:
        return [Finding(OK, "member import", "fast path available")]
    return [
        Finding(
            WARN,
            "member import",
            f"new members' foreign keys checked row by row, which is slower ({reason}): see "
            "docs/production.md, `GRANT SET ON PARAMETER session_replication_role`",
        )
    ]


CHECKS: list[Callable[[], list[Finding]]] = [
    check_secret_key,
    check_debug,
    check_hosts,
    check_database,
    check_member_import,
    check_cache,
    check_messaging,
    check_worker,
    check_static,
    check_two_factor,
]


def run_checks() -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check())
    return findings


class Command(BaseCommand):
    help = "Check this installation's configuration; exits 1 if anything is an error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="print only warnings and errors")

    def handle(self, *args: Any, **options: Any) -> None:
        findings = run_checks()
        marks = {OK: "ok     ", WARN: "WARNING", ERROR: "ERROR  "}
        for f in findings:
            if options["quiet"] and f.level == OK:
                continue
            self.stdout.write(f"{marks[f.level]} {f.topic}: {f.message}")
        errors = sum(1 for f in findings if f.level == ERROR)
        warnings = sum(1 for f in findings if f.level == WARN)
        self.stdout.write(f"{errors} errors, {warnings} warnings.")
        if errors:
            raise SystemExit(1)
