"""Rate limits per account, in the database and in a real Redis, and the client address
behind (and not behind) a trusted proxy."""

import pytest
import redis
from django.test import RequestFactory
from django.urls import reverse

from parley import factories
from parley.moderation import ratelimit
from parley.moderation.models import RateCounter
from parley.moderation.tests.conftest import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.PARLEY_RATE_LIMITS = {
        "comment": (2, 60),
        "vote": (2, 60),
        "edit": (1, 60),
        "report": (1, 600),
    }


def _posting_is_limited(client, article, subscriber):
    client.force_login(subscriber)
    assert post(client, article, "One.").status_code == 201
    assert post(client, article, "Two.").status_code == 201
    third = post(client, article, "Three.")
    assert third.status_code == 429
    assert third.json()["code"] == "rate_limited"
    assert "2 comments in 1 minute" in third.json()["message"]
    # Another account has its own allowance.
    client.force_login(factories.make_subscriber(article.site))
    assert post(client, article, "Someone else.").status_code == 201


def test_comments_limited_in_the_database(client, article, subscriber, tight):
    _posting_is_limited(client, article, subscriber)
    # The refused third attempt rolled back with its request.
    assert RateCounter.objects.filter(key__endswith=f":comment:{subscriber.pk}").get().count == 2


def test_comments_limited_in_redis(client, article, subscriber, tight, shared_redis, settings):
    _posting_is_limited(client, article, subscriber)
    assert not RateCounter.objects.exists()
    keys = redis.Redis.from_url(shared_redis).keys(f"{settings.PARLEY_RATE_LIMIT_PREFIX}:*")
    assert len(keys) == 2
    assert all(redis.Redis.from_url(shared_redis).ttl(k) > 0 for k in keys)


def test_redis_down_falls_back_to_the_database(client, article, subscriber, tight, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    _posting_is_limited(client, article, subscriber)
    assert RateCounter.objects.exists()


@pytest.mark.parametrize("backend", ["db", "redis"])
def test_votes_and_edits_are_limited(request, client, article, subscriber, tight, backend):
    if backend == "redis":
        request.getfixturevalue("shared_redis")
    client.force_login(subscriber)
    targets = [factories.make_comment(article, body=f"Target {i}") for i in range(3)]
    codes = [
        client.post(
            reverse("vote", args=[t.pk]), {"value": "up"}, headers={"X-Parley-Fragment": "1"}
        ).status_code
        for t in targets
    ]
    assert codes == [200, 200, 429]
    mine = factories.make_comment(article, subscriber, "Mine.")
    edits = [
        client.post(
            reverse("edit_comment", args=[mine.pk]),
            {"body": f"Mine, edited {i}."},
            headers={"X-Parley-Fragment": "1"},
        ).status_code
        for i in range(2)
    ]
    assert edits == [200, 429]


def test_windows_are_fixed_and_expire(tight):
    assert ratelimit.hit("comment", "7", now=120.0) == 1
    assert ratelimit.hit("comment", "7", now=150.0) == 2
    assert ratelimit.hit("comment", "7", now=181.0) == 1  # a new minute
    assert RateCounter.objects.filter(key__endswith=":comment:7").count() == 1


# --- the client address -------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.PARLEY_TRUSTED_PROXIES = []
    assert ratelimit.client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_a_spoofed_header_from_an_untrusted_client_is_ignored(settings):
    settings.PARLEY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_the_trusted_proxy_names_the_client(settings):
    settings.PARLEY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(_request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_a_client_prepending_addresses_cannot_choose_its_own(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    settings.PARLEY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = _request("10.0.0.2", "1.2.3.4, 198.51.100.7")
    assert ratelimit.client_ip(request) == "198.51.100.7"
    chained = _request("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3")
    assert ratelimit.client_ip(chained) == "198.51.100.7"


def test_a_malformed_header_is_not_trusted(settings):
    settings.PARLEY_TRUSTED_PROXIES = ["10.0.0.2"]
    assert ratelimit.client_ip(_request("10.0.0.2", "1.2.3.4, <script>")) == "10.0.0.2"


def test_reports_are_limited_per_address_too(client, article, settings, tight):
    settings.PARLEY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.PARLEY_RATE_LIMITS = {"report": (5, 600), "report_ip": (1, 600)}
    targets = [factories.make_comment(article, body=f"Target {i}") for i in range(2)]
    codes = []
    for target in targets:
        client.force_login(factories.make_subscriber(article.site))
        codes.append(
            client.post(
                reverse("moderation:report", args=[target.pk]),
                {"reason": "spam"},
                headers={"X-Parley-Fragment": "1"},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.7",
            ).status_code
        )
    assert codes == [201, 429]
