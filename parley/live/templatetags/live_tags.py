from django import template
from django.urls import reverse

from parley.articles.models import Article
from parley.live import backlog

register = template.Library()


@register.simple_tag
def live_stream_url(article: Article) -> str:
    """The article's stream, resuming from where this page stands, so that nothing
    posted between rendering and connecting is lost. One query."""
    last = backlog.resume_point(article_id=article.pk)
    return reverse("live:stream", args=[article.pk]) + f"?last_event_id={last}"
