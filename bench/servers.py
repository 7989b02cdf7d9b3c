"""The servers of a bench run (Parley's, Isso's): started in process groups of their own,
waited for, drained between runs, stopped by their id; and the requests that prepare a
measurement (warming a page into the cache, finding a deep page, a first post per worker).
"""

# ruff: noqa: S603 - it starts this project's own servers and Isso's

import contextlib
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, *, timeout: float = 60) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, "", dict(error.headers)


class Server:
    """A server process of this run, in a process group of its own, stopped by its id."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], port: int, idle_path: str
    ):
        self.name, self.port, self.idle_path = name, port, idle_path
        self.url = f"http://127.0.0.1:{port}"
        self.log = WORK / f"{name}.log"
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {self.log}")
            with contextlib.suppress(OSError):
                if fetch(self.url + path, timeout=30)[0] == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer {path}; see {self.log}")

    def drain(self) -> None:
        """Waits out the requests wrk left queued when it stopped (a slow server may hold
        dozens): a cheap request is answered only after them, so the next run starts on an
        idle server."""
        with contextlib.suppress(OSError):
            fetch(self.url + self.idle_path, timeout=300)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def deep_page(server: Server, slug: str, sort: str, page: int) -> str:
    """The address of page `page` of a discussion, by following "Load more" links."""
    path = f"/articles/{slug}/?sort={sort}"
    for _ in range(page - 1):
        status, body, _ = fetch(server.url + path)
        found = re.search(r'data-parley-more href="([^"]+)"', body)
        if status != 200 or not found:
            raise SystemExit(f"no page after {path}")
        path = html.unescape(found.group(1)).split("#", 1)[0]
    return path


def warm_posting(server: Server, state: dict[str, Any], path: str) -> None:
    """Each worker's first post loads moderation's models, which takes seconds: that is
    not what is measured. Posts one at a time (each on a new connection, so both workers
    get some) until four in a row are quick."""
    csrf = state["poster"]["csrftoken"]
    deadline, quick, n = time.monotonic() + 120, 0, 0
    while quick < 4 and time.monotonic() < deadline:
        n += 1
        body = urllib.parse.urlencode({"body": f"Warming up, {n}", "csrfmiddlewaretoken": csrf})
        cookie = f"sessionid={state['poster']['sessions'][-n]}; csrftoken={csrf}"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        status = conn.getresponse().status
        conn.close()
        if status != 302:
            raise SystemExit(f"posting answered {status}; see {server.log}")
        quick = quick + 1 if time.monotonic() - started < 1.0 else 0


def warm(server: Server, path: str) -> None:
    for _ in range(2):  # the first learns the route, the second stores the page
        fetch(server.url + path)
