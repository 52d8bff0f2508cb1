"""Writing many rows at once without building a model instance per row.

bulk_create spends most of its time in Python: an instance per row, then every field of
every row prepared one by one. For the big writes (100,000 invitations and their emails)
the callers build plain tuples instead; these helpers reserve ids and insert the tuples
with COPY on PostgreSQL and executemany elsewhere (SQLite, the embedded default).
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone

EXECUTEMANY_CHUNK = 5000
CONVERTED_TYPES = {"DateTimeField", "DateField", "TimeField", "UUIDField", "DecimalField", "DurationField"}


def in_chunks(values: Iterable) -> Iterable[list]:
    """`values` in lists small enough for one `__in` filter on this database (SQLite binds at most 999)."""
    size = min(connection.features.max_query_params or 10_000, 10_000) - 10
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class AnyOf(models.Lookup):
    """`field__any_of=[...]`: `field = ANY(%s)` with every value in one array parameter (PostgreSQL).

    At 50,000 learner IDs, five `__in` lists of 10,000 parameters cost about 0.9 s, mostly
    Django preparing each parameter and PostgreSQL planning each list; one array costs 0.15 s.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


# On every field, foreign keys included (their lookups are registered apart): pass values, not instances.
models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)


def one_of(field: str, values: list) -> dict:
    """Filter arguments for `field` among `values`: one array parameter on PostgreSQL (whose SQL stays
    the same whatever the length, so it can be prepared: learnerpass.lib.prepared), `__in` elsewhere."""
    lookup = "any_of" if connection.vendor == "postgresql" else "in"
    return {f"{field}__{lookup}": values}


def filtered_in(queryset: models.QuerySet, field: str, values: Iterable) -> Iterable[models.QuerySet]:
    """`queryset` filtered to rows whose `field` is one of `values`, as few querysets as this database
    allows: one with an array parameter on PostgreSQL, lists of `in_chunks` elsewhere."""
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        yield queryset.filter(**{f"{field}__any_of": values})
        return
    for chunk in in_chunks(values):
        yield queryset.filter(**{f"{field}__in": chunk})


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`, in increasing order; call it inside the transaction
    that inserts the rows.

    PostgreSQL hands them out from the table's sequence, so concurrent writers never collide.
    SQLite has one writer at a time (transactions here begin IMMEDIATE, taking the write lock),
    so the next free ids are read from the table and its AUTOINCREMENT counter.
    """
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids does not know {connection.vendor}")
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}")  # noqa: S608 - model names
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    constants: dict | None = None,
) -> int:
    """Insert `rows` (tuples of values for `columns`, field names) into `model`'s table; return how many.

    Every other concrete field takes its value from `constants` (by field name, prepared once),
    else its default, else NULL or an empty string (as Django would): auto_now/auto_now_add fields get the current time. Values in
    `rows` go to the database as they are (ids for foreign keys, JSON columns as JSON text), so
    the caller passes what the column holds. No signals, no save(), no model validation.
    """
    constants = constants or {}
    fields = {field.name: field for field in model._meta.concrete_fields}
    unknown = [name for name in (*columns, *constants) if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    now = timezone.now()
    fixed_fields, fixed_values = [], []
    for name, field in fields.items():
        if name in columns or field.primary_key and name not in constants:
            continue
        if name in constants:
            value = constants[name]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        elif field.empty_strings_allowed:
            value = ""
        else:
            raise ValueError(f"{model.__name__}.{name} needs a value")
        fixed_fields.append(field)
        fixed_values.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    column_names = [fields[name].column for name in columns] + [field.column for field in fixed_fields]
    # psycopg takes dates, times and UUIDs as they are; SQLite stores them as text in Django's format.
    converters = [
        fields[name].get_db_prep_save if fields[name].get_internal_type() in CONVERTED_TYPES else None
        for name in columns
    ]
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(name) for name in column_names)
    fixed = tuple(fixed_values)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:  # noqa: S608
                write = copy.write_row
                for row in rows:
                    write((*row, *fixed))
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(column_names))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        if any(converters):
            rows = (
                tuple(
                    value if convert is None else convert(value, connection)
                    for value, convert in zip(row, converters, strict=True)
                )
                for row in rows
            )
        chunk = []
        for row in rows:
            chunk.append((*row, *fixed))
            if len(chunk) >= EXECUTEMANY_CHUNK:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count
