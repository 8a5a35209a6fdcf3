"""Public routes: a member's personal GTVO link. No login; the signed token is the credential."""

from django.urls import path

from mandate.turnout import views_public

app_name = "gtvo_link"

urlpatterns = [
    path("<str:token>/", views_public.link_home, name="home"),
    path("<str:token>/voted/", views_public.link_voted, name="voted"),
    path("<str:token>/stop/", views_public.link_stop, name="stop"),
    path("<str:token>/paper/", views_public.link_paper, name="paper"),
    path("<str:token>/details/", views_public.link_details, name="details"),
]
