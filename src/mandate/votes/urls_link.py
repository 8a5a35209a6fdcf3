"""The URL configuration the voting-link handler resolves against (mandate.votes.link_handler):
the link itself, and the published result its pages link to."""

from django.urls import path

from mandate.votes import views_public

urlpatterns = [
    path("ballot/<str:token>/", views_public.ballot_link, name="ballot_link"),
    path("votes/published/<int:pk>/", views_public.published, name="ballot_published"),
]
