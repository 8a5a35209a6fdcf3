"""Liveness: the database answers and a background worker beat recently.

Shared by ``/healthz`` (cheap, public, no secrets in its answer) and ``mandate doctor``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from mandate.core.models import WorkerHeartbeat


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str


def worker_required() -> bool:
    """Whether a worker must be running: only when tasks go through the database queue."""
    configured: bool | None = getattr(settings, "MANDATE_HEALTHZ_REQUIRE_WORKER", None)
    if configured is not None:
        return configured
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    return backend.startswith("django_tasks_db")


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "MANDATE_WORKER_STALE_SECONDS", 120)))


def beat(worker_id: str) -> None:
    """Record that WORKER_ID is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id, defaults={"beat_at": now, "started_at": now}
        )


def forget_worker(worker_id: str) -> None:
    """Remove a worker that stopped cleanly, so it does not read as a dead one."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def last_beat() -> dt.datetime | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def check_database() -> Health:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Health(False, "database unreachable")
    return Health(True, "database ok")


def check_worker(now: dt.datetime | None = None) -> Health:
    now = now or timezone.now()
    try:
        latest = last_beat()
    except DatabaseError:
        return Health(False, "worker heartbeat unreadable")
    if latest is None:
        return Health(False, "no worker heartbeat")
    age = int((now - latest).total_seconds())
    if now - latest > stale_after():
        return Health(False, f"worker heartbeat stale ({age}s old)")
    return Health(True, f"worker ok ({age}s ago)")


def check_all() -> list[Health]:
    """The checks behind /healthz, in order; the worker only where one is required."""
    db = check_database()
    if not db.ok:
        return [db]
    checks = [db]
    if worker_required():
        checks.append(check_worker())
    return checks
