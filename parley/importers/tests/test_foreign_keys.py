"""On SQLite an import runs with foreign keys unenforced row by row and checks the rows it
wrote at the end: enforcement is back on afterwards (after a failed import too), and a
reference to a row that does not exist still fails the import and changes nothing. On
PostgreSQL the constraints do the same at the commit."""

import pytest
from django.db import IntegrityError, connection, transaction

from parley.discussion.models import Comment
from parley.importers import bulk, writer
from parley.importers.identities import IdentityMapper
from parley.importers.runner import run_import
from parley.importers.sources import UnreadableFile
from parley.importers.tests.test_fixtures import EXPECTED
from parley.importers.tests.test_hostile import disqus, nothing_written

pytestmark = pytest.mark.django_db(transaction=True)

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="enforcement is only set aside on SQLite"
)


def enforced() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return bool(cursor.fetchone()[0])


@pytest.fixture
def during(monkeypatch):
    """Records whether foreign keys were enforced while the writer finished."""
    seen: list[bool] = []
    finish = writer.Writer.finish

    def recording(self):
        seen.append(enforced())
        finish(self)

    monkeypatch.setattr(writer.Writer, "finish", recording)
    return seen


@sqlite_only
def test_enforcement_is_off_during_the_import_and_on_after_it(during, fixture_path):
    assert enforced()
    name = "disqus/kkdai-evanlin_20210517.xml"
    report = run_import("disqus", fixture_path(name))
    assert report.balanced
    _threads, _with, read, imported, tombs, held, spam, _skipped, _depth = EXPECTED[name]
    got = [report.outcomes[k] for k in ("imported", "tombstoned", "held", "spam")]
    assert (report.comments_read, got) == (read, [imported, tombs, held, spam])
    assert during == [False]
    assert enforced()


@sqlite_only
def test_enforcement_is_back_after_a_failed_import(during, tmp_path):
    whole = disqus(posts=50)
    path = tmp_path / "cut.xml"
    path.write_text(whole[: int(len(whole) * 0.9)])
    with pytest.raises(UnreadableFile, match="truncated"):
        run_import("disqus", path)
    assert enforced()
    assert nothing_written()


@sqlite_only
def test_a_caller_s_transaction_keeps_enforcement(during, fixture_path):
    with transaction.atomic():
        run_import("disqus", fixture_path("disqus/kkdai-evanlin_20210517.xml"))
    assert during == [True]
    assert enforced()


def test_a_reference_to_a_missing_row_fails_the_import(monkeypatch, tmp_path):
    """An author id that names no user (as a bug in the writer could produce) is caught:
    the import raises, nothing is written, and enforcement is on again."""
    monkeypatch.setattr(IdentityMapper, "user_id", lambda self, identity: 987_654_321)
    path = tmp_path / "export.xml"
    path.write_text(disqus(posts=20))
    with pytest.raises(IntegrityError, match="author_id"):
        run_import("disqus", path)
    assert nothing_written()
    if connection.vendor == "sqlite":
        assert enforced()


@sqlite_only
@pytest.mark.parametrize("new_rows", [1, 40])
def test_the_check_finds_a_missing_parent_among_few_or_many_new_rows(new_rows, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(disqus(posts=10))
    run_import("disqus", path)
    some = Comment.objects.order_by("id").first()
    assert some is not None
    columns = "article_id, author_id, author_name, depth, path, body, body_html, status, "
    columns += "created_at, upvotes, downvotes, score, thread_replies, parent_id, root_id"
    with bulk.foreign_keys_unenforced() as unenforced, transaction.atomic():
        assert unenforced
        check = bulk.NewRowsCheck()
        check.verify()  # nothing new yet
        with connection.cursor() as cursor:
            for n in range(new_rows):
                parent = 99_999_999 if n == new_rows - 1 else some.pk
                cursor.execute(
                    f"INSERT INTO discussion_comment ({columns}) VALUES "  # noqa: S608
                    "(%s, NULL, '', 1, %s, '', '', 'visible', '2020-01-01 00:00:00', "
                    "0, 0, 0, 0, %s, %s)",
                    [some.article_id, f"{n:08d}", parent, some.pk],
                )
        with pytest.raises(IntegrityError, match="parent_id = 99999999"):
            check.verify()
        transaction.set_rollback(True)
    assert enforced()
