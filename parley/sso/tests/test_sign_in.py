"""Signing in with a publisher's token: what it creates, what it refuses, and the session
it opens for the API and the embed."""

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from parley import factories
from parley.accounts.entitlements import Standing, entitlement_for
from parley.accounts.models import Subscription
from parley.sso.models import SiteSso, SsoIdentity, SsoSession
from parley.sso.tests.conftest import SECRET, claims, exchange, sign, state

pytestmark = pytest.mark.django_db


def test_a_subscriber_signs_in_and_gets_a_session(client, site, sso):
    response = exchange(client, site.key, sign(claims(site)))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["session"].startswith("pss_")
    assert data["user"] == {"name": "Ada Lovelace"}
    assert data["entitlement"]["standing"] == "subscriber"
    identity = SsoIdentity.objects.get(site=site, external_id="pub-user-1")
    assert identity.user.email == "ada@publisher.example"
    assert not identity.user.has_usable_password()
    subscription = Subscription.objects.get(user=identity.user, site=site)
    assert (subscription.source, subscription.plan) == ("sso", "digital")
    assert "ada@" not in response.content.decode()


def test_signing_in_again_updates_the_same_account(client, site, sso):
    exchange(client, site.key, sign(claims(site)))
    exchange(
        client, site.key, sign(claims(site, name="Ada King", entitlement={"subscriber": True}))
    )

    identity = SsoIdentity.objects.get(site=site, external_id="pub-user-1")
    assert identity.user.display_name == "Ada King"
    assert SsoIdentity.objects.count() == 1
    running = Subscription.objects.current().get(user=identity.user)
    assert running.ends_at is None  # no `until`: runs until the publisher ends it


def test_accounts_are_never_linked_by_email(client, site, sso):
    existing = factories.make_user("ada", email="ada@publisher.example")
    exchange(client, site.key, sign(claims(site, sub="someone-else")))

    identity = SsoIdentity.objects.get(external_id="someone-else")
    assert identity.user != existing
    assert not Subscription.objects.filter(user=existing).exists()


def test_a_non_subscriber_is_a_reader_and_a_lapsed_one_ends(client, site, sso):
    exchange(client, site.key, sign(claims(site)))
    user = SsoIdentity.objects.get().user
    assert entitlement_for(user, site.pk).standing == Standing.SUBSCRIBER

    exchange(client, site.key, sign(claims(site, entitlement={"subscriber": False})))

    assert entitlement_for(user, site.pk).standing == Standing.LAPSED
    fresh = sign(claims(site, sub="new", entitlement={"subscriber": False}))
    assert exchange(client, site.key, fresh).json()["entitlement"]["standing"] == "reader"


def _other_site_token(site):
    return sign(claims(site, aud="another-site"))


def _times(iat_offset: int, lifetime: int) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now + iat_offset, "exp": now + iat_offset + lifetime}


REFUSALS: dict[str, tuple[Callable[[Any], str], int, str]] = {
    "bad signature": (
        lambda s: sign(claims(s), secret="not-the-site-secret-at-all-not-even-close"),
        401,
        "sso_bad_signature",
    ),
    "expired": (lambda s: sign(claims(s, **_times(-4000, 1000))), 401, "sso_expired"),
    "issued in the future": (lambda s: sign(claims(s, **_times(600, 600))), 401, "sso_clock_skew"),
    "no exp": (lambda s: sign(claims(s, exp=None)), 401, "sso_invalid"),
    "no jti": (lambda s: sign(claims(s, jti=None)), 401, "sso_invalid"),
    "another site's audience": (_other_site_token, 401, "sso_invalid"),
    "alg none": (
        lambda s: jwt.encode(claims(s), "", algorithm="none"),
        401,
        "sso_bad_signature",
    ),
    "lives too long": (lambda s: sign(claims(s, **_times(0, 3 * 86400))), 401, "sso_invalid"),
    "not a jwt": (lambda s: "hello", 401, "sso_invalid"),
    "bad email": (lambda s: sign(claims(s, email="not an address")), 401, "sso_invalid"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_tokens_change_nothing(case, client, site, sso):
    make, status, code = REFUSALS[case]
    before = state()

    response = exchange(client, site.key, make(site))

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert state() == before


def test_a_small_clock_skew_is_allowed(client, site, sso):
    now = int(time.time())
    token = sign(claims(site, iat=now + 30, exp=now - 30 + 600))
    assert exchange(client, site.key, token).status_code == 201


def test_a_replayed_token_is_refused_and_changes_nothing(client, site, sso):
    token = sign(claims(site))
    assert exchange(client, site.key, token).status_code == 201
    before = state()

    again = exchange(Client(), site.key, token)

    assert again.status_code == 401
    assert again.json()["code"] == "sso_replayed"
    assert state() == before


def test_an_unknown_site_is_refused(client, site, sso):
    before = state()
    response = exchange(client, "no-such-site", sign(claims(site)))
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_site"
    other = factories.make_site()  # a site without SSO set up is unknown to SSO too
    assert exchange(client, other.key, sign(claims(other))).json()["code"] == "unknown_site"
    assert state() == before


def test_rs256_with_the_publishers_public_key(client, site):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    SiteSso.objects.create(site=site, algorithm="RS256", public_key=public_pem.decode())
    token = jwt.encode(claims(site), private, algorithm="RS256")
    assert exchange(client, site.key, token).status_code == 201
    # HS256 keyed with the (public) key must not pass for RS256.
    forged = jwt.encode(claims(site), SECRET, algorithm="HS256")
    assert exchange(client, site.key, forged).json()["code"] == "sso_bad_signature"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_the_session_posts_through_the_api_without_csrf(site, sso, article):
    key = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    api = Client(enforce_csrf_checks=True)

    me = api.get(f"/api/v1/me?site={site.key}", headers=bearer(key)).json()
    posted = api.post(
        f"/api/v1/articles/{article.pk}/comments",
        '{"body": "Signed in from the publisher."}',
        content_type="application/json",
        headers=bearer(key),
    )

    assert me["via"] == "sso" and me["user"] == {"name": "Ada Lovelace"}
    assert posted.status_code == 201, posted.content
    assert posted.json()["comment"]["author"] == {"name": "Ada Lovelace"}


def test_the_session_is_confined_to_its_site(site, sso):
    key = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    elsewhere = factories.make_article(factories.make_site())
    response = Client().get(f"/api/v1/articles/{elsewhere.pk}", headers=bearer(key))
    assert response.status_code == 404


def test_signing_out_and_expiry_end_the_session(site, sso, article):
    key = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    api = Client()

    out = api.delete("/api/v1/sso/session", headers=bearer(key))
    after = api.get("/api/v1/me", headers=bearer(key))

    assert out.json() == {"signed_out": True}
    assert after.status_code == 401 and after.json()["code"] == "session_expired"
    key2 = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    SsoSession.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert api.get("/api/v1/me", headers=bearer(key2)).json()["code"] == "session_expired"
