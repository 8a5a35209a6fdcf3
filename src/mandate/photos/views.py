"""The photo pages: the galleries a user can reach, a dispute's gallery with the upload form,
one photo, and the image files themselves (served only through these checks)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.disputes.models import Dispute
from mandate.photos import services
from mandate.photos.forms import PhotoForm, TakeDownReason
from mandate.photos.models import Photo, PhotoStatus

PAGE_SIZE = 24


def _visible(user: User, dispute: Dispute) -> QuerySet[Photo]:
    """Photos of DISPUTE the user sees: approved ones, their own, and all if they check them."""
    photos = Photo.objects.filter(dispute=dispute)
    if policy.can_moderate_photos(user, dispute):
        return photos
    return photos.filter(Q(status=PhotoStatus.APPROVED) | Q(uploaded_by=user))


def _photo(request: HttpRequest, pk: uuid.UUID) -> Photo:
    user = _actor(request)
    photo = (
        Photo.objects.select_related("dispute", "dispute__branch")
        .filter(pk=pk, dispute__in=policy.photo_disputes(user))
        .first()
    )
    if photo is None or not _visible(user, photo.dispute).filter(pk=pk).exists():
        raise Http404("No such photo.")
    return photo


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    disputes = list(
        policy.photo_disputes(user)
        .exclude(status="settled")
        .annotate(approved=Count("photos", filter=Q(photos__status=PhotoStatus.APPROVED)))
        .order_by("-opened_on", "name")
    )
    return render(request, "photos/index.html", {"disputes": disputes})


@login_required
@require_http_methods(["GET", "POST"])
def gallery(request: HttpRequest, slug: str) -> HttpResponse:
    user = _actor(request)
    dispute = policy.get_photo_dispute(user, slug)
    form = PhotoForm(
        request.POST or None,
        request.FILES or None,
        sites=services.sites_for(dispute, user).order_by("name"),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["photo"]
            try:
                photo = services.upload(
                    dispute=dispute,
                    actor=user,
                    upload=upload,
                    size=upload.size,
                    consent_confirmed=form.cleaned_data["consent"],
                    caption=form.cleaned_data["caption"],
                    consent_note=form.cleaned_data["consent_note"],
                    taken_on=form.cleaned_data["taken_on"],
                    site=form.cleaned_data.get("site"),
                )
            except DomainError as error:
                form.add_error("photo", error.message)
            else:
                messages.success(
                    request,
                    "Photo sent, with its location and camera details removed. "
                    + (
                        "It is in the gallery."
                        if policy.can_moderate_photos(user, dispute)
                        else "An officer checks it before it joins the gallery."
                    ),
                )
                return redirect("photos:detail", pk=photo.pk)
        status = 400
    moderator = policy.can_moderate_photos(user, dispute)
    photos = _visible(user, dispute).select_related("branch", "site")
    site_id = request.GET.get("site", "")
    if site_id.isdigit():
        photos = photos.filter(site_id=int(site_id))
    waiting = photos.filter(status=PhotoStatus.SUBMITTED).count() if moderator else 0
    page = Paginator(photos, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "photos/gallery.html",
        {
            "dispute": dispute,
            "form": form,
            "page": page,
            "moderator": moderator,
            "waiting": waiting,
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _actor(request)
    photo = _photo(request, pk)
    moderator = policy.can_moderate_photos(user, photo.dispute)
    return render(
        request,
        "photos/detail.html",
        {
            "photo": photo,
            "moderator": moderator,
            "can_take_down": moderator or photo.uploaded_by_id == user.pk,
            "take_down_form": TakeDownReason(),
        },
    )


def _file(photo: Photo, thumbnail: bool, *, attachment: bool = False) -> FileResponse:
    field = photo.thumbnail if thumbnail else photo.image
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    response = FileResponse(
        handle,
        content_type="image/jpeg",
        as_attachment=attachment,
        filename=f"photo-{photo.pk.hex[:8]}.jpg",
    )
    # Private: a shared cache must never keep a photo a member of the public could then fetch.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def image(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    return _file(_photo(request, pk), thumbnail=False)


@login_required
def thumbnail(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    return _file(_photo(request, pk), thumbnail=True)


@login_required
def download(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    """The campaign copy: approved photos only, for those who check them; audited."""
    user = _actor(request)
    photo = _photo(request, pk)
    if not policy.can_moderate_photos(user, photo.dispute):
        raise Http404("No such photo.")
    if photo.status != PhotoStatus.APPROVED:
        raise Http404("Approve the photo before taking it for the campaign.")
    audit_record(actor=user, action="photo.download", obj=photo, branch=photo.dispute.branch)
    return _file(photo, thumbnail=False, attachment=True)


@login_required
@require_POST
def approve(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _actor(request)
    photo = _photo(request, pk)
    if not policy.can_moderate_photos(user, photo.dispute):
        raise Http404("No such photo.")
    try:
        services.approve(photo=photo, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Approved: the photo is in the gallery for the campaign.")
    return redirect("photos:detail", pk=photo.pk)


@login_required
@require_POST
def take_down(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = _actor(request)
    photo = _photo(request, pk)
    moderator = policy.can_moderate_photos(user, photo.dispute)
    if not moderator and photo.uploaded_by_id != user.pk:
        raise Http404("No such photo.")
    form = TakeDownReason(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose why the photo is taken down.")
        return redirect("photos:detail", pk=photo.pk)
    slug = photo.dispute.slug
    services.take_down(photo=photo, actor=user, reason=form.cleaned_data["reason"])
    messages.success(request, "The photo and its files are deleted.")
    return redirect("photos:gallery", slug=slug)
