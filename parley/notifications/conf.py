"""Notification settings, each read from Django settings with a default (tests override
them with pytest-django's `settings` fixture; production sets them in the environment)."""

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def flood_cap() -> int:
    """Immediate e-mails per recipient per discussion per hour; the rest go to the digest."""
    return _int("PARLEY_NOTIFY_FLOOD_CAP", 5)


def digest_hour() -> int:
    """Hour of the day (UTC) when daily digests go out."""
    return _int("PARLEY_DIGEST_HOUR", 7)


def unsubscribe_max_age() -> int:
    """How long an unsubscribe link works, in seconds (default 180 days)."""
    return _int("PARLEY_UNSUBSCRIBE_MAX_AGE", 180 * 24 * 3600)


def base_url() -> str:
    """Absolute links in e-mails start here when the site has no domain of its own."""
    value = getattr(settings, "PARLEY_BASE_URL", None) or os.environ.get("PARLEY_BASE_URL")
    return (value or "http://127.0.0.1:8000").rstrip("/")


def mailer_alias() -> str:
    return str(getattr(settings, "PARLEY_NOTIFY_MAILER", "default"))
