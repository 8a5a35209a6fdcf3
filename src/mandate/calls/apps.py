from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "mandate.calls"
    label = "calls"
    verbose_name = "Phone banking"
