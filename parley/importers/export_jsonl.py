"""`parley export`: Parley's open format, JSON Lines (documented in docs/importers.md).

Streamed with server-side iteration, so memory stays flat for any size. Users appear
under pseudonymous ids (an HMAC of their id with the instance's secret: stable from one
export to the next, meaningless elsewhere); no username, e-mail or IP leaves Parley.
Comments are written parents first (per article, in path order) so that an importer can
place each one as it reads it. Inline passages (editors' questions and anchored comments)
are W3C Web Annotations made by `parley.inline.jsonld`, the same ones the inline app
serves; the moderation log names its actors and targets by the same pseudonyms.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from parley.accounts.models import User
from parley.articles.models import Article, Author, Site
from parley.discussion.models import Comment, Vote
from parley.importers.models import ImportedComment
from parley.importers.parsers.parley import FORMAT, VERSION
from parley.inline import jsonld
from parley.inline.models import Anchor, ArticleRevision, PassageQuestion
from parley.moderation.models import AuditEntry

CHUNK = 2000


def pseudonym(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    key = settings.SECRET_KEY.encode()
    return "u-" + hmac.new(key, f"export-user:{user_id}".encode(), hashlib.sha256).hexdigest()[:20]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class _Out:
    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.counts: dict[str, int] = {}

    def write(self, kind: str, data: dict[str, Any]) -> None:
        self.out.write(json.dumps({"type": kind, **data}, ensure_ascii=False) + "\n")
        self.counts[kind] = self.counts.get(kind, 0) + 1


def sites_for(site_key: str | None) -> list[Site]:
    sites = Site.objects.order_by("id")
    if site_key:
        sites = sites.filter(key=site_key)
    return list(sites)


def export_jsonl(out: IO[str], sites: list[Site]) -> dict[str, int]:
    """Writes the sites' discussions; returns the count of each line type."""
    w = _Out(out)
    w.write(
        "parley",
        {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": _iso(timezone.now()),
            "sites": [s.key for s in sites],
        },
    )
    for site in sites:
        w.write(
            "site",
            {"key": site.key, "name": site.name, "tagline": site.tagline, "domain": site.domain},
        )
        for author in Author.objects.filter(site=site).order_by("id"):
            w.write(
                "author",
                {
                    "site": site.key,
                    "slug": author.slug,
                    "name": author.name,
                    "bio": author.bio,
                    "social_handle": author.social_handle,
                },
            )
    site_ids = [s.pk for s in sites]
    comments = Comment.objects.filter(article__site_id__in=site_ids)
    user_ids = set(comments.exclude(author=None).values_list("author_id", flat=True))
    user_ids |= set(
        Vote.objects.filter(comment__article__site_id__in=site_ids).values_list(
            "user_id", flat=True
        )
    )
    log = AuditEntry.objects.filter(site_id__in=site_ids)
    user_ids |= set(log.exclude(actor=None).values_list("actor_id", flat=True))
    user_ids |= set(log.exclude(target_user=None).values_list("target_user_id", flat=True))
    for chunk in _chunks(sorted(user_ids)):
        for user_id, name in User.objects.filter(pk__in=chunk).values_list("pk", "display_name"):
            w.write("user", {"id": pseudonym(user_id), "display_name": name})
    articles = Article.objects.filter(site_id__in=site_ids).select_related("site", "author")
    for article in articles.order_by("site_id", "id").iterator(chunk_size=CHUNK):
        w.write(
            "article",
            {
                "id": f"a{article.pk}",
                "site": article.site.key,
                "slug": article.slug,
                "title": article.title,
                "standfirst": article.standfirst,
                "body": article.body,
                "canonical_url": article.canonical_url,
                "published_at": _iso(article.published_at),
                "discussion_closed": article.discussion_closed,
                "author": article.author.slug if article.author else None,
                "comment_count": article.comment_count,
            },
        )
    _comments(w, comments)
    votes = Vote.objects.filter(comment__article__site_id__in=site_ids).order_by("id")
    for vote in votes.values("comment_id", "user_id", "value", "created_at").iterator(CHUNK):
        w.write(
            "vote",
            {
                "comment": str(vote["comment_id"]),
                "user": pseudonym(vote["user_id"]),
                "value": vote["value"],
                "created_at": _iso(vote["created_at"]),
            },
        )
    _passages(w, site_ids)
    _moderation_log(w, log)
    counts = {kind: n for kind, n in w.counts.items() if kind != "parley"}
    w.write("end", {"counts": counts})
    return counts


def _comments(w: _Out, comments: Any) -> None:
    rows = comments.order_by("article_id", "path").values(
        "id",
        "article_id",
        "parent_id",
        "author_id",
        "author_name",
        "status",
        "created_at",
        "edited_at",
        "body",
        "body_html",
        "upvotes",
        "downvotes",
        "score",
        "depth",
    )
    batch: list[dict[str, Any]] = []
    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) == CHUNK:
            _write_comments(w, batch)
            batch = []
    _write_comments(w, batch)


