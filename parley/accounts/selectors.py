"""Reads for the account page and the data download. Only the signed-in user's own rows:
nothing here follows a relation to another person's e-mail or unpublished comments."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from parley.accounts.models import SiteRole, Subscription, User
from parley.articles.models import Site
from parley.discussion.models import Comment, Vote
from parley.notifications.models import Follow, Mute, Preferences

FORMAT = "parley-account-data"
FORMAT_VERSION = 1
CHUNK = 500


@dataclass(frozen=True)
class SubscriptionRow:
    subscription: Subscription
    status: str  # "current", "ended" or "upcoming"

    @property
    def site(self) -> Site:
        return self.subscription.site


def subscription_status(subscription: Subscription, *, now: datetime) -> str:
    if subscription.starts_at > now:
        return "upcoming"
    if subscription.ends_at is not None and subscription.ends_at <= now:
        return "ended"
    return "current"


def subscriptions_of(*, user: User) -> list[SubscriptionRow]:
    """The user's subscriptions, newest first, with the site (one query)."""
    now = timezone.now()
    rows = Subscription.objects.filter(user=user).select_related("site").order_by("-starts_at")
    return [SubscriptionRow(s, subscription_status(s, now=now)) for s in rows]


def site_roles_of(*, user: User) -> list[SiteRole]:
    return list(SiteRole.objects.filter(user=user).select_related("site").order_by("site__name"))


@dataclass(frozen=True)
class Origins:
    """Absolute links in the download: a site with a domain is served there, any other
    from the host the download was asked on (articles.sites.current_site's rule)."""

    scheme: str
    host: str

    def of(self, domain: str) -> str:
        return f"{self.scheme}://{domain or self.host}"

    def permalink(self, *, domain: str, slug: str, comment_id: int) -> str:
        path = reverse("permalink", kwargs={"slug": slug, "comment_id": comment_id})
        return f"{self.of(domain)}{path}#c-{comment_id}"

    def article(self, *, domain: str, slug: str) -> str:
        return self.of(domain) + reverse("article", kwargs={"slug": slug})


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def account_data(*, user: User, origins: Origins) -> dict[str, Any]:
    """Everything Parley keeps about the user, as one JSON-ready dict (docs/accounts.md
    has the format). A fixed number of queries however much the user wrote: comments
    and votes are read in chunks, with everything they show joined in."""
    prefs = Preferences.objects.filter(user=user).first()
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.get_username(),
            "display_name": user.display_name,
            "email": user.email,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "site_roles": [
            {"site": r.site.key, "site_name": r.site.name, "role": r.role}
            for r in site_roles_of(user=user)
        ],
        "subscriptions": [
            {
                "site": row.site.key,
                "site_name": row.site.name,
                "plan": row.subscription.plan,
                "starts_at": _when(row.subscription.starts_at),
                "ends_at": _when(row.subscription.ends_at),
                "source": row.subscription.source,
                "status": row.status,
            }
            for row in subscriptions_of(user=user)
        ],
        "comments": list(_comments(user, origins)),
        "votes": list(_votes(user, origins)),
        "notifications": {
            "preferences": None
            if prefs is None
            else {
                "default_notify": prefs.default_notify,
                "in_page": prefs.in_page,
                "email_mode": prefs.email_mode,
                "updated_at": _when(prefs.updated_at),
            },
            "follows": list(_follows(user, origins)),
            "mutes": [
                {
                    "article": m.article.title,
                    "url": origins.article(domain=m.article.site.domain, slug=m.article.slug),
                    "created_at": _when(m.created_at),
                }
                for m in Mute.objects.filter(user=user)
                .select_related("article__site")
                .order_by("created_at")
            ],
        },
    }


def _comments(user: User, origins: Origins) -> Iterator[dict[str, Any]]:
    rows = (
        Comment.objects.filter(author=user)
        .select_related("article__site", "anchor")
        .order_by("created_at", "id")
    )
    for c in rows.iterator(chunk_size=CHUNK):
        site, article = c.article.site, c.article
        yield {
            "id": c.pk,
            "site": site.key,
            "article": {
                "id": article.pk,
                "title": article.title,
                "url": origins.article(domain=site.domain, slug=article.slug),
                "canonical_url": article.canonical_url or None,
            },
            "permalink": origins.permalink(domain=site.domain, slug=article.slug, comment_id=c.pk),
            "parent_id": c.parent_id,
            "thread_id": c.thread_id,
            "depth": c.depth,
            "status": c.status,
            "created_at": _when(c.created_at),
            "edited_at": _when(c.edited_at),
            "body_markdown": c.body,
            "body_html": c.body_html,
            "votes": {"up": c.upvotes, "down": c.downvotes, "score": c.score},
            "anchor": _anchor(c),
        }


def _anchor(comment: Comment) -> dict[str, Any] | None:
    """The passage a comment is anchored to (parley.inline), if any."""
    anchor = getattr(comment, "anchor", None)  # reverse one-to-one: missing raises
    if anchor is None:
        return None
    return {
        "quote": anchor.exact,
        "original_quote": anchor.original_exact,
        "start": anchor.start,
        "end": anchor.end,
        "state": anchor.state,
    }


def _votes(user: User, origins: Origins) -> Iterator[dict[str, Any]]:
    # Only the vote and where it points: never the voted comment's text or author.
    rows = (
        Vote.objects.filter(user=user)
        .order_by("created_at", "id")
        .values(
            "comment_id",
            "value",
            "created_at",
            "updated_at",
            "comment__article__slug",
            "comment__article__site__key",
            "comment__article__site__domain",
        )
    )
    for v in rows.iterator(chunk_size=CHUNK):
        yield {
            "comment_id": v["comment_id"],
            "value": v["value"],
            "site": v["comment__article__site__key"],
            "permalink": origins.permalink(
                domain=v["comment__article__site__domain"],
                slug=v["comment__article__slug"],
                comment_id=v["comment_id"],
            ),
            "created_at": _when(v["created_at"]),
            "updated_at": _when(v["updated_at"]),
        }


def _follows(user: User, origins: Origins) -> Iterator[dict[str, Any]]:
    rows = Follow.objects.filter(user=user).select_related("article__site").order_by("created_at")
    for f in rows.iterator(chunk_size=CHUNK):
        site, article = f.article.site, f.article
        yield {
            "what": "replies" if f.comment_id else "discussion",
            "article": article.title,
            "url": origins.article(domain=site.domain, slug=article.slug),
            "comment_id": f.comment_id,
            "created_at": _when(f.created_at),
        }


def sites_commented_on(*, user: User) -> list[Site]:
    """The sites with the user's comments, for telling them what erasure does on each
    (Site.erasure_policy). One query."""
    return list(Site.objects.filter(articles__comments__author=user).distinct().order_by("name"))
