"""Writes of many rows in one statement, for the batch services (the sweeper, D1; B3).

Django's bulk_update builds a Case/When expression per row and resolves each through the ORM,
which costs the sweeper more Python than the database spends on the update. These helpers
write the same SQL directly; they work on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Model


def update_by_pk(model: type[Model], field_name: str, values: dict[int, object]) -> int:
    """Set `field_name` of each row whose primary key is a key of `values` to its value, in
    one UPDATE. Returns the number of rows updated. The caller holds the rows' locks."""
    if not values:
        return 0
    quote = connection.ops.quote_name
    field = model._meta.get_field(field_name)
    table, column, pk = (
        quote(model._meta.db_table),
        quote(field.column),
        quote(model._meta.pk.column),
    )
    whens, params = [], []
    for key, value in values.items():
        whens.append("WHEN %s THEN %s")
        params += [key, field.get_db_prep_save(value, connection)]
    marks = ", ".join(["%s"] * len(values))
    sql = f"UPDATE {table} SET {column} = CASE {pk} {' '.join(whens)} END WHERE {pk} IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        return cursor.rowcount


def update_uniform(model: type[Model], objects: list[Model], field_names) -> int:
    """Save `field_names` of `objects` when each field holds the same value on all of them
    (a batch moved by one transition): one UPDATE … WHERE pk IN (…). Raises ValueError
    otherwise. Returns the number of rows updated. The caller holds the rows' locks."""
    changes = {}
    for name in field_names:
        attname = model._meta.get_field(name).attname
        values = {getattr(obj, attname) for obj in objects}
        if len(values) != 1:
            raise ValueError(f"{model.__name__}.{name} differs across the batch")
        changes[attname] = values.pop()
    if not objects or not changes:
        return 0
    return model._default_manager.filter(pk__in=[obj.pk for obj in objects]).update(**changes)


def get_or_create_row(model: type[Model], **lookup):
    """The row of `model` matching `lookup`, created if there is none. Safe under concurrency:
    when another transaction inserts it between the read and the insert (a unique constraint
    refuses ours), the other's row is read and returned. The ledgers' accounts use it."""
    row = model.objects.filter(**lookup).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return model.objects.create(**lookup)
    except IntegrityError:
        return model.objects.get(**lookup)


IN_LIST = 5000  # ids per IN (…) list: well under the 65,535 parameters of one statement


def chunks(items: list, size: int = IN_LIST):
    """`items` in consecutive slices of `size`, for IN lists and batched statements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(model: type[Model], field_names: list[str], rows: list[tuple]) -> int:
    """Insert plain value tuples (in `field_names` order, attnames such as `grant_id`) as new
    rows of `model`, without building a model instance per row: PostgreSQL's COPY through
    psycopg (the values go as they are: ints, strings, dates, aware datetimes, None), one
    multi-row INSERT per 500 rows elsewhere (each value prepared by its field). For batches of
    tens of thousands of rows (the growth awards, I6). Database defaults and auto_now fields
    are not applied: name every column. Returns how many rows were written."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)
            )
            for row in rows
        ]
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for chunk in chunks(prepared, 500):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))}",
                [value for row in chunk for value in row],
            )
    return len(prepared)
