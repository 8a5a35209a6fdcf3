from django.urls import path

from mandate.turnout import views

app_name = "gtvo"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/league/", views.league, name="league"),
    path("<int:pk>/c/<int:cid>/", views.constituency, name="constituency"),
    path("<int:pk>/m/<int:member_id>/", views.member, name="member"),
    path("<int:pk>/m/<int:member_id>/link/", views.link_revoke, name="link_revoke"),
    path("<int:pk>/reminders/", views.remind, name="remind"),
    path("<int:pk>/replacements/", views.replacements, name="replacements"),
    path("<int:pk>/replacements/export/", views.replacements_export, name="replacements_export"),
    path("<int:pk>/settings/", views.settings_edit, name="settings"),
]
