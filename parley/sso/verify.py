"""Checks of what the publisher signs: sign-in tokens (JWT) and webhook signatures.

Neither writes: `read_token` returns the token's claims once its signature, audience and
times are right; the single use of its `jti` is the action's (actions.do_sign_in), made
certain by a unique constraint. `check_webhook_signature` is Stripe's scheme: HMAC-SHA256
over "<timestamp>.<body>", header `Parley-Signature: t=<unix seconds>,v1=<hex>`.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from parley.sso.errors import (
    BadSignature,
    ClockSkew,
    Expired,
    SsoRefused,
    StaleEvent,
    WebhookRefused,
)
from parley.sso.models import SiteSso
from parley.text import clean_plain_text

# Clocks differ: a token's exp and iat may be this far off Parley's clock.
CLOCK_SKEW = timedelta(seconds=60)
# A sign-in token is a short-lived ticket, not a long-lived credential.
MAX_TOKEN_LIFETIME = timedelta(hours=24)
WEBHOOK_TOLERANCE = timedelta(minutes=5)
MAX_TOKEN_CHARS = 8000


@dataclass(frozen=True)
class Claims:
    """What a verified token says about the publisher's user."""

    external_id: str
    name: str
    email: str
    subscriber: bool
    plan: str
    until: datetime | None
    jti: str
    expires_at: datetime


def parse_time(value: Any, what: str) -> datetime | None:
    """A NumericDate (seconds since the epoch) or an ISO 8601 string, as aware UTC."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError):
        raise SsoRefused(f"`{what}` is not a date (seconds since 1970, or ISO 8601).") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(payload: dict, name: str, limit: int) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise SsoRefused(f"`{name}` must be a string of at most {limit} characters.")
    return value


def read_token(config: SiteSso, token: str, *, now: datetime) -> Claims:
    """The claims of a token this site's publisher signed for this site (`aud` is the
    site's key). Raises a SsoRefused with a specific code otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise SsoRefused("No sign-in token, or one too long to be real.")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        raise SsoRefused("This is not a JWT.") from None
    # Only the site's own algorithm: never "none", never HS256 keyed with a public key.
    if algorithm != config.algorithm or not config.verification_key:
        raise BadSignature(f"This site's tokens are signed with {config.algorithm}.")
    try:
        payload = jwt.decode(
            token,
            config.verification_key,
            algorithms=[config.algorithm],
            audience=config.site.key,
            leeway=CLOCK_SKEW,
            options={"require": ["exp", "iat", "jti", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise Expired() from None
    except jwt.ImmatureSignatureError:
        raise ClockSkew() from None
    except jwt.InvalidSignatureError:
        raise BadSignature() from None
    except jwt.InvalidAudienceError:
        raise SsoRefused(
            f"The token's `aud` must be this site's key, {config.site.key!r}."
        ) from None
    except jwt.MissingRequiredClaimError as error:
        raise SsoRefused(f"The token has no `{error.claim}` claim.") from None
    except (jwt.PyJWTError, ValueError):
        raise SsoRefused("The token cannot be read (its signature or its claims).") from None
    return _claims(payload, now=now)


def _claims(payload: dict, *, now: datetime) -> Claims:
    issued = parse_time(payload["iat"], "iat")
    expires = parse_time(payload["exp"], "exp")
    assert issued is not None and expires is not None
    if issued > now + CLOCK_SKEW:
        raise ClockSkew()
    if expires - issued > MAX_TOKEN_LIFETIME:
        raise SsoRefused("A sign-in token may live 24 hours at most (exp - iat).")
    external_id = str(payload["sub"]).strip()
    jti = str(payload["jti"]).strip()
    if not external_id or len(external_id) > 200 or not jti or len(jti) > 200:
        raise SsoRefused("`sub` and `jti` must be 1 to 200 characters.")
    email = _text(payload, "email", 254).strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise SsoRefused("`email` is not an e-mail address.") from None
    entitlement = payload.get("entitlement") or {}
    if not isinstance(entitlement, dict):
        raise SsoRefused("`entitlement` must be an object: {subscriber, plan, until}.")
    subscriber = entitlement.get("subscriber", False)
    if not isinstance(subscriber, bool):
        raise SsoRefused("`entitlement.subscriber` must be true or false.")
    return Claims(
        external_id=external_id,
        name=clean_plain_text(_text(payload, "name", 200), max_length=60),
        email=email,
        subscriber=subscriber,
        plan=clean_plain_text(_text(entitlement, "plan", 200), max_length=60) or "standard",
        until=parse_time(entitlement.get("until"), "entitlement.until"),
        jti=jti,
        expires_at=expires,
    )


def sign_webhook(secret: str, body: bytes, timestamp: int) -> str:
    """The Parley-Signature header for a body: what the publisher's sender computes."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def check_webhook_signature(secret: str, header: str, body: bytes, *, now: datetime) -> None:
    """Raises unless one v1 signature of the header matches, and its timestamp is within
    WEBHOOK_TOLERANCE of now (an old request replayed is refused even if correctly signed)."""
    if not secret:
        raise WebhookRefused("This site has no webhook secret set.")
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        raise WebhookRefused(
            "The Parley-Signature header needs t=<unix seconds>,v1=<hex>."
        ) from None
    expected = sign_webhook(secret, body, timestamp).split("v1=")[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise WebhookRefused()
    if abs(now.timestamp() - timestamp) > WEBHOOK_TOLERANCE.total_seconds():
        raise StaleEvent()
