from django.db import models

from parley.embed.origins import normalise_origin


class EmbedSite(models.Model):
    """Where a site's discussions may be embedded, and what the widget may do there."""

    site = models.OneToOneField("articles.Site", on_delete=models.CASCADE, related_name="embed")
    allowed_origins = models.TextField(
        blank=True,
        help_text="One origin per line (scheme, host and port, e.g. https://www.example.com). "
        "Only pages there may show the widget (frame-ancestors) or call the API from the "
        "browser (CORS).",
    )
    auto_create_articles = models.BooleanField(
        default=False,
        help_text="Create an article the first time the widget is shown on a new page "
        "(from the page's canonical URL and title).",
    )
    subscribe_url = models.URLField(
        max_length=500, blank=True, help_text="The widget's Subscribe button (default: Parley's)."
    )

    def __str__(self) -> str:
        return f"Embedding of {self.site}"

    @property
    def origins(self) -> list[str]:
        """The allowed origins, normalised; lines that are not origins are ignored."""
        found = (normalise_origin(line) for line in self.allowed_origins.splitlines())
        return sorted({origin for origin in found if origin})

    def allows(self, origin: str | None) -> bool:
        normalised = normalise_origin(origin or "")
        return normalised is not None and normalised in self.origins
