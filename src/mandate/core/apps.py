from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mandate.core"
    label = "core"
    verbose_name = "Union structure"

    def ready(self) -> None:
        from mandate.core import access_cache

        access_cache.connect()
