"""Every real export file: each record accounted for, the visible counts, the tree."""

import pytest
from django.db.models import Count, Max, Q, Sum

from parley.accounts.models import User
from parley.articles.models import Article
from parley.discussion.models import SHOWN_STATUSES, Comment
from parley.importers import bodies
from parley.importers.models import ImportedComment, ImportedThread
from parley.importers.sources import UnreadableFile

# file: (threads read, threads with comments, comments read,
#        imported, tombstoned, held, spam, skipped, max depth kept)
# The README beside the fixtures counts raw records independently; the differences are
# explained inline (deleted comments without replies are dropped as Parley's own delete
# does; a pingback's reply becomes top-level; a password-protected post's comment is held).
EXPECTED = {
    "disqus/isso-tests-disqus.xml": (3, 2, 6, 4, 1, 0, 0, 1, 2),  # skipped: orphan post
    "disqus/remark42-testdata-disqus.xml": (2, 2, 6, 5, 0, 0, 1, 0, 1),
    "disqus/remark42-testdata-disqus-deleted-post.xml": (2, 2, 6, 4, 0, 0, 1, 1, 1),
    "disqus/remark42-testdata-disqus-deleted-thread.xml": (2, 2, 6, 5, 0, 0, 1, 0, 1),
    # 8 deleted: one has a reply (a tombstone), seven have none (dropped); 168 visible.
    "disqus/kkdai-evanlin_20210517.xml": (2519, 57, 189, 168, 1, 0, 13, 7, 7),
    "wordpress/isso-tests-wordpress.xml": (3, 2, 8, 8, 0, 0, 0, 0, 3),
    "wordpress/remark42-wordpress_test-xmlTestWP.xml": (2, 1, 4, 2, 0, 1, 0, 1, 1),
    "wordpress/remark42-wordpress_test-xmlTestWPmd.xml": (1, 1, 3, 3, 0, 0, 0, 0, 1),
    # 3 pending + the comment on the password-protected post; 2 pingbacks, 2 trackbacks.
    "wordpress/wpimporter-theme-unit-test-data.xml": (186, 7, 33, 25, 0, 4, 0, 4, 10),
    "wordpress/wpimporter-test-serialized-comment-meta.xml": (1, 1, 1, 1, 0, 0, 0, 0, 1),
    "wordpress/wpimporter-valid-wxr-1.0.xml": (6, 1, 1, 1, 0, 0, 0, 0, 1),
    "wordpress/wpimporter-small-export.xml": (11, 1, 1, 1, 0, 0, 0, 0, 1),
    "wordpress/wpimporter-wxr-with-note-comments.xml": (1, 1, 3, 1, 0, 0, 0, 2, 1),
    "remark42/remark42-native_test-TestNative_Import.jsonl": (2, 2, 2, 2, 0, 0, 0, 0, 1),
    "commento/remark42-testdata-commento.json": (2, 2, 3, 3, 0, 0, 0, 0, 2),
    "isso/isso-tests-generic.json": (2, 2, 2, 2, 0, 0, 0, 0, 1),
    "isso/snjlogs-comments.db": (1, 1, 2, 2, 0, 0, 0, 0, 2),
}


