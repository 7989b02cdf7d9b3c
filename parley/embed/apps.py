from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "parley.embed"
    label = "embed"
    verbose_name = "Embed widget"
