"""Bulk writing for imports: ids handed out before insert, rows inserted with one
`executemany` per batch, counters recomputed in SQL.

Why ids first: a comment's materialised path ends with its own id, so knowing ids before
the insert lets each row be written once, complete. Django's `bulk_create` would return
the ids (on PostgreSQL and on SQLite alike) but then every path would need a second
UPDATE, and building model instances costs ~70 µs a row against ~12 µs for the plain
`executemany` used here.

- SQLite: the import holds the write lock from its first write (the connection opens
  transactions IMMEDIATE), so ids continue from the highest one in use (and from
  `sqlite_sequence`, since AUTOINCREMENT never reuses an id).
- PostgreSQL: ids are taken from the table's own sequence in blocks (`nextval` over
  `generate_series`), so concurrent writers never collide.

Why indexes are set aside on SQLite (`DeferredIndexes`, for the comment and provenance
tables): past a few hundred thousand rows the comment table's indexes outgrow the page
cache, and each row inserted updates nine of them at random places, reading pages back
(34 µs a row over a million, against 10 µs without them); building them again at the end
sorts each once (~5 s for a million rows). Without them the writer appends at the end of
its tables, where a small page cache does; that also bounds the sorter's memory while the
indexes are built again. When the file is large enough to hold that many rows
(`LARGE_FILE_BYTES`), they are set aside from the first rows rather than past 200,000:
the rebuild sorts the same rows either way, and the first 200,000 inserts cost ~3.5 s
less without them.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, models

from parley.articles.models import Article
from parley.discussion.models import SHOWN_STATUSES, Comment, CommentStatus

BLOCK = 1000
DEFER_INDEXES_FROM = 200_000
# A file at least this large holds well over DEFER_INDEXES_FROM comments in the usual
# exports (a Disqus post takes ~600 bytes): its indexes are set aside from the first rows.
LARGE_FILE_BYTES = 100_000_000
CACHE_WITHOUT_INDEXES_KIB = 8 * 1024


class IdAllocator:
    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.pool: list[int] = []
        self.next_sqlite = 0
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")  # noqa: S608
                highest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
            self.next_sqlite = max(highest, row[0] if row else 0) + 1
        elif connection.vendor != "postgresql":
            raise NotImplementedError("imports write to SQLite or PostgreSQL")

    def take(self) -> int:
        if self.sqlite:
            self.next_sqlite += 1
            return self.next_sqlite - 1
        if not self.pool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, BLOCK],
                )
                self.pool = sorted((row[0] for row in cursor.fetchall()), reverse=True)
        return self.pool.pop()


class RowWriter:
    """`INSERT` of plain tuples into one model's table. `columns` are given per row, in
    that order; every other concrete field gets its model default (computed once), and a
    field with only a database default is left to the database. So a column that
    another app adds later with a default does not break imports."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_name = {f.name: f for f in model._meta.concrete_fields}
        given = [by_name[name] for name in columns]
        names = set(columns)
        rest = []
        for f in model._meta.concrete_fields:
            if f.name in names or f.primary_key:
                continue
            if f.has_db_default() and not f.has_default():
                continue
            rest.append(f)
        self.constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        fields = [*given, *rest]
        quoted = ", ".join(connection.ops.quote_name(f.column or f.name) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.constants)

    def flush(self) -> int:
        if not self.rows:
            return 0
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        n = len(self.rows)
        self.rows = []
        return n


class DeferredIndexes:
    """SQLite only: the plain (non-unique) indexes of one table, dropped once this import
    has written more rows than the table held before it (and at least `floor`), and
    created again by their own SQL at `restore`. Unique indexes stay, so constraints hold
    throughout. All of it happens inside the import's transaction: a rollback brings the
    indexes back as they were, and other connections never see the table without them.
    Nothing may read the table through these indexes (or delete from the table it belongs
    to, whose foreign-key checks use them) between the drop and `restore`."""

    def __init__(self, model: type[models.Model], *, rows_before: int, floor: int) -> None:
        self.table = model._meta.db_table
        self.enabled = connection.vendor == "sqlite"
        self.threshold = max(rows_before, floor)
        self.dropped: list[tuple[str, str]] = []
        self.done = False

    def written(self, rows: int) -> None:
        """Called with the rows written so far; drops the indexes once past the threshold."""
        if not self.enabled or self.done or rows < self.threshold:
            return
        self.done = True
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA index_list({q(self.table)})")
            plain = {row[1] for row in cursor.fetchall() if row[2] == 0 and row[3] == "c"}
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [self.table],
            )
            indexes = [(name, sql) for name, sql in cursor.fetchall() if name in plain]
            self.dropped = []
            for name, sql in indexes:
                # An index on the id alone (moderation's pending queue) grows at its end
                # as ids ascend: kept, it costs nothing, and spares the rebuild a scan.
                cursor.execute(f"PRAGMA index_info({q(name)})")
                if [row[2] for row in cursor.fetchall()] != ["id"]:
                    self.dropped.append((name, sql))
            for name, _sql in self.dropped:
                cursor.execute(f"DROP INDEX {q(name)}")
        # The caller restores its own cache size when the import ends.
        sqlite_cache(CACHE_WITHOUT_INDEXES_KIB)

    def restore(self) -> None:
        dropped, self.dropped = self.dropped, []
        with connection.cursor() as cursor:
            for _name, sql in dropped:
                cursor.execute(sql)


