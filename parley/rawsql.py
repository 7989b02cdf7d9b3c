"""Hand-written queries for the paths every signed-in request or every post takes.

Why not the ORM there: on a post, building a small query (a filter on two columns, an
EXISTS) cost 0.5 to 1.5 ms of CPU, against ~0.15 ms for sending it and reading the
answer (bench notes in docs/performance.md). A dozen such queries were most of a post's
cost. The queries here stay small and name tables and columns from the models' meta;
values always go as parameters. Tests of what each decides run on SQLite and PostgreSQL.
"""

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models.signals import post_save, pre_save


def insert(instance: models.Model) -> None:
    """INSERTs a new model instance as `Model.save()` would (field defaults, pre_save,
    each value prepared by its field), without the ORM's query compiler and without
    the save signals: only for models no receiver listens to. Sets the primary key when
    the database chose it."""
    model = type(instance)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise ImproperlyConfigured(f"{model.__name__} has save receivers, which insert() skips")
    chosen_by_database = instance.pk is None
    fields, sql = _insert_statement(model, chosen_by_database, connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if chosen_by_database:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


@lru_cache
def _insert_statement(
    model: type[models.Model], chosen_by_database: bool, vendor: str
) -> tuple[list[models.Field], str]:
    """The fields an insert writes and its SQL, the same for every row of a model."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and chosen_by_database)]
    columns = ", ".join(_column(f) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table(model)} ({columns}) VALUES ({marks})"  # noqa: S608
    if chosen_by_database:
        assert meta.pk is not None
        sql += f" RETURNING {_column(meta.pk)}"
    return fields, sql


def _column(field: models.Field) -> str:
    assert field.column is not None
    return connection.ops.quote_name(field.column)


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def when(value: datetime) -> Any:
    """A datetime as the database compares it (SQLite keeps text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def fetch_one(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_column(sql: str, params: list[Any]) -> list[Any]:
    return [row[0] for row in fetch_all(sql, params)]


def execute(sql: str, params: list[Any]) -> int:
    """Runs a write; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class _Part:
    """One model's columns in a row of `get_related`, and how to link it to the first."""

    def __init__(self, model: type[models.Model], alias: str, start: int, link: Any) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields
        self.start = start
        self.end = start + len(self.fields)
        pk = model._meta.pk
        assert pk is not None
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = self.attnames.index(pk.attname)
        self.columns = [f"{alias}.{_column(f)}" for f in self.fields]
        # What the ORM's compiler applies to each column it reads (SQLite's datetimes
        # and booleans, JSON, …): the backend's converters, then the field's own.
        self.converters = []
        for i, field in enumerate(self.fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                self.converters.append((start + i, found, column))
        self.local_setter: Any = link[0] if link else None
        self.remote_setter: Any = link[1] if link else None

    def build(self, row: list[Any], db: str) -> models.Model | None:
        values = row[self.start : self.end]
        if values[self.pk_index] is None:  # a LEFT JOIN that found nothing
            return None
        return self.model.from_db(db, self.attnames, values)


class _Shape:
    def __init__(self, model: type[models.Model], related: tuple[str, ...]) -> None:
        self.parts = [_Part(model, "t0", 0, None)]
        joins = []
        for n, name in enumerate(related, 1):
            field: Any = model._meta.get_field(name)
            alias = f"t{n}"
            target = field.related_model
            if field.concrete:  # a foreign key (or one-to-one) on this model
                on = f"{alias}.{_column(field.target_field)} = t0.{_column(field)}"
                remote = field.remote_field.set_cached_value if field.unique else None
                link = (field.set_cached_value, remote)
            else:  # a one-to-one pointing at this model
                on = f"{alias}.{_column(field.field)} = t0.{_column(field.field.target_field)}"
                link = (field.set_cached_value, field.field.set_cached_value)
            joins.append(f" LEFT JOIN {table(target)} {alias} ON {on}")
            self.parts.append(_Part(target, alias, self.parts[-1].end, link))
        columns = ", ".join(c for part in self.parts for c in part.columns)
        self.sql = f"SELECT {columns} FROM {table(model)} t0{''.join(joins)} WHERE "  # noqa: S608


@lru_cache
def _shape(model: type[models.Model], related: tuple[str, ...], vendor: str) -> _Shape:
    """A query's columns, joins and converters, the same for every row it reads."""
    return _Shape(model, related)


def get_related[M: models.Model](
    model: type[M], related: tuple[str, ...], where: str, params: list[Any]
) -> M | None:
    """The first row of `model` matching `where` (its columns prefixed `t0.`), with the
    named foreign keys and reverse one-to-ones loaded as `select_related` loads them:
    `obj.site` costs no query, and a missing reverse one-to-one raises DoesNotExist.
    None when no row matches."""
    shape = _shape(model, related, connection.vendor)
    found = fetch_one(shape.sql + where, params)
    if found is None:
        return None
    row = list(found)
    for part in shape.parts:
        for position, converters, column in part.converters:
            for convert in converters:
                row[position] = convert(row[position], column, connection)
    main, *others = shape.parts
    obj = main.build(row, connection.alias)
    assert obj is not None
    for part in others:
        linked = part.build(row, connection.alias)
        part.local_setter(obj, linked)
        if linked is not None and part.remote_setter is not None:
            part.remote_setter(linked, obj)
    return obj  # type: ignore[return-value]
