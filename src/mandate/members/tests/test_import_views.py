"""The import wizard's pages: upload, preview, apply, and who may reach them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.members.models import ImportRun, Member
from mandate.members.tests.test_import_helpers import csv_bytes, good_rows, snapshot


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(
    client: Client, world: World, data: bytes, name: str = "register.csv", sheet: str = ""
) -> object:
    return client.post(
        f"/branches/{world.liverpool.slug}/members/import/",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "sheet": sheet},
    )


def test_upload_page_lists_recognised_columns(client: Client, world: World) -> None:
    body = (
        login(client, "secretary")
        .get(f"/branches/{world.liverpool.slug}/members/import/")
        .content.decode()
    )
    assert '<label for="id_file">' in body
    assert "Membership No" in body and "Forename" in body and "Zero hours" in body


def test_upload_preview_apply(client: Client, world: World) -> None:
    login(client, "secretary")
    before = snapshot()
    response = upload(client, world, csv_bytes(good_rows()))
    run = ImportRun.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == f"/branches/{world.liverpool.slug}/members/import/{run.pk}/"  # type: ignore[index]
    assert run.state == "previewed" and run.uploaded_by == world.secretary
    assert snapshot() == before
    body = client.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "Preview of the import" in body and "Apply this import" in body
    assert "Siân Ó Briain" in body
    assert "Una Cole" in body  # missing from the file, listed
    response = client.post(f"/branches/{world.liverpool.slug}/members/import/{run.pk}/apply/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "applied" and bytes(run.content) == b""
    assert run.summary["new_sample"] == [] and run.summary["counts"]["new"] == 2
    assert Member.objects.filter(membership_number__in=["N1001", "N1002"]).count() == 2
    body = client.get(response["Location"]).content.decode()
    assert "Import applied" in body and "Apply this import" not in body
    # Applying twice is refused with a clear message, not a 500.
    again = client.post(f"/branches/{world.liverpool.slug}/members/import/{run.pk}/apply/")
    assert again.status_code == 409
    assert "cannot be applied" in again.content.decode()


def test_bad_file_shows_errors_without_apply_button(client: Client, world: World) -> None:
    login(client, "secretary")
    rows = good_rows()
    rows[1][3] = "dev-at-example"
    before = snapshot()
    response = upload(client, world, csv_bytes(rows))
    run = ImportRun.objects.get()
    assert run.state == "invalid" and bytes(run.content) == b""
    body = client.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "The file has errors" in body
    assert '<td class="num">3</td><td>Email</td><td>dev-at-example</td>' in body
    assert "Apply this import" not in body and "Upload a corrected file" in body
    response = client.post(f"/branches/{world.liverpool.slug}/members/import/{run.pk}/apply/")
    assert response.status_code == 409
    assert snapshot() == before


def test_file_over_the_limit_is_refused_from_its_size(
    client: Client, world: World, settings: object
) -> None:
    settings.MANDATE_IMPORT_MAX_BYTES = 2 * 1024 * 1024  # type: ignore[attr-defined]
    login(client, "secretary")
    response = upload(client, world, b"x" * (3 * 1024 * 1024))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert (
        "The file is 3.0 MB; the largest file that can be imported is 2 MB."
        in response.content.decode()
    )  # type: ignore[attr-defined]
    assert not ImportRun.objects.exists()


def test_empty_upload_says_so(client: Client, world: World) -> None:
    login(client, "secretary")
    response = upload(client, world, b"")
    body = client.get(response["Location"]).content.decode()  # type: ignore[index]
    assert "The file is empty." in body


def test_apply_is_post_only(client: Client, world: World) -> None:
    login(client, "secretary")
    upload(client, world, csv_bytes(good_rows()))
    run = ImportRun.objects.get()
    assert (
        client.get(f"/branches/{world.liverpool.slug}/members/import/{run.pk}/apply/").status_code
        == 405
    )
    assert ImportRun.objects.get().state == "previewed"


def test_apply_rechecks_the_register(client: Client, world: World) -> None:
    login(client, "secretary")
    upload(client, world, csv_bytes(good_rows()))
    run = ImportRun.objects.get()
    # Between preview and apply, one of the numbers is taken in another branch.
    Member.objects.create(
        branch=world.ucl, membership_number="N1002", first_name="X", last_name="Y"
    )
    client.post(f"/branches/{world.liverpool.slug}/members/import/{run.pk}/apply/")
    run.refresh_from_db()
    assert run.state == "invalid"
    assert not Member.objects.filter(membership_number="N1001").exists()


@pytest.mark.parametrize("username", ["outsider", "rep", "member", "panel"])
def test_others_get_404_everywhere(client: Client, world: World, username: str) -> None:
    login(client, "secretary")
    upload(client, world, csv_bytes(good_rows()))
    run = ImportRun.objects.get()
    client.logout()
    login(client, username)
    base = f"/branches/{world.liverpool.slug}/members/import/"
    assert client.get(base).status_code == 404
    assert upload(client, world, csv_bytes(good_rows())).status_code == 404  # type: ignore[attr-defined]
    assert client.get(f"{base}{run.pk}/").status_code == 404
    assert client.post(f"{base}{run.pk}/apply/").status_code == 404
    assert ImportRun.objects.get().state == "previewed"


def test_run_of_another_branch_is_404(client: Client, world: World) -> None:
    login(client, "secretary")
    upload(client, world, csv_bytes(good_rows()))
    run = ImportRun.objects.get()
    client.logout()
    login(client, "outsider")
    # The outsider's own branch URL with the secretary's run id.
    ucl = f"/branches/{world.ucl.slug}/members/import/{run.pk}/"
    assert client.get(ucl).status_code == 404
    assert client.post(f"{ucl}apply/").status_code == 404
    assert ImportRun.objects.get().state == "previewed"


def test_anonymous_is_sent_to_login(client: Client, world: World) -> None:
    response = client.get(f"/branches/{world.liverpool.slug}/members/import/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
