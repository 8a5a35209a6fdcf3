from django.urls import path

from mandate.meetings import views, views_public

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.meeting_new, name="new"),
    path("national/", views.national_meetings, name="national"),
    path("branch/<slug:slug>/", views.branch_meetings, name="branch"),
    path("branch/<slug:slug>/channels/", views.channels, name="channels"),
    path(
        "branch/<slug:slug>/channels/<int:channel_id>/remove/",
        views.channel_remove,
        name="channel_remove",
    ),
    path("series/<int:pk>/", views.series, name="series"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/check-in/", views.self_check_in, name="self_check_in"),
    path("<int:pk>/secret/<int:vote_id>/", views.secret_cast, name="secret_cast"),
    path("<int:pk>/steward/", views.steward, name="steward"),
    path(
        "<int:pk>/steward/check-in/<int:member_id>/",
        views.steward_check_in,
        name="steward_check_in",
    ),
    path("<int:pk>/qr/", views.qr, name="qr"),
    path("<int:pk>/links/", views.send_links, name="send_links"),
    path("<int:pk>/state/", views.set_state, name="set_state"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/motions/", views.motion_add, name="motion_add"),
    path(
        "<int:pk>/motions/<int:motion_id>/amendments/",
        views.amendment_add,
        name="amendment_add",
    ),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/votes/", views.vote_open, name="vote_open"),
    path("<int:pk>/votes/<int:vote_id>/", views.vote, name="vote"),
    path("<int:pk>/votes/<int:vote_id>/close/", views.vote_close, name="vote_close"),
    path(
        "<int:pk>/votes/<int:vote_id>/named/<int:attendance_id>/",
        views.named_answer,
        name="named_answer",
    ),
    path("<int:pk>/delegates/", views.delegates, name="delegates"),
    path("<int:pk>/delegates/reweigh/", views.delegates_reweigh, name="delegates_reweigh"),
    path(
        "<int:pk>/delegates/<int:delegate_id>/proxy/",
        views.delegate_proxy,
        name="delegate_proxy",
    ),
    # Links: the QR code (login still needed), a member's and a delegate's personal links.
    path("c/<str:token>/", views_public.qr_checkin, name="qr_checkin"),
    path("m/<str:token>/", views_public.member_link, name="member_link"),
    path("d/<str:token>/", views_public.delegate_link, name="delegate_link"),
    path("d/<str:token>/votes/<int:vote_id>/", views_public.card_cast, name="card_cast"),
]
