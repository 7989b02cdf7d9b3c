"""The article body under the meter, and its structured data for search engines."""

import json
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from parley.articles.models import Article
from parley.inline.templatetags.inline_tags import inline_blocks
from parley.paywall.meter import FREE, Decision

register = template.Library()


@register.simple_tag(takes_context=True)
def paywall_blocks(context: template.Context, article: Article) -> list[Any]:
    """The body blocks (with their offsets, for inline feedback) this reader gets: the
    opening ones when the meter cut the article (`paywall` in the context)."""
    blocks = inline_blocks(article)
    decision: Decision | None = context.get("paywall")
    if decision is not None and decision.cut:
        return blocks[: decision.preview_blocks]
    return blocks


@register.simple_tag(takes_context=True)
def paywall_jsonld(context: template.Context, article: Article) -> SafeString:
    """schema.org NewsArticle with `isAccessibleForFree`; on a metered site `hasPart`
    names the paywalled section (`.paywalled-content`), as search engines ask of
    metered and lead-in paywalls."""
    decision: Decision = context.get("paywall") or FREE
    request = context.get("request")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.published_at.isoformat(),
        "isAccessibleForFree": not decision.metered,
    }
    if request is not None:
        data["url"] = request.build_absolute_uri(article.get_absolute_url())
    if article.author is not None:
        data["author"] = {"@type": "Person", "name": article.author.name}
    if decision.metered:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywalled-content",
        }
    # `</` cannot end the script element early: JSON allows escaping the slash.
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
