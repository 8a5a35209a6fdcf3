"""``mandate worker``: run the database-backed task worker, with the message reaper beside it.

It runs django-tasks-db's worker loop (tasks from every queue by default) and, in a thread,
returns the messages of workers that died to the queue every ``--reap-every`` seconds. Run
as many as the database and providers allow; each is safe to kill at any moment.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks import task_backends

from mandate.core.health import beat, forget_worker
from mandate.messaging.delivery import reap

logger = logging.getLogger("mandate.messaging.worker")


class Reaper(threading.Thread):
    def __init__(self, every: float) -> None:
        super().__init__(name="message-reaper", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                close_old_connections()
                reap()
            except Exception:
                # A database hiccup must not stop the reaper; the next round tries again.
                logger.exception("message reaper round failed")
            finally:
                connection.close()


class Heartbeat(threading.Thread):
    """Writes this worker's heartbeat to the database for /healthz and `mandate doctor`."""

    def __init__(self, worker_id: str, every: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                close_old_connections()
                beat(self.worker_id)
            except Exception:
                logger.exception("worker heartbeat failed")
            finally:
                connection.close()
            if self.stopped.wait(self.every):
                return


class Command(BaseCommand):
    help = "Run a background worker: deliver queued messages and run other tasks."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to take tasks from, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when there is no task (default 1).",
        )
        parser.add_argument(
            "--reap-every",
            type=float,
            default=30.0,
            help="Seconds between returning dead workers' messages to the queue (default 30; 0: off).",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run the tasks waiting now, then exit."
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after this many tasks."
        )
        parser.add_argument(
            "--worker-id",
            default=None,
            help="A name unique across the workers (default: random).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.backend import DatabaseBackend

        if not isinstance(task_backends["default"], DatabaseBackend):
            raise CommandError(
                "The default task backend is not the database backend, so there is nothing to "
                "work on: set MANDATE_TASKS_BACKEND=django_tasks_db.DatabaseBackend."
            )
        # Messages left half-sent by a worker that died are put back before starting.
        reap()
        reaper = None
        if options["reap_every"] > 0 and not options["batch"]:
            reaper = Reaper(options["reap_every"])
            reaper.start()
        worker_id = options["worker_id"] or f"mandate-{get_random_string(12)}"
        heartbeat = None
        if options["batch"]:
            beat(worker_id)
        else:
            heartbeat = Heartbeat(worker_id, float(settings.MANDATE_WORKER_BEAT_SECONDS))
            heartbeat.start()
        worker_args = [
            "--queue-name",
            options["queue_name"],
            "--interval",
            str(options["interval"]),
            "--worker-id",
            worker_id,
            "--no-reload",
        ]
        if options["batch"]:
            worker_args.append("--batch")
        if options["max_tasks"]:
            worker_args += ["--max-tasks", str(options["max_tasks"])]
        try:
            call_command("db_worker", *worker_args, verbosity=options["verbosity"])
        finally:
            if reaper is not None:
                reaper.stopped.set()
            if heartbeat is not None:
                heartbeat.stopped.set()
                heartbeat.join(timeout=5)
            forget_worker(worker_id)
