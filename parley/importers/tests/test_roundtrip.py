"""Export, then import into an empty database: the same discussions."""

import io

import pytest
from django.core.management import call_command

from parley import factories
from parley.accounts.models import User
from parley.articles.models import Article, Site
from parley.discussion import actions
from parley.discussion.models import Comment, Vote
from parley.importers.export_jsonl import export_jsonl
from parley.importers.export_wxr import export_wxr


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
