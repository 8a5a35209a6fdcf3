"""The photo pages: who sees what, uploads that are refused whole, take-down that deletes."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from mandate.conftest import World, _user
from mandate.core import actions as core_actions
from mandate.core.models import AuditEvent, RoleKind
from mandate.disputes.actions import dispute_create
from mandate.disputes.models import Dispute
from mandate.photos.models import Photo, PhotoStatus

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def dispute(world: World) -> Dispute:
    return dispute_create(name="Workload 2026", branch=world.liverpool, actor=world.secretary)


def _send(client: Client, dispute: Dispute, data: bytes, **extra: object) -> object:
    form = {
        "photo": SimpleUploadedFile("IMG_0042.jpg", data, content_type="image/jpeg"),
        "caption": "Main gate, 7.30",
        "consent": "on",
        "consent_note": "asked on the line",
    }
    form.update(extra)  # type: ignore[arg-type]
    return client.post(reverse("photos:gallery", args=[dispute.slug]), form)


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_member_sends_a_photo_and_only_clean_pixels_are_stored(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    response = _send(_client(world.member_user), dispute, gps_jpeg)
    photo = Photo.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("photos:detail", args=[photo.pk])  # type: ignore[index]
    assert photo.status == PhotoStatus.SUBMITTED and photo.branch == world.liverpool
    assert photo.uploaded_by == world.member_user and photo.consent_confirmed
    stored = Path(photo.image.path).read_bytes()
    assert b"PhoneMakerCo" not in stored and b"Exif" not in stored
    assert "IMG_0042" not in photo.image.name  # the upload's own name is not kept either
    event = AuditEvent.objects.get(action="photo.upload")
    assert event.object_id == str(photo.pk) and event.branch == world.liverpool
    assert "Main gate" not in str(event.detail)


@pytest.mark.parametrize(
    ("data", "extra", "error"),
    [
        (None, {"consent": ""}, "Ask before you send"),
        (b"this is a text file", {}, "not a photo we can read"),
        (None, {"taken_on": "2999-01-01"}, "cannot be in the future"),
        (None, {"taken_on": "yesterday"}, "Enter the day as a date"),
    ],
)
def test_a_refused_upload_says_why_and_writes_nothing(
    world: World,
    dispute: Dispute,
    gps_jpeg: bytes,
    data: bytes | None,
    extra: dict[str, str],
    error: str,
) -> None:
    response = _send(_client(world.member_user), dispute, data or gps_jpeg, **extra)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert error in response.content.decode()  # type: ignore[attr-defined]
    assert not Photo.objects.exists()
    assert _media_files() == []
    assert not AuditEvent.objects.filter(action="photo.upload").exists()


def test_a_missing_file_is_named(world: World, dispute: Dispute) -> None:
    response = _client(world.member_user).post(
        reverse("photos:gallery", args=[dispute.slug]), {"consent": "on"}
    )
    assert response.status_code == 400
    assert "Choose a photo to send." in response.content.decode()


def _photo(world: World, dispute: Dispute, gps_jpeg: bytes) -> Photo:
    _send(_client(world.member_user), dispute, gps_jpeg)
    return Photo.objects.get()


def test_another_branchs_officer_gets_404_everywhere(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    photo = _photo(world, dispute, gps_jpeg)
    client = _client(world.outsider)
    assert client.get(reverse("photos:gallery", args=[dispute.slug])).status_code == 404
    for name in ("detail", "image", "thumbnail", "download"):
        assert client.get(reverse(f"photos:{name}", args=[photo.pk])).status_code == 404, name
    for name in ("approve", "take_down"):
        response = client.post(reverse(f"photos:{name}", args=[photo.pk]), {"reason": "duplicate"})
        assert response.status_code == 404, name
    assert Photo.objects.get().status == PhotoStatus.SUBMITTED
    assert dispute.name not in client.get(reverse("photos:index")).content.decode()


def test_a_guessed_photo_id_is_not_found(world: World, dispute: Dispute) -> None:
    response = _client(world.secretary).get(reverse("photos:detail", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_members_see_approved_photos_and_their_own_until_an_officer_checks(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    photo = _photo(world, dispute, gps_jpeg)
    other = _user("cat")
    core_actions.role_grant(user=other, kind=RoleKind.MEMBER, branch=world.liverpool)
    world.covered.user = other
    world.covered.save(update_fields=["user"])
    detail = reverse("photos:detail", args=[photo.pk])
    assert _client(world.member_user).get(detail).status_code == 200
    assert _client(other).get(detail).status_code == 404
    assert _client(other).get(reverse("photos:thumbnail", args=[photo.pk])).status_code == 404

    secretary = _client(world.secretary)
    page = secretary.get(reverse("photos:gallery", args=[dispute.slug])).content.decode()
    assert "1 photo waiting for your check" in page
    assert secretary.post(reverse("photos:approve", args=[photo.pk])).status_code == 302
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.APPROVED and photo.approved_by == world.secretary
    image = _client(other).get(reverse("photos:image", args=[photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, max-age=3600"
    assert b"PhoneMakerCo" not in b"".join(image.streaming_content)  # type: ignore[attr-defined]


def test_approving_twice_says_so(world: World, dispute: Dispute, gps_jpeg: bytes) -> None:
    photo = _photo(world, dispute, gps_jpeg)
    client = _client(world.secretary)
    client.post(reverse("photos:approve", args=[photo.pk]))
    response = client.post(reverse("photos:approve", args=[photo.pk]), follow=True)
    assert "already approved" in response.content.decode()


def test_members_cannot_approve_or_download_and_downloads_are_audited(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    photo = _photo(world, dispute, gps_jpeg)
    member = _client(world.member_user)
    assert member.post(reverse("photos:approve", args=[photo.pk])).status_code == 404
    secretary = _client(world.secretary)
    # Not approved yet: not for the campaign.
    assert secretary.get(reverse("photos:download", args=[photo.pk])).status_code == 404
    secretary.post(reverse("photos:approve", args=[photo.pk]))
    assert member.get(reverse("photos:download", args=[photo.pk])).status_code == 404
    response = secretary.get(reverse("photos:download", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="photo.download", actor=world.secretary).count() == 1


def test_taking_down_deletes_the_files_and_is_audited_with_a_reason_code(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    photo = _photo(world, dispute, gps_jpeg)
    assert len(_media_files()) == 2
    other = _user("cat")
    core_actions.role_grant(user=other, kind=RoleKind.MEMBER, branch=world.liverpool)
    url = reverse("photos:take_down", args=[photo.pk])
    assert _client(other).post(url, {"reason": "duplicate"}).status_code == 404
    bad = _client(world.member_user).post(url, {"reason": "because"}, follow=True)
    assert "Choose why" in bad.content.decode() and Photo.objects.exists()
    response = _client(world.member_user).post(url, {"reason": "consent_withdrawn"})
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert _media_files() == []
    event = AuditEvent.objects.get(action="photo.take_down")
    assert event.detail == {"reason": "consent_withdrawn"}


def test_a_national_dispute_gallery_reaches_members_of_every_party(
    world: World, gps_jpeg: bytes
) -> None:
    national = dispute_create(name="Pay 2026-27", actor=world.national)
    _send(_client(world.member_user), national, gps_jpeg)
    photo = Photo.objects.get()
    assert photo.branch == world.liverpool
    # The UCL officer sees the national dispute (they may view disputes anywhere) but a
    # photo only once it is approved: they do not manage the national dispute.
    outsider = _client(world.outsider)
    assert outsider.get(reverse("photos:gallery", args=[national.slug])).status_code == 200
    assert outsider.get(reverse("photos:detail", args=[photo.pk])).status_code == 404
    _client(world.national).post(reverse("photos:approve", args=[photo.pk]))
    assert outsider.get(reverse("photos:detail", args=[photo.pk])).status_code == 200


def test_a_member_of_a_branch_outside_a_local_dispute_cannot_reach_it(
    world: World, dispute: Dispute
) -> None:
    ucl_user = _user("ulla")
    core_actions.role_grant(user=ucl_user, kind=RoleKind.MEMBER, branch=world.ucl)
    world.ucl_member.user = ucl_user
    world.ucl_member.save(update_fields=["user"])
    response = _client(ucl_user).get(reverse("photos:gallery", args=[dispute.slug]))
    assert response.status_code == 404


def test_the_gallery_pages_are_phone_sized(world: World, dispute: Dispute) -> None:
    raw = io.BytesIO()
    Image.new("RGB", (50, 50)).save(raw, "JPEG")
    _send(_client(world.secretary), dispute, raw.getvalue())
    page = _client(world.secretary).get(reverse("photos:gallery", args=[dispute.slug]))
    html = page.content.decode()
    assert 'accept="image/*"' in html and "photo-grid" in html
    assert reverse("photos:thumbnail", args=[Photo.objects.get().pk]) in html


def test_a_photo_can_be_filed_under_one_of_the_branchs_picket_lines(
    world: World, dispute: Dispute, gps_jpeg: bytes
) -> None:
    from mandate.pickets.actions import site_create

    gate = site_create(
        branch=world.liverpool,
        workplace=world.liverpool_employer.workplaces.get(name="Main campus"),
        name="Main gate",
        actor=world.secretary,
    )
    ucl_site = site_create(
        branch=world.ucl,
        workplace=world.ucl_employer.workplaces.get(),
        name="Gower Street",
        actor=world.outsider,
    )
    client = _client(world.member_user)
    refused = _send(client, dispute, gps_jpeg, site=str(ucl_site.pk))
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "Choose one of the branch" in refused.content.decode()  # type: ignore[attr-defined]
    assert not Photo.objects.exists()
    _send(client, dispute, gps_jpeg, site=str(gate.pk))
    photo = Photo.objects.get()
    assert photo.site == gate
    page = _client(world.secretary).get(
        reverse("photos:gallery", args=[dispute.slug]), {"site": gate.pk}
    )
    assert reverse("photos:thumbnail", args=[photo.pk]) in page.content.decode()
    other = _client(world.secretary).get(
        reverse("photos:gallery", args=[dispute.slug]), {"site": gate.pk + 1000}
    )
    assert reverse("photos:thumbnail", args=[photo.pk]) not in other.content.decode()
