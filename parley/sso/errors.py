"""Why a sign-in token or a webhook event is refused: stable codes, for the publisher's
developers (docs/sso.md lists them)."""

from parley.errors import ParleyError


class UnknownSite(ParleyError):
    code = "unknown_site"
    status = 404
    message = "No site with this key has single sign-on set up."


class SsoRefused(ParleyError):
    code = "sso_invalid"
    status = 401
    message = "This sign-in token is not valid."


class BadSignature(SsoRefused):
    code = "sso_bad_signature"
    message = "The sign-in token's signature does not match this site's key."


class Expired(SsoRefused):
    code = "sso_expired"
    message = "The sign-in token has expired: ask the publisher's site for a fresh one."


class ClockSkew(SsoRefused):
    code = "sso_clock_skew"
    message = "The sign-in token was issued in the future: check the signing server's clock."


class Replayed(SsoRefused):
    code = "sso_replayed"
    message = "This sign-in token was already used: every token signs in once (its jti)."


class SessionExpired(SsoRefused):
    code = "session_expired"
    message = "The sign-in has expired or was signed out: sign in again."


class WebhookRefused(ParleyError):
    code = "bad_signature"
    status = 401
    message = "The Parley-Signature header does not match the body and this site's secret."


class StaleEvent(WebhookRefused):
    code = "stale_timestamp"
    message = "The event's timestamp is more than 5 minutes from Parley's clock."


class EventReplayed(ParleyError):
    code = "event_replayed"
    status = 409
    message = "This event was already applied; nothing changed. Treat it as delivered."
