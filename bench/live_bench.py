"""Live fan-out bench: how many open streams a granian worker holds, what each costs in
memory, and how long a comment takes to reach every connected reader.

    .venv/bin/python bench/live_bench.py                 # 1,000 and 5,000 readers
    .venv/bin/python bench/live_bench.py --readers 10000 --posts 3

It starts its own redis-server (a free port), a temporary SQLite database and
`parley serve --workers 2`, all on loopback. N readers connect as guests with a raw
asyncio socket each (one client process, sharing the machine's cores with the servers);
then a subscriber posts comments through HTTP, one at a time, and each reader notes when
the comment's event reaches it. Latency is from just before the POST is sent to the
moment a reader has the event, so it includes the POST itself (the database write and
the after-commit publish). Figures are printed and written to bench/results/live.json;
they are measurements, not pass/fail thresholds.
"""

import argparse
import asyncio
import itertools
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from parley.live.tests.servers import (  # noqa: E402
    ParleyServer,
    RedisServer,
    csrf_token,
    free_port,
    run_seed,
    server_env,
    signed_in,
)

POSTER_TURN = itertools.count()
CONNECT_BATCH = 250
CONNECT_SECONDS_PER_READER = 0.05  # bound on connecting: 500 s for 10,000 readers
DELIVERY_TIMEOUT = 30.0  # seconds for one comment to reach every reader


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_sockets(pid: int) -> int:
    count = 0
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd).startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


COMMENT_EVENT = re.compile(rb'"type":"comment","comment":(\d+),')


class Tally:
    """Counts readers still waiting for the comment being timed."""

    def __init__(self) -> None:
        self.target: int | None = None
        self.remaining = 0
        self.done = asyncio.Event()

    def arrived(self, comment_id: int) -> None:
        if comment_id == self.target:
            self.remaining -= 1
            if self.remaining == 0:
                self.done.set()


class Reader:
    """One stream on a raw socket: waits for hello, then notes when each comment arrives."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.writer: asyncio.StreamWriter | None = None
        self.task: asyncio.Task | None = None
        self.arrivals: dict[int, float] = {}

    async def connect(self, port: int, path: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer = writer
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        buffer = b""
        while b"event: hello" not in buffer:
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError("stream closed before hello")
            buffer += chunk
        if not buffer.startswith(b"HTTP/1.1 200"):
            raise ConnectionError(buffer[:80].decode(errors="replace"))
        self.task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            for found in COMMENT_EVENT.finditer(chunk):  # frames arrive whole on loopback
                comment_id = int(found.group(1))
                self.arrivals[comment_id] = now
                self.tally.arrived(comment_id)

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


async def connect_all(n: int, port: int, path: str, tally: Tally) -> tuple[list[Reader], float]:
    readers = [Reader(tally) for _ in range(n)]
    started = time.perf_counter()
    async with asyncio.timeout(max(60.0, n * CONNECT_SECONDS_PER_READER)):
        for i in range(0, n, CONNECT_BATCH):
            await asyncio.gather(*(r.connect(port, path) for r in readers[i : i + CONNECT_BATCH]))
    return readers, time.perf_counter() - started


async def deliver(
    readers: list[Reader], tally: Tally, client: httpx.AsyncClient, slug: str, n: int
) -> dict:
    token = csrf_token((await client.get(f"/articles/{slug}/")).text)
    sent = time.perf_counter()
    response = await client.post(
        f"/articles/{slug}/comments/",
        # Never the same text twice: moderation holds repeats.
        data={"body": f"Bench comment {n} at {time.time()}", "csrfmiddlewaretoken": token},
        headers={"X-Parley-Fragment": "1"},
    )
    posted = time.perf_counter()
    response.raise_for_status()
    comment_id = response.json()["id"]
    # Some readers may have the event before the POST's response is read: count those.
    tally.target = comment_id
    tally.remaining = sum(1 for r in readers if comment_id not in r.arrivals)
    tally.done.clear()
    if tally.remaining:
        try:
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                await tally.done.wait()
        except TimeoutError:
            pass
    latencies = [r.arrivals[comment_id] - sent for r in readers if comment_id in r.arrivals]
    return {
        "post_s": posted - sent,
        "latencies": latencies,
        "missing": len(readers) - len(latencies),
    }


async def round_for(
    n: int, posts: int, server: ParleyServer, ids: dict, idle_kib: dict[int, int]
) -> dict:
    """`idle_kib`: each worker's RSS once warm, with no reader. Memory freed by a round is
    kept by the allocator and reused, so growth within a round would undercount; growth
    since idle, over this round's readers, is an upper bound per connection."""
    workers = server.worker_pids()
    sockets_before = {pid: open_sockets(pid) for pid in workers}
    path = f"/live/articles/{ids['article']}/stream"
    tally = Tally()
    readers, connect_s = await connect_all(n, server.port, path, tally)
    await asyncio.sleep(2)  # let allocations settle before measuring
    rss_after = {pid: rss_kib(pid) for pid in workers}
    held = {pid: open_sockets(pid) - sockets_before[pid] for pid in workers}

    results = []
    for k in range(posts):
        # Moderation limits each account to a few comments a minute: take turns.
        poster = ids["posters"][next(POSTER_TURN) % len(ids["posters"])]
        session = await asyncio.to_thread(signed_in, server.url, poster, ids["password"])
        async with httpx.AsyncClient(
            base_url=server.url, timeout=30, cookies=session.cookies
        ) as client:
            results.append(await deliver(readers, tally, client, ids["slug"], k))
        await asyncio.sleep(0.5)
    for reader in readers:
        reader.close()
    await asyncio.sleep(1)

    latencies = [x for r in results for x in r["latencies"]]
    per_post_p99 = [percentile(r["latencies"], 0.99) for r in results if r["latencies"]]
    grown = sum(rss_after.values()) - sum(idle_kib.get(pid, 0) for pid in workers)
    return {
        "readers": n,
        "workers": len(workers),
        "held_per_worker": sorted(held.values(), reverse=True),
        "connect_s": round(connect_s, 2),
        "rss_mib_per_worker": [round(rss_after[p] / 1024, 1) for p in workers],
        "kib_per_connection": round(grown / n, 1),
        "posts": posts,
        "post_ms_median": round(statistics.median(r["post_s"] for r in results) * 1000, 1),
        "missing": sum(r["missing"] for r in results),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "p99_ms_per_post": [round(x * 1000) for x in per_post_p99],
    }


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        sys.exit(f"need {needed} open files, the limit is {soft} (ulimit -n)")


