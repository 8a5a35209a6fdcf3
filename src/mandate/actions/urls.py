from django.urls import include, path

from mandate.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.index, name="index"),
    path("dispute/<slug:slug>/", views.dispute_calendar, name="calendar"),
    path("dispute/<slug:slug>/new/", views.action_new, name="create"),
    path("dispute/<slug:slug>/escalation/", views.escalation_add, name="escalation_add"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/call/", views.action_call, name="call"),
    path("<int:pk>/status/", views.action_status, name="status"),
    path("<int:pk>/flags/", views.action_flags, name="flags"),
    path("<int:pk>/days/", views.action_days, name="days"),
    path("<int:pk>/notice/<slug:employer>/", views.notice_prepare, name="notice_prepare"),
    path("notices/<int:pk>/", views.notice_view, name="notice"),
    path("notices/<int:pk>/docx/", views.notice_download, name="notice_docx"),
    path("notices/<int:pk>/served/", views.notice_serve, name="notice_serve"),
    path("notices/<int:pk>/agreement/", views.notice_agreement, name="notice_agreement"),
    path("employers/<slug:slug>/", views.employer_calendar, name="employer"),
    path("critical-dates/<int:pk>/delete/", views.critical_date_delete, name="critical_delete"),
    path("solidarity/", views.solidarity, name="solidarity"),
    path("solidarity/add/", views.solidarity_add, name="solidarity_add"),
    path("solidarity/import/", views.solidarity_import, name="solidarity_import"),
    path("branches/<slug:slug>/feed/", views.branch_feed_new, name="branch_feed_new"),
    path("waves/", include("mandate.actions.waves.urls")),
]
