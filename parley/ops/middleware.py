"""Counts and times every request for /metrics. Works for sync and async views alike
(the live stream is async: a sync-only middleware would make Django run it in a thread
and buffer it)."""

import time
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from parley.ops import metrics

Handler = Callable[[HttpRequest], Any]


def _route(request: HttpRequest) -> str:
    # URL names, not paths: a bounded set of labels whatever the slugs and ids.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


def _record(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    route = _route(request)
    metrics.LATENCY.labels(route).observe(time.perf_counter() - started)
    metrics.REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
    outcome = getattr(request, "parley_cache", None)
    if outcome:
        metrics.PAGE_CACHE.labels(outcome).inc()
    metrics.report_live_connections()


@sync_and_async_middleware
def metrics_middleware(get_response: Handler) -> Handler:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            started = time.perf_counter()
            response = await get_response(request)
            _record(request, response, started)
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = get_response(request)
        _record(request, response, started)
        return response

    return middleware
