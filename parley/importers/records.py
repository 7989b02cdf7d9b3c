"""What every parser yields: plain records in one vocabulary, whatever the source.

A parser turns its format into `SiteHint`, `ThreadRecord`, `CommentRecord`,
`SkippedRecord` and `VoteRecord` items (also `QuestionRecord`, `AnchorRecord`,
`RevisionRecord` and `ModerationRecord` for inline passages and the moderation log), in
file order, and tells the report what it read and what it repaired. The writer never
sees the source format."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

# Comment statuses as the writer understands them (the Parley names).
VISIBLE, PENDING, DELETED, SPAM = "visible", "pending", "deleted", "spam"

_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


class _Sent:
    """Base of the records a reader process sends in batches: pickled as the class and
    its field values, so unpickling is one constructor call. The dataclass default goes
    through a state list set field by field, at twice the cost on each side."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        cls = type(self)
        fields = _FIELDS.get(cls)
        if fields is None:
            names: tuple[str, ...] = cls.__slots__
            get = attrgetter(*names)
            fields = _FIELDS[cls] = get if len(names) > 1 else lambda record: (get(record),)
        return cls, fields(self)


@dataclass(slots=True)
class Identity(_Sent):
    """An author, keyed within its source. `key` must be stable across exports."""

    key: str
    name: str
    email: str = ""
    url: str = ""


@dataclass(slots=True)
class SiteHint(_Sent):
    """What the file says about the publication, used when Parley has no site yet."""

    key: str
    name: str
    domain: str = ""


@dataclass(slots=True)
class ThreadRecord(_Sent):
    key: str
    url: str
    title: str = ""
    slug_hint: str = ""
    created_at: datetime | None = None
    closed: bool = False
    deleted: bool = False
    site_key: str = ""
    # Parley's own format carries the whole article; other formats leave this empty.
    article: dict[str, Any] | None = None


@dataclass(slots=True)
class CommentRecord(_Sent):
    key: str
    thread: str
    parent: str | None
    author: Identity | None
    author_name: str
    body: str
    body_html: str
    status: str
    created_at: datetime | None
    fingerprint: int
    ref: str
    edited_at: datetime | None = None
    upvotes: int = 0
    downvotes: int = 0
    score: int = 0
    extra: dict[str, Any] | None = None
    # Rendered HTML, checked but not converted yet (`bodies.Handoff`): the writer sets
    # `body` and `body_html` from it before placing the record.
    html: str | None = None


@dataclass(slots=True)
class SkippedRecord(_Sent):
    """A record that is read and counted but is not a comment (a pingback, an editorial
    note…). Its key lets the writer explain what happened to replies that point at it."""

    key: str
    reason: str


@dataclass(slots=True)
class VoteRecord(_Sent):
    comment: str
    voter: Identity
    value: int
    created_at: datetime | None = None


@dataclass(slots=True)
class PassageRecord(_Sent):
    """A passage of an article's plain text, as W3C Web Annotation selectors: the quote
    with its context (TextQuoteSelector) and its offsets (TextPositionSelector, None when
    the source has only the quote). `state` is Parley's anchor state; `original_exact` the
    passage as it read when the reader marked it."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    state: str = "attached"
    original_exact: str = ""
    # An older text of the article the selectors refer to (a `RevisionRecord` key), when
    # it is not the current one: an orphan keeps the revision it was last found in.
    revision: str | None = None


@dataclass(slots=True)
class RevisionRecord(_Sent):
    """An older plain text of an article, which some passage's selectors refer to."""

    key: str
    thread: str
    number: int
    text: str
    created_at: datetime | None = None


@dataclass(slots=True)
class QuestionRecord(_Sent):
    """An editor's question on a passage; readers' answers are anchors naming it."""

    key: str
    thread: str
    question: str
    passage: PassageRecord
    created_at: datetime | None = None


@dataclass(slots=True)
class AnchorRecord(_Sent):
    """The passage a (top-level) comment is about, or the question it answers."""

    comment: str
    passage: PassageRecord
    question: str | None = None


@dataclass(slots=True)
class ModerationRecord(_Sent):
    """One entry of a moderation log: who did what to which comment, user or article."""

    key: str
    site_key: str
    action: str
    actor: Identity | None
    target: Identity | None
    thread: str | None
    comment: str | None
    reason: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class DateResult:
    value: datetime | None
    problem: str = ""


_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_date(text: str | None) -> DateResult:
    """An aware UTC datetime from the usual export spellings (ISO 8601 with or without
    offset, `YYYY-MM-DD HH:MM:SS` taken as UTC, Unix seconds). Missing, unreadable and
    impossible dates (before 1990, or more than a day in the future) give None and say
    why, so the caller can report the repair."""
    raw = (text or "").strip()
    if not raw:
        return DateResult(None, "missing date")
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _NAIVE_FORMATS:
            try:
                value = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        if value is None and re.fullmatch(r"\d{9,10}(\.\d+)?", raw):
            value = datetime.fromtimestamp(float(raw), tz=UTC)
    if value is None:
        return DateResult(None, f"unreadable date {raw[:40]!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value < _EARLIEST or (value > _latest[0] and value > _latest_now()):
        return DateResult(None, f"impossible date {raw[:40]!r}")
    return DateResult(value)


# "More than a day in the future", without asking the clock for every record: the bound
# only grows with time, so a date at or before an earlier one is before the current one
# too; the clock is read again only for a later date.
_latest = [datetime.min.replace(tzinfo=UTC)]


def _latest_now() -> datetime:
    _latest[0] = datetime.now(UTC) + timedelta(days=1)
    return _latest[0]


def fingerprint(created_at: datetime | None, author: str, text: str) -> int:
    """A signed 63-bit hash of what makes a record this record."""
    stamp = created_at.isoformat() if created_at else ""
    digest = hashlib.blake2b(
        f"{stamp}\x00{author}\x00{text}".encode(errors="replace"), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") >> 1


def guest_key(name: str, email: str) -> str | None:
    """The identity key of an author without an account: name and e-mail together, so
    that one guest's comments share a user. None when there is neither."""
    name, email = name.strip(), email.strip().lower()
    if not name and not email:
        return None
    digest = hashlib.sha256(f"{name.casefold()}\n{email}".encode()).hexdigest()[:24]
    return f"guest:{digest}"


@dataclass(slots=True)
class Votes:
    up: int = 0
    down: int = 0
    score: int = 0

    @classmethod
    def from_net(cls, net: int, up: int | None = None, down: int | None = None) -> "Votes":
        """Totals from a net score, with the up/down split when the source has it."""
        if up is not None and down is not None and up >= 0 and down >= 0:
            return cls(up, down, up - down)
        return cls(max(net, 0), max(-net, 0), net)
