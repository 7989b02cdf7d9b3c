"""WordPress WXR (1.0 to 1.2), with the wpDiscuz plugin's data.

Each `<item>` (a post, page or attachment) is a thread, keyed by `wp:post_id`; its
`<wp:comment>` records are read when the item is complete, so an item's comments and its
body (for inline-feedback passages) are at hand together. Comment ids are scoped to their
post: WordPress numbers them per site, but hand-made and merged files reuse them.

Mapping: approved `1` → visible, `0` → held, `spam` → spam, `trash` → tombstone;
pingbacks, trackbacks and editorial notes (WordPress 6.9) are counted and skipped, and
so are wpDiscuz private comments (not public). Comments on password-protected posts are
held for a moderator to decide. `wp:comment_status` closed closes the discussion.
Contents are WordPress's text-with-HTML, rendered like a new Parley comment. wpDiscuz
inline-feedback comments become anchored comments: each feedback form an editor's
question on its passage, each top-level comment on it an answer anchored there.
"""

import html
from collections.abc import Iterator

from parley.importers import bodies
from parley.importers.parsers import wpdiscuz
from parley.importers.records import (
    DELETED,
    PENDING,
    SPAM,
    VISIBLE,
    AnchorRecord,
    CommentRecord,
    Identity,
    PassageRecord,
    QuestionRecord,
    SiteHint,
    SkippedRecord,
    ThreadRecord,
    Votes,
    fingerprint,
    guest_key,
    parse_date,
)
from parley.importers.report import ImportReport
from parley.importers.sources import Input
from parley.importers.xmlstream import Element, XMLRecords, children, text

Item = SiteHint | ThreadRecord | CommentRecord | SkippedRecord | QuestionRecord | AnchorRecord

NOT_COMMENTS = {
    "pingback": "pingback (not a comment)",
    "trackback": "trackback (not a comment)",
    "note": "WordPress editorial note (not public)",
    "private": "wpDiscuz private comment (not public)",
}
APPROVED = {
    "1": VISIBLE,
    "approve": VISIBLE,
    "0": PENDING,
    "hold": PENDING,
    "spam": SPAM,
    "trash": DELETED,
    "post-trashed": DELETED,
}
KNOWN_TYPES = {"", "comment", "review", "wpdiscuz_sticky"}


def parse(inp: Input, report: ImportReport) -> Iterator[Item]:
    xml = XMLRecords(
        inp,
        report,
        records={"item", "title", "link", "base_site_url"},
        containers={"channel"},
        roots={"rss", "channel"},
    )
    blog = {"title": "", "link": "", "base_site_url": ""}
    hinted = False
    for name, el in xml:
        if name != "item":
            blog[name] = text(el)
            continue
        if not hinted and (blog["title"] or blog["link"]):
            hinted = True
            yield SiteHint(key=blog["title"] or blog["link"], name=blog["title"] or blog["link"])
        yield from _item(xml, el, report, blog["base_site_url"] or blog["link"])


def _item(xml: XMLRecords, el: Element, report: ImportReport, blog: str) -> Iterator[Item]:
    report.read_thread()
    fields = children(xml, el)
    post_id = text(fields.get("post_id"))
    link = text(fields.get("link"))
    key = post_id or link or text(fields.get("title"))
    created = parse_date(text(fields.get("post_date_gmt")))
    if created.value is None:
        created = parse_date(text(fields.get("post_date")))
    comments = [c for c in el if xml.local(c.tag) == "comment"]
    if not comments:
        return
    status = text(fields.get("status"))
    protected = bool(text(fields.get("post_password")))
    if status not in ("", "publish", "inherit"):
        report.warn(f"comments on a WordPress post with status {status!r}: imported", key)
    post_html = text(fields.get("encoded"))
    yield ThreadRecord(
        key=key,
        url=link,
        title=html.unescape(text(fields.get("title"))),
        slug_hint=text(fields.get("post_name")),
        created_at=created.value,
        closed=text(fields.get("comment_status")).lower() == "closed",
    )
    records = [_comment(xml, c, report, key, blog, protected) for c in comments]
    feedback_ids = [
        r.extra["feedback_form_id"]
        for r in records
        if isinstance(r, CommentRecord) and r.extra and "feedback_form_id" in r.extra
    ]
    if feedback_ids:
        pairs = wpdiscuz.pair_feedback(feedback_ids, wpdiscuz.feedback_passages(post_html))
        for record in records:
            if (
                isinstance(record, CommentRecord)
                and record.extra
                and "feedback_form_id" in record.extra
            ):
                found = pairs.get(record.extra["feedback_form_id"])
                if found:
                    record.extra.update(found)
                    if found["inferred"]:
                        report.note(
                            "inline-feedback passage paired with its form by order (inferred)"
                        )
                else:
                    report.warn("inline-feedback form without a passage in the post", record.ref)
        records.sort(key=_when)
        yield from records
        yield from _feedback(key, records, pairs)
        return
    records.sort(key=_when)
    yield from records


def _when(record: CommentRecord | SkippedRecord) -> float:
    return (
        record.created_at.timestamp()
        if isinstance(record, CommentRecord) and record.created_at
        else 0.0
    )


