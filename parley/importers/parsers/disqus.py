"""Disqus XML export: `<category>`, `<thread>` and `<post>` records under `<disqus>`.

Mapping: a thread is keyed by its `dsq:id` (its `<id>` is often empty and is not used,
which is how other importers lose whole threads); posts point to their thread and parent
by `dsq:id`. `isSpam` → spam (kept hidden), `isDeleted` → a tombstone, `isApproved`
false (when present) → held. Authors with a Disqus username are keyed by it; anonymous
ones by name and e-mail. Bodies are Disqus's rendered HTML.
"""

from collections.abc import Iterator

from parley.importers import bodies
from parley.importers.records import (
    DELETED,
    PENDING,
    SPAM,
    VISIBLE,
    CommentRecord,
    Identity,
    SiteHint,
    ThreadRecord,
    fingerprint,
    guest_key,
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input
from parley.importers.xmlstream import Element, XMLRecords, attr, children, text

Item = SiteHint | ThreadRecord | CommentRecord
_DSQ_ID = "{http://disqus.com/disqus-internals}id"


def _id(xml: XMLRecords, el: Element | None) -> str:
    """The element's `dsq:id`: read directly when spelled as Disqus writes it, else by
    local name (another prefix, or none after the recovering parser)."""
    if el is None:
        return ""
    value = el.get(_DSQ_ID)
    return value.strip() if value is not None else attr(xml, el, "id")


def _flag(value: str, field: str, ref: str, report: ImportReport) -> bool:
    value = value.strip().lower()
    if value in ("true", "1"):
        return True
    if value not in ("", "false", "0"):
        report.warn(f"unreadable {field} value: taken as false", f"{ref} ({value[:20]!r})")
    return False


def parse(inp: Input, report: ImportReport) -> Iterator[Item]:
    xml = XMLRecords(
        inp, report, records={"category", "thread", "post"}, containers={"disqus"}, roots={"disqus"}
    )
    forum_hinted = False
    for name, el in xml:
        if name == "post":
            yield _post(xml, el, report)
        elif name == "thread":
            report.read_thread()
            yield _thread(xml, el, report)
        elif name == "category" and not forum_hinted:
            forum = text(children(xml, el).get("forum"))
            if forum:
                forum_hinted = True
                yield SiteHint(key=forum, name=forum)


def _thread(xml: XMLRecords, el: Element, report: ImportReport) -> ThreadRecord:
    fields = children(xml, el)
    key = _id(xml, el)
    link = text(fields.get("link"))
    if not key:
        key = "id:" + (text(fields.get("id")) or link)
        report.warn("thread without dsq:id: keyed by its id or link", key[:80])
    created = parse_date(text(fields.get("createdAt")))
    return ThreadRecord(
        key=key,
        url=link,
        title=text(fields.get("title")),
        created_at=created.value,
        closed=text(fields.get("isClosed")).lower() == "true",
        deleted=text(fields.get("isDeleted")).lower() == "true",
    )


def _author(xml: XMLRecords, el: Element | None) -> tuple[Identity | None, str]:
    if el is None:
        return None, ""
    fields = children(xml, el)
    name = text(fields.get("name"))
    email = text(fields.get("email"))
    username = text(fields.get("username"))
    anonymous = text(fields.get("isAnonymous")).lower() == "true"
    if username and not anonymous:
        return Identity(key=f"user:{username}", name=name or username, email=email), name
    key = guest_key(name, email)
    return (Identity(key=key, name=name, email=email) if key else None), name


def _post(xml: XMLRecords, el: Element, report: ImportReport) -> CommentRecord:
    report.read_comment()
    fields = children(xml, el)
    key = _id(xml, el)
    message = fields.get("message")
    html = text(message)
    created = parse_date(text(fields.get("createdAt")))
    if not key:
        fallback = text(fields.get("id"))
        key = (
            f"id:{fallback}"
            if fallback
            else f"fp:{fingerprint(created.value, text(fields.get('thread')), html):x}"
        )
        report.warn("post without dsq:id: keyed by its <id> or content", key)
    ref = f"post {key}"
    if created.problem:
        report.warn(f"post with {created.problem.split(' ')[0]} date: dated from its context", ref)
    identity, name = _author(xml, fields.get("author"))
    spam = _flag(text(fields.get("isSpam")), "isSpam", ref, report)
    deleted = _flag(text(fields.get("isDeleted")), "isDeleted", ref, report)
    approved = fields.get("isApproved")
    if spam:
        status = SPAM
    elif deleted:
        status = DELETED
    elif approved is not None and text(approved).lower() == "false":
        status = PENDING
    else:
        status = VISIBLE
    body = body_html = ""
    unconverted = None
    if status != DELETED:
        checked, problem = bodies.checked_html(html)
        if problem:
            report.warn(problem, ref)
        if bodies.Handoff.active:  # left to the writer: reader.py
            unconverted = checked
        else:
            body, body_html = bodies.convert_html(checked)
    parent = _id(xml, fields.get("parent")) or None
    return CommentRecord(
        key=key,
        thread=_id(xml, fields.get("thread")),
        parent=parent,
        author=identity,
        author_name=name,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created.value,
        fingerprint=fingerprint(created.value, name, html),
        ref=ref,
        html=unconverted,
    )
