"""Import benchmark: a generated Disqus export of 1,000,000 comments over 10,000 threads,
imported into a fresh SQLite database. Prints the time and the peak memory (RSS).

    .venv/bin/python bench/import_bench.py                 # 1,000,000 comments
    .venv/bin/python bench/import_bench.py --comments 100000 --threads 1000

Under `make bench` it imports what fits its time budget (PARLEY_BENCH_BUDGET), measured on
two small exports first: the full million on a machine fast enough.

The export is streamed to bench/.work/ (git-ignored) and reused while its size matches.
The import runs in a child process so that its peak RSS is the import's own.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"

WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "that",
    "is",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "her",
    "she",
    "there",
    "been",
    "one",
    "all",
    "we",
    "their",
    "has",
    "would",
    "when",
    "if",
    "train",
    "night",
    "sleeper",
    "ticket",
    "route",
    "station",
    "border",
    "timetable",
    "carriage",
    "berth",
    "repair",
    "shop",
    "bike",
    "street",
    "council",
    "parking",
    "neighbourhood",
    "quiet",
    "children",
    "school",
    "market",
]


def message(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 40))]
        if rng.random() < 0.1:
            words.append('<a href="https://example.org/source" rel="nofollow noopener">source</a>')
        if rng.random() < 0.1:
            words.insert(2, "<b>really</b>")
        paragraphs.append("<p>" + " ".join(words).capitalize() + ".</p>")
    return "".join(paragraphs)


def generate(path: Path, comments: int, threads: int, seed: int = 7) -> None:
    """Streams a Disqus export: threads first, then posts in time order; about a third of
    the posts reply to an earlier post of their thread; 1% deleted, 1% spam; 50,000
    registered authors and some anonymous guests."""
    rng = random.Random(seed)
    start = datetime(2012, 1, 1, tzinfo=UTC)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<category dsq:id="1"><forum>benchforum</forum><title>General</title></category>\n'
        )
        for t in range(threads):
            empty = "<id />" if t % 3 else f"<id>page-{t}</id>"
            out.write(
                f'<thread dsq:id="{100000 + t}">{empty}<forum>benchforum</forum>'
                f"<link>https://bench.example/{2012 + t % 10}/story-{t}/</link>"
                f"<title>Story number {t}</title><message />"
                f"<createdAt>{(start + timedelta(hours=t)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
                "</createdAt><author><name>Editor</name><isAnonymous>false</isAnonymous>"
                "<username>editor</username></author><isClosed>false</isClosed>"
                "<isDeleted>false</isDeleted></thread>\n"
            )
        recent: list[list[int]] = [[] for _ in range(threads)]
        step = timedelta(seconds=max(1, int(10 * 365 * 86400 / max(comments, 1))))
        for n in range(comments):
            t = rng.randrange(threads)
            post_id = 10_000_000 + n
            parent = ""
            if recent[t] and rng.random() < 0.35:
                parent = f'<parent dsq:id="{rng.choice(recent[t])}" />'
            recent[t].append(post_id)
            if len(recent[t]) > 30:
                recent[t].pop(0)
            author = rng.randrange(60_000)
            if author < 50_000:
                who = (
                    f"<email>reader{author}@mail.example</email><name>Reader {author}</name>"
                    f"<isAnonymous>false</isAnonymous><username>reader{author}</username>"
                )
            else:
                who = f"<name>Guest {author}</name><isAnonymous>true</isAnonymous>"
            roll = rng.random()
            deleted = "true" if roll < 0.01 else "false"
            spam = "true" if 0.01 <= roll < 0.02 else "false"
            out.write(
                f'<post dsq:id="{post_id}"><id /><message><![CDATA[{message(rng)}]]></message>'
                f"<createdAt>{(start + step * n).strftime('%Y-%m-%dT%H:%M:%SZ')}</createdAt>"
                f"<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
                f"<author>{who}</author><ipAddress>127.0.0.1</ipAddress>"
                f'<thread dsq:id="{100000 + t}" />{parent}</post>\n'
            )
        out.write("</disqus>\n")
    tmp.replace(path)


def run_import(export: Path, database: Path, parallel: bool) -> None:
    """In the child process: a fresh database, the import, the figures."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from parley.importers.runner import run_import as import_file

    call_command("migrate", verbosity=0)
    start_usage = resource.getrusage(resource.RUSAGE_SELF)
    before = start_usage.ru_maxrss / 1024
    cpu_before = start_usage.ru_utime + start_usage.ru_stime
    started = time.perf_counter()
    report = import_file("disqus", export, progress=sys.stderr.isatty(), parallel=parallel)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    reader = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(report.render())
    print()
    print(
        f"import: {report.comments_read:,} comments in {elapsed:.1f} s "
        f"({report.comments_read / elapsed:,.0f} comments/s)"
    )
    print(
        f"CPU time: writer {cpu:.1f} s, reader process {reader.ru_utime + reader.ru_stime:.1f} s"
        f" (reader peak RSS {reader.ru_maxrss / 1024:.0f} MB); load average at the end"
        f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"peak RSS: {peak:.0f} MB (after Django setup and migrate: {before:.0f} MB)")
    size = sum(p.stat().st_size for p in database.parent.glob(database.name + "*"))
    print(f"database (with its WAL): {size / 1e6:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=None, help="default: 1,000,000")
    parser.add_argument("--threads", type=int, default=None, help="default: comments / 100")
    parser.add_argument(
        "--serial", action="store_true", help="read and write in one process (no reader)"
    )
    parser.add_argument(
        "--run-import", nargs=2, metavar=("EXPORT", "DATABASE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.run_import:
        run_import(Path(args.run_import[0]), Path(args.run_import[1]), not args.serial)
        return
    # Under `make bench` (bench/hooks.py) the hook has PARLEY_BENCH_BUDGET seconds: it
    # measures this machine on two small exports and imports the most that fits (the full
    # million where the machine allows), and says so.
    budget = float(os.environ.get("PARLEY_BENCH_BUDGET", "0"))
    WORK.mkdir(parents=True, exist_ok=True)
    if args.comments is None:
        args.comments = 1_000_000
        if budget:
            args.comments = fit_to_budget(budget, most=args.comments)
    if args.threads is None:
        args.threads = max(1, args.comments // 100)
    export = WORK / f"disqus-{args.comments}-{args.threads}.xml"
    if not export.exists():
        started = time.perf_counter()
        generate(export, args.comments, args.threads)
        print(
            f"generated {export.name}: {export.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - started:.0f} s"
        )
    import_into_fresh_database(export, serial=args.serial)


def import_into_fresh_database(export: Path, *, serial: bool = False, quiet: bool = False) -> None:
    """Imports `export` into a new SQLite database, in a child process (its peak RSS is
    the import's own), which prints the report and the figures unless `quiet`."""
    database = WORK / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--run-import", str(export), str(database)]
        + (["--serial"] if serial else []),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


# The two sizes that measure the machine, and the share of the budget kept spare: the
# time a comment costs grows a little with the size (the index rebuild at the end).
PROBES = (10_000, 40_000)
SPARE = 0.3


def fit_to_budget(budget: float, *, most: int) -> int:
    """How many comments (a multiple of 10,000, at most `most`) this machine generates and
    imports within `budget` seconds, including this measurement: two small exports are
    generated and imported, giving the generation's time a comment and the import's fixed
    cost (a process, Django, the migrations) and time a comment. A budget too short for
    that measurement gets the smallest export."""
    if budget < 30:
        print(f"10,000 comments: the {budget:.0f}s budget is too short to measure", flush=True)
        return 10_000
    started = time.perf_counter()
    timings = []
    for size in PROBES:
        probe = WORK / f"probe-{size}.xml"
        begun = time.perf_counter()
        generate(probe, size, max(1, size // 100))
        generated = time.perf_counter()
        import_into_fresh_database(probe, quiet=True)
        timings.append((generated - begun, time.perf_counter() - generated))
        probe.unlink()
    (_, imp_small), (gen_big, imp_big) = timings
    per_comment = (imp_big - imp_small) / (PROBES[1] - PROBES[0])
    fixed = max(0.0, imp_small - per_comment * PROBES[0])
    per_comment += gen_big / PROBES[1]
    left = budget * (1 - SPARE) - (time.perf_counter() - started) - fixed
    fits = int(left / per_comment) // 10_000 * 10_000 if per_comment > 0 else most
    comments = max(10_000, min(most, fits))
    print(
        f"{comments:,} comments to fit the {budget:.0f}s budget (measured here: "
        f"{per_comment * 1e6:.0f} µs a comment to generate and import, {fixed:.1f} s to start)",
        flush=True,
    )
    return comments


if __name__ == "__main__":
    main()
