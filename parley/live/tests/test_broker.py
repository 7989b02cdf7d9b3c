"""The Hub's fan-out and permission filter, the Redis subscription and publisher (real
Redis), and the stream protocol state."""

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from parley.live import backlog, broker, stream
from parley.live.broker import (
    AsyncListener,
    Control,
    Delivery,
    Hub,
    RedisPublisher,
    ThreadListener,
    sse_frame,
)
from parley.live.tests.servers import RedisServer, free_port


def _event(event_id=1, article=1, visibility="public", type_="comment"):
    return json.dumps(
        {"id": event_id, "type": type_, "comment": 9, "article": article, "visibility": visibility}
    )


def test_sse_frame():
    assert sse_frame('{"a":1}', event="vote", id=5) == b'id: 5\nevent: vote\ndata: {"a":1}\n\n'
    assert sse_frame("{}") == b"data: {}\n\n"


def test_the_hub_delivers_by_article_and_audience():
    hub = Hub()
    reader = ThreadListener(article_id=1, moderator=False)
    moderator = ThreadListener(article_id=1, moderator=True)
    elsewhere = ThreadListener(article_id=2, moderator=True)
    for listener in (reader, moderator, elsewhere):
        hub.add(listener)

    assert hub.dispatch(_event(1)) == 2
    assert hub.dispatch(_event(2, visibility="moderators")) == 1
    assert hub.dispatch(_event(3, visibility="someone-new")) == 1  # fails closed
    assert [d.id for d in reader.get(0) if isinstance(d, Delivery)] == [1]
    assert [d.id for d in moderator.get(0) if isinstance(d, Delivery)] == [1, 2, 3]
    assert elsewhere.get(0) == []

    hub.remove(reader)
    assert hub.dispatch(_event(4)) == 1
    assert hub.listener_count() == 2


def test_the_frame_is_built_once_and_shared():
    hub = Hub()
    listeners = [ThreadListener(article_id=1, moderator=False) for _ in range(3)]
    for listener in listeners:
        hub.add(listener)
    hub.dispatch(_event(7).encode())
    frames = [listener.get(0)[0] for listener in listeners]
    assert all(isinstance(f, Delivery) for f in frames)
    first = frames[0]
    assert isinstance(first, Delivery)
    assert first.frame.startswith(b"id: 7\nevent: comment\ndata: {")
    assert all(f is first for f in frames)


def test_a_malformed_message_is_dropped():
    hub = Hub()
    hub.add(ThreadListener(article_id=1, moderator=True))
    assert hub.dispatch(b"not json") == 0
    assert hub.dispatch('{"id": 1}') == 0


def test_a_listener_that_falls_behind_overflows():
    listener = ThreadListener(article_id=1, moderator=False)
    listener._max = 3
    for n in range(5):
        listener.push(Delivery(n, "vote", b""))
    assert listener.get(0) == [Control.OVERFLOW, Delivery(4, "vote", b"")]


def test_async_listeners_are_fed_on_their_own_loop_from_other_threads():
    hub = Hub()

    async def scenario():
        listener = AsyncListener(article_id=1, moderator=False, loop=asyncio.get_running_loop())
        hub.add(listener)
        threading.Thread(target=hub.dispatch, args=(_event(11),)).start()
        got = await listener.get(timeout=2)
        hub.broadcast(Control.DOWN)
        got += await listener.get(timeout=2)
        assert await listener.get(timeout=0.05) == []
        return got

    # A loop of its own in a thread of its own: Playwright's sync API, used by earlier
    # tests in the session, keeps a loop running in the main thread.
    with ThreadPoolExecutor(1) as pool:
        got = pool.submit(asyncio.run, scenario()).result(timeout=10)
    assert isinstance(got[0], Delivery) and got[0].id == 11
    assert got[1] is Control.DOWN


def test_redis_carries_events_to_the_process_subscription(shared_redis):
    hub = broker.hub()
    hub.ensure_started()
    assert hub.wait_available(5)
    listener = ThreadListener(article_id=42, moderator=False)
    hub.add(listener)
    broker.publisher().publish(42, _event(5, article=42))
    got = listener.get(timeout=5)
    assert [d.id for d in got if isinstance(d, Delivery)] == [5]
    assert [t.name for t in threading.enumerate()].count("parley-live-redis") == 1


def test_losing_redis_tells_streams_and_held_events_go_out_when_it_returns(settings):
    redis_server = RedisServer(free_port()).start()
    settings.REDIS_URL = redis_server.url
    try:
        hub = broker.hub()
        hub.ensure_started()
        assert hub.wait_available(5)
        listener = ThreadListener(article_id=1, moderator=False)
        hub.add(listener)

        redis_server.stop()
        assert listener.get(timeout=5) == [Control.DOWN]
        assert not hub.available
        publisher = broker.publisher()
        assert isinstance(publisher, RedisPublisher)
        started = time.monotonic()
        publisher.publish(1, _event(8))  # must not raise, nor take long
        assert time.monotonic() - started < 1.5

        redis_server.start()
        assert hub.wait_available(10)
        deadline = time.monotonic() + 10
        got: list = []
        while not got and time.monotonic() < deadline:  # the held event is retried
            got = [d.id for d in listener.get(timeout=0.5) if isinstance(d, Delivery)]
        assert got == [8]
    finally:
        broker.reset()
        redis_server.stop()


# The stream protocol --------------------------------------------------------------------


def _session(after=10, moderator=False):
    return stream.Session(stream.StreamStart(article_id=1, moderator=moderator, after=after))


def test_the_stream_opens_with_a_retry_hint_and_hello():
    opening = _session(after=10).opening().decode()
    assert opening.startswith("retry: ")
    assert "id: 10\nevent: hello\n" in opening


def test_replay_then_live_sends_each_event_once():
    session = _session(after=10)
    frames, done = session.replay(
        backlog.Replay(after=10, events=[{"id": 11, "type": "vote"}, {"id": 12, "type": "edit"}])
    )
    assert not done and frames.count(b"\n\n") == 2
    live = [Delivery(n, "vote", f"id: {n}\n\n".encode()) for n in (9, 12, 13, 13)]
    frames, done = session.handle(live)  # 9: before Last-Event-ID; 12: replayed
    assert frames == b"id: 13\n\n" and not done


def test_control_items_end_the_stream():
    frames, done = _session().handle([Delivery(11, "vote", b"x"), Control.DOWN])
    assert done and frames.startswith(b"x") and b"event: poll" in frames
    frames, done = _session().handle([Control.OVERFLOW])
    assert done and frames == b""
    frames, done = _session().replay(backlog.Replay(after=10, refetch=True))
    assert done and b"event: refetch" in frames


def test_the_sync_stream_for_wsgi_servers(settings):
    settings.PARLEY_LIVE_HEARTBEAT_SECONDS = 0.05
    hub = Hub()
    listener = stream.new_listener(hub, 1, asgi=False)
    start = stream.StreamStart(article_id=1, moderator=False, after=None)
    chunks = stream.sync_stream(start, hub, listener)
    assert b"event: hello" in next(chunks)
    assert next(chunks) == stream.HEARTBEAT
    hub.dispatch(_event(2, visibility="moderators"))  # queued, then dropped for a reader
    hub.dispatch(_event(3))
    assert next(chunks).startswith(b"id: 3\n")
    hub.broadcast(Control.DOWN)
    assert b"event: poll" in next(chunks)
    with pytest.raises(StopIteration):
        next(chunks)
    assert hub.listener_count() == 0
