from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "mandate.actions"
    label = "actions"
    verbose_name = "Action calendar"
