"""`make bench`: Parley against Isso on the same data, on this machine, in one run.

    .venv/bin/python bench/run.py            # the full run (under 10 minutes on 2 cores)
    BENCH_SMALL_ARTICLES=200 BENCH_FLAT=5000 BENCH_DURATION=2 .venv/bin/python bench/run.py

Sets up Parley (served by `parley serve`, granian) and Isso (from PyPI in its own
virtualenv, served by gunicorn as its documentation advises) with the same discussions
(bench/shapes.py): a hot article with 1,000 comments, a huge one with 20,000 and 10,000
articles with 20 each. Then measures, with wrk on loopback, the bare ceiling of Parley's
stack (a hello-world view), the first page of each thread in each sort (cached, and
uncached as "before"), a deep page, random articles and posting, the same for Isso, and
in-process the flat-cost check (a 100,000-comment discussion against a 1,000-comment
one). Prints one table and writes it to bench/results/<date>.md and .json.

Other benchmarks join the run by existing: every `bench/*_bench.py` is run afterwards
(servers stopped), one at a time, with PARLEY_BENCH_BUDGET=<seconds> in its environment
(a script should size its work to fit); one still running at its budget is stopped. What
each prints is appended to the results file under its name (bench/hooks.py).

Environment (all optional):
  BENCH_DATABASE_URL   Parley's database; default: PostgreSQL at 127.0.0.1:5432 when it
                       answers (database parley_bench, kept for the next run), else SQLite;
                       "sqlite" for SQLite
  BENCH_REDIS_URL      Redis for Parley's cache; default: 127.0.0.1:6379 when it answers
                       (keys under a prefix of this run's own, removed afterwards);
                       "none" for local memory and one worker
  BENCH_DURATION       seconds per wrk run for Parley (5); Isso's take twice that (it is slow)
  BENCH_CONNECTIONS, BENCH_THREADS   wrk's -c and -t (32, 2)
  BENCH_WORKERS        Parley's granian workers (cores); BENCH_ISSO_WORKERS gunicorn's (4)
  BENCH_SMALL_ARTICLES, BENCH_FLAT   data sizes (10000, 100000), for quick trial runs
  BENCH_BUDGET         seconds for the whole run (500: make's own setup fits in 10 min)
  BENCH_HOOK_BUDGET    most seconds any one hook gets (90)
"""

# ruff: noqa: S603 - it runs this project's own scripts and servers, and wrk

import concurrent.futures
import datetime
import hashlib
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))

import hooks  # noqa: E402
import isso_side  # noqa: E402
import loadgen  # noqa: E402
import report  # noqa: E402
import shapes  # noqa: E402
from servers import Server, deep_page, fetch, free_port, warm, warm_posting  # noqa: E402

STARTED = time.monotonic()
BUDGET = float(os.environ.get("BENCH_BUDGET", "500"))
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
SMALL_ARTICLES = int(os.environ.get("BENCH_SMALL_ARTICLES", str(shapes.SMALL_ARTICLES)))
FLAT = int(os.environ.get("BENCH_FLAT", str(shapes.FLAT)))
SORTS = ("top", "new", "old")


