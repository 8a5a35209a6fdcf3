from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "mandate.members"
    label = "members"
    verbose_name = "Member register"
