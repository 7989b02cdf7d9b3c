"""`parley import {disqus,wordpress,isso,remark42,commento,parley} FILE`."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parley.importers.articles import SiteChoiceError
from parley.importers.parsers import PARSERS
from parley.importers.runner import run_import
from parley.importers.sources import UnreadableFile
from parley.importers.urlmap import BadRule


class Command(BaseCommand):
    help = (
        "Imports the discussions of another comment platform (or of a Parley export) and "
        "prints a report accounting for every record. The import is one transaction: a "
        "file that cannot be read changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=sorted(PARSERS), help="format of the file")
        parser.add_argument("file", help="the export file (gzip accepted)")
        parser.add_argument("--site", help="key of the site to import into")
        parser.add_argument(
            "--url-map",
            action="append",
            default=[],
            metavar="RULES",
            help="URL prefix rewrites FROM=>TO, comma-separated or repeated "
            "(e.g. http://localhost:4000=>https://site.example); * matches one path segment",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="run everything, write nothing, same report"
        )

    def handle(self, *args, **options) -> None:
        try:
            report = run_import(
                options["source"],
                options["file"],
                site=options["site"],
                url_map=options["url_map"],
                dry_run=options["dry_run"],
                progress=sys.stderr.isatty(),
            )
        except UnreadableFile as error:
            raise CommandError(f"{options['file']}: {error}. Nothing was imported.") from None
        except (SiteChoiceError, BadRule) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(report.render())
