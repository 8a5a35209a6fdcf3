from django.urls import path

from mandate.votes import views

app_name = "votes"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.poll_new, name="new"),
    path("<int:pk>/", views.poll_detail, name="detail"),
    path("<int:pk>/open/", views.poll_open, name="open"),
    path("<int:pk>/close/", views.poll_close, name="close"),
    path("<int:pk>/publish/", views.poll_publish, name="publish"),
    path("<int:pk>/links.csv", views.poll_links, name="links"),
    path("<int:pk>/send/", views.poll_send, name="send"),
]
