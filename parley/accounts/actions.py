"""Writes to accounts. `do_*` functions trust their arguments (access.py checked them)."""

from django.db import transaction
from django.db.models import Max

from parley.accounts.models import User
from parley.discussion import events
from parley.discussion.models import Comment, CommentStatus


@transaction.atomic
def do_set_display_name(*, user: User, display_name: str) -> User:
    """Sets the public name (already cleaned by the form). Comments show it at once: the
    author's name is read with each comment, never copied onto it."""
    User.objects.filter(pk=user.pk).update(display_name=display_name)
    user.display_name = display_name
    # One event per discussion is enough for the read cache to drop its pages (the name
    # is on each comment and on "Reply to" lines); open pages show it on their next load.
    latest = (
        Comment.objects.filter(author=user, status=CommentStatus.VISIBLE)
        .values("article_id")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    for comment in Comment.objects.filter(pk__in=list(latest)):
        events.announce(events.comment_changed, comment=comment, kind="renamed")
    return user
