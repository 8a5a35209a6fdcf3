from django.contrib.auth import views as auth_views
from django.urls import include, path

from mandate.core import views, views_audit, views_roles

urlpatterns = [
    path("", views.home, name="home"),
    path("branches/", views.branches, name="branches"),
    path("audit/", views_audit.audit, name="audit"),
    path("audit/export.csv", views_audit.audit_export, name="audit_export"),
    path("healthz", views.healthz, name="healthz"),
    path("branches/<slug:branch>/people/", views_roles.branch_people, name="branch_people"),
    path(
        "branches/<slug:branch>/people/<int:role>/revoke/",
        views_roles.role_revoke,
        name="role_revoke",
    ),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("security/", include("mandate.core.security.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
