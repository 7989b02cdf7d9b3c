"""The bell's count and each viewer's follow state, computed once per request."""

from typing import Any

from django import template

from parley.articles.models import Article
from parley.notifications import selectors

register = template.Library()


def _per_request(context: Any, key: str, compute):
    request = context.get("request")
    cache = getattr(request, "_parley_notifications", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._parley_notifications = cache
    if key not in cache:
        cache[key] = compute()
    return cache[key]


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return _per_request(context, "unread", lambda: selectors.unread_count(user=user))


@register.simple_tag(takes_context=True)
def discussion_state(context: Any, article: Article) -> selectors.DiscussionState:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return selectors.DiscussionState()
    return _per_request(
        context,
        f"state:{article.pk}",
        lambda: selectors.discussion_state(user=user, article=article),
    )
