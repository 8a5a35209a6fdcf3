from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "mandate.ballots"
    label = "ballots"
    verbose_name = "Statutory ballots"
