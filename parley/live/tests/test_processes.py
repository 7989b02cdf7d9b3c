"""Two real `parley serve` processes (granian, ASGI), a Redis of our own and a database
they share: a temporary SQLite file, or PostgreSQL (database `parley_live`) when the suite
runs on PostgreSQL. Everything goes through HTTP, as a browser's would."""

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.conf import settings

from parley.live.tests.servers import (
    ParleyServer,
    RedisServer,
    SSEReader,
    free_port,
    post_comment,
    run_seed,
    server_env,
    signed_in,
)
from parley.serving import THREADS


def _database_url(tmp: Path) -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        return f"sqlite:///{tmp / 'servers.sqlite3'}"
    url = os.environ.get(
        "PARLEY_LIVE_SERVERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_live"
    )
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return url


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.redis = RedisServer(free_port()).start()
        self.env = server_env(
            database_url=_database_url(tmp),
            redis_url=self.redis.url,
            PARLEY_LIVE_HEARTBEAT_SECONDS="1",
        )
        self.ids: dict[str, Any] = run_seed(self.env, "setup")
        self.a = ParleyServer(self.env, log=tmp / "a.log").start()
        self.b = ParleyServer(self.env, log=tmp / "b.log").start()

    def stream_url(self, article: int | None = None) -> str:
        return f"/live/articles/{article or self.ids['article']}/stream"

    def client(self, server: ParleyServer, username: str) -> httpx.Client:
        return signed_in(server.url, username, self.ids["password"])

    def reader(self, username: str, *, last_event_id: int | None = None) -> SSEReader:
        reader = SSEReader(
            self.client(self.b, username), self.stream_url(), last_event_id=last_event_id
        )
        reader.next("hello")
        return reader

    def stop(self) -> None:
        self.a.stop()
        self.b.stop()
        self.redis.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("live-servers"))
    try:
        yield running
    finally:
        running.stop()


def test_a_comment_posted_through_one_server_reaches_a_reader_on_the_other(cluster):
    reader = cluster.reader("rita")
    assert reader.headers is not None
    assert reader.headers["content-type"].startswith("text/event-stream")
    assert reader.headers["x-accel-buffering"] == "no"

    posted = post_comment(cluster.client(cluster.a, "poster0"), cluster.ids["slug"], "Across!")
    assert posted.status_code == 201

    event = reader.next("comment").json()
    assert event["comment"] == posted.json()["id"]
    assert event["counts"] == {"comments": posted.json()["count"]}
    assert event["visibility"] == "public"
    # The event carries ids only; the fragment comes from the server the reader is on.
    rita = cluster.client(cluster.b, "rita")
    fragment = rita.get(f"/live/articles/{cluster.ids['article']}/comments?ids={event['comment']}")
    assert "Across!" in fragment.json()["comments"][0]["html"]
    reader.close()


def test_a_pending_comment_reaches_the_moderator_and_not_the_subscriber(cluster):
    moderator = cluster.reader("mo")
    subscriber = cluster.reader("rita")

    # Posted by a third process: its after-commit receiver publishes through Redis.
    pending = run_seed(cluster.env, "pending", str(cluster.ids["article"]))["comment"]
    seen = moderator.next("comment").json()
    assert seen["comment"] == pending and seen["visibility"] == "moderators"

    public = post_comment(cluster.client(cluster.a, "poster1"), cluster.ids["slug"], "Public.")
    assert subscriber.next("comment").json()["comment"] == public.json()["id"]
    assert moderator.next("comment").json()["comment"] == public.json()["id"]

    article = cluster.ids["article"]
    url = f"/live/articles/{article}/comments?ids={pending}"
    assert cluster.client(cluster.b, "rita").get(url).json() == {"comments": []}
    shown = cluster.client(cluster.b, "mo").get(url).json()["comments"]
    assert [c["id"] for c in shown] == [pending] and "awaiting review" in shown[0]["html"]
    moderator.close()
    subscriber.close()


def test_a_reader_resumes_with_last_event_id(cluster):
    reader = cluster.reader("rita")
    sam = cluster.client(cluster.a, "poster2")
    first = post_comment(sam, cluster.ids["slug"], "Before the gap.").json()["id"]
    last_seen = int(reader.next("comment").id)
    reader.close()

    missed = [post_comment(sam, cluster.ids["slug"], f"Missed {n}.").json()["id"] for n in (1, 2)]
    resumed = cluster.reader("rita", last_event_id=last_seen)
    got = [resumed.next("comment").json()["comment"] for _ in missed]
    assert got == missed and first not in got
    resumed.close()


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("Threads:")[1].split()[0])


