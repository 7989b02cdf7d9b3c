"""The API's contract. Every schema lists its fields by hand: a new model column (an
e-mail, an IP, a moderation note) never reaches the public API by accident."""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Path, Query, Schema
from pydantic import AfterValidator

Sort = Literal["top", "new", "old"]
Standing = Literal["guest", "reader", "lapsed", "subscriber", "staff"]
CommentStatusOut = Literal["visible", "pending", "deleted", "removed"]
VoteValue = Literal["up", "down", "none"]
Via = Literal["guest", "session", "token", "sso"]  # "sso": parley/sso sessions


# --- parameters shared by the routers, bounded so that every value is storable ---------
# Ids beyond 2**53 cannot be told apart by JavaScript clients and exist in no table.
MAX_ID = 2**53


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it as bad input rather than fail later.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


UrlText = Annotated[str, Field(max_length=500), AfterValidator(_no_nul)]
PositiveId = Annotated[int, Field(ge=1, le=MAX_ID)]


def article_id_param() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="The article's id.")


def comment_id_param() -> Any:
    return Path(..., ge=1, le=MAX_ID, description="The comment's id.")


def site_param() -> Any:
    return Query(
        None,
        max_length=50,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="The site's key. Defaults to the site serving this host; an API "
        "token always means its own site.",
    )


class ErrorOut(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `not_subscriber`.")
    message: str = Field(description="For people; may change.")


class AuthorOut(Schema):
    name: str


class SiteOut(Schema):
    key: str
    name: str


class ArticleOut(Schema):
    id: int
    site: str = Field(description="The site's key.")
    slug: str
    title: str
    standfirst: str
    author: AuthorOut | None
    url: str = Field(description="The article's page on Parley.")
    canonical_url: str | None = Field(description="The article's address on the publisher.")
    published_at: datetime
    discussion_closed: bool
    comment_count: int


class ArticleRefOut(Schema):
    id: int
    site: str
    slug: str
    title: str
    url: str
    canonical_url: str | None


class ArticleListOut(Schema):
    items: list[ArticleOut]
    page: int
    next_page: int | None


class ArticleCountOut(Schema):
    article_id: int
    canonical_url: str | None
    comment_count: int


class CountsOut(Schema):
    site: str
    counts: list[ArticleCountOut]


class CommentViewerOut(Schema):
    """What the caller may do with this comment (all false for guests and tokens)."""

    my_vote: int = Field(description="1 up, -1 down, 0 none.")
    can_vote: bool
    can_reply: bool
    can_edit: bool
    can_delete: bool
    source: str | None = Field(description="The author's own text, for editing; else null.")


AnchorState = Literal["attached", "changed", "orphaned"]


class AnchorOut(Schema):
    """The passage of the article a top-level comment is about (docs/anchors.md): W3C
    TextQuote and TextPosition selectors over the article's plain text."""

    quote: str = Field(description="The passage as it reads now (as it last read, if orphaned).")
    prefix: str = Field(description="Up to 32 characters before it.")
    suffix: str = Field(description="Up to 32 characters after it.")
    start: int = Field(description="Its offset in the article's plain text.")
    end: int = Field(description="Where it ends (exclusive).")
    state: AnchorState = Field(
        description="attached; changed (edited since it was quoted); orphaned (no longer "
        "in the article)."
    )


class CommentOut(Schema):
    id: int
    parent_id: int | None
    root_id: int | None
    depth: int
    author: AuthorOut | None = Field(description="Null on deleted and removed comments.")
    body_html: str = Field(description="Sanitised HTML; empty on tombstones.")
    status: CommentStatusOut
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    score: int
    reply_to: str | None = Field(description="Name shown for the comment replied to.")
    permalink: str
    viewer: CommentViewerOut
    anchor: AnchorOut | None = Field(
        description="The passage the comment is about; null for most comments, replies, "
        "tombstones, and passages in a part of the article the caller may not read."
    )


class ThreadOut(Schema):
    comment: CommentOut
    replies: list[CommentOut] = Field(description="The thread's first replies, depth-first.")
    more_replies: int = Field(description="Replies not included here.")
    replies_cursor: str | None = Field(description="For GET /comments/{id}/replies.")


class EntitlementOut(Schema):
    standing: Standing
    may_post: bool
    is_moderator: bool


class CommentPageOut(Schema):
    article_id: int
    sort: Sort
    comment_count: int
    discussion_closed: bool
    threads: list[ThreadOut]
    next_cursor: str | None = Field(description="Opaque; pass back as `cursor`.")
    viewer: EntitlementOut


class RepliesOut(Schema):
    thread_id: int
    items: list[CommentOut]
    next_cursor: str | None


class CommentContextOut(Schema):
    article: ArticleRefOut
    comment: CommentOut
    thread: ThreadOut = Field(description="The thread cut around the comment.")


class PostedOut(Schema):
    comment: CommentOut
    comment_count: int


class DeletedOut(Schema):
    comment_id: int
    tombstone: bool = Field(description="True when the comment stays as a tombstone.")
    comment: CommentOut | None
    comment_count: int


class VoteOut(Schema):
    comment_id: int
    upvotes: int
    downvotes: int
    score: int
    my_vote: int


class MyVoteOut(Schema):
    comment_id: int
    value: int


class MyVotesOut(Schema):
    votes: list[MyVoteOut]


class MeUserOut(Schema):
    name: str


class MeOut(Schema):
    via: Via
    user: MeUserOut | None
    site: SiteOut
    entitlement: EntitlementOut


class CsrfOut(Schema):
    csrf_token: str


def _encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\ud800"); no database can store them.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class AnchorIn(Schema):
    """A passage of the article's plain text, as inline feedback selects it. Checked like
    the page's: the quote must be the text at the offsets (whitespace and typographic
    quotes aside); prefix and suffix are recomputed by the server."""

    exact: Text = Field(
        max_length=2000, description="The quoted passage (1,000 characters at most)."
    )
    prefix: Text = Field("", max_length=200, description="Text just before it (64 at most).")
    suffix: Text = Field("", max_length=200, description="Text just after it (64 at most).")
    start: int = Field(ge=0, le=MAX_ID, description="Its offset in the plain text.")
    end: int = Field(ge=0, le=MAX_ID, description="Where it ends (exclusive).")
    revision: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The revision number of the text the offsets were taken on; when it is "
        "no longer current the post is refused (`article_changed`).",
    )


class CommentIn(Schema):
    body: Text = Field(description="Markdown subset; at most 10,000 characters.")
    parent_id: int | None = Field(None, ge=1, le=MAX_ID, description="The comment replied to.")
    # The "guests" post rule (parley/accounts/policy.py): a guest posts under a name.
    guest_name: Text | None = Field(
        None, max_length=60, description="A guest's name, where the site lets guests post."
    )
    anchor: AnchorIn | None = Field(
        None, description="The passage a top-level comment is about (inline feedback)."
    )


class CommentEditIn(Schema):
    body: Text


class VoteIn(Schema):
    value: VoteValue
