"""Writes of the embed: the article made on a page's first embed (Coral and Disqus do the
same). Arguments are trusted: access.py cleaned the title and checked the URL."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.articles.models import Article, Site


def do_create_embedded_article(*, site: Site, url: str, title: str, slug: str) -> Article:
    """An article of `site` for the host page at `url`. Two first embeds racing may both
    create one; the discussion is the oldest's (access_article_by_url)."""
    for attempt in range(20):
        candidate = slug if attempt == 0 else f"{slug[:170]}-{attempt + 1}"
        if Article.objects.filter(site=site, slug=candidate).exists():
            continue
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    site=site,
                    slug=candidate,
                    title=title,
                    canonical_url=url,
                    published_at=timezone.now(),
                )
        except IntegrityError:
            continue
        return Article.objects.select_related("site", "author").get(pk=article.pk)
    raise RuntimeError("no free slug for an embedded article")  # pragma: no cover
