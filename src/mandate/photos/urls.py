from django.urls import path

from mandate.photos import views

app_name = "photos"

urlpatterns = [
    path("", views.index, name="index"),
    path("p/<uuid:pk>/", views.detail, name="detail"),
    path("p/<uuid:pk>/photo.jpg", views.image, name="image"),
    path("p/<uuid:pk>/thumb.jpg", views.thumbnail, name="thumbnail"),
    path("p/<uuid:pk>/download/", views.download, name="download"),
    path("p/<uuid:pk>/approve/", views.approve, name="approve"),
    path("p/<uuid:pk>/take-down/", views.take_down, name="take_down"),
    path("<slug:slug>/", views.gallery, name="gallery"),
]
