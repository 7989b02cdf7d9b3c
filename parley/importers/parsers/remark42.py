"""Remark42's native backup: JSON Lines, a metadata line (`version`, `users`, `posts`)
first, then one comment per line.

A comment: `id`, `pid` (parent, empty for top level), `text` (rendered HTML), `user`
(`id`, `name`), `locator` (`site`, `url`), `score`, `votes`, `time`, `edited`, `pin`,
`delete`, `title`. `delete` → tombstone, `pin` → recorded as sticky; posts marked
`read_only` close their discussion; comments of users blocked until a date still to come
are held.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

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
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input, json_lines

Item = ThreadRecord | CommentRecord


def parse(inp: Input, report: ImportReport) -> Iterator[Item]:
    closed: set[str] = set()
    blocked: set[str] = set()
    threads: set[str] = set()
    for number, data, error in json_lines(inp):
        if data is None:
            report.read_comment()
            report.warn(f"unreadable line ({error}): skipped", f"line {number}")
            report.skip("unreadable record")
            continue
        if "version" in data and "users" in data:
            closed |= {p.get("url", "") for p in data.get("posts") or [] if p.get("read_only")}
            now = datetime.now(UTC)
            for user in data.get("users") or []:
                block = user.get("blocked") or {}
                until = parse_date(block.get("until")).value
                if block.get("status") and (until is None or until > now):
                    blocked.add(user.get("id", ""))
            continue
        url = (data.get("locator") or {}).get("url", "")
        if url not in threads:
            threads.add(url)
            report.read_thread()
            yield ThreadRecord(
                key=url, url=url, title=data.get("title") or "", closed=url in closed
            )
        yield _comment(data, url, blocked, report)


def _comment(data: dict, url: str, blocked: set[str], report: ImportReport) -> CommentRecord:
    report.read_comment()
    key = str(data.get("id") or "")
    ref = f"comment {key[:40]}"
    created = parse_date(data.get("time"))
    if created.problem:
        report.warn(f"comment with {created.problem}: dated from its context", ref)
    user = data.get("user") or {}
    user_id = str(user.get("id") or "")
    name = user.get("name") or ""
    status = DELETED if data.get("delete") else VISIBLE
    if status == VISIBLE and user_id in blocked:
        report.warn("comment by a blocked user: held for moderation", ref)
        status = PENDING
    text = data.get("text") or ""
    body = body_html = ""
    if status != DELETED:
        body, body_html, problem = bodies.from_html(text)
        if problem:
            report.warn(problem, ref)
    ups = sum(1 for v in (data.get("votes") or {}).values() if v is True)
    downs = sum(1 for v in (data.get("votes") or {}).values() if v is False)
    net = int(data.get("score") or 0)
    votes = Votes.from_net(net, ups, downs) if ups - downs == net else Votes.from_net(net)
    edited = (
        parse_date((data.get("edited") or {}).get("time")).value if data.get("edited") else None
    )
    return CommentRecord(
        key=key,
        thread=url,
        parent=str(data["pid"]) if data.get("pid") else None,
        author=Identity(f"user:{user_id}", name) if user_id else None,
        author_name=name,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created.value,
        edited_at=edited,
        fingerprint=fingerprint(created.value, name, text),
        ref=ref,
        upvotes=votes.up,
        downvotes=votes.down,
        score=votes.score,
        extra={"sticky": True} if data.get("pin") else None,
    )
