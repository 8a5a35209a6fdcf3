from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "mandate.votes"
    label = "votes"
    verbose_name = "Consultative e-ballots"
