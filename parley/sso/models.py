"""Single sign-on: a site's keys, the accounts it vouches for, the sessions it opened, and
what makes tokens and webhook events single-use. See docs/sso.md."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Algorithm(models.TextChoices):
    HS256 = "HS256", "HS256 (shared secret)"
    RS256 = "RS256", "RS256 (publisher's public key)"


class SiteSso(models.Model):
    """How a site's publisher signs: its sign-in tokens (JWT) and its webhook events."""

    site = models.OneToOneField("articles.Site", on_delete=models.CASCADE, related_name="sso")
    algorithm = models.CharField(max_length=5, choices=Algorithm.choices, default="HS256")
    shared_secret = models.CharField(
        max_length=200, blank=True, help_text="HS256: the secret the publisher signs with."
    )
    public_key = models.TextField(
        blank=True,
        help_text="RS256: the publisher's public key (PEM). Parley never sees the private key.",
    )
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Signs POST /api/v1/webhooks/entitlements."
    )

    class Meta:
        verbose_name = "site single sign-on"

    def __str__(self) -> str:
        return f"SSO of {self.site}"

    @property
    def verification_key(self) -> str:
        return self.shared_secret if self.algorithm == Algorithm.HS256 else self.public_key


class SsoIdentity(models.Model):
    """A publisher's user: one Parley account per (site, the publisher's user id). Never
    found by e-mail: an address is only what the publisher said about the user."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "SSO identities"
        constraints = [
            models.UniqueConstraint(fields=["site", "external_id"], name="unique_sso_identity")
        ]

    def __str__(self) -> str:
        return f"{self.external_id} on {self.site_id}"


class UsedTokenId(models.Model):
    """A sign-in token's `jti`, kept until the token expires: the unique constraint is
    what refuses a replay, even of two requests racing."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "jti"], name="unique_sso_jti")]

    def __str__(self) -> str:
        return self.jti


class SsoSession(models.Model):
    """A widget's sign-in, made from one token: a bearer key (only its SHA-256 is kept)
    for the API and the embed's page requests, until the token's `exp` or sign-out."""

    key_hash = models.CharField(max_length=64, unique=True)
    identity = models.ForeignKey(SsoIdentity, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="sso_session_expiry")]

    def __str__(self) -> str:
        return f"session of {self.identity}"


class WebhookEvent(models.Model):
    """An entitlement event already applied: its id makes a redelivery harmless."""

    site = models.ForeignKey("articles.Site", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "event_id"], name="unique_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
