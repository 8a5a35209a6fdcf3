from django.contrib.auth import views as auth_views
from django.urls import path

from mandate.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("branches/", views.branches, name="branches"),
    path("audit/", views.audit, name="audit"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
