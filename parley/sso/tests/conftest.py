"""Fixtures for single sign-on: a site set up for SSO and a way to sign tokens for it."""

import json
import time
import uuid
from typing import Any

import jwt
import pytest
from django.test import Client

from parley.accounts.models import Subscription, User
from parley.sso.models import SiteSso, SsoIdentity, SsoSession, UsedTokenId, WebhookEvent
from parley.sso.verify import sign_webhook

SECRET = "test-sso-secret-that-is-long-enough-for-hs256"
WEBHOOK_SECRET = "test-webhook-secret-long-enough-too"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sso(site) -> SiteSso:
    return SiteSso.objects.create(site=site, shared_secret=SECRET, webhook_secret=WEBHOOK_SECRET)


def claims(site, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    data: dict[str, Any] = {
        "sub": "pub-user-1",
        "aud": site.key,
        "name": "Ada Lovelace",
        "email": "ada@publisher.example",
        "entitlement": {"subscriber": True, "plan": "digital", "until": now + 30 * 86400},
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sign(payload: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


def exchange(client: Client, site_key: str, token: str):
    return client.post(
        "/api/v1/sso/session",
        json.dumps({"site": site_key, "token": token}),
        content_type="application/json",
    )


def deliver(client: Client, body: dict[str, Any], *, secret=WEBHOOK_SECRET, timestamp=None):
    raw = json.dumps(body).encode()
    header = sign_webhook(secret, raw, int(timestamp if timestamp is not None else time.time()))
    return client.post(
        "/api/v1/webhooks/entitlements",
        raw,
        content_type="application/json",
        headers={"Parley-Signature": header},
    )


def state() -> tuple:
    """Everything a refused sign-in or event must leave as it was."""
    return (
        list(User.objects.order_by("pk").values_list("pk", "display_name", "email")),
        list(SsoIdentity.objects.order_by("pk").values_list("pk", "external_id", "user_id")),
        list(Subscription.objects.order_by("pk").values_list("pk", "user_id", "ends_at", "plan")),
        SsoSession.objects.count(),
        UsedTokenId.objects.count(),
        WebhookEvent.objects.count(),
    )
