"""Isso, the peer: its own virtualenv from PyPI, its database written directly in its own
schema with the benchmark's discussions (bench/shapes.py), and its server run with
gunicorn as Isso's documentation advises for production
(`gunicorn -b localhost:8080 -w 4 --preload isso.run`, ISSO_SETTINGS naming the config).

Two departures from a default install, both needed to measure it at all, both stated in
the results: the guard is off (it allows two comments a minute per address, and wrk posts
from one) and moderation is off (posts are shown at once, as Parley's are).
"""

# ruff: noqa: S603 - it runs the virtualenv's own pip, python and gunicorn

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import shapes

ISSO_VERSION = "0.14.0"
GUNICORN_VERSION = "27.0.1"
READERS = 300
# Isso's comment row, in its own column order (isso/db/comments.py, schema version 5).
COLUMNS = (
    "tid, id, parent, created, modified, mode, remote_addr, text, author, email, website, "
    "likes, dislikes, voters, notification"
)
SCHEMA = """
from isso import config
from isso.db import SQLite3
SQLite3({path!r}, config.load(config.default_file()))
"""


def _python_for_venv() -> str:
    """Isso installs from wheels and sdists that older Pythons build most surely; any
    Python 3.9+ on the machine that runs will do (a pyenv shim may exist and not run),
    this one last."""
    candidates = [shutil.which(name) for name in ("python3.12", "python3.11", "python3.10")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for minor in ("3.12", "3.11", "3.10"):
        candidates += sorted(pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}"), reverse=True)
    candidates.append(shutil.which("python3"))
    for found in candidates:
        if found and subprocess.run([str(found), "--version"], capture_output=True).returncode == 0:
            return str(found)
    return sys.executable


def ensure_venv(work: Path) -> Path:
    venv = work / "isso-venv"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import isso, gunicorn"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([_python_for_venv(), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"isso=={ISSO_VERSION}",
            f"gunicorn=={GUNICORN_VERSION}",
        ],
        check=True,
    )
    return venv


def versions(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, platform;"
        "print(m.version('isso'), m.version('gunicorn'), platform.python_version())"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return {"isso": out[0], "gunicorn": out[1], "isso_python": out[2]}


def build_db(path: Path, venv: Path, specs: list[shapes.ArticleSpec]) -> None:
    """Isso's schema made by Isso itself, then the rows written here in one transaction.
    Isso keeps one level of replies: a reply to a reply hangs from the thread's first
    comment, as Isso's own `add` would have stored it."""
    path.unlink(missing_ok=True)
    subprocess.run([str(venv / "bin" / "python"), "-c", SCHEMA.format(path=str(path))], check=True)
    voters = bytes(256)  # an empty Bloom filter, as Isso writes for a new comment
    con = sqlite3.connect(path)
    with con:
        next_id = 1
        for tid, spec in enumerate((s for s in specs if s.isso), start=1):
            con.execute(
                "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
                (tid, f"/articles/{spec.slug}/", spec.title),
            )
            rows = shapes.discussion(spec, readers=READERS)
            base = next_id
            next_id += len(rows)
            con.executemany(
                f"INSERT INTO comments ({COLUMNS}) VALUES "  # noqa: S608 - constant text
                "(?, ?, ?, ?, NULL, 1, '127.0.0.0', ?, ?, NULL, NULL, ?, ?, ?, 0)",
                [
                    (
                        tid,
                        base + r.index,
                        base + r.root if r.root is not None else None,
                        shapes.created_at(r).timestamp(),
                        shapes.text_of(r),
                        f"Reader {r.author}",
                        r.upvotes,
                        r.downvotes,
                        voters,
                    )
                    for r in rows
                ],
            )
    con.close()


def write_config(path: Path, *, db: Path, port: int) -> None:
    path.write_text(
        "\n".join(
            [
                "[general]",
                f"dbpath = {db}",
                f"host = http://127.0.0.1:{port}/",
                "notify = stdout",
                "reply-notifications = false",
                "gravatar = false",
                "latest-enabled = false",
                "[moderation]",
                "enabled = false",
                "[guard]",
                "enabled = false",
                "[server]",
                f"listen = http://127.0.0.1:{port}/",
                "",
            ]
        )
    )


def server_command(venv: Path, *, port: int, workers: int) -> list[str]:
    return [
        str(venv / "bin" / "gunicorn"),
        "-b", f"127.0.0.1:{port}",
        "-w", str(workers),
        "--preload",
        "--backlog", "4096",
        "--timeout", "120",
        "isso.run",
    ]  # fmt: skip


def first_page(slug: str, sort: str, *, offset: int = 0) -> str:
    """Isso's equivalent of Parley's first page: ten top-level comments with up to twenty
    replies each (Parley's page size and replies per thread), in the same sort."""
    isso_sort = {"top": "upvotes", "new": "newest", "old": "oldest"}[sort]
    path = f"/?uri=%2Farticles%2F{slug}%2F&limit=10&nested_limit=20&sort={isso_sort}"
    return path + (f"&offset={offset}" if offset else "")
