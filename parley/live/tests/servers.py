"""Real processes for the live tests and the bench: a private redis-server, a database
the servers share, `parley serve` processes, and a small SSE reader."""

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PROJECT_DIR = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


class RedisServer:
    """A redis-server of our own (never the shared one on 6379), stopped and started by
    the test that owns it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed")
        options = ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            [executable, "--bind", "127.0.0.1", "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def server_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="parley.settings",
        PARLEY_LIVE_CHANNEL_PREFIX=f"parley:live:test{os.getpid()}",
        **extra,
    )
    return env


def run_seed(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "parley.live.tests.seed", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class ParleyServer:
    """`parley serve` (granian, ASGI) on a port of its own."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log: Path | None = None):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> "ParleyServer":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        command = [str(BIN / "parley"), "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(self.workers)],
            env=self.env,
            cwd=PROJECT_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # workers import Django after the port opens
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/accounts/login/", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        raise TimeoutError("parley serve did not answer")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def signed_in(base_url: str, username: str, password: str) -> httpx.Client:
    """An httpx client with a session, as a browser would have after signing in."""
    client = httpx.Client(base_url=base_url, timeout=10)
    page = client.get("/accounts/login/")
    token = csrf_token(page.text)
    done = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302, f"sign-in of {username} failed"
    return client


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def post_comment(client: httpx.Client, slug: str, body: str) -> httpx.Response:
    token = csrf_token(client.get(f"/articles/{slug}/").text)
    return client.post(
        f"/articles/{slug}/comments/",
        data={"body": body, "csrfmiddlewaretoken": token},
        headers={"X-Parley-Fragment": "1"},
    )


@dataclass
class SSEEvent:
    event: str
    data: str
    id: str | None

    def json(self) -> Any:
        return json.loads(self.data)


class SSEReader:
    """Reads one event stream in a thread; the test takes events off a queue. The stream
    ends when the server ends it; `close()` stops reading at the next line."""

    def __init__(self, client: httpx.Client, url: str, *, last_event_id: int | None = None):
        self.events: queue.Queue[SSEEvent | None] = queue.Queue()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self._closed = threading.Event()
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._thread = threading.Thread(target=self._read, args=(client, url, headers), daemon=True)
        self._thread.start()

    def _read(self, client: httpx.Client, url: str, headers: dict[str, str]) -> None:
        try:
            with client.stream(
                "GET", url, headers=headers, timeout=httpx.Timeout(10, read=60)
            ) as response:
                self.status = response.status_code
                self.headers = response.headers
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._closed.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            self.events.put(
                                SSEEvent(
                                    fields.get("event", "message"), fields["data"], fields.get("id")
                                )
                            )
                        fields = {}
                    elif not line.startswith(":") and ":" in line:
                        name, _, value = line.partition(":")
                        fields[name] = value[1:] if value.startswith(" ") else value
        except httpx.HTTPError:
            pass
        finally:
            self.events.put(None)  # the end of the stream

    def next(self, *types: str, timeout: float = 10.0) -> SSEEvent:
        """The next event of one of `types` (any type if none), skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {types or 'event'} within {timeout} s")
            try:
                item = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if item is None:
                raise EOFError("the stream ended")
            if not types or item.event in types:
                return item

    def ended(self, timeout: float = 10.0) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        self._closed.set()
