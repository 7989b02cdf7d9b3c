"""API tokens: minting, hashing, lookup and revocation.

A key is `parley_` followed by 43 URL-safe characters (`secrets.token_urlsafe(32)`, 256
bits). Only its SHA-256 hash is stored: a leaked database does not leak working keys,
and a plain hash is enough because the key is random, not a password. The `parley_`
prefix lets secret scanners recognise a key pasted into the wrong place, and lets the
bearer authentication tell API tokens from other bearer credentials (SSO sessions).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from parley.accounts.models import User
from parley.api.models import ApiToken
from parley.articles.models import Site

KEY_PREFIX = "parley_"
# last_used_at is for people ("is this token still used?"), so a minute is precise enough
# and spares a write on every request.
TOUCH_EVERY = timedelta(minutes=1)
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class NewKey:
    key: str
    key_hash: str
    prefix: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> NewKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewKey(key=key, key_hash=hash_key(key), prefix=key[: len(KEY_PREFIX) + 4])


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


def active_token(key: str) -> ApiToken | None:
    """The unrevoked token with this key, with its site (one query), or None."""
    if not looks_like_key(key) or len(key) > MAX_KEY_LENGTH:
        return None
    return (
        ApiToken.objects.select_related("site")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )


def do_create_token(*, site: Site, name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its key, which is never stored or shown again."""
    minted = new_key()
    token = ApiToken.objects.create(
        site=site,
        name=name,
        key_hash=minted.key_hash,
        prefix=minted.prefix,
        created_by=created_by,
    )
    return token, minted.key


def do_revoke_tokens(tokens: QuerySet[ApiToken]) -> int:
    """Revokes the tokens at once; the next request with any of them gets 401."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def do_touch_token(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
