"""Export, then import into an empty database: the same discussions, inline passages and
moderation log."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from parley import factories
from parley.accounts.models import User
from parley.articles.body import plain_text
from parley.articles.models import Article, Site
from parley.discussion import actions
from parley.discussion.models import Comment, Vote
from parley.importers.export_jsonl import export_jsonl
from parley.importers.export_wxr import export_wxr
from parley.inline.actions import AnchorData, attach_anchor, do_add_question
from parley.inline.models import Anchor, ArticleRevision, PassageQuestion
from parley.moderation import actions as moderation
from parley.moderation.models import AuditEntry


def build_discussions():
    site = factories.make_site(key="gazette", name="The Gazette", domain="gazette.example")
    first = factories.make_article(
        site,
        slug="night-trains",
        title="Night trains",
        canonical_url="https://gazette.example/night-trains/",
    )
    second = factories.make_article(site, slug="repair-shops", title="Repair shops")
    ana, ben, cy = (factories.make_subscriber(site, n) for n in ("ana", "ben", "cy"))
    top = factories.make_comment(first, ana, "A *first* thought, see https://example.org")
    reply = factories.make_comment(first, ben, "A reply\n\nin two paragraphs", parent=top)
    deep = reply
    for n in range(6):
        deep = factories.make_comment(first, cy if n % 2 else ana, f"Level {n + 2}", parent=deep)
    doomed = factories.make_comment(first, ben, "Will be deleted")
    factories.make_comment(first, cy, "Answer to the deleted one", parent=doomed)
    actions.do_delete_comment(comment=doomed)
    factories.make_comment(first, cy, "Waiting for a moderator", status="pending")
    factories.make_comment(first, cy, "Buy cheap watches", status="spam")
    factories.make_comment(second, ben, "Second article, `code` and **bold**")
    actions.do_vote(user=ben, comment=top, value=1)
    actions.do_vote(user=cy, comment=top, value=1)
    actions.do_vote(user=ana, comment=reply, value=-1)
    Article.objects.filter(pk=second.pk).update(discussion_closed=True)
    return site


def snapshot():
    """The discussions as readers see them, independent of database ids."""
    out = {}
    for article in Article.objects.order_by("slug"):
        rows = list(
            Comment.objects.filter(article=article).select_related("author").order_by("path")
        )
        index = {c.pk: i for i, c in enumerate(rows)}
        out[article.slug] = {
            "title": article.title,
            "closed": article.discussion_closed,
            "count": article.comment_count,
            "comments": [
                (
                    c.depth,
                    index.get(c.parent_id or 0),
                    c.status,
                    c.body,
                    c.body_html,
                    c.shown_name,
                    c.created_at,
                    c.upvotes,
                    c.downvotes,
                    c.score,
                    c.thread_replies,
                )
                for c in rows
            ],
            "votes": sorted(
                (index[v.comment_id], v.user.display_name, v.value)
                for v in Vote.objects.filter(comment__article=article).select_related("user")
            ),
        }
    return out


def wipe():
    Article.objects.all().delete()
    Site.objects.all().delete()
    User.objects.all().delete()


@pytest.mark.django_db
def test_parley_export_then_import_gives_the_same_discussions(tmp_path, do_import):
    site = build_discussions()
    before = snapshot()
    path = tmp_path / "export.jsonl"
    with path.open("w") as out:
        counts = export_jsonl(out, [site])
    assert counts["comment"] == 13 and counts["vote"] == 3
    wipe()
    assert not Comment.objects.exists()

    report = do_import("parley", path)

    assert report.balanced
    assert snapshot() == before
    imported = User.objects.get(display_name="Ana")
    assert not imported.has_usable_password()
    assert Site.objects.get().key == "gazette"
    # and a second import of the same file changes nothing
    again = do_import("parley", path)
    assert sum(again.outcomes.values()) == 0 and snapshot() == before


@pytest.mark.django_db
def test_wxr_export_then_wordpress_import_keeps_threads_and_statuses(tmp_path, do_import):
    site = build_discussions()
    shape = {slug: [(c[0], c[1], c[2]) for c in a["comments"]] for slug, a in snapshot().items()}
    counts = {slug: a["count"] for slug, a in snapshot().items()}
    path = tmp_path / "export.xml"
    with path.open("w") as out:
        export_wxr(out, site)
    wipe()

    report = do_import("wordpress", path)

    assert report.balanced and report.outcomes["tombstoned"] == 1
    after = snapshot()
    assert {slug: [(c[0], c[1], c[2]) for c in a["comments"]] for slug, a in after.items()} == shape
    assert {slug: a["count"] for slug, a in after.items()} == counts
    top = Comment.objects.filter(article__slug="night-trains", parent=None).order_by("id")[0]
    assert (top.upvotes, top.downvotes, top.score) == (2, 0, 2)


@pytest.mark.django_db
def test_export_command_writes_both_formats(tmp_path):
    build_discussions()
    out = io.StringIO()
    call_command("export", str(tmp_path / "all.jsonl"), stdout=out)
    assert "13 comment" in out.getvalue()
    call_command(
        "export", str(tmp_path / "g.xml"), "--site", "gazette", "--format", "wxr", stdout=out
    )
    assert (tmp_path / "g.xml").read_text().count("<wp:comment>") == 13


BODY = (
    "Night trains are back in fashion across the continent this winter.\n\n"
    "Sleeper cars were retired in the nineties, when budget flights took their riders.\n\n"
    "The new operators sell couchettes at the price of a hotel room."
)
EDITED = (
    "Night trains are back in fashion across the whole continent this winter.\n\n"
    "The new operators sell couchettes for less than a hotel room."
)


def add_passages_and_moderation(site):
    """Anchors in each state, an editor's question with an answer, and a moderation log
    with a system entry, a moderator's entries on comments, an article and a user."""
    article = Article.objects.get(slug="night-trains")
    article.body = BODY
    article.save()
    text = plain_text(BODY)
    ana, ben, cy = (User.objects.get(username=n) for n in ("ana", "ben", "cy"))
    top = Comment.objects.get(article=article, body__startswith="A *first*")

    def span(quote):
        return AnchorData(start=text.index(quote), end=text.index(quote) + len(quote), text=text)

    attach_anchor(top, span("back in fashion"))
    changed = factories.make_comment(article, ben, "Budget flights are not the only reason")
    attach_anchor(changed, span("price of a hotel room"))
    orphan = factories.make_comment(article, cy, "Which nineties?")
    attach_anchor(orphan, span("retired in the nineties"))
    question = do_add_question(
        article=article,
        start=text.index("couchettes"),
        end=text.index("couchettes") + len("couchettes"),
        question="Have you slept in one?",
    )
    answer = factories.make_comment(article, ana, "Yes, twice")
    attach_anchor(answer, AnchorData(start=0, end=1, text=text, question=question))
    article.body = EDITED
    article.save()  # one passage edited, one cut: changed and orphaned

    moderator = factories.make_moderator(site, "desk-zq7")
    held = factories.make_comment(article, cy, "Held then approved")
    moderation.do_hold(comment=held, rule="suspect_word", reason="couchette")
    moderation.do_approve(actor=moderator, comment=held)
    rude = factories.make_comment(article, cy, "Something rude")
    moderation.do_remove(actor=moderator, comment=rude, reason="abuse", note="name-calling")
    moderation.do_set_closed(actor=moderator, article=article, closed=True)
    moderation.do_set_closed(actor=moderator, article=article, closed=False)
    moderation.do_sanction(
        actor=moderator,
        user=cy,
        site_id=site.pk,
        kind="suspend",
        ends_at=timezone.now() + timedelta(days=7),
        message="A week off",
    )


