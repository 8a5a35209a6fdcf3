from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mandate.messaging"
    label = "messaging"
    verbose_name = "Messaging"
