"""Drops the single-column indexes of `author` and `root`: the composite indexes
`comment_author_recent` (author, -created_at) and `comment_thread_path` (root, path) begin
with those columns and serve every lookup the single ones did, so each insert (a post,
or a million in an import) had two indexes more to update for nothing.

The database side drops them by name rather than through `AlterField`: on SQLite,
altering a foreign key remakes the table, which would lose the indexes other apps created
on it by their own SQL (moderation's `moderation_comment_pending`)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    ("discussion_comment_author_id_e6fa51d3", "author_id"),
    ("discussion_comment_root_id_f40ea2bb", "root_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("discussion", "0002_top_level_by_path"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="comment",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="root",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="thread_rows",
                        to="discussion.comment",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON discussion_comment ({column})",
                )
                for name, column in DROPPED
            ],
        ),
    ]
