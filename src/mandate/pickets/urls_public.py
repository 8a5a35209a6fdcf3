"""Public picket routes: no login; the signed token in the path is the credential."""

from django.urls import path

from mandate.pickets import views_public

app_name = "picket_link"

urlpatterns = [
    path("m/<str:token>/", views_public.home, name="home"),
    path("m/<str:token>/signup/<int:pk>/", views_public.link_signup, name="signup"),
    path("m/<str:token>/cancel/<int:pk>/", views_public.link_cancel, name="cancel"),
    path("m/<str:token>/swap/<int:pk>/", views_public.link_swap, name="swap"),
    path("join/<str:token>/", views_public.join, name="join"),
    path("s/<str:token>/", views_public.supporter, name="supporter"),
    path("s/<str:token>/signup/<int:pk>/", views_public.supporter_signup, name="supporter_signup"),
    path("s/<str:token>/cancel/<int:pk>/", views_public.supporter_cancel, name="supporter_cancel"),
    path(
        "s/<str:token>/reminders/",
        views_public.supporter_reminders,
        name="supporter_reminders",
    ),
    path("in/<str:token>/", views_public.checkin, name="checkin"),
]
