"""/healthz and /metrics through HTTP."""

import asyncio
import re

import pytest
import redis
from django.test import AsyncClient, RequestFactory
from django.urls import reverse

from parley import factories
from parley.notifications.models import OutboxKind, OutboxMessage
from parley.ops import views

pytestmark = pytest.mark.django_db

SHARED_REDIS = "redis://127.0.0.1:6379/0"


def test_healthz_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["checks"]["database"]["ok"] is True
    assert "redis" not in data["checks"]
    assert response["Cache-Control"] == "no-store"


def test_healthz_checks_redis_when_configured(client, settings):
    try:
        redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.REDIS_URL = SHARED_REDIS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is True


def test_healthz_is_503_when_redis_is_gone(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "unavailable"
    assert data["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    assert data["checks"]["database"]["ok"] is True


def test_healthz_is_503_when_the_database_fails(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def broken() -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(views, "_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OSError"}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route(client, article):
    url = reverse("article", kwargs={"slug": article.slug})
    before = client.get("/metrics").content.decode()
    client.get(url)
    client.get(url)
    client.get("/no-such-page/")
    after = client.get("/metrics").content.decode()
    labels = {"route": "article", "method": "GET", "status": "200"}
    assert (
        sample(after, "parley_http_requests_total", **labels)
        - sample(before, "parley_http_requests_total", **labels)
        == 2
    )
    assert sample(after, "parley_http_requests_total", route="unmatched", status="404") >= 1
    assert sample(after, "parley_http_request_duration_seconds_count", route="article") >= 2
    # Inside the test's transaction the page cache stands aside, and says so.
    assert sample(after, "parley_page_cache_requests_total", result="bypass") >= 2


def test_metrics_show_the_outbox_queue_and_live_connections(client, article, subscriber):
    comment = factories.make_comment(article)
    OutboxMessage.objects.create(
        recipient=subscriber, key="test-1", kind=OutboxKind.IMMEDIATE, comment=comment
    )
    text = client.get("/metrics").content.decode()
    assert sample(text, "parley_notifications_outbox_pending") >= 1
    assert sample(text, "parley_notifications_outbox_due") >= 1
    assert "parley_live_connections" in text


def test_the_middleware_counts_async_requests_too(client):
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    before = sample(client.get("/metrics").content.decode(), "parley_http_requests_total", **labels)
    response = asyncio.run(AsyncClient().get("/nothing-here/"))  # the ASGI path
    assert response.status_code == 404
    after = sample(client.get("/metrics").content.decode(), "parley_http_requests_total", **labels)
    assert after - before == 1


def test_the_bench_hello_view_answers():
    response = views.bench_hello(RequestFactory().get("/bench/hello/"))
    assert response.content == b"Hello, world\n"
