from django.apps import AppConfig


class PayConfig(AppConfig):
    name = "mandate.pay"
    label = "pay"
    verbose_name = "Pay deductions"
