"""wrk, driven from Python: fixed URLs, a URL drawn at random from a list, and posts
with a body (and, for Parley, a signed-in session) of their own on every request.

Every run is bounded (-d seconds, --timeout 30s so a slow server's answers still count)
and parsed into requests/s, p50, p99, completed requests and errors.
"""

# ruff: noqa: S603, S607 - it runs wrk and apt-get, by name, with arguments built here

import re
import secrets
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, timeouts and socket errors
    seconds: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("  wrk is missing: apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "wrk"],
        check=True,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    found = re.search(r"(\d+\.\d+\.\d+)", done.stdout + done.stderr)
    return found.group(1) if found else "?"


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    if not found:
        return float("nan")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse(output: str, seconds: float) -> Result:
    def number(pattern: str) -> float:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else 0.0

    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.M)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Result(
        rps=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        requests=int(number(r"(\d+) requests in")),
        errors=errors,
        seconds=seconds,
    )


def run(
    base_url: str,
    path: str = "/",
    *,
    seconds: float,
    connections: int,
    threads: int,
    script: Path | None = None,
) -> Result:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
        "--latency",
    ]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, base_url + path],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout, seconds)


_LINES = """
local items = {{}}
for line in io.lines("{path}") do items[#items + 1] = line end
"""

_IDENTITY = """
local count = 0
local threads = 0
id = 0  -- a global: setup() gives each thread its own number through thread:set
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
"""


def random_paths_script(target: Path, paths_file: Path) -> Path:
    target.write_text(
        _LINES.format(path=paths_file)
        + _IDENTITY
        + """
function init(args) math.randomseed(id * 7919) end
request = function() return wrk.format("GET", items[math.random(#items)]) end
"""
    )
    return target


def parley_post_script(target: Path, *, path: str, sessions_file: Path, csrf: str) -> Path:
    """Each request posts a new comment as the next of many subscribers (one account
    posting thousands of times a minute would be a spammer, and moderation's rate limit
    would rightly refuse it). Answers are 302 redirects to the new comment. Each run's
    texts carry a token of their own: a text posted again by the same account within
    minutes is held as a repeat, which is moderation's work, not a post's."""
    run = secrets.token_hex(4)
    target.write_text(
        _LINES.format(path=sessions_file)
        + _IDENTITY
        + f"""
local csrf = "{csrf}"
local run = "{run}"
request = function()
  count = count + 1
  local session = items[((id * 499 + count) % #items) + 1]
  local body = "body=Bench+comment+" .. run .. "-" .. id .. "-" .. count ..
    "+about+the+council+and+the+high+street&csrfmiddlewaretoken=" .. csrf
  return wrk.format("POST", "{path}", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
  }}, body)
end
"""
    )
    return target


def isso_post_script(target: Path, *, path: str) -> Path:
    target.write_text(
        _IDENTITY
        + f"""
request = function()
  count = count + 1
  local body = '{{"text": "Bench comment ' .. id .. '-' .. count ..
    ' about the council and the high street", "author": "Bench"}}'
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json"}}, body)
end
"""
    )
    return target
