from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("mandate.core.urls")),
    path("branches/<slug:branch>/members/", include("mandate.members.urls")),
    path("admin/", admin.site.urls),
]
