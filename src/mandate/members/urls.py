from django.urls import path

from mandate.members import views, views_import

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("export/", views.member_export, name="export"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/save/", views.segment_save, name="segment_save"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("import/", views_import.import_upload, name="import"),
    path("import/<int:run>/", views_import.import_preview, name="import_preview"),
    path("import/<int:run>/apply/", views_import.import_apply, name="import_apply"),
]
