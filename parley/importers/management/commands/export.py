"""`parley export [--site SITE] [--format jsonl|wxr] FILE` (`-` writes to stdout)."""

import sys
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parley.importers.export_jsonl import export_jsonl, sites_for
from parley.importers.export_wxr import export_wxr


class Command(BaseCommand):
    help = (
        "Exports discussions: Parley's open JSON Lines format (sites, articles, authors, "
        "pseudonymous users, comments with their tree and status, votes, inline passages as "
        "W3C annotations, the moderation log), or a WordPress "
        "WXR file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write ('-' for standard output)")
        parser.add_argument("--site", help="key of the site to export (default: all sites)")
        parser.add_argument("--format", choices=("jsonl", "wxr"), default="jsonl")

    def handle(self, *args, **options) -> None:
        sites = sites_for(options["site"])
        if not sites:
            raise CommandError(
                f"no site with key {options['site']!r}"
                if options["site"]
                else "there is no site to export"
            )
        if options["format"] == "wxr" and len(sites) > 1:
            keys = ", ".join(s.key for s in sites)
            raise CommandError(f"a WXR file holds one site: choose one with --site ({keys})")
        target = options["file"]
        with (
            nullcontext(sys.stdout)
            if target == "-"
            else Path(target).open("w", encoding="utf-8", newline="\n")
        ) as out:
            if options["format"] == "wxr":
                counts = export_wxr(out, sites[0])
            else:
                counts = export_jsonl(out, sites)
        summary = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        (self.stderr if target == "-" else self.stdout).write(f"Exported {summary}.")