HEADER = (
    f"{'readers':>8} {'held/worker':>13} {'KiB/conn':>9} {'connect':>8} "
    f"{'post':>7} {'p50':>8} {'p99':>8} {'max':>8} {'missing':>8}"
)


def row(r: dict) -> str:
    held = "/".join(str(h) for h in r["held_per_worker"])
    return (
        f"{r['readers']:>8} {held:>13} {r['kib_per_connection']:>9} "
        f"{r['connect_s']:>7}s {r['post_ms_median']:>5}ms {r['p50_ms']:>6}ms "
        f"{r['p99_ms']:>6}ms {r['max_ms']:>6}ms {r['missing']:>8}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--posts", type=int, default=5, help="comments posted per round")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    raise_fd_limit(max(args.readers) + 1000)
    # Under `make bench` (bench/hooks.py) the run has a budget: rounds that would not fit
    # are skipped, estimated from how long connecting took so far.
    budget = float(os.environ.get("PARLEY_BENCH_BUDGET", "0")) or None
    deadline = time.monotonic() + budget if budget else None
    posts = min(args.posts, 3) if budget else args.posts

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = RedisServer(free_port()).start()
        env = server_env(database_url=f"sqlite:///{tmp}/bench.sqlite3", redis_url=redis_server.url)
        server = None
        try:
            ids = run_seed(env, "setup")
            log = Path(os.environ.get("LIVE_BENCH_SERVER_LOG", Path(tmp) / "server.log"))
            server = ParleyServer(env, workers=args.workers, log=log)
            server.start()
            print("warming up (first requests, imports, connections) ...", flush=True)
            warm = asyncio.run(round_for(100, 2, server, ids, {}))
            idle = {pid: rss_kib(pid) for pid in server.worker_pids()}  # warm, no reader
            per_reader = warm["connect_s"] / 100
            print(HEADER, flush=True)
            for n in args.readers:
                needed = n * per_reader * 1.5 + posts * 2 + 5
                if deadline is not None and time.monotonic() + needed > deadline:
                    print(f"{n:>8}  skipped: needs about {needed:.0f}s, the budget has less")
                    continue
                result = asyncio.run(round_for(n, posts, server, ids, idle))
                per_reader = result["connect_s"] / n
                print(row(result), flush=True)
                results.append(result)
        finally:
            if server is not None:
                server.stop()
            redis_server.stop()

    print(f"\n{args.workers} granian workers, Redis, SQLite, loopback, {os.cpu_count()} cores")
    print("latency: from sending the POST to a reader having the event; post: the POST itself")
    out = PROJECT_DIR / "bench" / "results" / "live.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpus": os.cpu_count(), "rounds": results}, indent=2) + "\n")
    print(f"written to {out.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
