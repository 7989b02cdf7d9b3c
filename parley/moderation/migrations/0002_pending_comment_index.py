"""The pending queue reads discussion_comment WHERE status = 'pending' ORDER BY id. The
moderation app owns this partial index (it is not in the Comment model's Meta, which
belongs to the discussion app): a few rows in a large table, found without a scan.
SQLite and PostgreSQL both support partial indexes with this syntax."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("discussion", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS moderation_comment_pending "
                "ON discussion_comment (id) WHERE status = 'pending'"
            ),
            reverse_sql="DROP INDEX IF EXISTS moderation_comment_pending",
        )
    ]
