"""The indexes of the comment and provenance tables, set aside during a large SQLite
import, come back as they were: after the import, and after an import that fails
half-way. The filter of keys a run wrote never forgets one."""

import pytest
from django.db import connection

from parley.discussion.models import Comment
from parley.importers import bulk, writer
from parley.importers.models import ImportedComment
from parley.importers.sources import UnreadableFile
from parley.importers.tests.test_hostile import disqus, nothing_written

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="indexes are only set aside on SQLite"
)


def comment_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s, %s) "
            "ORDER BY name",
            [Comment._meta.db_table, ImportedComment._meta.db_table],
        )
        return cursor.fetchall()


@pytest.fixture
def dropped(monkeypatch):
    """Sets indexes aside from the first rows written; lists the indexes that were."""
    monkeypatch.setattr(writer, "DEFER_INDEXES_FROM", 1)
    names: list[str] = []
    written = bulk.DeferredIndexes.written

    def recording(self, rows):
        written(self, rows)
        names.extend(name for name, _sql in self.dropped if name not in names)

    monkeypatch.setattr(bulk.DeferredIndexes, "written", recording)
    return names


@sqlite_only
def test_indexes_set_aside_come_back_the_same(dropped, fixture_path, do_import):
    before = comment_indexes()
    report = do_import("disqus", fixture_path("disqus/kkdai-evanlin_20210517.xml"))
    assert report.balanced
    assert len(dropped) >= 8
    # The pending queue's index, on the id alone, grows at its end: it is kept.
    assert "moderation_comment_pending" not in dropped
    assert comment_indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchall() == [("ok",)]


@sqlite_only
def test_a_file_found_truncated_after_the_drop_changes_nothing(dropped, tmp_path, do_import):
    before = comment_indexes()
    whole = disqus(posts=5000)
    path = tmp_path / "cut.xml"
    path.write_text(whole[: int(len(whole) * 0.9)])
    with pytest.raises(UnreadableFile, match="truncated"):
        do_import("disqus", path)
    assert len(dropped) >= 8
    assert nothing_written()
    assert comment_indexes() == before


def test_seen_keys_never_forget_a_key_and_rarely_claim_one():
    seen = bulk.SeenKeys()
    for n in range(200_000):
        seen.add(f"post {n}")
    assert all(f"post {n}" in seen for n in range(200_000))
    wrong = sum(f"other {n}" in seen for n in range(200_000))
    assert wrong < 200_000 * 0.001


@sqlite_only
def test_a_large_file_sets_the_indexes_aside_from_its_first_rows(
    monkeypatch, fixture_path, do_import
):
    """A file large enough to hold more than DEFER_INDEXES_FROM comments (here: any
    file) goes in without the plain indexes from its first rows; they come back the same."""
    monkeypatch.setattr(writer, "LARGE_FILE_BYTES", 1)
    seen: list[int] = []
    written = bulk.DeferredIndexes.written

    def recording(self, rows):
        written(self, rows)
        if self.dropped and not seen:
            seen.append(rows)

    monkeypatch.setattr(bulk.DeferredIndexes, "written", recording)
    before = comment_indexes()
    report = do_import("disqus", fixture_path("disqus/kkdai-evanlin_20210517.xml"))
    assert report.balanced
    assert seen and seen[0] <= writer.BATCH
    assert comment_indexes() == before
