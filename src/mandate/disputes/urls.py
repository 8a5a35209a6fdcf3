from django.urls import path

from mandate.disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_create, name="create"),
    path("<slug:slug>/", views.dispute_detail, name="detail"),
    path("<slug:slug>/demands/", views.demand_add, name="demand_add"),
    path("<slug:slug>/preconditions/", views.precondition_add, name="precondition_add"),
    path(
        "<slug:slug>/preconditions/<int:pk>/met/", views.precondition_met, name="precondition_met"
    ),
    path(
        "<slug:slug>/preconditions/<int:pk>/evidence/",
        views.precondition_evidence,
        name="precondition_evidence",
    ),
    path("<slug:slug>/timeline/", views.timeline_add, name="timeline_add"),
    path("<slug:slug>/metrics/", views.metric_add, name="metric_add"),
    path("<slug:slug>/metrics/<int:pk>/values/", views.metric_record, name="metric_record"),
    path("<slug:slug>/expectations/", views.expectation_add, name="expectation_add"),
    path("<slug:slug>/tracker/<slug:employer>/", views.tracker_employer, name="tracker_employer"),
    path("<slug:slug>/escalate/", views.dispute_escalate, name="escalate"),
    path("<slug:slug>/settle/", views.dispute_settle, name="settle"),
]
