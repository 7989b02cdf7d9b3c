"""The article page under the meter: the decision for the template, and guests' pages kept
out of the shared guest page cache (parley/cache) on sites that meter.

A metered guest's page depends on their cookie, so it must be rendered for them. Knowing
whether a host's site meters would cost a query on every cache hit; a per-process memo
(cleared when a site is saved in this process, else after MEMO_SECONDS) avoids it.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from parley.articles.models import Site
from parley.articles.sites import current_site
from parley.cache import pages as page_cache
from parley.discussion.responses import wants_fragment
from parley.errors import ParleyError

MEMO_SECONDS = 30.0
_memo: dict[str, tuple[float, bool]] = {}


@receiver(post_save, sender=Site, dispatch_uid="paywall-forget-meters")
def _forget(**_kwargs: Any) -> None:
    _memo.clear()


def host_meters(request: HttpRequest) -> bool:
    host = request.get_host().lower()
    now = time.monotonic()
    known = _memo.get(host)
    if known is not None and now - known[0] < MEMO_SECONDS:
        return known[1]
    try:
        meters = current_site(request).meter_free_articles > 0
    except ParleyError:
        meters = False
    _memo[host] = (now, meters)
    return meters


def metered_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Put above `page_cache.guest_page_cache`: a guest's full page on a metering site is
    rendered by the view itself (its __wrapped__), privately; everything else as before."""
    uncached = getattr(view, "__wrapped__", view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "parley_site_key", ""):
            # The embed's frame names its site in a header the cache key does not hold.
            return uncached(request, *args, **kwargs)
        if (
            request.user.is_authenticated
            or wants_fragment(request)
            or not page_cache.enabled()
            or not host_meters(request)
        ):
            return view(request, *args, **kwargs)
        response = uncached(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapped
