"""Writes to accounts. `do_*` functions trust their arguments (access.py checked them).

Erasure (`do_erase_account`) is the one that reaches into other apps: it goes through the
discussion's own delete action for every comment it takes down, so the thread rules
(tombstones keep replies, an empty tombstone disappears) and the counters hold exactly as
when an author deletes a comment by hand. docs/accounts.md records the choices.
"""

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max

from parley.accounts.models import SiteRole, Subscription, User
from parley.accounts.policy import ErasurePolicy
from parley.api.models import ApiToken
from parley.discussion import actions as discussion
from parley.discussion import events
from parley.discussion.models import Comment, CommentStatus
from parley.importers.models import ImportedIdentity
from parley.moderation.models import Appeal, Report
from parley.notifications.models import (
    Follow,
    Mute,
    Notification,
    OutboxMessage,
    Preferences,
)
from parley.paywall.models import MeterRead
from parley.sso.models import SsoIdentity

ERASED_PREFIX = "erased-"

# Under the "anonymise" policy the comments the public reads stay. The ones it never saw
# (held, spam) or no longer sees (removed by a moderator) go: nobody may approve or restore
# the text of a person who asked for it to be erased, and they can no longer appeal.
KEPT_WHEN_ANONYMISED = (CommentStatus.VISIBLE, CommentStatus.DELETED)


@dataclass
class Erasure:
    """What an erasure did, for the caller's message and for tests."""

    anonymised: int = 0
    deleted: int = 0  # taken down: by the delete action (tombstone or gone), spam blanked


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


@transaction.atomic
def do_erase_account(*, user: User) -> Erasure:
    """Erases an account: its comments follow each site's `erasure_policy`, everything that
    identifies the person goes, and the row stays (as `erased-<hex>`, inactive, without a
    usable password) so votes and moderation records keep pointing at something that
    names nobody. One transaction: a failure leaves the account exactly as it was. Events
    go out after the commit. The caller logs the request out."""
    # Locks the account: two erasures (two tabs) take turns, and the second finds no
    # comments left to handle.
    User.objects.select_for_update().filter(pk=user.pk).get()
    result = Erasure()
    _handle_comments(user, result)
    _forget_the_person(user)
    return result


def _handle_comments(user: User, result: Erasure) -> None:
    # Deepest first: a reply of the user's own goes before the comment it answers, so that
    # comment may find itself without replies and disappear instead of staying a tombstone.
    ids = list(
        Comment.objects.filter(author=user).order_by("-depth", "-id").values_list("pk", flat=True)
    )
    for comment_id in ids:
        # Read again, locked, right before acting: an earlier deletion may have taken this
        # row with it (an emptied tombstone goes), or a moderator may have changed it.
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article__site")
            .filter(pk=comment_id)
            .first()
        )
        if comment is None:
            continue
        policy = comment.article.site.erasure_policy
        if comment.status == CommentStatus.SPAM:
            # Imported spam is counted nowhere and shown to no one (and the delete action
            # counts every non-pending reply as shown): only its text goes.
            Comment.objects.filter(pk=comment.pk).update(body="", body_html="")
            result.deleted += 1
            continue
        if policy == ErasurePolicy.TOMBSTONE:
            erase = comment.status != CommentStatus.DELETED
        else:
            erase = comment.status not in KEPT_WHEN_ANONYMISED
        if erase:
            discussion.do_delete_comment(comment=comment)
            result.deleted += 1
        elif comment.status == CommentStatus.VISIBLE:
            result.anonymised += 1
            # The page (cache) and open pages (live: a "count" event) learn of the change.
            events.announce(events.comment_changed, comment=comment, kind="anonymised")
    # What is left (kept comments and tombstones) shows "Former reader" (Comment.shown_name)
    # and links to no one.
    Comment.objects.filter(author=user).update(author=None, author_name="")


def _forget_the_person(user: User) -> None:
    user.username = f"{ERASED_PREFIX}{secrets.token_hex(8)}"
    user.email = ""
    user.display_name = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    # A new unusable password also changes the session hash, so every other signed-in
    # session of this account ends at its next request (and is_active=False refuses it).
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # Credentials and what only served the person.
    SsoIdentity.objects.filter(user=user).delete()  # their SSO sessions go with them
    SiteRole.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    Preferences.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    Mute.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    OutboxMessage.objects.filter(recipient=user).delete()
    MeterRead.objects.filter(user=user).delete()
    # An API token is the site's credential, not the person's: it keeps working, without
    # the name of whoever created it.
    ApiToken.objects.filter(created_by=user).update(created_by=None)
    # Moderation and import records stay (they point at the nameless row), without the
    # words and addresses of the person.
    Report.objects.filter(reporter=user).update(text="")
    Appeal.objects.filter(author=user).update(text="")
    ImportedIdentity.objects.filter(user=user).update(name="", email="", url="")
