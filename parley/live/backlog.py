"""The recent events of each article, kept in the database for Last-Event-ID resume and for
the polling fallback. The database, not Redis, holds them so that resume and polling keep
working while Redis is down, and ids stay monotonic when Redis restarts empty
(docs/live.md, "Ids and resume")."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from parley import rawsql
from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.live import conf
from parley.live.models import LiveEvent, Visibility

PRUNE_EVERY = 50  # ids; each article is pruned about once per 50 events recorded


def record(event: dict) -> dict:
    """Stores an event (without id) and returns it with its id. Caller is outside any
    transaction (an on_commit receiver), so the row is visible once this returns."""
    row = LiveEvent(
        article_id=event["article"],
        type=event["type"],
        visibility=event["visibility"],
        comment_id=event["comment"],
        payload=event,
    )
    rawsql.insert(row)  # one per post: without the ORM's compiler (parley/rawsql.py)
    if row.pk % PRUNE_EVERY == 0:
        prune(article_id=event["article"])
    return row.as_dict()


def prune(*, article_id: int, keep: int | None = None) -> int:
    """Deletes all but the newest `keep` events of an article. Resume relies on this
    keeping at least `keep`: a reader with fewer than `keep` events after its last id is
    missing nothing. Returns how many rows went."""
    keep = conf.backlog_size() if keep is None else keep
    boundary = list(
        LiveEvent.objects.filter(article_id=article_id)
        .order_by("-id")
        .values_list("id", flat=True)[keep : keep + 1]
    )
    if not boundary:
        return 0
    deleted, _ = LiveEvent.objects.filter(article_id=article_id, id__lte=boundary[0]).delete()
    return deleted


def latest_event_id(*, article_id: int) -> int:
    """The newest event id of an article (0: nothing recorded yet). One query."""
    return LiveEvent.objects.filter(article_id=article_id).aggregate(last=Max("id"))["last"] or 0


RESUME_LOOKBACK = timedelta(seconds=5)


def resume_point(*, article_id: int, now=None) -> int:
    """The id a freshly rendered page resumes after. A page reads its comments before its
    template asks for this, so an event recorded in between would be neither on the page
    nor replayed; resuming a few seconds back replays such events instead. Replayed
    events the page already shows do no harm: the page drops comments it has, and counts
    and votes are absolute. One query."""
    since = (now or timezone.now()) - RESUME_LOOKBACK
    settled = LiveEvent.objects.filter(article_id=article_id, created_at__lte=since)
    return settled.aggregate(last=Max("id"))["last"] or 0


@dataclass
class Replay:
    """What a reader who last saw event `after` missed, as far as they may see it. `last`
    is the newest event id looked at, seen or not, so that a reader skips past events
    meant for others."""

    after: int
    events: list[dict] = field(default_factory=list)
    refetch: bool = False
    last: int = 0

    def __post_init__(self) -> None:
        self.last = max(self.last, self.after)


def events_after(*, article_id: int, after: int, moderator: bool) -> Replay:
    """Events after `after`, oldest first, filtered for the reader. `refetch` is set when
    the backlog cannot prove that nothing is missing: the page should reload its
    discussion instead. Pruning only ever removes an article's oldest events and keeps at
    least `backlog_size`, so fewer than that since `after`, or any event at or before
    `after` still kept, proves nothing is missing. One query, two for busy articles."""
    keep = conf.backlog_size()
    limit = keep + 2 * PRUNE_EVERY  # pruning lags by up to PRUNE_EVERY events
    rows = list(
        LiveEvent.objects.filter(article_id=article_id, id__gt=after)
        .order_by("id")
        .only("id", "visibility", "payload")[: limit + 1]
    )
    if len(rows) > limit or (
        len(rows) >= keep
        and not LiveEvent.objects.filter(article_id=article_id, id__lte=after).exists()
    ):
        return Replay(after=after, refetch=True)
    return Replay(
        after=after,
        events=[row.as_dict() for row in rows if moderator or row.visibility == Visibility.PUBLIC],
        last=rows[-1].pk if rows else after,
    )


def discussion_is_idle(*, article: Article, now=None) -> bool:
    """Idle: the newest comment (or, with none, the article) is older than
    PARLEY_LIVE_IDLE_DAYS. An idle discussion holds no open connections. One query."""
    now = now or timezone.now()
    newest = Comment.objects.filter(article_id=article.pk).aggregate(at=Max("created_at"))["at"]
    return (newest or article.published_at) < now - timedelta(days=conf.idle_days())
