"""Django under ASGI with one thread hop for a request to a sync view (parley/asgi.py).

Django's own `ASGIHandler` runs a sync view through five hops between the event loop and
a thread (the request-started signal; the middleware chain, which is sync here; back to
the loop for Django's innermost async handler; the view; the response's close), and
starts a new thread for every request (asgiref's `ThreadSensitiveContext`). Measured
over HTTP, that was a sixth of a posted comment's CPU (docs/performance.md). Nearly every
view of Parley's is sync, so `SyncViewHandler` builds the middleware chain in sync mode
and does the whole request in one call, on a thread kept from request to request:
signal, request, middleware, view, and the close that sends `request_finished` (which
hands this thread's database connection back to the pool before the answer goes out).

An async view (the live stream, which depends on Django's per-request thread and its
disconnect handling) still goes through Django's own handler: `Router` asks the URL
resolver which kind of view a path leads to.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import lru_cache
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix

# Requests a process runs at once in sync code; the rest wait their turn in the process.
# A request waiting for the database holds its thread: threads beyond the pool's
# connections (PARLEY_DB_POOL_SIZE) serve the requests that need none (cached pages).
THREADS = int(os.environ.get("PARLEY_REQUEST_THREADS", "16"))


class SyncViewHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="request")
        self.respond_in_thread = sync_to_async(
            self.respond, thread_sensitive=False, executor=self.executor
        )

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # No ThreadSensitiveContext: the request's sync part runs in one call on a thread
        # of `executor`, and asgiref sends any sync_to_async inside it back to that thread.
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            response = await self.respond_in_thread(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            # A sync view's stream (none of Parley's today): as Django does, a client
            # that goes away ends it.
            try:
                async with asyncio.TaskGroup() as tasks:
                    listener = tasks.create_task(self.listen_for_disconnect(receive))
                    await self.send_response(response, send)
                    listener.cancel()
            except* RequestAborted:
                pass
            finally:
                await sync_to_async(response.close, thread_sensitive=False)()

    def respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """The whole of a request's sync part, in one thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
        assert response is not None
        if not response.streaming:
            # Its body is complete: closing now sends request_finished in this thread.
            response.close()
        return response


@lru_cache(maxsize=4096)
def leads_to_async_view(path_info: str) -> bool:
    try:
        match = get_resolver().resolve(path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class Router:
    """Sends a request for an async view to Django's own handler, the rest to ours."""

    def __init__(self) -> None:
        self.sync_views = SyncViewHandler()
        self.async_views = ASGIHandler()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not leads_to_async_view(_path_info(scope)):
            await self.sync_views(scope, receive, send)
        else:
            await self.async_views(scope, receive, send)


def _path_info(scope: dict[str, Any]) -> str:
    """The path the URL resolver will see: Django's `ASGIRequest.path_info`, by its rule."""
    path: str = scope["path"]
    script_name = get_script_prefix(scope).rstrip("/")
    if script_name and (path.startswith(script_name + "/") or path == script_name):
        path = path[len(script_name) :]
    return path or "/"
