"""What the HTTP benchmarks share: a scratch PostgreSQL database, a gunicorn or granian server,
a lean keep-alive HTTP/1.1 client for asyncio, and the server's CPU time.

    from bench import _server
    _server.create_database("bench_mandate_x")      # drop, create, point Django at it, migrate
    with _server.gunicorn(workers=2, threads=8) as server:   # or _server.granian(...)
        ...                                          # server.port, server.cpu_seconds()
    _server.drop_database("bench_mandate_x")

The client (``Conn``) writes the request line and headers by hand and reads the response by its
``Content-Length``: about a tenth of ``http.client``'s CPU per request, which matters when the
load generator shares the machine's two cores with the server and the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
GUNICORN = Path(sys.executable).with_name("gunicorn")
GRANIAN = Path(sys.executable).with_name("granian")


def db_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def create_database(name: str) -> None:
    """(Re)create database NAME, point this process's Django at it, set Django up, migrate."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = db_url(name)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    workers: int
    threads: int
    kind: str = "gunicorn gthread"

    def _procs(self) -> list[psutil.Process]:
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's main process and workers so far."""
        total = 0.0
        for proc in self._procs():
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    @property
    def label(self) -> str:
        return f"{self.kind} {self.workers} x {self.threads}"


def _wait_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(
                    b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                if sock.recv(64).startswith(b"HTTP/1.1"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def _server_env() -> dict[str, str]:
    # Plain HTTP on the loopback: a TLS proxy would sit in front in production. Connections
    # live through the whole run (CONN_MAX_AGE), so the database's CPU can be read from its
    # backends before and after: a backend that exits mid-run takes its CPU time with it.
    return dict(
        os.environ,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        MANDATE_REQUIRE_2FA="0",
        CONN_MAX_AGE="3600",
    )


@contextlib.contextmanager
def _serving(
    command: list[str], port: int, workers: int, threads: int, kind: str
) -> Iterator[Server]:
    process = subprocess.Popen(command, env=_server_env())  # noqa: S603 - our own server
    try:
        _wait_up(port, process)
        yield Server(port, process, workers, threads, kind)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def granian(*, workers: int, threads: int, backlog: int = 2048) -> Iterator[Server]:
    """Serve the project with granian (WSGI; WORKERS processes of THREADS blocking threads) on
    a free local port, DEBUG off, as docs/production.md runs it; stop it after."""
    port = free_port()
    command = [
        str(GRANIAN),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--backlog",
        str(backlog),
        "--no-ws",
        "--log-level",
        "warning",
        "mandate.wsgi:application",
    ]
    with _serving(command, port, workers, threads, "granian wsgi") as server:
        yield server


@contextlib.contextmanager
def gunicorn(
    *, workers: int, threads: int, keep_alive: int = 30, backlog: int = 2048
) -> Iterator[Server]:
    """Serve the project with gunicorn (gthread) on a free local port, DEBUG off; stop it after."""
    port = free_port()
    command = [
        str(GUNICORN),
        "mandate.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        str(keep_alive),
        "--backlog",
        str(backlog),
        "--log-level",
        "warning",
    ]
    with _serving(command, port, workers, threads, "gunicorn gthread") as server:
        yield server


def db_cpu_seconds(name: str) -> float:
    """User + system CPU so far of the PostgreSQL backends connected to database NAME (on this
    machine). Sampled before and after a run, the difference is the database's share of the
    work, as long as the connections stay open through the run (they do: CONN_MAX_AGE)."""
    total = 0.0
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if cmdline.startswith("postgres: ") and f" {name} " in cmdline:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


class Conn:
    """One keep-alive HTTP/1.1 connection driven from asyncio; reconnects when the server has
    closed it. Responses must carry Content-Length (Django's do)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: str = ""
    ) -> tuple[int, bytes, bytes]:
        """Send one request; return (status, raw header block, body). HEADERS is extra
        ``Name: value\\r\\n`` lines."""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in range(2):
            if self.writer is None:
                await self.open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(head + body)
                await self.writer.drain()
                raw = await self.reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            status = int(raw.split(b" ", 2)[1])
            length = 0
            closing = False
            for line in raw.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    closing = True
            data = await self.reader.readexactly(length) if length else b""
            if closing:
                self.close()
            return status, raw, data
        raise AssertionError("unreachable")


def pct(values: list[float], p: float) -> float:
    """The P-th percentile (nearest rank) of VALUES; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
