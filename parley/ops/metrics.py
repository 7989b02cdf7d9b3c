"""Prometheus metrics, and how a scrape gathers them.

One process: the metrics live in prometheus-client's default registry and /metrics shows
that process (granian with one worker, `parley serve --workers 1`).

Several processes (granian workers, or several `parley serve` on one machine): set
PROMETHEUS_MULTIPROC_DIR to an empty directory, the same for every process of the machine
and emptied before they start. prometheus-client then keeps each process's values in a
file there, and /metrics, whichever process answers it, sums them all. Without it, each
scrape would show only the worker that happened to answer. (deploy/README.md.)

Gauges that are facts about the whole installation (the notification outbox) are read
from the database at scrape time; live connections are counted by each process, which
reports its own after every request it serves and at scrape time.
"""

import logging
import os
import time

from django.db import DatabaseError
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

log = logging.getLogger("parley.ops")

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "parley_http_requests_total",
    "HTTP requests answered, by route (URL name), method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "parley_http_request_duration_seconds",
    "Time from request to response headers, by route. A live stream counts until it "
    "starts, not for its lifetime.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PAGE_CACHE = Counter(
    "parley_page_cache_requests_total",
    "Guest page requests by cache outcome: front (answered from the process's memory "
    "before Django runs), hit, store (a miss that filled the cache), miss (rendered, not "
    "stored), bypass (cache off).",
    ["result"],
)
LIVE_CONNECTIONS = Gauge(
    "parley_live_connections",
    "Open live-update streams (SSE), summed over the live processes.",
    multiprocess_mode="livesum",
)
OUTBOX_PENDING = Gauge(
    "parley_notifications_outbox_pending",
    "Notification e-mails waiting in the outbox (all pending rows).",
    multiprocess_mode="mostrecent",
)
OUTBOX_DUE = Gauge(
    "parley_notifications_outbox_due",
    "Pending notification e-mails whose time has come: the worker's queue depth.",
    multiprocess_mode="mostrecent",
)


def record_front_hit() -> None:
    """A page answered by parley/cache/front.py, which no middleware sees. (Labels are
    looked up per call: a child made at import could be inherited by forked workers.)"""
    REQUESTS.labels("page_cache_front", "GET", "200").inc()
    PAGE_CACHE.labels("front").inc()


_LIVE_EVERY = 1.0  # seconds between a process's reports of its live connections
_live_reported = 0.0


def report_live_connections(force: bool = False) -> None:
    """This process's open streams, at most once a second (cheap: a lock and a sum)."""
    global _live_reported
    now = time.monotonic()
    if not force and now - _live_reported < _LIVE_EVERY:
        return
    _live_reported = now
    try:
        from parley.live.broker import hub
    except ImportError:  # pragma: no cover - parley.live is part of Parley today
        return
    LIVE_CONNECTIONS.set(hub().listener_count())


def read_outbox() -> None:
    """One indexed query. A database that fails leaves the gauges as they were: the
    request metrics are still worth scraping, and /healthz reports the database."""
    from parley.notifications.models import OutboxMessage, OutboxStatus

    try:
        counts = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
            pending=Count("pk"), due=Count("pk", filter=Q(due_at__lte=timezone.now()))
        )
    except DatabaseError:
        log.warning("metrics: could not read the outbox", exc_info=True)
        return
    OUTBOX_PENDING.set(counts["pending"] or 0)
    OUTBOX_DUE.set(counts["due"] or 0)


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    report_live_connections(force=True)
    read_outbox()
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
