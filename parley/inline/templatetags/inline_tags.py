"""Template helpers of the inline app: block offsets for the article body, and the passage
a comment of the main list is about."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.inline import access
from parley.inline.models import Anchor
from parley.inline.selectors import passage_key

register = template.Library()


@dataclass(frozen=True)
class PositionedBlock:
    """A body block with its offsets in the article's plain text (blocks joined by a blank
    line, as `parley.articles.body.plain_text` joins them)."""

    kind: str
    text: str
    start: int
    end: int


@register.filter
def inline_blocks(article: Article) -> list[PositionedBlock]:
    blocks: list[PositionedBlock] = []
    offset = 0
    for block in article.blocks:
        blocks.append(PositionedBlock(block.kind, block.text, offset, offset + len(block.text)))
        offset += len(block.text) + 2
    return blocks


def cached_anchor(comment: Comment) -> Anchor | None:
    """The comment's anchor when the list that holds the comment fetched it (the
    discussion selectors select_related it); never a query per comment."""
    if not Comment.anchor.is_cached(comment):
        return None
    try:
        return comment.anchor
    except ObjectDoesNotExist:
        return None


def _limit(context: template.Context, article: Article) -> int | None:
    """visible_text_end for this request's reader, computed once per article."""
    request = context.get("request")
    user = getattr(request, "user", None)
    viewer = user if user is not None and user.is_authenticated else None
    cache: dict[int, int | None] = getattr(request, "_inline_limits", {})
    if article.pk not in cache:
        cache[article.pk] = access.visible_text_end(article, viewer)
        if request is not None:
            request._inline_limits = cache
    return cache[article.pk]


@register.inclusion_tag("inline/_passage_quote.html", takes_context=True)
def comment_passage(context: template.Context, comment: Comment) -> dict[str, Any]:
    anchor = cached_anchor(comment)
    article = context.get("article")
    # Inside the Inline Feedbacks list the passage heads its group instead.
    if anchor is None or article is None or comment.is_tombstone or context.get("inline_grouped"):
        return {"anchor": None}
    question = anchor.question if anchor.question_id else None
    return {
        "anchor": anchor,
        "visible": access.quote_visible(anchor.end, _limit(context, article)),
        "question": question,
        "key": passage_key(start=anchor.start, end=anchor.end, question_id=anchor.question_id),
    }
