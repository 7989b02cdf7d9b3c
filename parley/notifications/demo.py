"""Notifications in the demo: addresses, preferences, follows and a first few entries, so
that replying as one demo user visibly notifies another (bell, inbox, /notifications/outbox/).
"""

from django.db import transaction

from parley.accounts.models import User
from parley.articles.models import Article, Site
from parley.demo.content import COMMENTERS, DEMO_ACCOUNTS, SITE
from parley.demo.content_comments import DISCUSSION_SLUG
from parley.discussion.models import Comment, CommentStatus
from parley.notifications.fanout import enqueue_for_comment
from parley.notifications.models import EmailMode, Follow, NotifyChoice, Preferences

DEMO_MAIL_DOMAIN = "example.org"  # reserved for examples (RFC 2606): never a real mailbox
WELCOME_ITEMS = 2


@transaction.atomic
def load_demo_notifications() -> None:
    """Idempotent: does nothing once the demo subscriber has preferences."""
    site = Site.objects.filter(key=SITE["key"]).first()
    if site is None:
        return
    usernames = [u for _role, u, _name in DEMO_ACCOUNTS] + [u for u, _name, _days in COMMENTERS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    sam = users.get("subscriber")
    if sam is None or Preferences.objects.filter(user=sam).exists():
        return
    for user in users.values():
        if not user.email:
            User.objects.filter(pk=user.pk).update(email=f"{user.username}@{DEMO_MAIL_DOMAIN}")
            user.email = f"{user.username}@{DEMO_MAIL_DOMAIN}"
    Preferences.objects.bulk_create(
        [
            Preferences(
                user=user, default_notify=NotifyChoice.REPLIES, email_mode=EmailMode.IMMEDIATE
            )
            for user in users.values()
        ]
    )
    # Every demo commenter follows the replies to their own comments, as "Notify of: new
    # replies to my comments" (their default here) would have made them.
    own = Comment.objects.filter(
        article__site=site, author__in=users.values(), status=CommentStatus.VISIBLE
    ).values_list("author_id", "article_id", "pk")
    Follow.objects.bulk_create(
        [Follow(user_id=a, article_id=art, comment_id=c) for a, art, c in own],
        ignore_conflicts=True,
    )
    # The demo subscriber follows the reference discussion, and finds its newest comments
    # waiting in the inbox (and, once `parley worker` runs, in the demo outbox).
    article = Article.objects.filter(site=site, slug=DISCUSSION_SLUG).first()
    if article is None:
        return
    Follow.objects.get_or_create(user=sam, article=article, comment=None)
    newest = Comment.objects.filter(article=article, status=CommentStatus.VISIBLE).select_related(
        "article__site", "author"
    )
    for comment in reversed(list(newest.order_by("-created_at", "-id")[:WELCOME_ITEMS])):
        enqueue_for_comment(comment)
