from django.apps import AppConfig


class TurnoutConfig(AppConfig):
    name = "mandate.turnout"
    label = "turnout"
    verbose_name = "Get the Vote Out"
