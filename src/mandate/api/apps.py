from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mandate.api"
    label = "api"
    verbose_name = "REST API"