@contextmanager
def foreign_keys_unenforced() -> Iterator[bool]:
    """SQLite, outside any transaction: foreign keys are not enforced row by row for what
    runs inside (four lookups for each comment inserted), and enforced again afterwards,
    whatever happens. Yields whether enforcement was switched off: not on PostgreSQL, not
    inside a caller's transaction (SQLite ignores the pragma there) and not when it was
    off already. Whoever is told True must check what it wrote (`NewRowsCheck`)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        enforced = bool(cursor.fetchone()[0])
    switched = enforced and connection.disable_constraint_checking()
    try:
        yield switched
    finally:
        if switched:
            connection.enable_constraint_checking()


class NewRowsCheck:
    """The foreign keys of the rows written after it was made, checked at once (SQLite,
    with enforcement off). Made at the start of the transaction, it notes the highest
    rowid of every table that has foreign keys; `verify` then looks for a reference, in
    the rows past that mark, that names no row, and raises IntegrityError if it finds
    one (the transaction then rolls back). New rows always come past the mark (the write
    lock is held, ids only grow); the rows an import deletes are rows it wrote, so
    whatever referred to them is new too. Tables the import did not write to cost
    nothing. Each key's distinct values are looked up once: when most of the table is
    new, read from the column's index (a million comments: a quarter of a second for
    their four keys, against over a second row by row), else from the new rows alone."""

    def __init__(self) -> None:
        q = connection.ops.quote_name
        self.tables: dict[str, tuple[int | None, list[tuple[str, list[str], list[str]]]]] = {}
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"PRAGMA foreign_key_list({q(table)})")
                keys: dict[int, tuple[str, list[str], list[str]]] = {}
                for key_id, _seq, parent, column, target, *_rest in cursor.fetchall():
                    keys.setdefault(key_id, (parent, [], []))
                    keys[key_id][1].append(column)
                    keys[key_id][2].append(target)
                if not keys:
                    continue
                mark: int | None = None
                if all(None not in targets for _parent, _columns, targets in keys.values()):
                    try:
                        cursor.execute(f"SELECT MAX(rowid) FROM {q(table)}")  # noqa: S608
                        mark = cursor.fetchone()[0] or 0
                    except DatabaseError:  # a table without rowids: checked whole
                        mark = None
                self.tables[table] = (mark, list(keys.values()))

    def verify(self) -> None:
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, (mark, keys) in self.tables.items():
                if mark is None:
                    cursor.execute(f"PRAGMA foreign_key_check({q(table)})")
                    found = cursor.fetchone()
                    if found:
                        raise IntegrityError(
                            f"{table}: row {found[1]} refers to a missing row of {found[2]}"
                        )
                    continue
                cursor.execute(f"SELECT MAX(rowid) FROM {q(table)}")  # noqa: S608
                highest = cursor.fetchone()[0] or 0
                if highest <= mark:
                    continue
                # Mostly new rows: the index of the column, if any, has the values in
                # order; a few new rows in a large table: those rows, by rowid.
                only_new = "" if (highest - mark) * 4 >= highest else "NOT INDEXED"
                for parent, columns, targets in keys:
                    values = ", ".join(f"t.{q(c)} AS v{n}" for n, c in enumerate(columns))
                    given = " AND ".join(f"t.{q(c)} IS NOT NULL" for c in columns)
                    match = " AND ".join(f"p.{q(to)} = d.v{n}" for n, to in enumerate(targets))
                    cursor.execute(
                        f"SELECT {', '.join(f'd.v{n}' for n in range(len(columns)))} "  # noqa: S608
                        f"FROM (SELECT DISTINCT {values} FROM {q(table)} t {only_new} "
                        f"WHERE t.rowid > %s AND {given}) d "
                        f"WHERE NOT EXISTS (SELECT 1 FROM {q(parent)} p WHERE {match}) LIMIT 1",
                        [mark],
                    )
                    found = cursor.fetchone()
                    if found:
                        raise IntegrityError(
                            f"{table}.{', '.join(columns)} = {', '.join(map(str, found))}: "
                            f"no such row in {parent}"
                        )


def datetime_adapter() -> Callable[[datetime | None], Any]:
    """Aware datetimes as the backend stores them (SQLite: naive UTC text, as Django's
    own adapter writes it, without its per-call checks)."""
    if connection.vendor != "sqlite":
        return lambda value: value

    def to_sqlite(value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is not UTC:  # parsed dates are UTC already
            value = value.astimezone(UTC)
        return str(value.replace(tzinfo=None))

    return to_sqlite


class KeyLookup:
    """A `SELECT … WHERE … IN (keys)` in plain SQL. The statement has `{sites}` and
    `{keys}` placeholders; `fetch(keys, params, n_sites)` fills them with markers, the
    first `n_sites` params being the site ids."""

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def fetch(self, keys: list[str], params: list[Any], n_sites: int) -> list[tuple[Any, ...]]:
        sql = self.sql.format(sites=", ".join(["%s"] * n_sites), keys=", ".join(["%s"] * len(keys)))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *keys])
            return cursor.fetchall()


class SeenKeys:
    """The keys a run has written, as a Bloom filter (two bits of one hash per key, in a
    fixed 2 MB): `key in seen` is False only for a key that was never added, and rarely
    True for one that was not (about 1 % at a million keys, 4 % at two million). What it
    saves is a database lookup for a key that cannot be there; a wrong True only costs
    the lookup."""

    BITS = 1 << 24

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS >> 3)

    def add(self, key: str) -> None:
        h = hash(key)
        a, b = h & (self.BITS - 1), (h >> 24) & (self.BITS - 1)
        self.bits[a >> 3] |= 1 << (a & 7)
        self.bits[b >> 3] |= 1 << (b & 7)

    def __contains__(self, key: str) -> bool:
        h = hash(key)
        a, b = h & (self.BITS - 1), (h >> 24) & (self.BITS - 1)
        return bool(self.bits[a >> 3] & (1 << (a & 7)) and self.bits[b >> 3] & (1 << (b & 7)))


def chunks(values: Iterable[Any], size: int = 500) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sqlite_cache(kib: int) -> int | None:
    """Sets SQLite's page cache for this connection (a million-row import inserts into
    a dozen indexes at random places: a 2 MB cache makes it read pages back constantly);
    returns the previous setting to restore, or None on other databases."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-abs(int(kib))}")
    return int(previous)


