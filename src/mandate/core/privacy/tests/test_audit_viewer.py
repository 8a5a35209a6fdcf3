"""The audit log viewer's filters and its CSV report of who exported what, when."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.test import Client
from django.utils import timezone

from mandate.conftest import PASSWORD, World
from mandate.core.audit import audit_record
from mandate.core.models import AuditEvent


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _log(world: World) -> None:
    AuditEvent.objects.all().delete()  # the fixture's own set-up events
    audit_record(actor=world.secretary, action="members.export", branch=world.liverpool)
    audit_record(actor=world.rep, action="member.update", obj=world.member, branch=world.liverpool)
    old = audit_record(actor=world.secretary, action="segment.create", branch=world.liverpool)
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    audit_record(actor=world.outsider, action="members.export", branch=world.ucl)


def _rows(body: str) -> list[str]:
    return [line.split("</td>")[2] for line in body.split("<tr><td>")[1:]]


def test_filters_by_who_action_type_branch_and_dates(world: World) -> None:
    _log(world)
    client = _client("secretary")
    assert len(_rows(client.get("/audit/").content.decode())) == 3  # not UCL's
    assert _rows(client.get("/audit/?who=rep").content.decode()) == ["<td>member.update"]
    body = client.get("/audit/?object_type=members.member").content.decode()
    assert _rows(body) == ["<td>member.update"]
    body = client.get("/audit/?exports=1").content.decode()
    assert _rows(body) == ["<td>members.export"]
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert len(_rows(client.get(f"/audit/?from={since}").content.decode())) == 2
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert _rows(client.get(f"/audit/?to={until}").content.decode()) == ["<td>segment.create"]


def test_a_bad_date_is_explained_not_a_500(world: World) -> None:
    response = _client("secretary").get("/audit/?from=yesterday&to=2020-01-01")
    assert response.status_code == 400
    assert "From: “yesterday” is not a date" in response.content.decode()
    response = _client("secretary").get("/audit/?from=2026-02-02&to=2026-01-01")
    assert "the end date is before the start date" in response.content.decode()


def test_the_report_lists_exports_as_csv_and_is_itself_audited(world: World) -> None:
    _log(world)
    response = _client("secretary").get("/audit/export.csv?exports=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["who"], r["action"], r["branch"]) for r in rows] == [
        ("secretary", "members.export", world.liverpool.slug)
    ]
    event = AuditEvent.objects.get(action="audit.export")
    assert event.detail == {"rows": 1, "filters": ["exports_only"]}
    assert event.branch == world.liverpool
    # National officers see every branch's exports, including this report.
    rows = list(
        csv.DictReader(
            io.StringIO(_client("national").get("/audit/export.csv?exports=1").content.decode())
        )
    )
    assert {r["action"] for r in rows} == {"members.export", "audit.export"}


def test_who_may_not_read_the_log_gets_404(world: World) -> None:
    for username in ("rep", "member", "panel"):
        client = _client(username)
        assert client.get("/audit/").status_code == 404, username
        assert client.get("/audit/export.csv").status_code == 404, username
