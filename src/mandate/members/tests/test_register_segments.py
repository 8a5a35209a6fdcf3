"""Saved segments: save from the list's filters, apply, count, delete; each audited."""

from __future__ import annotations

from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.core.models import AuditEvent
from mandate.members.actions import segment_save
from mandate.members.models import Segment


def _login(client: Client, username: str = "secretary") -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def _base(world: World) -> str:
    return f"/branches/{world.liverpool.slug}/members/"


def test_save_filters_as_a_segment(client: Client, world: World) -> None:
    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    response = _login(client).post(
        f"{_base(world)}segments/save/",
        {"name": " HLS with mobiles ", "workplace": str(hls.pk), "has_mobile": "yes"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_base(world)}?workplace={hls.pk}&has_mobile=yes"
    segment = Segment.objects.get(branch=world.liverpool)
    assert segment.name == "HLS with mobiles"
    assert segment.filters == {"workplace": hls.pk, "has_mobile": True}
    assert segment.created_by == world.secretary
    event = AuditEvent.objects.get(action="segment.create")
    assert event.actor == world.secretary
    assert event.branch == world.liverpool
    assert event.detail == {"filters": ["has_mobile", "workplace"]}


def test_saving_again_under_the_same_name_replaces(client: Client, world: World) -> None:
    _login(client)
    client.post(f"{_base(world)}segments/save/", {"name": "Lapsed", "status": "lapsed"})
    client.post(f"{_base(world)}segments/save/", {"name": "Lapsed", "status": "resigned"})
    assert Segment.objects.get().filters == {"status": "resigned"}
    assert AuditEvent.objects.filter(action="segment.update").count() == 1


def test_bad_filters_or_no_name_save_nothing(client: Client, world: World) -> None:
    _login(client)
    response = client.post(
        f"{_base(world)}segments/save/", {"name": "Broken", "workplace": "99999"}, follow=True
    )
    assert "Not saved" in response.content.decode()
    response = client.post(f"{_base(world)}segments/save/", {"name": "  ", "status": "active"})
    assert response.status_code == 302
    assert not Segment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="segment.").exists()


def test_segments_page_shows_counts_and_descriptions(client: Client, world: World) -> None:
    hls = world.liverpool_employer.workplaces.get(name="Health and Life Sciences building")
    segment_save(branch=world.liverpool, name="At HLS", filters={"workplace": hls.pk}, actor=None)
    segment_save(branch=world.ucl, name="UCL only", filters={}, actor=None)
    body = _login(client).get(f"{_base(world)}segments/").content.decode()
    assert "At HLS" in body
    assert "Workplace: Health and Life Sciences building" in body
    assert '<span class="stat">2</span> members' in body
    assert f"?workplace={hls.pk}" in body
    assert "UCL only" not in body
    # The rep sees the segment too, counted within their reach, with no delete or export.
    rep_body = _login(client, "rep").get(f"{_base(world)}segments/").content.decode()
    assert '<span class="stat">2</span> members' in rep_body
    assert "Delete" not in rep_body
    assert "Export" not in rep_body


def test_segment_counts_follow_reach(client: Client, world: World) -> None:
    segment_save(branch=world.liverpool, name="Everyone", filters={}, actor=None)
    body = _login(client, "rep").get(f"{_base(world)}segments/").content.decode()
    assert '<span class="stat">2</span> members' in body
    body = _login(client, "secretary").get(f"{_base(world)}segments/").content.decode()
    assert '<span class="stat">3</span> members' in body


def test_broken_saved_segment_is_reported_not_a_500(client: Client, world: World) -> None:
    Segment.objects.create(branch=world.liverpool, name="Old", filters={"colour": "red"})
    response = _login(client).get(f"{_base(world)}segments/")
    assert response.status_code == 200
    assert "Unknown filter" in response.content.decode()


def test_delete_segment(client: Client, world: World) -> None:
    segment = segment_save(branch=world.liverpool, name="Gone", filters={}, actor=None)
    response = _login(client).post(f"{_base(world)}segments/{segment.pk}/delete/")
    assert response.status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()
    event = AuditEvent.objects.get(action="segment.delete")
    assert event.actor == world.secretary
    assert event.object_id == str(segment.pk)


def test_outsider_cannot_delete_another_branchs_segment(client: Client, world: World) -> None:
    segment = segment_save(branch=world.liverpool, name="Ours", filters={}, actor=None)
    # Even through their own branch's URL.
    response = _login(client, "outsider").post(
        f"/branches/{world.ucl.slug}/members/segments/{segment.pk}/delete/"
    )
    assert response.status_code == 404
    assert Segment.objects.filter(pk=segment.pk).exists()
