from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parley.text import clean_plain_text


class User(AbstractUser):
    """A Parley account. `display_name` is public; `username` is only for signing in."""

    display_name = models.CharField(max_length=60, blank=True)

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.public_name

    def save(self, *args, **kwargs):
        self.display_name = clean_plain_text(self.display_name, max_length=60)
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class SiteRole(models.Model):
    """A user's staff role on one site. Moderators and editors act only on their own sites."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", "Moderator"
        EDITOR = "editor", "Editor"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="site_roles")
    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="unique_site_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.site}"


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), starts_at__lte=at)


class Subscription(models.Model):
    """A paid subscription to one site. It entitles its holder to post while
    `starts_at <= now < ends_at` (an open end means it runs until cancelled)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscriptions")
    site = models.ForeignKey(
        "articles.Site", on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.CharField(max_length=60, default="standard")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="manual")

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "site", "ends_at"], name="subscription_lookup")]

    def __str__(self) -> str:
        return f"{self.user} · {self.site} · {self.plan}"
