"""The rules in force for one article: the site's policy with the article's overrides."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from parley.articles.models import Article
from parley.moderation.models import ArticlePolicy, SitePolicy


@dataclass(frozen=True)
class Policy:
    site: SitePolicy
    mode: str
    links: str
    auto_close_days: int | None  # None or 0: never

    def closes_at(self, article: Article) -> datetime | None:
        if not self.auto_close_days:
            return None
        return article.published_at + timedelta(days=self.auto_close_days)


def site_policy(site_id: int) -> SitePolicy:
    """The site's policy row, or the defaults (unsaved) when it has none. One query."""
    return SitePolicy.objects.filter(site_id=site_id).first() or SitePolicy(site_id=site_id)


def policy_for(article: Article) -> Policy:
    """Two queries: the site's policy and the article's overrides."""
    site = site_policy(article.site_id)
    override = ArticlePolicy.objects.filter(article_id=article.pk).first()
    mode, links, days = site.mode, site.links, site.auto_close_days
    if override is not None:
        mode = override.mode or mode
        links = override.links or links
        if override.auto_close_days is not None:
            days = override.auto_close_days
    return Policy(site=site, mode=mode, links=links, auto_close_days=days)


def is_past_auto_close(article: Article, policy: Policy, now: datetime | None = None) -> bool:
    closes = policy.closes_at(article)
    return closes is not None and (now or timezone.now()) >= closes


def auto_close_days(article: Article) -> int | None:
    """The article's automatic closing delay (override first, then the site's), in one
    query: the discussion page asks on every view."""
    row = (
        Article.objects.filter(pk=article.pk)
        .values_list("policy__auto_close_days", "site__policy__auto_close_days")
        .first()
    )
    if row is None:
        return None
    override, site_days = row
    return override if override is not None else site_days
