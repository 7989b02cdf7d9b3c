"""SSO sessions as bearer credentials: for the public API (auth.BEARER_RESOLVERS) and for
the embed's requests to Parley's own pages (parley/embed/middleware.py)."""

import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone

from parley.api.auth import Principal
from parley.sso.errors import SessionExpired
from parley.sso.models import SsoSession

PREFIX = "pss_"  # API tokens start with "parley_": each resolver knows its own


def new_key() -> tuple[str, str]:
    """A fresh session key and the hash that is stored."""
    key = PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(value: str) -> bool:
    return value.startswith(PREFIX)


def active_session(key: str) -> SsoSession | None:
    """The session with this key while it runs, with its user and site (one query)."""
    return (
        SsoSession.objects.select_related("identity__user", "identity__site")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def resolve_sso_session(request: HttpRequest, key: str) -> Principal | None:
    """A bearer resolver (parley.api.auth): an SSO session acts as its user, on its site
    only. A key of ours that is unknown, expired or signed out is refused (401), so the
    widget knows to ask the host page for a fresh sign-in token."""
    if not looks_like_key(key):
        return None
    session = active_session(key)
    if session is None or not session.identity.user.is_active:
        raise SessionExpired()
    return Principal(via="sso", user=session.identity.user, site=session.identity.site)
