from django.urls import path

from mandate.actions.waves import views

app_name = "waves"

urlpatterns = [
    path("", views.wave_planner, name="planner"),
    path("create/", views.wave_create, name="create"),
]
