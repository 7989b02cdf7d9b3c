"""Commento's JSON export: `{"version": 1, "comments": [...], "commenters": [...]}`.

A page is `domain` + `url`. `parentHex` "root" is a top-level comment. `state`
approved → visible, unapproved → held, flagged (Akismet's spam flag) → spam; `deleted`
→ tombstone. The `markdown` source is rendered like a new comment (the `html` field,
when it is the only one, is cleaned instead). Commenters are keyed by `commenterHex`;
"anonymous" is nobody's account.
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
    ThreadRecord,
    Votes,
    fingerprint,
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input, UnreadableFile, json_document

STATES = {"approved": VISIBLE, "unapproved": PENDING, "flagged": SPAM}


def parse(inp: Input, report: ImportReport) -> Iterator[ThreadRecord | CommentRecord]:
    data = json_document(inp)
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise UnreadableFile("not a Commento export: no comments list")
    people = {c.get("commenterHex"): c for c in data.get("commenters") or [] if isinstance(c, dict)}
    threads: dict[str, str] = {}
    for comment in data["comments"]:
        page = f"{comment.get('domain', '')}{comment.get('url', '')}"
        if page not in threads:
            threads[page] = f"https://{page}" if comment.get("domain") else comment.get("url", "")
            report.read_thread()
            yield ThreadRecord(key=page, url=threads[page])
    for comment in data["comments"]:
        report.read_comment()
        key = str(comment.get("commentHex") or "")
        ref = f"comment {key[:12]}"
        created = parse_date(comment.get("creationDate"))
        if created.problem:
            report.warn(f"comment with {created.problem}: dated from its context", ref)
        state = str(comment.get("state") or "approved")
        status = STATES.get(state)
        if status is None:
            report.warn(f"unknown state {state!r}: held", ref)
            status = PENDING
        if comment.get("deleted"):
            status = DELETED
        hex_id = comment.get("commenterHex") or "anonymous"
        person = people.get(hex_id)
        identity = None
        name = "Anonymous"
        if person:
            name = person.get("name") or name
            identity = Identity(
                f"commenter:{hex_id}", name, person.get("email") or "", person.get("link") or ""
            )
        elif hex_id != "anonymous":
            report.warn("commenter not in the commenters list: shown as Anonymous", ref)
        markdown, html = comment.get("markdown") or "", comment.get("html") or ""
        body = body_html = ""
        if status != DELETED:
            body, body_html, problem = (
                bodies.from_text(markdown) if markdown or not html else bodies.from_html(html)
            )
            if problem:
                report.warn(problem, ref)
        votes = Votes.from_net(int(comment.get("score") or 0))
        parent = comment.get("parentHex")
        yield CommentRecord(
            key=key,
            thread=f"{comment.get('domain', '')}{comment.get('url', '')}",
            parent=None if parent in (None, "", "root") else str(parent),
            author=identity,
            author_name=name,
            body=body,
            body_html=body_html,
            status=status,
            created_at=created.value,
            fingerprint=fingerprint(created.value, name, markdown or html),
            ref=ref,
            upvotes=votes.up,
            downvotes=votes.down,
            score=votes.score,
        )
