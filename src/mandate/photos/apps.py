from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "mandate.photos"
    label = "photos"
    verbose_name = "Photos from the line"
    default_auto_field = "django.db.models.BigAutoField"
