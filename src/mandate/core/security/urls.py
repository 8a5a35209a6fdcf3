from django.urls import path

from mandate.core.security import views

app_name = "security"

urlpatterns = [
    path("", views.account, name="account"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("turn-off/", views.turn_off, name="turn_off"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/reset/", views.reset, name="reset"),
]
