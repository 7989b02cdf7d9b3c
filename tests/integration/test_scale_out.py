"""Scale-out, proven: two `parley serve` processes on one PostgreSQL database and one Redis,
behind a reverse proxy on loopback. A comment posted through one process is served, and
the guests' cached pages are invalidated, through the other; the proxy spreads requests
over both and streams live updates unbuffered.

The proxy is nginx running deploy/nginx/parley-locations.conf, the very file an operator
copies (`.ci/run` installs nginx). On a machine without nginx, a small round-robin proxy
in this file stands in, and the nginx-only check (unbuffered SSE) is skipped.

The processes cannot share pytest's test database, so they get their own
(`parley_scale`, created and migrated here, on the server DATABASE_URL names) and a Redis
key prefix no other test or process uses.
"""

import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path

import httpx
import pytest
import redis

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"
SCALE_DB = "parley_scale"
PASSWORD = "pw-for-tests"

SEED = """
import json
from parley import factories
site = factories.make_site(key="scale", name="Scale Times")
article = factories.make_article(site, slug="scale-out", title="Scaling out")
factories.make_subscriber(site, "scaler")
other = factories.make_subscriber(site, "other")
comment = factories.make_comment(article, other, "Somebody else's point.")
print(json.dumps({"article": article.pk, "comment": comment.pk}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    """Stops a process this test started (its own process group), by its id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="module")
def scale_env() -> Iterator[dict[str, str]]:
    import psycopg
    from psycopg import sql

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCALE_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCALE_DB)))
    prefix = f"parley-scale-test-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"{base}/{SCALE_DB}",
        REDIS_URL=REDIS_URL,
        DJANGO_SETTINGS_MODULE="parley.settings",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PARLEY_CACHE_PREFIX=prefix,
        PARLEY_LIVE_CHANNEL_PREFIX=f"{prefix}:live",
        PARLEY_TRUSTED_PROXIES="127.0.0.1",
    )
    subprocess.run(
        [str(BIN / "parley"), "migrate", "--no-input", "-v0"], env=env, cwd=ROOT, check=True
    )
    seeded = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + SEED],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    env["SEED"] = seeded.stdout.strip().splitlines()[-1]
    yield env
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCALE_DB))
        )


