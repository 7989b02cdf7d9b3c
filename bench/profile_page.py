"""Profiles the article page of the 1,000-comment thread with pyinstrument.

    DATABASE_URL=sqlite:///bench/.work/parley-<fingerprint>.sqlite3 \
        .venv/bin/python bench/profile_page.py [--sort top] [--requests 30] [--html out.html]

Uses a database built by bench/parley_data.py (`make bench` leaves one in bench/.work/).
Requests go through Django's whole middleware stack (the test client), as a guest, with
the page cache off, so the profile shows what a cache miss costs. docs/performance.md
records what it showed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
os.environ["PARLEY_PAGE_CACHE"] = "false"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="hot-1k")
    parser.add_argument("--sort", default="top")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client()
    url = f"/articles/{args.slug}/?sort={args.sort}"
    for _ in range(3):  # warm: templates compiled, connection open
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    print(f"{url}: {len(response.content):,} bytes, {len(queries)} queries")
    for query in queries.captured_queries:
        print(f"  {query['time']}s  {query['sql'][:150]}")

    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.requests):
        client.get(url)
    profiler.stop()
    elapsed = (time.perf_counter() - started) / args.requests
    print(f"\n{args.requests} requests, {elapsed * 1000:.1f} ms each (profiler running)\n")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
