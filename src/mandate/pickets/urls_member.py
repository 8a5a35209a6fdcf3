"""The logged-in member's own picket shifts (no namespace: ``my_pickets``...)."""

from django.urls import path

from mandate.pickets import views

urlpatterns = [
    path("", views.my_pickets, name="my_pickets"),
    path("link/", views.my_link, name="my_pickets_link"),
    path("signup/<int:pk>/", views.my_signup, name="my_pickets_signup"),
    path("cancel/<int:pk>/", views.my_cancel, name="my_pickets_cancel"),
    path("swap/<int:pk>/", views.my_swap, name="my_pickets_swap"),
]