def restore_sqlite_cache(previous: int | None) -> None:
    if previous is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def write_counts(comment_counts: dict[int, int], thread_replies: dict[int, int]) -> None:
    """Sets Article.comment_count and top-level comments' thread_replies to counts the
    writer kept as it inserted, for articles whose every comment it wrote (articles this
    import created): the same figures `recount` would find, without reading a million
    rows back. Rows are written with 0, so only the others are updated, in id order."""
    q = connection.ops.quote_name
    article, comment = q(Article._meta.db_table), q(Comment._meta.db_table)
    with connection.cursor() as cursor:
        for table, column, counts in (
            (article, "comment_count", comment_counts),
            (comment, "thread_replies", thread_replies),
        ):
            rows = [(n, pk) for pk, n in sorted(counts.items()) if n]
            for chunk in chunks(rows, 5000):
                cursor.executemany(
                    f"UPDATE {table} SET {q(column)} = %s WHERE id = %s",  # noqa: S608
                    chunk,
                )


def recount(article_ids: Iterable[int]) -> None:
    """Makes Article.comment_count (visible comments) and each top-level comment's
    thread_replies (replies shown: visible and tombstones) exact for these articles."""
    q = connection.ops.quote_name
    article, comment = q(Article._meta.db_table), q(Comment._meta.db_table)
    shown = ", ".join(f"'{s}'" for s in SHOWN_STATUSES)
    for chunk in chunks(sorted(article_ids)):
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {article} SET comment_count = (SELECT COUNT(*) FROM {comment} c "  # noqa: S608
                f"WHERE c.article_id = {article}.id AND c.status = %s) WHERE id IN ({marks})",
                [CommentStatus.VISIBLE, *chunk],
            )
            cursor.execute(
                f"UPDATE {comment} SET thread_replies = (SELECT COUNT(*) FROM {comment} r "  # noqa: S608
                f"WHERE r.root_id = {comment}.id AND r.status IN ({shown})) "
                f"WHERE parent_id IS NULL AND article_id IN ({marks})",
                chunk,
            )
