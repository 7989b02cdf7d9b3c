"""The only way live endpoints load an article or comments for a reader. "Missing" and "not
allowed to see" give the same NotFound, as in discussion/access.py."""

from django.db.models import Q

from parley.accounts.entitlements import Entitlement
from parley.accounts.models import User
from parley.articles.models import Article, Site
from parley.discussion.models import SHOWN_STATUSES, Comment, CommentStatus
from parley.errors import InvalidInput, NotFound

MAX_IDS = 50


def access_live_article(*, site_id: int, article_id: int) -> Article:
    """An article of the site serving this request."""
    try:
        return Article.objects.select_related("site").get(pk=article_id, site_id=site_id)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None


def embed_site_id(key: str) -> int:
    """The site named by `?site=` on a live request from the embed's frame, which cannot
    send its X-Parley-Site header with EventSource. Only sites that may be embedded."""
    found = Site.objects.filter(key=key[:50], embed__isnull=False).values_list("pk", flat=True)
    site_id = found.first()
    if site_id is None:
        raise NotFound("No such site.")
    return site_id


def parse_event_id(*values: str | None) -> int | None:
    """The newest of the ids a reconnecting client sends (`Last-Event-ID` header, the
    `last_event_id` query parameter); None when it sent none that parses."""
    ids = [int(v) for v in values if v and v.strip().isdigit() and len(v.strip()) < 19]
    return max(ids) if ids else None


def parse_ids(raw: str) -> list[int]:
    try:
        ids = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise InvalidInput("Comment ids are numbers separated by commas.", code="bad_ids") from None
    if not ids or len(ids) > MAX_IDS:
        raise InvalidInput(f"Ask for 1 to {MAX_IDS} comments at a time.", code="bad_ids")
    return ids


def access_live_comments(
    *, article: Article, ids: list[int], user: User | None, entitlement: Entitlement
) -> list[Comment]:
    """The comments among `ids` that this reader may see on this article, oldest first:
    shown statuses for everyone, pending ones for the site's moderators and their author.
    Ids the reader may not see are left out, as if missing. One query."""
    allowed = Q(status__in=SHOWN_STATUSES)
    if entitlement.is_moderator:
        allowed |= Q(status=CommentStatus.PENDING)
    elif user is not None and user.is_authenticated:
        allowed |= Q(status=CommentStatus.PENDING, author_id=user.pk)
    return list(
        Comment.objects.filter(allowed, article=article, pk__in=ids)
        # anchor: the passage's quote above the comment, as on the page (parley.inline)
        .select_related("author", "parent__author", "anchor__question")
        .order_by("id")
    )
