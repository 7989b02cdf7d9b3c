from django.apps import AppConfig


class InlineConfig(AppConfig):
    name = "parley.inline"
    label = "inline"
    verbose_name = "Inline feedback"

    def ready(self) -> None:
        from parley.inline import receivers  # noqa: F401 - connects the revision hook
