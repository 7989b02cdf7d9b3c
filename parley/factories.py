"""Builders for tests and benchmarks: real rows through the real actions."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from parley.accounts.models import SiteRole, Subscription, User
from parley.articles.models import Article, Author, Site
from parley.discussion import actions, rendering
from parley.discussion.models import Comment

_seq = count(1)


def make_site(**fields) -> Site:
    n = next(_seq)
    fields.setdefault("key", f"site-{n}")
    fields.setdefault("name", f"Site {n}")
    return Site.objects.create(**fields)


def make_article(site: Site | None = None, **fields) -> Article:
    site = site or make_site()
    n = next(_seq)
    if "author" not in fields:
        fields["author"] = Author.objects.create(site=site, name=f"Writer {n}", slug=f"w-{n}")
    fields.setdefault("slug", f"article-{n}")
    fields.setdefault("title", f"Article {n}")
    fields.setdefault("body", "A first paragraph.\n\n> A pull quote.\n\nA second paragraph.")
    return Article.objects.create(site=site, **fields)


def make_user(username: str | None = None, **fields) -> User:
    username = username or f"user{next(_seq)}"
    fields.setdefault("display_name", username.title())
    user = User.objects.create_user(username=username, password="pw-for-tests", **fields)  # noqa: S106
    return user


def make_subscriber(site: Site, username: str | None = None, **fields) -> User:
    user = make_user(username, **fields)
    Subscription.objects.create(user=user, site=site, starts_at=timezone.now() - timedelta(days=1))
    return user


def make_lapsed(site: Site, username: str | None = None) -> User:
    user = make_user(username)
    now = timezone.now()
    Subscription.objects.create(
        user=user, site=site, starts_at=now - timedelta(days=400), ends_at=now - timedelta(days=5)
    )
    return user


def make_moderator(site: Site, username: str | None = None) -> User:
    user = make_user(username)
    SiteRole.objects.create(user=user, site=site, role=SiteRole.Role.MODERATOR)
    return user


def make_comment(
    article: Article,
    user: User | None = None,
    body: str = "A comment.",
    parent: Comment | None = None,
    **fields,
) -> Comment:
    if user is None:
        user = make_subscriber(article.site)
    return actions.do_post_comment(
        user=user,
        article=article,
        body=body,
        body_html=rendering.render(body),
        parent=parent,
        **fields,
    )
