from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "mandate.disputes"
    label = "disputes"
    verbose_name = "Disputes"