def inline_and_log(path):
    """The revision, question, anchor and moderation lines of an export, with database ids and
    pseudonyms replaced by what they stand for, so two exports can be compared."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    users = {d["id"]: d["display_name"] for d in lines if d["type"] == "user"}
    articles = {d["id"]: d["slug"] for d in lines if d["type"] == "article"}
    comments = {d["id"]: (d["body"], d["created_at"]) for d in lines if d["type"] == "comment"}
    questions = {
        d["id"]: d["annotation"]["body"]["value"] for d in lines if d["type"] == "question"
    }
    revisions = {
        d["id"]: (articles[d["article"]], d["number"]) for d in lines if d["type"] == "revision"
    }

    def passage(d):
        a = d["annotation"]
        kept = {k: v for k, v in a.items() if k not in ("id", "target", "parley:answers")}
        target = {k: v for k, v in a["target"].items() if k != "state"}  # revision date
        kept["creator"] = {k: v for k, v in a["creator"].items() if k != "id"}
        revision = revisions.get(d["revision"]) if d["revision"] else None
        return {**kept, "target": target, "original_exact": d["original_exact"], "on": revision}

    out: list[tuple] = []
    for d in lines:
        if d["type"] == "revision":
            out.append(("revision", revisions[d["id"]], d["text"]))
        elif d["type"] == "question":
            out.append(("question", articles[d["article"]], passage(d)))
        elif d["type"] == "anchor":
            question = questions.get(d["question"]) if d["question"] else None
            out.append(("anchor", comments[d["comment"]], question, passage(d)))
        elif d["type"] == "moderation":
            out.append(
                (
                    "moderation",
                    d["action"],
                    users.get(d["actor"]),
                    users.get(d["user"]),
                    articles.get(d["article"]),
                    comments.get(d["comment"]),
                    d["reason"],
                    d["before"],
                    d["after"],
                    d["created_at"],
                )
            )
    return sorted(out, key=repr)


def anchors_in_database():
    latest = dict(
        ArticleRevision.objects.values("article_id")
        .annotate(n=Max("number"))
        .values_list("article_id", "n")
    )
    return sorted(
        (
            a.comment.body,
            a.question.question if a.question else None,
            a.exact,
            a.prefix,
            a.suffix,
            a.start,
            a.end,
            a.original_exact,
            a.state,
            a.revision.text[a.start : a.end] == a.exact,
            # an orphan stays on the older text its selectors refer to
            a.revision.number < latest[a.revision.article_id] if a.is_orphaned else None,
        )
        for a in Anchor.objects.select_related("comment", "question", "revision__article")
    )


@pytest.mark.django_db
def test_anchors_questions_and_the_moderation_log_survive_a_round_trip(tmp_path, do_import):
    site = build_discussions()
    add_passages_and_moderation(site)
    anchors = anchors_in_database()
    assert {a[8] for a in anchors} == {"attached", "changed", "orphaned"}
    first = tmp_path / "first.jsonl"
    with first.open("w") as out:
        counts = export_jsonl(out, [site])
    assert (counts["question"], counts["anchor"], counts["moderation"]) == (1, 4, 6)
    assert counts["revision"] == 1  # the older text the orphan's selectors refer to
    text = first.read_text()
    for user in User.objects.all():
        assert user.email not in text or not user.email
        assert f'"{user.username}"' not in text
    log_before = inline_and_log(first)
    wipe()

    report = do_import("parley", first)

    assert report.balanced
    assert (report.questions_imported, report.anchors_imported) == (1, 4)
    assert report.moderation_imported == 6
    assert anchors_in_database() == anchors
    entry = AuditEntry.objects.select_related("actor", "target_user").get(action="suspend")
    actor, target = entry.actor, entry.target_user
    assert actor is not None and target is not None
    assert (target.display_name, actor.display_name) == ("Cy", "Desk-Zq7")
    assert not actor.has_usable_password()
    assert AuditEntry.objects.filter(actor=None).count() == 1  # the system's hold
    second = tmp_path / "second.jsonl"
    with second.open("w") as out:
        export_jsonl(out, list(Site.objects.all()))
    assert inline_and_log(second) == log_before

    again = do_import("parley", first, parallel=True)  # and the records cross processes

    assert (again.questions_imported, again.anchors_imported) == (0, 0)
    assert (again.moderation_imported, again.moderation_known) == (0, 6)
    assert Anchor.objects.count() == 4 and PassageQuestion.objects.count() == 1
    assert AuditEntry.objects.count() == 6


@pytest.mark.django_db
def test_passages_onto_an_article_whose_text_differs_are_found_by_their_quote(tmp_path, do_import):
    site = build_discussions()
    add_passages_and_moderation(site)
    path = tmp_path / "export.jsonl"
    with path.open("w") as out:
        export_jsonl(out, [site])
    wipe()
    other = factories.make_site(key="gazette", name="The Gazette", domain="gazette.example")
    factories.make_article(
        other,
        slug="night-trains",
        canonical_url="https://gazette.example/night-trains/",
        body="A new opening paragraph.\n\n" + EDITED,
    )

    report = do_import("parley", path)

    assert report.warning_counts["passage found again by its quote"] == 4  # 3 anchors, 1 question
    found = {a.comment.body: a for a in Anchor.objects.select_related("comment", "revision")}
    top = found["A *first* thought, see https://example.org"]
    assert top.state == "attached"
    assert top.start == top.revision.text.index("back in fashion") > 26
    assert top.revision.text[top.start : top.end] == "back in fashion"
    assert found["Which nineties?"].state == "orphaned"


def annotation(exact, start=None, end=None, state="attached"):
    selectors = [{"type": "TextQuoteSelector", "exact": exact, "prefix": "", "suffix": ""}]
    if start is not None:
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    return {"type": "Annotation", "target": {"selector": selectors, "parley:anchorState": state}}


@pytest.mark.django_db
def test_damaged_passage_and_log_lines_are_reported_and_the_rest_imported(tmp_path, do_import):
    lines = [
        {"type": "parley", "format": "parley-export", "version": 1, "sites": ["g"]},
        {"type": "site", "key": "g", "name": "G", "tagline": "", "domain": "g.example"},
        {"type": "user", "id": "u-1", "display_name": "Ana"},
        {"type": "article", "id": "a1", "site": "g", "slug": "s", "title": "S", "body": BODY},
        {"type": "comment", "id": "1", "article": "a1", "parent": None, "author": "u-1"}
        | {"status": "visible", "created_at": "2024-01-01T00:00:00+00:00", "body": "One"},
        {"type": "comment", "id": "2", "article": "a1", "parent": None, "author": "u-1"}
        | {"status": "visible", "created_at": "2024-01-02T00:00:00+00:00", "body": "Two"},
        {"type": "comment", "id": "3", "article": "a1", "parent": None, "author": "u-1"}
        | {"status": "visible", "created_at": "2024-01-03T00:00:00+00:00", "body": "Three"},
        # offsets that are not numbers: found by the quote
        {"type": "anchor", "comment": "1", "annotation": annotation("Sleeper cars", "x", "y")},
        {"type": "anchor", "comment": "2", "annotation": {"type": "Annotation"}},
        {"type": "anchor", "comment": "3", "annotation": annotation("not in the text", 0, 5)},
        {"type": "anchor", "comment": "99", "annotation": annotation("Night", 0, 5)},
        {"type": "question", "id": "q1", "article": "a9", "annotation": annotation("Night", 0, 5)},
        {"type": "moderation", "id": "m1", "site": "g", "action": "launch", "actor": "u-1"},
        {"type": "moderation", "id": "m2", "site": "g", "action": "hold", "comment": "99"},
        {"type": "moderation", "id": "m3", "site": "g", "action": "approve", "comment": "2"}
        | {"actor": "u-1", "before": "not a dict", "created_at": "2024-01-05T00:00:00Z"},
        {"type": "end", "counts": {}},
    ]
    path = tmp_path / "damaged.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    report = do_import("parley", path)

    assert report.balanced and report.outcomes["imported"] == 3
    warned = report.warning_counts
    assert warned["passage found again by its quote"] == 1
    assert warned["inline passage without an annotation target: ignored"] == 1
    assert warned["passage not in the article's text: kept orphaned"] == 1
    assert warned["anchor on a comment not in Parley: ignored"] == 1
    assert warned["question on an article without comments: not imported"] == 1
    assert warned["unknown moderation action 'launch': ignored"] == 1
    assert warned["moderation entry on a comment not in Parley: kept without"] == 1
    states = dict(Anchor.objects.values_list("comment__body", "state"))
    assert states == {"One": "attached", "Three": "orphaned"}
    approve = AuditEntry.objects.get(action="approve")
    assert approve.comment is not None and approve.comment.body == "Two"
    assert approve.before == {} and approve.actor is not None
    assert AuditEntry.objects.get(action="hold").comment is None
