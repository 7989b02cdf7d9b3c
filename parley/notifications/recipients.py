"""Who may hear about a discussion, and whom a comment names.

Notifications are a subscriber benefit: following needs a current subscription or a staff
role on the article's site, and so does receiving anything. A subscription that ended (a
"reader who lost access"), or a deactivated account, stops every notification, including
those already queued: the worker asks again before it sends. This module imports nothing
from the discussion's access layer, so the comment action can call the fan-out.

@mentions: "@Harriet Lowe" or "@harriet" in a comment names a person. Display names may hold
spaces and are not unique, so each "@" offers its next one to four words as candidates; the
longest candidate that names an entitled user wins, a username (unique) before a display
name, and a display name two people share names nobody. Text is read from the rendered,
sanitised body, so an address in a link or a mailto: never counts, and an e-mail address
("a@b.org") does not either, because a mention must start a word.
"""

import re
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from parley.accounts.models import SiteRole, Subscription, User
from parley.discussion.models import Comment
from parley.discussion.rendering import to_plain_text


def entitled_users(site_id: int) -> Q:
    """A filter on User: active accounts that may read and follow discussions on the site.
    Correlated EXISTS, so each user costs an index probe (subscription_lookup), however
    many subscribers the site has."""
    role = SiteRole.objects.filter(user=OuterRef("pk"), site_id=site_id)
    subscription = Subscription.objects.current().filter(user=OuterRef("pk"), site_id=site_id)
    return Q(is_active=True) & (Q(is_superuser=True) | Exists(role) | Exists(subscription))


def recipients_among(user_ids: Iterable[int], site_id: int) -> QuerySet[User]:
    """The users among `user_ids` who may be notified about the site's discussions, with
    their preferences, in one query."""
    return (
        User.objects.filter(pk__in=list(user_ids))
        .filter(entitled_users(site_id))
        .select_related("notification_prefs")
    )


def readable_sites(user: User) -> Q:
    """A filter on anything with an `article`: rows whose site the user may still read."""
    if user.is_superuser:
        return Q()
    return Q(article__site_id__in=SiteRole.objects.filter(user=user).values("site_id")) | Q(
        article__site_id__in=Subscription.objects.current().filter(user=user).values("site_id")
    )


# --- @mentions ----------------------------------------------------------------------------

MAX_MENTIONS = 10
MAX_WORDS = 4
_APOSTROPHES = "'\u2019"
_WORD = rf"[^\W_][\w.{_APOSTROPHES}-]*"
# "@" starting a word, then up to MAX_WORDS words separated by single spaces.
_MENTION = re.compile(rf"(?<![\w@])@({_WORD}(?: {_WORD}){{0,{MAX_WORDS - 1}}})")


def candidates(text: str) -> list[list[str]]:
    """For each "@" in order, its candidate names, longest first."""
    found: list[list[str]] = []
    for match in _MENTION.finditer(text):
        words = match.group(1).split(" ")
        names = [" ".join(words[:n]).rstrip(f".{_APOSTROPHES}-") for n in range(len(words), 0, -1)]
        found.append([name for name in names if name])
        if len(found) == MAX_MENTIONS:
            break
    return found


def mentioned_user_ids(comment: Comment) -> set[int]:
    """Users named in the comment who may read its discussion (one query, none without @)."""
    text = to_plain_text(comment.body_html)
    if "@" not in text:
        return set()
    groups = candidates(text)
    names = {name.lower() for group in groups for name in group}
    if not names:
        return set()
    rows = list(
        User.objects.annotate(lname=Lower("display_name"), luser=Lower("username"))
        .filter(Q(lname__in=names) | Q(luser__in=names))
        .filter(entitled_users(comment.article.site_id))
        .values_list("pk", "lname", "luser")
    )
    chosen: set[int] = set()
    for group in groups:
        for name in (n.lower() for n in group):
            by_username = [pk for pk, _lname, luser in rows if luser == name]
            by_display = [pk for pk, lname, _luser in rows if lname == name]
            if by_username:
                chosen.add(by_username[0])
                break
            if by_display:
                # An ambiguous display name names nobody; a shorter prefix must not
                # then pick someone else.
                if len(by_display) == 1:
                    chosen.add(by_display[0])
                break
    return chosen
