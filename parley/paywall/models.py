from django.conf import settings
from django.db import models
from django.utils import timezone


class MeterRead(models.Model):
    """A free reader opened an article in a month: it counts against the site's meter
    (Site.meter_free_articles) once, and stays readable all that month. Guests' reads
    are kept in their signed cookie instead (parley/paywall/meter.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the calendar month (UTC).")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article", "month"], name="unique_meter_read")
        ]
        indexes = [models.Index(fields=["user", "site", "month"], name="meter_reads_of_month")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.article_id} in {self.month:%Y-%m}"