def step(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def measure(server: Server, path: str, *, script: Path | None = None, slow: bool = False):
    seconds = DURATION * (2 if slow else 1)
    result = loadgen.run(
        server.url, path, seconds=seconds, connections=CONNECTIONS, threads=THREADS, script=script
    ).as_dict()
    server.drain()
    return result


def fingerprint() -> str:
    digest = hashlib.sha256(f"{SMALL_ARTICLES}/{FLAT}".encode())
    for path in sorted(
        [*ROOT.glob("parley/*/migrations/*.py"), HERE / "shapes.py", HERE / "parley_data.py"]
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def database_url(fp: str) -> str:
    wanted = os.environ.get("BENCH_DATABASE_URL", "")
    sqlite = f"sqlite:///{WORK / f'parley-{fp}.sqlite3'}"
    if wanted:
        return sqlite if wanted == "sqlite" else wanted
    import psycopg

    try:
        psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except psycopg.Error:
        return sqlite
    return "postgres://postgres@127.0.0.1:5432/parley_bench"


def redis_url() -> str:
    wanted = os.environ.get("BENCH_REDIS_URL")
    if wanted is not None:
        return "" if wanted in ("", "none") else wanted
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return ""
    return "redis://127.0.0.1:6379/0"


def forget_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


def prepare_parley(database_url: str, fp: str) -> dict[str, Any]:
    state_file = WORK / "parley-state.json"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "parley.settings"}
    subprocess.run(
        [sys.executable, str(HERE / "parley_data.py"), "--fingerprint", fp, "--out",
         str(state_file), "--small", str(SMALL_ARTICLES), "--flat", str(FLAT)],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    state: dict[str, Any] = json.loads(state_file.read_text())
    return state


def flat_check(database_url: str) -> dict[str, Any]:
    out = WORK / "flat.json"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "parley.settings"}
    subprocess.run(
        [sys.executable, str(HERE / "flat_cost.py"), "--out", str(out)],
        env=env,
        cwd=ROOT,
        check=True,
    )
    flat: dict[str, Any] = json.loads(out.read_text())
    return flat


def parley_env(
    database_url: str, redis: str, prefix: str, *, cache: bool, front: bool = True
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis,
        DJANGO_SETTINGS_MODULE="parley.settings",
        DEBUG="false",
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PARLEY_BENCH_HELLO="1",
        PARLEY_PAGE_CACHE="true" if cache else "false",
        PARLEY_FRONT_CACHE="true" if front else "false",
        PARLEY_CACHE_PREFIX=prefix,
        PARLEY_LIVE_CHANNEL_PREFIX=f"{prefix}:live",
    )
    return env


def start_parley(env: dict[str, str], workers: int, name: str) -> Server:
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "parley"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = Server(name, command, env, port, "/bench/hello/")
    server.wait("/bench/hello/")
    return server


def run_parley(
    rows: dict[str, dict[str, Any]],
    state: dict[str, Any],
    env_for,
    workers: int,
    local_env: dict[str, str] | None,
) -> float:
    ids = state["articles"]
    paths_file = WORK / "parley-paths.txt"
    paths_file.write_text("".join(f"/articles/{slug}/\n" for slug in state["small"]))
    sessions_file = WORK / "parley-sessions.txt"
    sessions_file.write_text("\n".join(state["poster"]["sessions"]) + "\n")

    step("Parley, page cache off (before)")
    server = start_parley(env_for(cache=False), workers, "parley-uncached")
    try:
        deep = deep_page(server, "huge-20k", "top", 10)
        for key, path in (
            ("before-1k", "/articles/hot-1k/?sort=top"),
            ("before-20k", "/articles/huge-20k/?sort=top"),
            ("before-deep", deep),
        ):
            rows[key]["parley"] = measure(server, path)
    finally:
        server.stop()

    step("Parley, page cache on, its front off (every request through Django)")
    server = start_parley(env_for(cache=True, front=False), workers, "parley-no-front")
    try:
        path = "/articles/hot-1k/?sort=top"
        warm(server, path)
        rows["django-1k"]["parley"] = measure(server, path)
    finally:
        server.stop()

    step("Parley, page cache on")
    server = start_parley(env_for(cache=True), workers, "parley")
    try:
        ceiling = measure(server, "/bench/hello/")
        rows["ceiling"]["parley"] = ceiling
        for size, slug in (("1k", "hot-1k"), ("20k", "huge-20k")):
            for sort in SORTS:
                path = f"/articles/{slug}/?sort={sort}"
                warm(server, path)
                rows[f"first-{size}-{sort}"]["parley"] = measure(server, path)
            api = f"/api/v1/articles/{ids[slug]}/comments?sort=top"
            cached_api = "etag" in {name.lower() for name in fetch(server.url + api)[2]}
            rows[f"api-{size}"]["name"] += "" if cached_api else " (API not cached yet)"
            rows[f"api-{size}"]["parley"] = measure(server, api)
        deep = deep_page(server, "huge-20k", "top", 10)
        warm(server, deep)
        rows["deep"]["parley"] = measure(server, deep)
        script = loadgen.random_paths_script(WORK / "parley-random.lua", paths_file)
        rows["random"]["parley"] = measure(server, "/", script=script)
        script = loadgen.parley_post_script(
            WORK / "parley-post.lua",
            path="/articles/post-target/comments/",
            sessions_file=sessions_file,
            csrf=state["poster"]["csrftoken"],
        )
        warm_posting(server, state, "/articles/post-target/comments/")
        rows["post"]["parley"] = measure(server, "/", script=script)
        # The ceiling again, at the end: the higher of the two is the one compared with.
        again = measure(server, "/bench/hello/")
        if again["rps"] > ceiling["rps"]:
            rows["ceiling"]["parley"] = ceiling = again
    finally:
        server.stop()

    if local_env is not None:
        # What the Redis round trip of each hit costs: one process, its cache in memory
        # (Parley's single-machine setup), against its own ceiling.
        step("Parley, one worker, page cache in local memory")
        server = start_parley(local_env, 1, "parley-local")
        try:
            rows["local-ceiling"]["parley"] = measure(server, "/bench/hello/")
            path = "/articles/hot-1k/?sort=top"
            warm(server, path)
            rows["local-1k"]["parley"] = measure(server, path)
        finally:
            server.stop()
    return float(ceiling["rps"])


def run_isso(rows: dict[str, dict[str, Any]], venv: Path, db: Path, workers: int) -> None:
    port = free_port()
    config = WORK / "isso.cfg"
    isso_side.write_config(config, db=db, port=port)
    env = {**os.environ, "ISSO_SETTINGS": str(config)}
    step("Isso (gunicorn)")
    command = isso_side.server_command(venv, port=port, workers=workers)
    server = Server("isso", command, env, port, "/config")
    try:
        server.wait(isso_side.first_page("a-00000", "old"))
        for size, slug in (("1k", "hot-1k"), ("20k", "huge-20k")):
            for sort in SORTS:
                rows[f"first-{size}-{sort}"]["isso"] = measure(
                    server, isso_side.first_page(slug, sort), slow=True
                )
        rows["deep"]["isso"] = measure(
            server, isso_side.first_page("huge-20k", "top", offset=90), slow=True
        )
        paths_file = WORK / "isso-paths.txt"
        paths_file.write_text(
            "".join(isso_side.first_page(slug, "old") + "\n" for slug in small_slugs())
        )
        script = loadgen.random_paths_script(WORK / "isso-random.lua", paths_file)
        rows["random"]["isso"] = measure(server, "/", script=script, slow=True)
        script = loadgen.isso_post_script(
            WORK / "isso-post.lua", path="/new?uri=%2Farticles%2Fpost-target%2F"
        )
        rows["post"]["isso"] = measure(server, "/", script=script, slow=True)
    finally:
        server.stop()


def small_slugs() -> list[str]:
    return [
        s.slug
        for s in shapes.articles(small_articles=SMALL_ARTICLES, flat=0)
        if s.slug.startswith("a-")
    ]


def machine(database_url: str, redis: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres") as conn:
            database = "PostgreSQL " + str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    else:
        database = f"SQLite {sqlite3.sqlite_version} (file, WAL)"
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "database": database,
        "cache": f"Redis ({redis})" if redis else "local memory",
        "load_before": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def main() -> None:
    WORK.mkdir(exist_ok=True)
    loadgen.ensure_wrk()
    # Installing Isso waits on the network, building Parley's data on the CPU: together.
    installing = concurrent.futures.ThreadPoolExecutor(1).submit(isso_side.ensure_venv, WORK)
    fp = fingerprint()
    database = database_url(fp)
    for old in WORK.glob("parley-*.sqlite3*"):
        if fp not in old.name:
            old.unlink()
    redis = redis_url()
    workers = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1))) if redis else 1
    isso_workers = int(os.environ.get("BENCH_ISSO_WORKERS", "4"))
    info = machine(database, redis)
    prefix = f"parley-bench-{os.getpid()}"

    step(f"Parley's data ({database.split('@')[-1]})")
    state = prepare_parley(database, fp)
    step("Isso's virtualenv")
    venv = installing.result()
    isso_db = WORK / f"isso-{fp}.db"
    if not isso_db.exists():
        step("Isso's data")
        for old in WORK.glob("isso-*.db"):
            old.unlink()
        specs = shapes.articles(small_articles=SMALL_ARTICLES, flat=0)
        isso_side.build_db(WORK / "isso-building.db", venv, specs)
        (WORK / "isso-building.db").rename(isso_db)
    step("flat-cost check (in-process)")
    flat = flat_check(database) if FLAT else None

    rows: dict[str, dict[str, Any]] = {}
    names = [("ceiling", "hello-world view (the ceiling of Parley's stack)")]
    for size, label in (("1k", "1,000"), ("20k", "20,000")):
        names += [
            (f"first-{size}-{s}", f"first page, {label} comments, {report.SORT_NAMES[s]}")
            for s in SORTS
        ]
    names += [
        ("before-1k", "  same, 1,000, Most Voted, page cache off (before)"),
        ("before-20k", "  same, 20,000, Most Voted, page cache off (before)"),
        ("django-1k", "  same, 1,000, Most Voted, cached, through Django (front off)"),
        ("api-1k", "API first page (guest JSON), 1,000, Most Voted"),
        ("api-20k", "API first page (guest JSON), 20,000, Most Voted"),
        ("deep", "page 10, 20,000 comments, Most Voted (Isso: offset 90)"),
        ("before-deep", "  same, page cache off (before)"),
        ("random", f"random articles among {SMALL_ARTICLES:,} (20 comments each)"),
        ("post", "posting a comment"),
    ]
    if redis:
        names += [
            ("local-ceiling", "hello-world, one worker, no Redis (its own ceiling)"),
            ("local-1k", "first page, 1,000, Most Voted, one worker, cache in local memory"),
        ]
    rows = {key: {"key": key, "name": name} for key, name in names}
    if redis:
        rows["local-ceiling"]["is_ceiling"] = True
        rows["local-1k"]["ceiling_key"] = "local-ceiling"
    try:
        ceiling = run_parley(
            rows,
            state,
            lambda cache, **extra: parley_env(database, redis, prefix, cache=cache, **extra),
            workers,
            parley_env(database, "", prefix, cache=True) if redis else None,
        )
        run_isso(rows, venv, isso_db, isso_workers)
    finally:
        if redis:
            forget_keys(redis, prefix)
    rows["ceiling"]["is_ceiling"] = True
    info["load_after"] = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    info["servers"] = (
        f"Parley: parley serve (granian, ASGI) --workers {workers}; "
        f"Isso: gunicorn -w {isso_workers} --preload isso.run"
    )
    hook_outputs = hooks.run_hooks(deadline=STARTED + BUDGET, step=step)
    load_settings = f"-c{CONNECTIONS} -t{THREADS}, {DURATION:g}s a run (Isso {DURATION * 2:g}s)"
    reduced = [
        f"{name}={value:g}"
        for name, value, full in (
            ("BENCH_SMALL_ARTICLES", SMALL_ARTICLES, shapes.SMALL_ARTICLES),
            ("BENCH_FLAT", FLAT, shapes.FLAT),
            ("BENCH_DURATION", DURATION, 5),
        )
        if value < full
    ]
    results = {
        "trial": ", ".join(reduced),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": info,
        "versions": versions(venv),
        "settings": load_settings,
        "rows": list(rows.values()),
        "ceiling_rps": ceiling,
        "flat": flat,
        "flat_small": "1,000 comments",
        "flat_large": f"{FLAT:,} comments",
        "notes": notes(state),
        "hooks": hook_outputs,
        "seconds": round(time.monotonic() - STARTED),
    }
    md, _ = report.write(results, HERE / "results")
    print()
    print(report.markdown({**results, "hooks": {}}))
    step(f"done: {md.relative_to(ROOT)}")


def versions(venv: Path) -> dict[str, str]:
    import django
    import granian

    found = {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "granian": getattr(granian, "__version__", "?"),
        "wrk": loadgen.wrk_version(),
    }
    found.update(isso_side.versions(venv))
    return found


def notes(state: dict[str, Any]) -> list[str]:
    return [
        "Notes:",
        "- Same discussions in both (bench/shapes.py); about 30 % replies. Isso keeps one "
        "level of replies, so a reply to a reply hangs from its thread's first comment there.",
        "- Isso's first page: `limit=10&nested_limit=20` in the same sort (Parley's page: ten "
        "threads, up to twenty replies each). Isso answers JSON; Parley's page is the whole "
        "article page in HTML, and its API row is the JSON.",
        "- Isso's guard (2 posts a minute per address) and moderation are off, or it could not "
        "be measured posting; Parley posts as 1,000 subscribers in turn, its rate limits on.",
        f"- Parley's database also holds the {FLAT:,}-comment discussion of the flat-cost check "
        "(the hot article's comments among quiet ones: the same first pages).",
        "- Load generator and servers share the same cores; compare ratios within one run.",
        f"- Data {'reused from an earlier run' if state.get('reused') else 'built in this run'}.",
    ]


if __name__ == "__main__":
    main()
