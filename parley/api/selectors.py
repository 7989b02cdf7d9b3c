"""Reads that only the API makes: article lists and comment counts for many articles.
Discussion reads (pages of comments, threads, votes) use parley.discussion.selectors."""

from django.db.models import Q
from django.utils import timezone

from parley.articles.models import Article, Site


def article_list(*, site: Site, page: int, page_size: int) -> tuple[list[Article], bool]:
    """One page of the site's published articles, newest first, and whether more follow.
    One query (select_related: site, author)."""
    start = (page - 1) * page_size
    rows = list(
        Article.objects.filter(site=site, published_at__lte=timezone.now())
        .select_related("site", "author")
        .order_by("-published_at", "-id")[start : start + page_size + 1]
    )
    return rows[:page_size], len(rows) > page_size


def normalise_url(url: str) -> str:
    """Canonical URLs are compared as given, less any #fragment (host pages add them)."""
    return url.split("#", 1)[0].strip()


def comment_counts(*, site: Site, ids: list[int], urls: list[str]) -> list[Article]:
    """The site's articles among `ids` or whose canonical URL is among `urls`, with
    `pk`, `canonical_url` and `comment_count` only. One query, whatever the number asked."""
    wanted = Q(pk__in=ids) | Q(canonical_url__in=[u for u in urls if u])
    return list(
        Article.objects.filter(wanted, site=site)
        .only("pk", "canonical_url", "comment_count")
        .order_by("pk")
    )
