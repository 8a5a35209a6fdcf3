from django.contrib import admin
from django.urls import include, path

from mandate.members import views_self

urlpatterns = [
    path("", include("mandate.core.urls")),
    path("branches/<slug:branch>/members/", include("mandate.members.urls")),
    path("me/", views_self.my_details, name="my_details"),
    path("", include("mandate.messaging.urls")),
    path("admin/", admin.site.urls),
]
