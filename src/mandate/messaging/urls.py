from django.urls import path

from mandate.messaging import views, views_inbound

app_name = "messaging"

urlpatterns = [
    path("branches/<slug:branch>/messages/", views.send_list, name="list"),
    path("branches/<slug:branch>/messages/new/", views.send_new, name="new"),
    path("branches/<slug:branch>/messages/<int:pk>/", views.send_detail, name="detail"),
    path("messaging/sms/webhook/", views_inbound.sms_webhook, name="sms_webhook"),
    path("messaging/unsubscribe/<token>/", views_inbound.unsubscribe, name="unsubscribe"),
]
