from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def reltime(value: datetime | None) -> str:
    """ "3 hours ago", "1 month ago": one unit, like the comment sections readers know."""
    if value is None:
        return ""
    now = timezone.now()
    if value > now or (now - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value, now, depth=1)} ago"