def _feedback(
    thread: str, records: list[CommentRecord | SkippedRecord], pairs: dict[str, dict]
) -> Iterator[QuestionRecord | AnchorRecord]:
    """Each paired feedback form as an editor's question on its passage (the passage as
    the post's text, which Parley finds in the article's own text when it has it), and
    each top-level comment on the form as an answer anchored to it."""
    answers: dict[str, list[CommentRecord]] = {}
    for record in records:
        if isinstance(record, CommentRecord) and record.extra:
            form = record.extra.get("feedback_form_id")
            if form in pairs and record.parent is None:
                answers.setdefault(form, []).append(record)
    for form, found in pairs.items():
        passage = " ".join(html.unescape(found["passage"]).split())
        if not passage or form not in answers:
            continue
        question_key = f"{thread}#feedback-{form}" if found.get("question") else None
        if question_key:
            dates = [r.created_at for r in answers[form] if r.created_at]
            yield QuestionRecord(
                key=question_key,
                thread=thread,
                question=html.unescape(found["question"]),
                passage=PassageRecord(exact=passage),
                created_at=min(dates) if dates else None,
            )
        for record in answers[form]:
            yield AnchorRecord(
                comment=record.key, passage=PassageRecord(exact=passage), question=question_key
            )


def _comment(
    xml: XMLRecords, el: Element, report: ImportReport, thread: str, blog: str, protected: bool
) -> CommentRecord | SkippedRecord:
    report.read_comment()
    raw = {name: (child.text or "") for name, child in children(xml, el).items()}
    fields = {name: value.strip() for name, value in raw.items()}
    comment_id = fields.get("comment_id", "")
    key = f"{thread}/{comment_id}"
    ref = f"post {thread} comment {comment_id}"
    padded = [
        n
        for n in ("comment_author_email", "comment_id", "comment_date_gmt")
        if raw.get(n, "") != fields.get(n, "")
    ]
    if padded:
        report.warn("stray whitespace around values trimmed", ref)
    kind = fields.get("comment_type", "").lower()
    if kind in NOT_COMMENTS:
        return SkippedRecord(key=key, reason=NOT_COMMENTS[kind])
    if kind not in KNOWN_TYPES:
        report.warn(f"unknown comment type {kind!r}: imported as a comment", ref)
    meta = _meta(xml, el)
    created = parse_date(fields.get("comment_date_gmt"))
    if created.value is None:
        created = parse_date(fields.get("comment_date"))
        if created.value is not None:
            report.warn("comment without a GMT date: its local date taken as UTC", ref)
        else:
            report.warn("comment without a usable date: dated from its context", ref)
    approved = fields.get("comment_approved", "1").lower()
    status = APPROVED.get(approved)
    if status is None:
        report.warn(f"unknown approval {approved!r}: held for moderation", ref)
        status = PENDING
    status = {"visible": VISIBLE, "deleted": DELETED}.get(meta.get("parley_status", ""), status)
    if protected and status == VISIBLE:
        report.warn("comment on a password-protected post: held for moderation", ref)
        status = PENDING
    name = html.unescape(fields.get("comment_author", ""))
    email = fields.get("comment_author_email", "")
    user_id = fields.get("comment_user_id", "0")
    if user_id not in ("", "0"):
        identity: Identity | None = Identity(f"{blog}#user:{user_id}", name, email)
    else:
        guest = guest_key(name, email)
        identity = (
            Identity(guest, name, email, fields.get("comment_author_url", "")) if guest else None
        )
    content = raw.get("comment_content", "")
    body = body_html = ""
    if status != DELETED:
        body, body_html, problem = bodies.from_text(content)
        if problem:
            report.warn(problem, ref)
    extra, counts = _extras(meta, kind, report, ref)
    edited = (
        parse_date(meta.get("wpdiscuz_last_edited_at"))
        if "wpdiscuz_last_edited_at" in meta
        else None
    )
    parent = fields.get("comment_parent", "0")
    return CommentRecord(
        key=key,
        thread=thread,
        parent=f"{thread}/{parent}" if parent not in ("", "0") else None,
        author=identity,
        author_name=name,
        body=body,
        body_html=body_html,
        status=status,
        created_at=created.value,
        edited_at=edited.value if edited else None,
        fingerprint=fingerprint(created.value, name, content.strip()),
        ref=ref,
        upvotes=counts.up,
        downvotes=counts.down,
        score=counts.score,
        extra=extra,
    )


def _meta(xml: XMLRecords, el: Element) -> dict[str, str]:
    meta = {}
    for child in el:
        if xml.local(child.tag) == "commentmeta":
            fields = children(xml, child)
            meta[text(fields.get("meta_key"))] = text(fields.get("meta_value"))
    return meta


def _extras(meta: dict[str, str], kind: str, report: ImportReport, ref: str):
    extra: dict = {}
    if kind == "wpdiscuz_sticky":
        extra["sticky"] = True
    if meta.get("wpdiscuz_closed", "") not in ("", "0"):
        extra["closed"] = True
    if meta.get("wpdiscuz_feedback_form_id", "") not in ("", "0"):
        extra["feedback_form_id"] = meta["wpdiscuz_feedback_form_id"]
    vote_meta, problem = wpdiscuz.votes(meta)
    if problem:
        report.warn(problem, ref)
    counts = Votes()
    if vote_meta.net is not None or vote_meta.like is not None:
        counts = Votes.from_net(vote_meta.net or 0, vote_meta.like, vote_meta.dislike)
        if vote_meta.net is not None and counts.score != vote_meta.net:
            report.warn("wpDiscuz like/dislike split disagrees with its net score: split kept", ref)
    return (extra or None), counts