def _database_handles(pid: int, database_url: str) -> int:
    """Database connections the worker holds: open files of the SQLite database, or its
    sessions on PostgreSQL."""
    if database_url.startswith("sqlite"):
        name = database_url.rsplit("/", 1)[1]
        fds = Path(f"/proc/{pid}/fd")
        return sum(1 for fd in fds.iterdir() if os.readlink(fd).endswith(name))
    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres") as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()
    return int(row[0]) if row else 0


def test_open_streams_hold_neither_a_thread_nor_a_database_connection(cluster):
    [worker] = cluster.b.worker_pids()
    url = cluster.env["DATABASE_URL"]
    threads, handles = _threads(worker), _database_handles(worker, url)
    guests = [
        SSEReader(httpx.Client(base_url=cluster.b.url), cluster.stream_url()) for _ in range(30)
    ]
    for guest in guests:
        guest.next("hello")
    assert _threads(worker) <= threads + 3
    assert _database_handles(worker, url) <= handles + 2
    for guest in guests:
        guest.close()


def test_an_idle_discussion_holds_no_connection(cluster):
    rita = cluster.client(cluster.b, "rita")
    response = rita.get(cluster.stream_url(cluster.ids["idle_article"]))
    assert response.status_code == 204
    polled = rita.get(f"/live/articles/{cluster.ids['idle_article']}/events?after=0").json()
    assert polled["idle"] is True


def test_requests_at_once_are_all_served_and_hand_their_connections_back(cluster):
    """Sync views run on threads the worker keeps from request to request (parley/
    serving.py). A burst of signed-in requests at once is served whole, and afterwards
    the worker holds no database connection a request left open: none more than before
    on SQLite, no more than its pool keeps on PostgreSQL (where the count is of the
    database's sessions, both servers')."""
    [worker] = cluster.b.worker_pids()
    url = cluster.env["DATABASE_URL"]
    threads, handles = _threads(worker), _database_handles(worker, url)
    rita = cluster.client(cluster.b, "rita")
    path = f"/live/articles/{cluster.ids['article']}/events"

    with ThreadPoolExecutor(max_workers=40) as burst:
        answers = list(burst.map(lambda _: rita.get(path), range(40)))
    assert [a.status_code for a in answers] == [200] * 40
    assert {a.json()["idle"] for a in answers} == {False}
    # On PostgreSQL the pool may keep up to PARLEY_DB_POOL_SIZE open, and a connection
    # not handed back would leave the burst waiting on an empty pool instead.
    kept = handles if url.startswith("sqlite") else handles + settings.DB_POOL_SIZE
    assert _database_handles(worker, url) <= kept
    assert _threads(worker) <= threads + THREADS


def test_redis_stopped_mid_stream_and_started_again(cluster):
    reader = cluster.reader("rita")
    sam = cluster.client(cluster.a, "poster3")
    rita = cluster.client(cluster.b, "rita")
    before = int(post_comment(sam, cluster.ids["slug"], "Redis is up.").json()["count"])
    last_seen = int(reader.next("comment").id)

    cluster.redis.stop()
    # The stream tells the page to poll, and ends.
    assert reader.next("poll", timeout=10).json()["poll_ms"] > 0
    assert reader.ended()

    # Posting keeps working, and quickly.
    started = time.monotonic()
    posted = post_comment(sam, cluster.ids["slug"], "Redis is down.")
    assert posted.status_code == 201 and posted.json()["count"] == before + 1
    assert time.monotonic() - started < 3
    down_id = posted.json()["id"]

    # Polling (the database backlog) has the comment; the stream is not live yet.
    polled = rita.get(f"/live/articles/{cluster.ids['article']}/events?after={last_seen}").json()
    assert [e["comment"] for e in polled["events"]] == [down_id]
    assert polled["live"] is False
    refused = SSEReader(cluster.client(cluster.b, "rita"), cluster.stream_url())
    assert refused.next("poll").event == "poll"

    cluster.redis.start()
    resumed = None
    deadline = time.monotonic() + 20
    while resumed is None:  # as the page does: poll until the stream says hello again
        assert time.monotonic() < deadline, "the stream did not come back"
        attempt = SSEReader(rita, cluster.stream_url(), last_event_id=last_seen)
        first = attempt.next("hello", "poll")
        if first.event == "hello":
            resumed = attempt
        else:
            time.sleep(0.5)
    assert resumed.next("comment").json()["comment"] == down_id  # caught up

    again = post_comment(sam, cluster.ids["slug"], "Redis is back.").json()["id"]
    assert resumed.next("comment").json()["comment"] == again  # live again
    resumed.close()
