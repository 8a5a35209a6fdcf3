from django.urls import path

from mandate.ballots import views, views_electorate

app_name = "ballots"

urlpatterns = [
    path("", views.ballot_index, name="index"),
    path("register/", views.register, name="register"),
    path("timeline/", views.timeline, name="timeline"),
    path("dispute/<slug:dispute>/new/", views.ballot_new, name="new"),
    path("<int:pk>/", views.ballot_detail, name="detail"),
    path("<int:pk>/steps/<int:step>/", views.step_record, name="step"),
    path("<int:pk>/open/", views.ballot_open, name="open"),
    path("<int:pk>/electorate/", views_electorate.electorate, name="electorate"),
    path("<int:pk>/electorate/exclude/", views_electorate.exclusion_add, name="exclusion_add"),
    path(
        "<int:pk>/electorate/exclusions/<int:exclusion>/remove/",
        views_electorate.exclusion_remove,
        name="exclusion_remove",
    ),
    path("<int:pk>/close/", views.ballot_close, name="close"),
    path("<int:pk>/results/", views.national_results, name="results"),
    path("<int:pk>/results/enter/", views.result_enter, name="enter"),
    path("<int:pk>/results/upload/", views.results_upload, name="upload"),
    path("<int:pk>/results/confirm/", views.results_confirm, name="confirm"),
    path("<int:pk>/notices/members/", views.notice_members, name="notice_members"),
    path(
        "<int:pk>/notices/employer/<int:employer>/", views.notice_employer, name="notice_employer"
    ),
    path("<int:pk>/notices/sent/", views.notice_sent, name="notice_sent"),
]
