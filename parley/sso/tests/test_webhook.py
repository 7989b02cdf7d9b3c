"""The entitlement webhook: starts, renews and ends subscriptions once per event, signed
with the site's secret; everything else refused, changing nothing."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parley.accounts.entitlements import Standing, entitlement_for
from parley.accounts.models import Subscription
from parley.sso.models import SsoIdentity
from parley.sso.tests.conftest import claims, deliver, exchange, sign, state

pytestmark = pytest.mark.django_db


def event(site, kind="subscription.started", event_id="evt_1", **extra):
    until = (timezone.now() + timedelta(days=30)).isoformat()
    body = {
        "id": event_id,
        "type": kind,
        "site": site.key,
        "user": {"id": "pub-user-1", "name": "Ada Lovelace"},
        "plan": "digital",
        "until": until,
    }
    body.update(extra)
    return body


def standing(site):
    return entitlement_for(SsoIdentity.objects.get(external_id="pub-user-1").user, site.pk).standing


def test_start_renew_and_end(client, site, sso):
    started = deliver(client, event(site))
    assert started.status_code == 200, started.content
    assert started.json() == {"event_id": "evt_1", "applied": True, "standing": "subscriber"}

    later = (timezone.now() + timedelta(days=60)).replace(microsecond=0)
    deliver(client, event(site, "subscription.renewed", "evt_2", until=later.isoformat()))
    sub = Subscription.objects.get(source="sso")
    assert sub.ends_at == later

    ended = deliver(client, event(site, "subscription.ended", "evt_3"))
    assert ended.json()["standing"] == "lapsed"
    assert Subscription.objects.count() == 1  # the same subscription, now ended


def test_posting_stops_at_the_next_request_when_it_ends(site, sso, article):
    key = exchange(Client(), site.key, sign(claims(site))).json()["session"]
    api = Client()
    headers = {"Authorization": f"Bearer {key}"}

    def post():
        return api.post(
            f"/api/v1/articles/{article.pk}/comments",
            '{"body": "Still here?"}',
            content_type="application/json",
            headers=headers,
        )

    assert post().status_code == 201
    deliver(Client(), event(site, "subscription.ended", "evt_end"))
    refused = post()
    assert refused.status_code == 403
    assert refused.json()["code"] == "subscription_ended"
    # A lapsed subscriber keeps their comments.
    assert article.comments.filter(author__sso_identities__external_id="pub-user-1").count() == 1


def test_a_redelivered_event_is_refused_and_changes_nothing(client, site, sso):
    deliver(client, event(site))
    before = state()

    again = deliver(client, event(site, until=(timezone.now() + timedelta(days=900)).isoformat()))

    assert again.status_code == 409
    assert again.json()["code"] == "event_replayed"
    assert state() == before


# Past the five-minute tolerance by more than a slow test takes between signing and
# checking (the header's timestamp is in whole seconds): 301 s was accepted once.
REFUSALS: dict[str, tuple[dict[str, Any], int, str]] = {
    "bad signature": ({"secret": "someone-elses-secret"}, 401, "bad_signature"),
    "old timestamp": ({"offset": -330}, 401, "stale_timestamp"),
    "future timestamp": ({"offset": 330}, 401, "stale_timestamp"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_events_change_nothing(case, client, site, sso):
    options, status, code = REFUSALS[case]
    before = state()
    if "offset" in options:
        options = {"timestamp": time.time() + options["offset"]}
    response = deliver(client, event(site), **options)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert state() == before


def test_unknown_site_and_missing_signature(client, site, sso):
    before = state()
    unknown = deliver(client, {**event(site), "site": "no-such-site"})
    unsigned = client.post(
        "/api/v1/webhooks/entitlements", event(site), content_type="application/json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_site")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "bad_signature")
    assert state() == before


def test_a_webhook_before_the_first_sign_in_prepares_the_account(client, site, sso):
    deliver(client, event(site))
    assert standing(site) == Standing.SUBSCRIBER
    response = exchange(client, site.key, sign(claims(site, entitlement={"subscriber": True})))
    assert response.json()["entitlement"]["standing"] == "subscriber"
    assert SsoIdentity.objects.count() == 1
