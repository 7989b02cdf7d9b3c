from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "parley.api"
    label = "api"
    verbose_name = "Public API"
