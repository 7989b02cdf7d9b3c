from django import template
from django.urls import reverse

from parley.articles.models import Article
from parley.live import backlog

register = template.Library()


@register.simple_tag
def live_stream_url(article: Article) -> str:
    """The article's stream, resuming after the newest event at render time, so that
    nothing posted between rendering and connecting is lost. One query."""
    last = backlog.latest_event_id(article_id=article.pk)
    return reverse("live:stream", args=[article.pk]) + f"?last_event_id={last}"
