"""The last step of loading the application in a serving process (asgi.py, wsgi.py)."""

import gc
import logging
from pathlib import Path

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver

log = logging.getLogger("parley.ops")


def settle() -> None:
    """Readies the process before its first request, then sets everything loaded so far
    out of the garbage collector's way.

    A new worker's first page otherwise pays for compiling the templates it renders,
    opening its database pool and its cache connection: 50 to 80 ms during which the
    pages it already keeps wait behind it (a new worker joining a busy site shows it as
    its 99th-percentile latency). `gc.freeze()` then keeps the some 100,000 objects that
    live as long as the process (Django, the apps, the URL patterns, the compiled
    templates) out of every full collection, which otherwise stops a request for tens of
    milliseconds now and then (docs/performance.md)."""
    get_resolver().url_patterns  # noqa: B018 - imports every urls.py now, not in a request
    compile_templates()
    connect()
    gc.freeze()


def compile_templates() -> int:
    """Compiles every template of the project and its apps into the engine's cache (a
    template that does not compile is left for its page to report). Returns how many."""
    compiled = 0
    for engine in engines.all():
        for root in map(Path, engine.template_dirs):
            for path in sorted(root.rglob("*.html")):
                name = path.relative_to(root).as_posix()
                try:
                    engine.get_template(name)
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue
                compiled += 1
    return compiled


def connect() -> None:
    """Opens the database pool (PostgreSQL under `parley serve`: the pool is the
    process's, where a plain connection would be this thread's alone) and the cache's
    connection. A database or cache that is not there yet is not an error here: requests
    report it, and /healthz."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        try:
            connection.ensure_connection()
        except DatabaseError as error:
            log.warning("startup: database not reachable yet: %s", error)
        finally:
            connection.close()  # back to the pool
    try:
        cache.get("parley:startup")
    except Exception as error:  # any backend's failure: the pages run without it
        log.warning("startup: cache not reachable yet: %s", error)
