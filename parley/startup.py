"""The last step of loading the application in a serving process (asgi.py, wsgi.py)."""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Loads the URL configuration, then sets everything loaded so far (Django, the apps,
    the URL patterns: some 100,000 objects that live as long as the process) out of the
    garbage collector's way. A full collection then walks only what requests made since:
    without this it stops a request for tens of milliseconds, now and then, which is what
    a page's 99th-percentile latency sees (docs/performance.md)."""
    get_resolver().url_patterns  # noqa: B018 - imports every urls.py now, not in a request
    gc.freeze()
