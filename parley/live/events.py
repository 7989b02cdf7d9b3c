"""What the discussion signals become on the wire.

The discussion actions announce `comment_posted`, `comment_changed` and `vote_changed` after
their transaction commits; the receivers here (connected in LiveConfig.ready) describe each
one as a small JSON event, record it in the backlog (its row id is the event id) and publish
it to the article's channel. Nothing here may fail a post: errors are logged and swallowed.

An event: {"id", "type": comment|reply|vote|edit|delete|count, "comment", "parent",
"thread", "article", "visibility": public|moderators, "counts", and for some types
"html" (edit: the sanitised body) or "tombstone" (delete)}. A new comment carries ids only:
the page fetches the rendered fragment through an access-checked endpoint when the reader
asks to see it (docs/live.md, "Permission filtering").
"""

import json
import logging
from typing import Any

from parley.articles.models import Article
from parley.discussion.models import TOMBSTONE_STATUSES, Comment, CommentStatus
from parley.live import backlog, broker
from parley.live.models import EventType, Visibility

log = logging.getLogger(__name__)

# comment_changed kinds. The moderation app may add kinds; unknown ones become a "count"
# event so that at least the comment count stays right on open pages.
SHOWN_KINDS = frozenset({"posted", "approved", "restored"})
GONE_KINDS = frozenset({"deleted", "erased", "removed", "spam", "rejected"})
NOT_PUBLIC = (CommentStatus.PENDING, CommentStatus.SPAM)


def describe(*, comment: Comment, kind: str, comment_count: int) -> dict[str, Any]:
    """The event (without id) for a comment signal. Pure: takes the article's current
    comment count instead of reading it."""
    if kind in SHOWN_KINDS:
        type_ = EventType.REPLY if comment.parent_id else EventType.COMMENT
    elif kind == "edited":
        type_ = EventType.EDIT
    elif kind in GONE_KINDS:
        type_ = EventType.DELETE
    else:
        type_ = EventType.COUNT
    # A comment the public never saw stays among moderators, whatever happens to it; the
    # removal of a public one (removed, spam, deleted) must reach everyone.
    hidden = comment.status in NOT_PUBLIC and not (
        type_ == EventType.DELETE and kind not in ("deleted", "erased")
    )
    event: dict[str, Any] = {
        "type": str(type_),
        "comment": comment.pk,
        "parent": comment.parent_id,
        "thread": comment.root_id or comment.pk,
        "article": comment.article_id,
        "visibility": str(Visibility.MODERATORS if hidden else Visibility.PUBLIC),
        "counts": {"comments": comment_count},
    }
    if type_ == EventType.EDIT:
        event["html"] = comment.body_html
    if type_ == EventType.DELETE:
        event["tombstone"] = kind != "erased" and comment.status in TOMBSTONE_STATUSES
        event["status"] = str(comment.status)
    return event


def describe_vote(*, comment: Comment) -> dict[str, Any]:
    return {
        "type": str(EventType.VOTE),
        "comment": comment.pk,
        "parent": comment.parent_id,
        "thread": comment.root_id or comment.pk,
        "article": comment.article_id,
        "visibility": str(Visibility.PUBLIC),  # only visible comments take votes
        "counts": {"up": comment.upvotes, "down": comment.downvotes, "score": comment.score},
    }


def encode(event: dict[str, Any]) -> str:
    """The wire form: compact JSON with the id first."""
    ordered = {"id": event["id"], **{k: v for k, v in event.items() if k != "id"}}
    return json.dumps(ordered, separators=(",", ":"))


def publish(event: dict[str, Any]) -> dict[str, Any] | None:
    """Records the event and publishes it. Returns it with its id, or None when it could
    not even be recorded (logged). A publishing failure is logged by the broker."""
    try:
        recorded = backlog.record(event)
    except Exception:
        log.exception(
            "live: could not record %s event for comment %s", event["type"], event["comment"]
        )
        return None
    try:
        broker.publisher().publish(recorded["article"], encode(recorded))
    except Exception:
        log.exception("live: could not publish event %s", recorded["id"])
    return recorded


def on_comment_event(
    sender: Any, *, comment: Comment, kind: str, comment_count: int | None = None, **_: Any
) -> None:
    """`comment_count`: the article's count as the change left it, when the action knew
    it (posting does); otherwise it is read here, after the commit."""
    try:
        count = comment_count
        if count is None:
            count = (
                Article.objects.filter(pk=comment.article_id)
                .values_list("comment_count", flat=True)
                .first()
            )
        if count is None:  # the article is gone
            return
        publish(describe(comment=comment, kind=kind, comment_count=count))
    except Exception:
        log.exception("live: comment event %s for comment %s failed", kind, comment.pk)


def on_vote_event(sender: Any, *, comment: Comment, **_: Any) -> None:
    try:
        publish(describe_vote(comment=comment))
    except Exception:
        log.exception("live: vote event for comment %s failed", comment.pk)
