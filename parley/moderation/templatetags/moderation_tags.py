"""Template hooks the discussion templates include: the tombstone of a removed comment
(with its reason and the author's appeal), the notice above a discussion (a sanction,
automatic closing) and the report box."""

from typing import Any

from django import template

from parley.articles.models import Article
from parley.discussion.models import Comment
from parley.moderation import phases, selectors
from parley.moderation.models import RemovalReason, ReportReason

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_removal(context: template.Context, comment: Comment) -> Any:
    """The Removal of a removed comment. The removals of the whole article load in one
    query, once per request, the first time a page shows a removed comment."""
    request = context.get("request")
    cache: dict[int, dict[int, Any]] = {}
    if request is not None:
        cache = request.__dict__.setdefault("_moderation_removals", {})
    if comment.article_id not in cache:
        cache[comment.article_id] = selectors.removal_reasons(article_id=comment.article_id)
    return cache[comment.article_id].get(comment.pk)


@register.inclusion_tag("moderation/_discussion_notice.html", takes_context=True)
def moderation_notice(context: template.Context, article: Article) -> dict[str, Any]:
    """Above a discussion: closes it when it is past its automatic closing date (so the
    page shows it closed), and tells a suspended or banned reader why they cannot post.
    One query, and one more for a signed-in reader."""
    phases.close_discussion_if_due(article)
    user = context.get("user")
    sanction = None
    if user is not None and user.is_authenticated:
        found = phases.active_sanction(user=user, site_id=article.site_id)
        sanction = phases.sanction_message(found) if found else None
    return {"sanction": sanction, "article": article}


@register.simple_tag
def report_reasons() -> list[tuple[str, str]]:
    return list(ReportReason.choices)


@register.simple_tag
def removal_reasons() -> list[tuple[str, str]]:
    return list(RemovalReason.choices)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")
