from django.urls import path

from mandate.core.privacy import views

urlpatterns = [
    path("branches/<slug:branch>/members/<int:pk>/data/", views.member_data, name="member_data"),
    path(
        "branches/<slug:branch>/members/<int:pk>/data/download/",
        views.member_data_download,
        name="member_data_download",
    ),
    path(
        "branches/<slug:branch>/members/<int:pk>/erase/",
        views.member_erase_view,
        name="member_erase",
    ),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/download/", views.my_data_download, name="my_data_download"),
]
