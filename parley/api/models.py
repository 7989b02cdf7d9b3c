from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A server-to-server credential for one site. Only a SHA-256 hash of the key is
    stored; the key itself is shown once, when an editor creates the token in the admin.
    A token reads its site's articles, discussions and counts; it never acts as a reader
    (posting as a person needs that person's own session)."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What this token is for, e.g. “CMS lists”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The key's first characters, to recognise it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
