"""/healthz checks the database and the worker's heartbeat; `mandate doctor` checks the set-up."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from mandate.core import health
from mandate.core.management.commands import doctor
from mandate.core.models import WorkerHeartbeat


@pytest.mark.django_db
@override_settings(MANDATE_HEALTHZ_REQUIRE_WORKER=True)
def test_healthz_answers_503_without_a_live_worker() -> None:
    client = Client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unhealthy: no worker heartbeat"
    health.beat("w1")
    assert client.get("/healthz").content == b"ok"
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert b"worker heartbeat stale" in response.content


@pytest.mark.django_db
def test_healthz_is_cheap(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with override_settings(MANDATE_HEALTHZ_REQUIRE_WORKER=True):
        health.beat("w1")
        with django_assert_max_num_queries(2):
            assert Client().get("/healthz").status_code == 200


# The worker closes stale connections, which would close a test transaction's own connection.
@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_and_forgets_itself_on_a_clean_stop() -> None:
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        call_command("worker", "--batch", "--interval", "0", "--worker-id", "w-test", verbosity=0)
    # A clean stop removes the row: only a dead worker leaves a stale one.
    assert not WorkerHeartbeat.objects.filter(worker_id="w-test").exists()


def _doctor() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("doctor", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_doctor_names_each_problem_and_fails() -> None:
    code, text = _doctor()
    assert code == 1
    assert "ERROR   secret key: the development key is in use" in text
    assert "insecure-development-key" not in text
    assert "ok      database: reachable" in text


@pytest.mark.django_db
def test_doctor_passes_a_sound_configuration(tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "mandate").mkdir(parents=True)
    (static / "mandate" / "site.css").write_text("")
    health.beat("w1")
    with override_settings(
        SECRET_KEY="k" * 10 + "an-unguessable-production-secret-of-fifty-chars!",
        DEBUG=False,
        ALLOWED_HOSTS=["mandate.example.org"],
        STATIC_ROOT=str(static),
        MANDATE_REQUIRE_2FA=True,
        MANDATE_HEALTHZ_REQUIRE_WORKER=True,
    ):
        code, text = _doctor()
    assert code == 0, text
    assert "0 errors" in text


@pytest.mark.django_db
def test_doctor_reports_missing_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    class Plan:
        def __init__(self, connection: object) -> None:
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda s: []})()})()

        def migration_plan(self, targets: object) -> list[object]:
            return [object(), object()]

    monkeypatch.setattr(doctor, "MigrationExecutor", Plan)
    findings = doctor.check_database()
    assert findings[0].level == doctor.ERROR
    assert "2 migrations not applied" in findings[0].message


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_keeps_beating() -> None:
    import time

    from mandate.messaging.management.commands.worker import Heartbeat

    beater = Heartbeat("w-thread", 0.05)
    beater.start()
    try:
        deadline = time.monotonic() + 10
        while not WorkerHeartbeat.objects.filter(worker_id="w-thread").exists():
            assert time.monotonic() < deadline, "no heartbeat written"
            time.sleep(0.05)
        first = WorkerHeartbeat.objects.get(worker_id="w-thread").beat_at
        while WorkerHeartbeat.objects.get(worker_id="w-thread").beat_at == first:
            assert time.monotonic() < deadline, "the heartbeat did not move"
            time.sleep(0.05)
    finally:
        beater.stopped.set()
        beater.join(timeout=5)
    assert health.check_worker().ok


@pytest.mark.django_db
def test_healthz_says_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "check_database", lambda: health.Health(False, "database down"))
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unhealthy: database down"


def test_an_unreachable_database_reads_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError

    class Down:
        def cursor(self) -> None:
            raise DatabaseError("connection refused by db.internal:5432 password=...")

    monkeypatch.setattr(health, "connection", Down())
    # The reason is fixed text: no host, port or credential from the driver's message.
    assert health.check_database() == health.Health(False, "database unreachable")
