"""Closes the discussions past their automatic closing date (run it from cron; the page
also closes one when it shows it)."""

from typing import Any

from django.core.management.base import BaseCommand

from parley.articles.models import Article
from parley.moderation.phases import close_discussion_if_due


class Command(BaseCommand):
    help = "Close discussions N days after publication, as each site's policy says."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = 0
        for article in Article.objects.filter(discussion_closed=False).iterator():
            closed += close_discussion_if_due(article)
        self.stdout.write(f"{closed} discussion(s) closed.")