def _write_comments(w: _Out, batch: list[dict[str, Any]]) -> None:
    if not batch:
        return
    origins = {
        cid: {"source": source, "id": source_id}
        for cid, source, source_id in ImportedComment.objects.filter(
            comment_id__in=[r["id"] for r in batch]
        ).values_list("comment_id", "source", "source_id")
    }
    for r in batch:
        w.write(
            "comment",
            {
                "id": str(r["id"]),
                "article": f"a{r['article_id']}",
                "parent": str(r["parent_id"]) if r["parent_id"] else None,
                "author": pseudonym(r["author_id"]),
                "author_name": r["author_name"],
                "status": r["status"],
                "created_at": _iso(r["created_at"]),
                "edited_at": _iso(r["edited_at"]),
                "depth": r["depth"],
                "body": r["body"],
                "body_html": r["body_html"],
                "upvotes": r["upvotes"],
                "downvotes": r["downvotes"],
                "score": r["score"],
                "origin": origins.get(r["id"]),
            },
        )


def _article_url(article: Article) -> str:
    """The annotations' target: the article's public address."""
    if article.canonical_url:
        return article.canonical_url
    path = article.get_absolute_url()
    return f"https://{article.site.domain}{path}" if article.site.domain else path


def _annotation(item: dict[str, Any]) -> dict[str, Any]:
    return {"@context": [jsonld.CONTEXT, {"parley": jsonld.PARLEY_TERMS}], **item}


def _older_revisions(w: _Out, site_ids: list[int]) -> set[int]:
    """The texts that passages' selectors refer to when it is not their article's current
    text (an orphan keeps the revision where it was last found); returns their ids."""
    latest = (
        ArticleRevision.objects.filter(article=OuterRef("article"))
        .order_by("-number")
        .values("pk")[:1]
    )
    referenced = set(
        Anchor.objects.filter(comment__article__site_id__in=site_ids).values_list(
            "revision_id", flat=True
        )
    ) | set(
        PassageQuestion.objects.filter(article__site_id__in=site_ids).values_list(
            "revision_id", flat=True
        )
    )
    older: set[int] = set()
    for chunk in _chunks(sorted(referenced)):
        rows = (
            ArticleRevision.objects.filter(pk__in=chunk)
            .exclude(pk=Subquery(latest))
            .order_by("article_id", "number")
        )
        for revision in rows:
            older.add(revision.pk)
            w.write(
                "revision",
                {
                    "id": f"r{revision.pk}",
                    "article": f"a{revision.article_id}",
                    "number": revision.number,
                    "text": revision.text,
                    "created_at": _iso(revision.created_at),
                },
            )
    return older


def _passages(w: _Out, site_ids: list[int]) -> None:
    """Editors' questions, then anchored comments, each a W3C Web Annotation. The
    annotation's creator is the comment's pseudonymous author with the display name only
    (the inline app's own export shows a name that may fall back to the username)."""
    older = _older_revisions(w, site_ids)
    urls: dict[int, str] = {}

    def revision_of(passage: Anchor | PassageQuestion) -> str | None:
        return f"r{passage.revision_id}" if passage.revision_id in older else None

    def url_of(article: Article) -> str:
        if article.pk not in urls:
            urls[article.pk] = _article_url(article)
        return urls[article.pk]

    questions = (
        PassageQuestion.objects.filter(article__site_id__in=site_ids)
        .select_related("revision", "article__site")
        .order_by("article_id", "id")
    )
    for question in questions.iterator(chunk_size=CHUNK):
        source = url_of(question.article)
        w.write(
            "question",
            {
                "id": f"q{question.pk}",
                "article": f"a{question.article_id}",
                "revision": revision_of(question),
                "original_exact": question.original_exact,
                "annotation": _annotation(
                    jsonld.question_annotation(question, source=source, base_url=source)
                ),
            },
        )
    anchors = (
        Anchor.objects.filter(comment__article__site_id__in=site_ids)
        .select_related("revision", "comment__author", "comment__article__site")
        .order_by("comment__article_id", "comment_id")
    )
    for anchor in anchors.iterator(chunk_size=CHUNK):
        comment = anchor.comment
        source = url_of(comment.article)
        item = jsonld.annotation(anchor, source=source, base_url=source)
        author = comment.author
        item["creator"] = {
            "type": "Person",
            "name": (author.display_name if author else comment.author_name) or "",
        }
        if author is not None:
            item["creator"]["id"] = f"urn:parley:user:{pseudonym(author.pk)}"
        w.write(
            "anchor",
            {
                "comment": str(comment.pk),
                "question": f"q{anchor.question_id}" if anchor.question_id else None,
                "revision": revision_of(anchor),
                "original_exact": anchor.original_exact,
                "annotation": _annotation(item),
            },
        )


def _moderation_log(w: _Out, log: Any) -> None:
    rows = log.select_related("site").order_by("id")
    for entry in rows.iterator(chunk_size=CHUNK):
        w.write(
            "moderation",
            {
                "id": f"m{entry.pk}",
                "site": entry.site.key,
                "action": entry.action,
                "actor": pseudonym(entry.actor_id),
                "user": pseudonym(entry.target_user_id),
                "article": f"a{entry.article_id}" if entry.article_id else None,
                "comment": str(entry.comment_id) if entry.comment_id else None,
                "reason": entry.reason,
                "before": entry.before,
                "after": entry.after,
                "created_at": _iso(entry.created_at),
            },
        )


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), 500):
        yield values[start : start + 500]