@pytest.fixture(scope="module")
def backends(scale_env, tmp_path_factory) -> Iterator[list[str]]:
    """Two `parley serve` processes (each with two workers) on the shared database."""
    logs = tmp_path_factory.mktemp("scale-logs")
    processes, urls = [], []
    for n in range(2):
        port = free_port()
        # Metrics summed over the process's two workers, as deploy/ sets them up.
        metrics_dir = tmp_path_factory.mktemp(f"metrics-{n}")
        processes.append(
            subprocess.Popen(
                [str(BIN / "parley"), "serve", "--port", str(port), "--workers", "2"],
                env={**scale_env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
                cwd=ROOT,
                stdout=(logs / f"parley-{n}.log").open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(url + "/healthz")
        yield urls
    finally:
        for process in processes:
            stop(process)


class RoundRobinProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Stands in for nginx where it is not installed: each request to the next backend,
    with the Host header kept and the backend named in X-Upstream."""

    daemon_threads = True

    def __init__(self, port: int, upstreams: list[str]):
        self.upstreams = cycle([u.removeprefix("http://") for u in upstreams])
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _ProxyHandler)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: RoundRobinProxy

    def _forward(self) -> None:
        with self.server.lock:
            upstream = next(self.server.upstreams)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn = http.client.HTTPConnection(upstream, timeout=30)
        conn.request(self.command, self.path, body=body or None, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Upstream", upstream)
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = _forward

    def log_message(self, *args: object) -> None:
        pass


NGINX_CONF = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream parley {{
        server {a};
        server {b};
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-Upstream $upstream_addr always;
        include {locations};
    }}
}}
"""


@pytest.fixture(scope="module")
def proxy(backends, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(base URL, kind): nginx with deploy/'s locations when installed, else the stand-in."""
    port = free_port()
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        server = RoundRobinProxy(port, backends)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{port}", "python"
        server.shutdown()
        return
    tmp = tmp_path_factory.mktemp("nginx")
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "",
            tmp=tmp,
            a=backends[0].removeprefix("http://"),
            b=backends[1].removeprefix("http://"),
            port=port,
            locations=ROOT / "deploy" / "nginx" / "parley-locations.conf",
        )
    )
    process = subprocess.Popen(
        [nginx, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "stderr.log").open("wb"),
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", timeout=20)
        yield f"http://127.0.0.1:{port}", "nginx"
    finally:
        stop(process)


def sign_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    token = _csrf(client.get("/accounts/login/").text)
    done = client.post(
        "/accounts/login/",
        data={"username": "scaler", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302, "sign-in failed"
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def post(client: httpx.Client, body: str) -> None:
    token = _csrf(client.get("/articles/scale-out/").text)
    done = client.post(
        "/articles/scale-out/comments/", data={"body": body, "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302, done.text[:500]


def vote(client: httpx.Client, comment_id: int) -> None:
    token = _csrf(client.get("/articles/scale-out/").text)
    done = client.post(
        f"/comments/{comment_id}/vote/", data={"value": "up", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302, done.text[:500]


def cache_hits(base_url: str) -> float:
    text = httpx.get(base_url + "/metrics", timeout=10).text
    # A hit of the shared cache, or a page the process's front answered from memory.
    pattern = r'^parley_page_cache_requests_total\{result="(?:hit|front)"\} ([\d.e+]+)$'
    found = re.findall(pattern, text, re.M)
    return sum(float(n) for n in found)


def guest_page(base_url: str) -> httpx.Response:
    response = httpx.get(base_url + "/articles/scale-out/", timeout=30)
    assert response.status_code == 200
    return response


def warm(base_url: str) -> str:
    """Fills one process's guest cache (the route, then the page) and proves that its
    next guest request is a hit; returns that page."""
    guest_page(base_url)
    guest_page(base_url)
    hits = cache_hits(base_url)
    page = guest_page(base_url).text
    assert cache_hits(base_url) > hits, "the guest page was not served from the cache"
    return page


def test_a_change_through_one_process_reaches_guests_of_the_other(scale_env, backends):
    seed = json.loads(scale_env["SEED"])
    first, second = backends
    member = sign_in(first)

    before = warm(second)
    assert "Hello from the first process" not in before
    post(member, "Hello from the first process")
    after = guest_page(second).text
    assert "Hello from the first process" in after  # the second process's page was retired

    warm(second)
    vote(member, seed["comment"])
    assert "<span data-up>1</span>" in guest_page(second).text

    etag = guest_page(second).headers["ETag"]
    assert (
        httpx.get(second + "/articles/scale-out/", headers={"If-None-Match": etag}).status_code
        == 304
    )
    post(member, "And a second word")
    again = httpx.get(second + "/articles/scale-out/", headers={"If-None-Match": etag})
    assert again.status_code == 200 and "And a second word" in again.text


def test_behind_the_proxy_every_process_serves_the_new_comment(backends, proxy):
    base, kind = proxy
    member = sign_in(base)
    for _ in range(2):
        for url in backends:
            warm(url)
    post(member, "Posted through the proxy")
    seen = set()
    for _ in range(6):
        response = guest_page(base)
        assert "Posted through the proxy" in response.text
        seen.add(response.headers["X-Upstream"])
    assert len(seen) == 2, f"the {kind} proxy used only {seen}"
    health = httpx.get(base + "/healthz", timeout=10).json()
    assert health["checks"]["redis"]["ok"] and health["checks"]["database"]["ok"]


def test_live_streams_pass_through_nginx_unbuffered(scale_env, proxy):
    base, kind = proxy
    if kind != "nginx":
        pytest.skip("nginx is not installed; the stand-in proxy does not stream")
    seed = json.loads(scale_env["SEED"])
    started = time.monotonic()
    with httpx.stream(
        "GET", f"{base}/live/articles/{seed['article']}/stream", timeout=httpx.Timeout(10, read=10)
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_lines())
    # The opening frame arrives at once: nginx did not hold it in a buffer.
    assert first.startswith("retry:")
    assert time.monotonic() - started < 8
