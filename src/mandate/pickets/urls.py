from django.urls import path

from mandate.pickets import views

app_name = "pickets"

urlpatterns = [
    path("", views.index, name="index"),
    path("branches/<slug:branch>/", views.branch, name="branch"),
    path("branches/<slug:branch>/sites/new/", views.site_new, name="site_new"),
    path("branches/<slug:branch>/day/<str:day>/", views.branch_day, name="branch_day"),
    path("sites/<int:pk>/", views.site, name="site"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/entrances/", views.entrance_add, name="entrance_add"),
    path("sites/<int:pk>/generate/", views.generate, name="generate"),
    path("sites/<int:pk>/codes/", views.codes_rotate, name="codes_rotate"),
    path("sites/<int:pk>/incidents/", views.incidents, name="incidents"),
    path("sites/<int:pk>/<str:day>/", views.site_day, name="site_day"),
    path("sites/<int:pk>/<str:day>/print/", views.rota_print, name="print"),
    path("sites/<int:pk>/<str:day>/qr/", views.qr, name="qr"),
    path("sites/<int:pk>/<str:day>/checkin/", views.checkin, name="checkin"),
    path("sites/<int:pk>/<str:day>/checkin/undo/", views.checkin_undo, name="checkin_undo"),
    path("sites/<int:pk>/<str:day>/letter/", views.letter, name="letter"),
    path("sites/<int:pk>/<str:day>/letter.docx", views.letter_download, name="letter_docx"),
    path("sites/<int:pk>/<str:day>/letter/shown/", views.letter_shown, name="letter_shown"),
    path("shifts/<int:pk>/edit/", views.shift_edit, name="shift_edit"),
    path("shifts/<int:pk>/delete/", views.shift_delete, name="shift_delete"),
    path("shifts/<int:pk>/add/", views.signup_add, name="signup_add"),
    path("signups/<int:pk>/remove/", views.signup_remove, name="signup_remove"),
    path("signups/<int:pk>/move/", views.signup_move, name="signup_move"),
    path("disputes/<slug:slug>/totals/", views.totals, name="totals"),
]
