"""Isso: its generic JSON export and its own SQLite database.

Generic JSON: a list of threads `{"id": uri, "title", "comments": [...]}`; comment ids
count within a thread, so a comment is keyed by `uri#id`. Streamed in two passes (ijson):
an index of the threads, then the comments one at a time. The database (schema 5, read
with the file opened read-only): `threads(id, uri, title)` and `comments(tid, id, parent,
created, modified, mode, text, author, email, website, likes, dislikes, …)`, where mode
1 is accepted, 2 waiting for moderation, 4 deleted (kept because it has replies).
Isso stores markdown, rendered here like a new Parley comment; authors have no account
and are keyed by name and e-mail.
"""

import gzip
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parley.importers import bodies
from parley.importers.records import (
    DELETED,
    PENDING,
    VISIBLE,
    CommentRecord,
    Identity,
    ThreadRecord,
    Votes,
    fingerprint,
    guest_key,
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile, json_events, json_items

SQLITE_MAGIC = b"SQLite format 3\x00"
MODES = {1: VISIBLE, 2: PENDING, 4: DELETED}


def parse(inp: Input, report: ImportReport) -> Iterator[ThreadRecord | CommentRecord]:
    with inp.open_binary() as stream:
        head = stream.read(16)
    if head == SQLITE_MAGIC:
        yield from _database(inp, report)
    else:
        yield from _generic(inp, report)


def _comment(
    report: ImportReport,
    *,
    key: str,
    thread: str,
    parent: str | None,
    data: dict[str, Any],
    created: datetime | None,
    status: str,
    ref: str,
) -> CommentRecord:
    name = (data.get("author") or "").strip()
    email = (data.get("email") or "").strip()
    guest = guest_key(name, email)
    text = data.get("text") or ""
    body = body_html = ""
    if status != DELETED:
        body, body_html, problem = bodies.from_text(text)
        if problem:
            report.warn(problem, ref)
    votes = Votes.from_net(0, int(data.get("likes") or 0), int(data.get("dislikes") or 0))
    return CommentRecord(
        key=key,
        thread=thread,
        parent=parent,
        author=Identity(guest, name, email, (data.get("website") or "").strip()) if guest else None,
        author_name=name,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created,
        fingerprint=fingerprint(created, name, text),
        ref=ref,
        upvotes=votes.up,
        downvotes=votes.down,
        score=votes.score,
    )


@dataclass(slots=True)
class _Thread:
    uri: str = ""
    title: str = ""
    comments: int = 0


_GONE = object()
_VALUES = {"start_map", "start_array", "string", "number", "boolean", "null"}


def _thread_index(inp: Input, report: ImportReport) -> list[_Thread | None]:
    """First pass: each thread's uri, title and number of comments (Isso writes a
    thread's keys in any order, its comments often before its id), without keeping a
    comment. None stands for an element of the list that is not a thread object. The
    whole document is read, so a damaged file is refused before anything is imported."""
    events = json_events(inp)
    first = next(events, None)
    if first is None or first[1] != "start_array":
        raise UnreadableFile("not Isso's generic format: expected a list of threads")
    threads: list[_Thread | None] = []
    for prefix, event, value in events:
        if prefix == "item" and event in _VALUES:
            threads.append(_Thread() if event == "start_map" else None)
            if event != "start_map":
                report.warn("list element that is not a thread: ignored", f"thread {len(threads)}")
        elif prefix == "item.comments.item" and event in _VALUES:
            thread = threads[-1]
            if thread is not None:
                thread.comments += 1
        elif prefix in ("item.id", "item.title") and event in ("string", "number"):
            thread = threads[-1]
            if thread is not None and prefix == "item.id":
                thread.uri = str(value)
            elif thread is not None:
                thread.title = str(value).replace("+", " ")
    return threads


def _generic(inp: Input, report: ImportReport) -> Iterator[ThreadRecord | CommentRecord]:
    """Two streaming passes: the thread index, then the comments one at a time, each
    given to its thread by counting (comments come in thread order)."""
    threads = _thread_index(inp, report)
    comments = json_items(inp, "item.comments.item")
    for thread in threads:
        if thread is None:
            continue
        report.read_thread()
        uri = thread.uri
        if thread.comments:
            yield ThreadRecord(key=uri, url=uri, title=thread.title)
        for _ in range(thread.comments):
            comment = next(comments, _GONE)
            if comment is _GONE:
                raise UnreadableFile("the file changed while it was being read")
            report.read_comment()
            if not isinstance(comment, dict):
                report.warn("comment that is not an object: skipped", uri)
                report.skip("unreadable record")
                continue
            ref = f"{uri} comment {comment.get('id')}"
            created = parse_date(str(comment.get("created") or ""))
            if created.problem:
                report.warn(f"comment with {created.problem}: dated from its context", ref)
            parent = comment.get("parent")
            mode = MODES.get(int(comment.get("mode") or 1), VISIBLE)
            yield _comment(
                report,
                key=f"{uri}#{comment.get('id')}",
                thread=uri,
                parent=f"{uri}#{parent}" if parent is not None else None,
                data=comment,
                created=created.value,
                status=mode,
                ref=ref,
            )


@contextmanager
def _opened(inp: Input) -> Iterator[sqlite3.Connection]:
    with tempfile.TemporaryDirectory() as scratch:
        path = inp.path
        if inp.gzipped:
            path = Path(scratch) / "isso.db"
            with gzip.open(inp.path, "rb") as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            yield db
        finally:
            db.close()


def _database(inp: Input, report: ImportReport) -> Iterator[ThreadRecord | CommentRecord]:
    with _opened(inp) as db:
        db.row_factory = sqlite3.Row
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(comments)")}
            threads = {row["id"]: row for row in db.execute("SELECT id, uri, title FROM threads")}
        except sqlite3.DatabaseError as error:
            raise UnreadableFile(f"not a readable Isso database ({error})") from None
        if not {"tid", "id", "parent", "created", "mode", "text"} <= columns:
            raise UnreadableFile("not an Isso database: no comments table of Isso's shape")
        used = {row[0] for row in db.execute("SELECT DISTINCT tid FROM comments")}
        for tid, thread in threads.items():
            report.read_thread()
            if tid in used:
                yield ThreadRecord(key=str(tid), url=thread["uri"], title=thread["title"] or "")
        for row in db.execute("SELECT * FROM comments ORDER BY id"):
            report.read_comment()
            data = dict(row)
            ref = f"comment {data['id']}"
            created = datetime.fromtimestamp(float(data["created"]), tz=UTC)
            if data["tid"] not in threads:
                report.warn("comment whose thread row is missing: skipped", ref)
                report.skip("its thread is not in the file")
                continue
            status = MODES.get(int(data.get("mode") or 1))
            if status is None:
                report.warn(f"unknown Isso mode {data.get('mode')}: held", ref)
                status = PENDING
            yield _comment(
                report,
                key=str(data["id"]),
                thread=str(data["tid"]),
                parent=str(data["parent"]) if data["parent"] is not None else None,
                data=data,
                created=created,
                status=status,
                ref=ref,
            )
