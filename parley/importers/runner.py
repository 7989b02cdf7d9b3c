"""`run_import`: one import, from file to report, in one transaction.

The whole import is one transaction: a file that turns out to be unreadable (a DTD, a
truncated end, a damaged archive) raises before the commit and leaves the database as
it was, and `--dry-run` runs everything and rolls back, so its report is the real one.
On SQLite the transaction holds the write lock for the length of the import.
"""

import sys
import time
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from parley.importers import reader
from parley.importers.articles import choose_site
from parley.importers.bulk import (
    NewRowsCheck,
    foreign_keys_unenforced,
    restore_sqlite_cache,
    sqlite_cache,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input
from parley.importers.urlmap import UrlMapper, parse_rules
from parley.importers.writer import Writer

SQLITE_CACHE_KIB = 48 * 1024


def run_import(
    source: str,
    path: str | Path,
    *,
    site: str | None = None,
    url_map: list[str] | str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    parallel: bool | None = None,
) -> ImportReport:
    """Imports one export file; returns the report. Raises UnreadableFile (nothing
    written) when the file cannot be read, SiteChoiceError or BadRule on bad options.
    `parallel` (default: for files over 20 MB) reads and parses the file in a second
    process while this one writes."""
    report = ImportReport(source=source, file_name=Path(path).name, dry_run=dry_run)
    rules = parse_rules(url_map)
    started = time.monotonic()
    bar = tqdm(
        total=Path(path).stat().st_size if Path(path).is_file() else None,
        unit="B",
        unit_scale=True,
        desc=f"Importing {Path(path).name}",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        inp = Input(path, on_read=bar.update)
        if parallel is None:
            parallel = inp.size > reader.PARALLEL_FROM
        # SQLite checks four references for each comment row as it goes in; with
        # enforcement off for the import, the rows it wrote are checked at once at the end.
        with foreign_keys_unenforced() as unenforced, transaction.atomic():
            new_rows = NewRowsCheck() if unenforced else None
            previous_cache = sqlite_cache(SQLITE_CACHE_KIB)
            chosen = choose_site(site)
            writer = Writer(
                source=source,
                site=chosen,
                fixed_site=bool(site) or source != "parley",
                urls=UrlMapper(rules, report),
                report=report,
                file_name=inp.name,
                file_size=inp.size,
            )
            items = reader.records(source, inp, report, progress=bar.update, parallel=parallel)
            for item in items:
                writer.feed(item)
            writer.finish()
            used = writer.articles.site or chosen
            report.site = (
                used.key if used else ", ".join(s.key for s in writer.articles.sites.values())
            )
            report.seconds = time.monotonic() - started
            writer.run.site = used
            writer.run.finished_at = timezone.now()
            writer.run.report = report.as_dict()
            writer.run.save()
            if new_rows is not None:
                new_rows.verify()
            restore_sqlite_cache(previous_cache)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        bar.close()
    report.seconds = time.monotonic() - started
    return report
