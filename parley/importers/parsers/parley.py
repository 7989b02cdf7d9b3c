"""Parley's own export (JSON Lines; the format is documented in docs/importers.md).

The header line must come first and the `end` line last: a file without its end line
was cut short and is refused whole. Bodies are taken as written; their HTML is cleaned
again with Parley's allow-list (a no-op on HTML Parley made, so a round trip is exact).
Inline passages are read from their W3C Web Annotations (a TextQuoteSelector, a
TextPositionSelector when there is one, and Parley's `anchorState`).
"""

from collections.abc import Iterator
from typing import Any

from parley.importers import bodies
from parley.importers.records import (
    DELETED,
    AnchorRecord,
    CommentRecord,
    Identity,
    ModerationRecord,
    PassageRecord,
    QuestionRecord,
    RevisionRecord,
    SiteHint,
    ThreadRecord,
    VoteRecord,
    fingerprint,
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile, json_lines

FORMAT = "parley-export"
VERSION = 1
STATUSES = {"visible", "pending", "deleted", "removed", "spam"}
ANCHOR_STATES = {"attached", "changed", "orphaned"}

Item = (
    SiteHint
    | ThreadRecord
    | CommentRecord
    | VoteRecord
    | QuestionRecord
    | AnchorRecord
    | RevisionRecord
    | ModerationRecord
)


def parse(inp: Input, report: ImportReport) -> Iterator[Item]:
    users: dict[str, str] = {}
    authors: dict[tuple[str, str], dict[str, Any]] = {}
    started = ended = False
    for number, data, error in json_lines(inp):
        if not started:
            if not data or data.get("format") != FORMAT:
                raise UnreadableFile("not a Parley export: the first line is not its header")
            if int(data.get("version") or 0) > VERSION:
                raise UnreadableFile(f"Parley export version {data.get('version')} is newer")
            started = True
            continue
        if ended:
            report.warn("lines after the end line: ignored", f"line {number}")
            continue
        if data is None or not isinstance(data, dict):
            report.warn(f"unreadable line ({error or 'not an object'}): skipped", f"line {number}")
            continue
        kind = data.get("type")
        if kind == "site":
            yield SiteHint(
                key=data["key"], name=data.get("name") or "", domain=data.get("domain") or ""
            )
        elif kind == "author":
            authors[(data.get("site") or "", data.get("slug") or "")] = data
        elif kind == "user":
            users[str(data["id"])] = data.get("display_name") or ""
        elif kind == "article":
            report.read_thread()
            yield _article(data, authors)
        elif kind == "comment":
            yield _comment(data, users, report, number)
        elif kind == "vote":
            user = str(data.get("user") or "")
            yield VoteRecord(
                comment=str(data.get("comment")),
                voter=Identity(f"user:{user}", users.get(user, "")),
                value=int(data.get("value") or 0),
                created_at=parse_date(data.get("created_at")).value,
            )
        elif kind == "revision":
            yield RevisionRecord(
                key=str(data.get("id")),
                thread=str(data.get("article")),
                number=int(data.get("number") or 0),
                text=str(data.get("text") or ""),
                created_at=parse_date(data.get("created_at")).value,
            )
        elif kind in ("question", "anchor"):
            passage = _passage(data, report, f"line {number}")
            if passage is None:
                continue
            if kind == "question":
                annotation = data.get("annotation") or {}
                yield QuestionRecord(
                    key=str(data.get("id")),
                    thread=str(data.get("article")),
                    question=str((annotation.get("body") or {}).get("value") or ""),
                    passage=passage,
                    created_at=parse_date(annotation.get("created")).value,
                )
            else:
                question = data.get("question")
                yield AnchorRecord(
                    comment=str(data.get("comment")),
                    passage=passage,
                    question=str(question) if question else None,
                )
        elif kind == "moderation":
            yield _moderation(data, users)
        elif kind == "end":
            ended = True
        else:
            report.warn(f"unknown line type {kind!r}: ignored", f"line {number}")
    if not started:
        raise UnreadableFile("the file is empty")
    if not ended:
        raise UnreadableFile("the file has no end line: it looks truncated")


def _article(data: dict[str, Any], authors: dict[tuple[str, str], dict[str, Any]]) -> ThreadRecord:
    site = data.get("site") or ""
    author = authors.get((site, data.get("author") or ""))
    return ThreadRecord(
        key=str(data["id"]),
        url=data.get("canonical_url") or "",
        title=data.get("title") or "",
        slug_hint=data.get("slug") or "",
        created_at=parse_date(data.get("published_at")).value,
        closed=bool(data.get("discussion_closed")),
        site_key=site,
        article={
            "slug": data.get("slug") or "",
            "title": data.get("title") or "",
            "standfirst": data.get("standfirst") or "",
            "body": data.get("body") or "",
            "canonical_url": data.get("canonical_url") or "",
            "discussion_closed": bool(data.get("discussion_closed")),
            "author": author,
        },
    )


def _comment(
    data: dict[str, Any], users: dict[str, str], report: ImportReport, number: int
) -> CommentRecord:
    report.read_comment()
    key = str(data.get("id"))
    ref = f"comment {key}"
    status = data.get("status") or "visible"
    if status not in STATUSES:
        report.warn(f"unknown status {status!r}: held for moderation", ref)
        status = "pending"
    created = parse_date(data.get("created_at"))
    if created.problem:
        report.warn(f"comment with {created.problem}: dated from its context", ref)
    body, body_html = "", ""
    if status != DELETED:
        body, body_html, problem = bodies.from_parley(
            data.get("body") or "", data.get("body_html") or ""
        )
        if problem:
            report.warn(problem, ref)
    author = str(data.get("author") or "")
    name = data.get("author_name") or users.get(author, "")
    origin = data.get("origin")
    return CommentRecord(
        key=key,
        thread=str(data.get("article")),
        parent=str(data["parent"]) if data.get("parent") is not None else None,
        author=Identity(f"user:{author}", users.get(author, "")) if author else None,
        author_name=name,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created.value,
        edited_at=parse_date(data.get("edited_at")).value if data.get("edited_at") else None,
        fingerprint=fingerprint(created.value, name, data.get("body") or ""),
        ref=ref,
        upvotes=max(int(data.get("upvotes") or 0), 0),
        downvotes=max(int(data.get("downvotes") or 0), 0),
        score=int(data.get("score") or 0),
        extra={"origin": origin} if origin else None,
    )


def _passage(data: dict[str, Any], report: ImportReport, ref: str) -> PassageRecord | None:
    """The passage of a question or anchor line, from its W3C annotation's selectors."""
    annotation = data.get("annotation")
    target = annotation.get("target") if isinstance(annotation, dict) else None
    if not isinstance(target, dict):
        report.warn("inline passage without an annotation target: ignored", ref)
        return None
    selectors = target.get("selector") or []
    if isinstance(selectors, dict):
        selectors = [selectors]
    by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
    quote = by_type.get("TextQuoteSelector")
    if not quote or not str(quote.get("exact") or "").strip():
        report.warn("inline passage without a quote (TextQuoteSelector): ignored", ref)
        return None
    position = by_type.get("TextPositionSelector") or {}
    start, end = position.get("start"), position.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        start = end = None
    state = str(target.get("parley:anchorState") or "attached")
    if state not in ANCHOR_STATES:
        report.warn(f"unknown anchor state {state!r}: placed again by its quote", ref)
        state = "attached"
    exact = str(quote["exact"])
    return PassageRecord(
        exact=exact,
        prefix=str(quote.get("prefix") or ""),
        suffix=str(quote.get("suffix") or ""),
        start=start,
        end=end,
        state=state,
        original_exact=str(data.get("original_exact") or exact),
        revision=str(data["revision"]) if data.get("revision") else None,
    )


def _moderation(data: dict[str, Any], users: dict[str, str]) -> ModerationRecord:
    def person(key: Any) -> Identity | None:
        return Identity(f"user:{key}", users.get(str(key), "")) if key else None

    before, after = data.get("before"), data.get("after")
    return ModerationRecord(
        key=str(data.get("id")),
        site_key=str(data.get("site") or ""),
        action=str(data.get("action") or ""),
        actor=person(data.get("actor")),
        target=person(data.get("user")),
        thread=str(data["article"]) if data.get("article") else None,
        comment=str(data["comment"]) if data.get("comment") else None,
        reason=str(data.get("reason") or ""),
        before=before if isinstance(before, dict) else {},
        after=after if isinstance(after, dict) else {},
        created_at=parse_date(data.get("created_at")).value,
    )
