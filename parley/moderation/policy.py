"""The rules in force for one article: the site's policy with the article's overrides."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from parley.articles.models import Article
from parley.cache import local
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
    """The site's policy row, or the defaults (unsaved) when it has none. One query, kept
    for a few seconds in the process (parley/cache/local.py)."""
    return local.site_policies.get(
        site_id,
        lambda: SitePolicy.objects.filter(site_id=site_id).first() or SitePolicy(site_id=site_id),
    )


def article_override(article: Article) -> ArticlePolicy | None:
    """The article's own policy row, if any: none when the article was fetched with
    `select_related("policy")` (discussion.access does), else one query."""
    if Article.policy.related.is_cached(article):
        return getattr(article, "policy", None)
    return ArticlePolicy.objects.filter(article_id=article.pk).first()


def policy_for(article: Article) -> Policy:
    """The site's policy and the article's overrides: at most two queries."""
    site = site_policy(article.site_id)
    override = article_override(article)
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
    """The article's automatic closing delay (override first, then the site's). The
    discussion page asks on every view: no query when the article came with its override
    (`select_related("policy")`) and the site's policy is kept in the process."""
    return policy_for(article).auto_close_days
