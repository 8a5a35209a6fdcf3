from django.urls import path

from mandate.calls import views

app_name = "calls"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.assignment_new, name="new"),
    path("<int:pk>/", views.assignment_detail, name="detail"),
    path("<int:pk>/state/", views.assignment_state, name="state"),
    path("<int:pk>/refresh/", views.assignment_refresh, name="refresh"),
    path("<int:pk>/callers/", views.assignment_callers, name="callers"),
    path("<int:pk>/next/", views.work, name="work"),
    path("<int:pk>/targets/<int:target>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/targets/<int:target>/skip/", views.skip, name="skip"),
]
