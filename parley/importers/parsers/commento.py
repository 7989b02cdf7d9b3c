"""Commento's JSON export: `{"version": 1, "comments": [...], "commenters": [...]}`.

A page is `domain` + `url`. `parentHex` "root" is a top-level comment. `state`
approved → visible, unapproved → held, flagged (Akismet's spam flag) → spam; `deleted`
→ tombstone. The `markdown` source is rendered like a new comment (the `html` field,
when it is the only one, is cleaned instead). Commenters are keyed by `commenterHex`;
"anonymous" is nobody's account. Streamed in two passes (ijson): the commenters, which
Commento writes after the comments, then the comments one at a time.
"""

from collections.abc import Iterator
from typing import Any

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
from parley.importers.sources import Input, UnreadableFile, json_events, json_items

STATES = {"approved": VISIBLE, "unapproved": PENDING, "flagged": SPAM}


PERSON_FIELDS = ("name", "email", "link")


def _commenters(inp: Input) -> dict[str, dict[str, str]]:
    """First pass: the commenters (Commento writes them after the comments), keeping
    only what an identity needs. The whole document is read, so a damaged file is
    refused before anything is imported."""
    events = json_events(inp)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise UnreadableFile("not a Commento export: no comments list")
    people: dict[str, dict[str, str]] = {}
    person: dict[str, str] | None = None
    has_comments = False
    for prefix, event, value in events:
        if prefix == "comments" and event == "start_array":
            has_comments = True
        elif prefix == "commenters.item":
            if event == "start_map":
                person = {}
            elif event == "end_map" and person is not None:
                if person.get("commenterHex"):
                    people[person["commenterHex"]] = person
                person = None
        elif person is not None and prefix.startswith("commenters.item."):
            field = prefix[len("commenters.item.") :]
            if field in (*PERSON_FIELDS, "commenterHex") and event in ("string", "number"):
                person[field] = str(value)
    if not has_comments:
        raise UnreadableFile("not a Commento export: no comments list")
    return people


def parse(inp: Input, report: ImportReport) -> Iterator[ThreadRecord | CommentRecord]:
    people = _commenters(inp)
    threads: set[str] = set()
    for comment in json_items(inp, "comments.item"):
        if not isinstance(comment, dict):
            report.read_comment()
            report.warn("comment that is not an object: skipped")
            report.skip("unreadable record")
            continue
        page = f"{comment.get('domain', '')}{comment.get('url', '')}"
        if page not in threads:
            threads.add(page)
            report.read_thread()
            url = f"https://{page}" if comment.get("domain") else comment.get("url", "")
            yield ThreadRecord(key=page, url=url)
        yield _comment(comment, people, report)


def _comment(
    comment: dict[str, Any], people: dict[str, dict[str, str]], report: ImportReport
) -> CommentRecord:
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
    return CommentRecord(
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
