"""The flat-cost check: the first page of a 100,000-comment discussion against that of a
1,000-comment one, in time and in queries, with the page cache off (what a miss costs).

    DATABASE_URL=… .venv/bin/python bench/flat_cost.py --out flat.json

Runs in-process through Django's whole middleware stack (the test client), as a guest,
so no server or network noise enters the comparison; each figure is the median of many
requests after a warm-up. Both discussions come from the same generator
(bench/shapes.py), so their first pages hold pages of the same make-up.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
os.environ["PARLEY_PAGE_CACHE"] = "false"

SORTS = ("top", "new", "old")


def measure(client, url: str, *, repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request empties the connection's log
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return {"ms": statistics.median(times), "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", default="hot-1k")
    parser.add_argument("--large", default="flat-100k")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    client = Client()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for sort in SORTS:
        # Interleaved, so that a burst of load on the machine hits both alike.
        small, large = [], []
        for _ in range(3):
            small.append(
                measure(client, f"/articles/{args.small}/?sort={sort}", repeat=args.repeat // 3)
            )
            large.append(
                measure(client, f"/articles/{args.large}/?sort={sort}", repeat=args.repeat // 3)
            )
        results[sort] = {
            "small": {
                "ms": statistics.median(r["ms"] for r in small),
                "queries": small[0]["queries"],
            },
            "large": {
                "ms": statistics.median(r["ms"] for r in large),
                "queries": large[0]["queries"],
            },
        }
    Path(args.out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
