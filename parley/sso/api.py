"""Single sign-on and entitlement events on the public API (mounted in parley/api/api.py):

- `POST /sso/session`: a publisher's sign-in token (JWT) for a session key, the bearer
  credential of the embed widget.
- `DELETE /sso/session`: signs that session out (the host page signed out).
- `POST /webhooks/entitlements`: the publisher's subscription events, HMAC-signed.

The token and the signature are the credentials here, so these operations take no cookie
(auth=None): a browser's session with Parley lends them no authority.
"""

from datetime import UTC, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Header, Router, Schema, Status

from parley.accounts.entitlements import entitlement_for
from parley.api import auth, present
from parley.api.errors import WRITE_ERRORS
from parley.api.schemas import EntitlementOut, ErrorOut, MeUserOut, SiteOut, Text
from parley.sso import actions, verify
from parley.sso.errors import UnknownSite
from parley.sso.models import SiteSso
from parley.text import clean_plain_text

router = Router(tags=["single sign-on"])

SiteKey = Field(..., max_length=50, pattern=r"^[-a-zA-Z0-9_]+$", description="The site's key.")


class SsoSessionIn(Schema):
    site: str = SiteKey
    token: Text = Field(..., max_length=verify.MAX_TOKEN_CHARS, description="The publisher's JWT.")


class SsoSessionOut(Schema):
    session: str = Field(description="Bearer key: `Authorization: Bearer <session>`.")
    expires_at: datetime = Field(description="Ask the host page for a new token before.")
    user: MeUserOut
    site: SiteOut
    entitlement: EntitlementOut


class SignedOutOut(Schema):
    signed_out: bool = Field(description="False when no SSO session was running.")


class WebhookUserIn(Schema):
    id: Text = Field(..., min_length=1, max_length=200, description="The publisher's user id.")
    name: Text | None = Field(None, max_length=200)


class EntitlementEventIn(Schema):
    id: Text = Field(..., min_length=1, max_length=200, description="Unique per event.")
    type: Literal["subscription.started", "subscription.renewed", "subscription.ended"]
    site: str = SiteKey
    user: WebhookUserIn
    plan: Text | None = Field(None, max_length=60)
    until: datetime | None = Field(None, description="End of the paid period; null: open.")


class EventAppliedOut(Schema):
    event_id: str
    applied: bool
    standing: str = Field(description="The user's standing on the site afterwards.")


def site_sso(key: str) -> SiteSso:
    config = SiteSso.objects.select_related("site").filter(site__key=key).first()
    if config is None:
        raise UnknownSite()
    return config


@router.post("/sso/session", response={201: SsoSessionOut, **WRITE_ERRORS}, auth=None)
def sso_session(request: HttpRequest, payload: SsoSessionIn):
    """Signs a publisher's user in: checks the token's signature, `aud`, `exp`, `iat`
    and single-use `jti`, creates or updates the account of (site, `sub`) and its
    subscription, and returns a session key for the widget. Errors: `unknown_site`,
    `sso_bad_signature`, `sso_expired`, `sso_clock_skew`, `sso_replayed`, `sso_invalid`."""
    config = site_sso(payload.site)
    now = timezone.now()
    claims = verify.read_token(config, payload.token, now=now)
    key, session = actions.do_sign_in(site=config.site, claims=claims, now=now)
    user = session.identity.user
    return Status(
        201,
        SsoSessionOut(
            session=key,
            expires_at=session.expires_at,
            user=MeUserOut(name=user.public_name),
            site=SiteOut(key=config.site.key, name=config.site.name),
            entitlement=present.entitlement_out(entitlement_for(user, config.site.pk)),
        ),
    )


@router.delete("/sso/session", response={200: SignedOutOut, **WRITE_ERRORS})
def sso_sign_out(request: HttpRequest):
    """Ends the SSO session of the bearer key sent (the host page signed out)."""
    caller = auth.principal(request)
    header = request.headers.get("Authorization", "")
    if caller.via != "sso" or not header.lower().startswith("bearer "):
        return SignedOutOut(signed_out=False)
    return SignedOutOut(signed_out=actions.do_sign_out(key=header[7:].strip()))


@router.post(
    "/webhooks/entitlements",
    response={200: EventAppliedOut, 409: ErrorOut, **WRITE_ERRORS},
    auth=None,
)
def entitlement_webhook(
    request: HttpRequest,
    payload: EntitlementEventIn,
    signature: str = Header("", alias="Parley-Signature", max_length=1000),
):
    """A subscription started, renewed or ended on the publisher's side. Signed with
    HMAC-SHA256 over "<t>.<body>" (header `Parley-Signature: t=…,v1=…`), refused when `t`
    is more than 5 minutes off; applied once per event id (a redelivery answers 409
    `event_replayed` and changes nothing). Posting stops at the user's next request."""
    config = site_sso(payload.site)
    now = timezone.now()
    verify.check_webhook_signature(config.webhook_secret, signature, request.body, now=now)
    until = payload.until
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    identity = actions.do_apply_event(
        site=config.site,
        event_id=payload.id,
        kind=payload.type,
        external_id=payload.user.id,
        name=clean_plain_text(payload.user.name or "", max_length=60),
        plan=clean_plain_text(payload.plan or "", max_length=60) or "standard",
        until=until,
        now=now,
    )
    standing = entitlement_for(identity.user, config.site.pk).standing
    return EventAppliedOut(event_id=payload.id, applied=True, standing=standing.value)
