"""/healthz for load balancers and orchestrators, /metrics for Prometheus, and the
bench's hello-world view."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from parley.ops import metrics


def _timed(check: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure is a failed check; the class name says which
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=1.0, socket_connect_timeout=1.0
    )
    try:
        client.ping()
    finally:
        client.close()


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every dependency answers, 503 otherwise, with each check's result. Redis
    is checked only when REDIS_URL is set (without it Parley runs one process)."""
    checks = {"database": _timed(_database)}
    if settings.REDIS_URL:
        checks["redis"] = _timed(_redis)
    ok = all(check["ok"] for check in checks.values())
    response = JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def bench_hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"Hello, world\n", content_type="text/plain")
