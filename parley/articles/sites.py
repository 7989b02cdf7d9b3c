"""Which site a request is for: the site whose domain matches the host, else the default."""

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest

from parley.articles.models import Site
from parley.cache import local
from parley.errors import NotFound


def current_site(request: HttpRequest) -> Site:
    """The site serving this host, else PARLEY_DEFAULT_SITE, else the first: one query,
    kept for a few seconds in the process (parley/cache/local.py)."""
    host = request.get_host().split(":")[0].lower()
    # The embed's frame names its site in a header (parley/embed/middleware.py): its
    # pages are served from Parley's host whatever the site.
    embedded = getattr(request, "parley_site_key", "") or None
    default = settings.PARLEY_DEFAULT_SITE or None
    site = local.sites.get((host, embedded, default), lambda: _find_site(host, embedded, default))
    if site is None:
        raise NotFound("This Parley has no site yet. An editor creates one in the admin.")
    return site


def _find_site(host: str, embedded: str | None, default: str | None) -> Site | None:
    return (
        Site.objects.annotate(
            rank=Case(
                When(key=embedded, then=Value(-1)),
                When(domain__iexact=host, then=Value(0)),
                When(key=default, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "id")
        .first()
    )
