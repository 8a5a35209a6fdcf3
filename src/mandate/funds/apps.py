from django.apps import AppConfig


class FundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mandate.funds"
    label = "funds"
    verbose_name = "Strike and hardship funds"