def source_of(name: str) -> str:
    return name.split("/")[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_record_is_accounted_for(name, fixture_path, do_import):
    threads, with_comments, read, imported, tombs, held, spam, skipped, depth = EXPECTED[name]
    report = do_import(source_of(name), fixture_path(name))

    assert report.balanced, report.render()
    assert report.threads_read == threads
    assert report.threads_with_comments == with_comments
    assert report.comments_read == read
    got = [report.outcomes[k] for k in ("imported", "tombstoned", "held", "spam")]
    assert got == [imported, tombs, held, spam], report.render()
    assert sum(report.skipped.values()) == skipped, report.render()

    # The visible counts the pages show are exact.
    articles = Article.objects.filter(imported_threads__source=source_of(name)).distinct()
    assert articles.aggregate(n=Sum("comment_count"))["n"] == imported
    assert Comment.objects.filter(status="visible").count() == imported
    assert Comment.objects.count() == imported + tombs + held + spam
    for root in Comment.objects.filter(parent=None):
        shown = Comment.objects.filter(root=root, status__in=SHOWN_STATUSES).count()
        assert root.thread_replies == shown
    assert (Comment.objects.aggregate(d=Max("depth"))["d"] or 0) + 1 == depth
    # Paths, roots and depths agree with the parent links.
    for c in Comment.objects.exclude(parent=None).select_related("parent"):
        parent = c.parent
        assert parent is not None
        assert c.path.startswith(parent.path) and len(c.path) == len(parent.path) + 8
        assert c.depth == parent.depth + 1
        assert c.root_id == (parent.root_id or parent.pk)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_second_import_creates_nothing(name, fixture_path, do_import):
    do_import(source_of(name), fixture_path(name))
    before = (
        Comment.objects.count(),
        User.objects.count(),
        Article.objects.count(),
        ImportedComment.objects.count(),
        ImportedThread.objects.count(),
    )
    again = do_import(source_of(name), fixture_path(name))
    after = (
        Comment.objects.count(),
        User.objects.count(),
        Article.objects.count(),
        ImportedComment.objects.count(),
        ImportedThread.objects.count(),
    )
    assert after == before
    assert again.balanced
    assert sum(again.outcomes.values()) == 0
    assert again.users_created == 0 and again.articles_created == 0


def test_real_disqus_export_threads_and_merges(fixture_path, do_import):
    report = do_import("disqus", fixture_path("disqus/kkdai-evanlin_20210517.xml"))
    # http and https copies of two pages were merged: 57 threads, 55 articles.
    assert report.threads_merged == 2
    assert report.articles_created == 55
    bot = Article.objects.get(slug="create-your-line-bot-golang")
    assert bot.imported_threads.count() == 2
    assert bot.comment_count == Comment.objects.filter(article=bot, status="visible").count()
    assert bot.comment_count > 40
    assert bot.canonical_url.startswith("http")
    # The deleted comment that had a reply is a tombstone holding it; spam keeps its text.
    tomb = Comment.objects.get(status="deleted")
    assert tomb.body == "" and tomb.children.filter(status="visible").exists()
    assert Comment.objects.filter(status="spam").exclude(body="").count() == 13
    # Threads with an empty <id> are imported (all but a couple are).
    assert Comment.objects.filter(status="visible").values("article").distinct().count() >= 50
    deep = Comment.objects.aggregate(d=Max("depth"))["d"]
    assert deep == 6
    counts = Comment.objects.values("article").annotate(v=Count("id", filter=Q(status="visible")))
    for row in counts:
        assert Article.objects.get(pk=row["article"]).comment_count == row["v"]


@pytest.mark.parametrize(
    "name", ["disqus/kkdai-evanlin_20210517.xml", "wordpress/wpimporter-theme-unit-test-data.xml"]
)
def test_a_parallel_reader_gives_the_same_report(name, fixture_path, do_import):
    alone = do_import(source_of(name), fixture_path(name), dry_run=True, parallel=False)
    split = do_import(source_of(name), fixture_path(name), dry_run=True, parallel=True)
    ignore = {"seconds": None}
    assert split.as_dict() | ignore == alone.as_dict() | ignore


def test_a_parallel_reader_reports_an_unreadable_file(tmp_path, do_import):
    path = tmp_path / "cut.xml"
    path.write_text('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com"><thread')
    with pytest.raises(UnreadableFile, match="truncated"):
        do_import("disqus", path, parallel=True)
    assert not Comment.objects.exists()


def test_bodies_left_to_the_writer_come_out_the_same(monkeypatch, fixture_path, do_import):
    """A reader process that is the slower of the two leaves the conversion of rendered
    HTML to the writer (bodies.Handoff): the rows and the report are the same."""
    name = "disqus/kkdai-evanlin_20210517.xml"

    def rows() -> dict[str, tuple[str, str, str]]:
        return {
            key: (body, body_html, status)
            for key, body, body_html, status in ImportedComment.objects.exclude(
                comment=None
            ).values_list("source_id", "comment__body", "comment__body_html", "comment__status")
        }

    alone = do_import("disqus", fixture_path(name))
    before = rows()
    Comment.objects.all().delete()
    ImportedComment.objects.all().delete()
    monkeypatch.setattr(bodies.Handoff, "active", True)
    handed = do_import("disqus", fixture_path(name))
    for part in ("comments", "warnings", "notes"):
        assert handed.as_dict()[part] == alone.as_dict()[part]
    assert len(before) == handed.outcomes.total() > 100
    assert rows() == before
