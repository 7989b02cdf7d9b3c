"""Loads the demo publication (content.py, content_comments.py) into the database.

Comments and votes go through the discussion actions, so every counter (comment counts,
thread sizes, scores, the score ledger) is exactly what real use would have produced.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from parley.accounts.models import SiteRole, Subscription, User
from parley.articles.models import Article, Author, Site
from parley.demo.content import (
    ARTICLES,
    AUTHORS,
    COMMENTERS,
    DEMO_ACCOUNTS,
    PASSWORD,
    SITE,
)
from parley.demo.content_comments import DISCUSSIONS, CommentData, VoteData
from parley.discussion import actions, rendering
from parley.discussion.models import Comment
from parley.embed.demo import load_demo_embed
from parley.inline.demo import load_demo_inline
from parley.moderation.demo import load_demo_moderation
from parley.notifications.demo import load_demo_notifications

EDITORS_GROUP = "Editors"
EDITOR_MODELS = (Site, Author, Article)


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, username, password) for each account a visitor may sign in with."""
    return [(role, username, PASSWORD) for role, username, _name in DEMO_ACCOUNTS]


def load_demo() -> list[tuple[str, str, str]]:
    """Creates the demo site and everything on it, once; returns the demo logins.
    When a site with the demo key already exists nothing is created."""
    if not Site.objects.filter(key=SITE["key"]).exists():
        with transaction.atomic():
            _create_everything(timezone.now())
            load_demo_inline()
            load_demo_moderation()  # parley.moderation: policy and queues with work
    load_demo_notifications()
    load_demo_embed()  # the example publisher page on :8001 (parley/embed/demo.py)
    return demo_logins()


def _create_everything(now: datetime) -> None:
    site = Site.objects.create(**SITE)
    users = _create_people(site, now)
    authors = {
        data["slug"]: Author.objects.create(
            site=site,
            slug=data["slug"],
            name=data["name"],
            bio=data["bio"],
            social_handle=data["social_handle"],
        )
        for data in AUTHORS
    }
    for data in ARTICLES:
        article = Article.objects.create(
            site=site,
            author=authors[data["author"]],
            slug=data["slug"],
            title=data["title"],
            standfirst=data["standfirst"],
            body=data["body"].strip(),
            image_url=f"{settings.STATIC_URL}parley/demo/{data['image']}",
            image_alt=data["image_alt"],
            image_caption=data["image_caption"],
            image_credit=data["image_credit"],
            published_at=now - timedelta(days=data["days_ago"], hours=3),
        )
        comments, votes = DISCUSSIONS.get(data["slug"], ([], []))
        _create_discussion(article, comments, votes, users, now)


def _user(username: str, display_name: str, password_hash: str, **fields: object) -> User:
    user, _created = User.objects.get_or_create(username=username)
    user.display_name = display_name
    user.password = password_hash
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


def _create_people(site: Site, now: datetime) -> dict[str, User]:
    names = {username: name for _role, username, name in DEMO_ACCOUNTS}
    # Every demo account has the same published password: hash it once, not per account.
    password_hash = make_password(PASSWORD)
    users: dict[str, User] = {}

    users["subscriber"] = _user("subscriber", names["subscriber"], password_hash)
    Subscription.objects.create(
        user=users["subscriber"], site=site, starts_at=now - timedelta(days=90)
    )
    users["reader"] = _user("reader", names["reader"], password_hash)
    users["lapsed"] = _user("lapsed", names["lapsed"], password_hash)
    Subscription.objects.create(
        user=users["lapsed"],
        site=site,
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=10),
    )
    users["moderator"] = _user("moderator", names["moderator"], password_hash)
    SiteRole.objects.create(user=users["moderator"], site=site, role=SiteRole.Role.MODERATOR)
    users["editor"] = _user("editor", names["editor"], password_hash, is_staff=True)
    SiteRole.objects.create(user=users["editor"], site=site, role=SiteRole.Role.EDITOR)
    users["editor"].groups.add(_editors_group())

    for username, display_name, subscribed_days_ago in COMMENTERS:
        users[username] = _user(username, display_name, password_hash)
        Subscription.objects.create(
            user=users[username], site=site, starts_at=now - timedelta(days=subscribed_days_ago)
        )
    return users


def _editors_group() -> Group:
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    for model in EDITOR_MODELS:
        content_type = ContentType.objects.get_for_model(model)
        name = model._meta.verbose_name
        for action in ("add", "change", "delete", "view"):
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model._meta.model_name}",
                defaults={"name": f"Can {action} {name}"},
            )
            group.permissions.add(permission)
    return group


def _create_discussion(
    article: Article,
    comments: list[CommentData],
    votes: list[VoteData],
    users: dict[str, User],
    now: datetime,
) -> None:
    created: dict[str, Comment] = {}
    # Oldest first, so ids follow time as they would in real use.
    for key, parent_key, username, age, body in sorted(comments, key=lambda c: c[3], reverse=True):
        parent = created[parent_key] if parent_key else None
        created_at = now - age
        if parent is not None and created_at <= parent.created_at:
            raise ValueError(f"demo comment {key!r} is older than the comment it answers")
        body = rendering.check_body(body)
        created[key] = actions.do_post_comment(
            user=users[username],
            article=article,
            body=body,
            body_html=rendering.render(body),
            parent=parent,
            created_at=created_at,
        )
    for key, ups, downs in votes:
        comment = created[key]
        for value, voters in ((1, ups), (-1, downs)):
            for username in voters:
                if users[username].pk == comment.author_id:
                    raise ValueError(f"demo vote by {username} on their own comment {key!r}")
                actions.do_vote(user=users[username], comment=comment, value=value)
