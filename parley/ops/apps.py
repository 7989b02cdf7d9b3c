from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "parley.ops"
    label = "ops"
    verbose_name = "Operations"
