"""Renders a site's stored comments again under its current masking and link rules."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parley.articles.models import Site
from parley.moderation.actions import remask_site


class Command(BaseCommand):
    help = "Re-render stored comment HTML after the masking list or link rules change."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("site", help="The site's key.")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(key=options["site"]).first()
        if site is None:
            raise CommandError(f"No site with key {options['site']!r}.")
        self.stdout.write(f"{remask_site(site.pk)} comment(s) changed.")
