"""A push's new rows, every table's in one INSERT statement on PostgreSQL (issue 11, session 7).

A phone's usual push is a handful of new notes: five notes make five tables' rows (notes, tag links,
media, first revisions, processed mutations). Through SQLAlchemy's executemany each table was a
statement of its own, sent by psycopg in its pipeline with each row's values converted one by one,
and together they were the largest part of a push's own CPU. Here each table's rows go as one array
per column, unnested by data-modifying CTEs of one statement: one round trip, one set of values
for the driver to send, and the database checks the foreign keys at the end of the statement, when
every row of it is there.

The values pass each column's bind processor first, the conversion SQLAlchemy itself would apply (enums
by name, JSON serialised), and the Python defaults the rows leave out (a revision's created_at) are
filled in, so the rows are those executemany would have written. A refusal (a key already taken) raises
IntegrityError for the whole statement: nothing of it is written, as before.
"""
from sqlalchemy import text

SHAPES = {}  # (table and column names, ...) -> the statement: built once per shape of push


def insert_together(connection, tables_rows):
    """INSERT every (table, rows) pair's rows (dicts keyed by column name, the same keys within a table) in
    one statement. Tables with no rows are left out."""
    tables_rows = [(table, rows) for table, rows in tables_rows if rows]
    if not tables_rows:
        return
    dialect, params, shape = connection.dialect, {}, []
    for number, (table, rows) in enumerate(tables_rows):
        names = list(rows[0])
        defaults = missing_defaults(table, names)
        columns = names + list(defaults)
        for index, name in enumerate(columns):
            values = [defaults[name]] * len(rows) if name in defaults else [row[name] for row in rows]
            convert = table.c[name].type._cached_bind_processor(dialect)
            params[f"t{number}_{index}"] = values if convert is None else [
                None if value is None else convert(value) for value in values]
        shape.append((table.name, tuple(columns)))
    connection.execute(statement_for(dialect, tuple(shape), [table for table, _ in tables_rows]), params)


def statement_for(dialect, shape, tables):
    statement = SHAPES.get(shape)
    if statement is None:
        inserts = []
        for number, ((name, columns), table) in enumerate(zip(shape, tables)):
            listed = ", ".join(f'"{column}"' for column in columns)
            arrays = ", ".join(f"CAST(:t{number}_{index} AS {table.c[column].type.compile(dialect=dialect)}[])"
                               for index, column in enumerate(columns))
            inserts.append(f'INSERT INTO "{name}" ({listed}) SELECT * FROM unnest({arrays})')
        ctes = ", ".join(f"new_{number} AS ({insert})" for number, insert in enumerate(inserts[:-1]))
        statement = SHAPES[shape] = text(f"WITH {ctes} {inserts[-1]}" if ctes else inserts[-1])
    return statement


def missing_defaults(table, names):
    """{column: value} for the columns the rows leave out that have a Python-side default."""
    filled = {}
    for column in table.c:
        if column.name in names or column.default is None or column.default.is_sequence:
            continue
        default = column.default
        filled[column.name] = default.arg(None) if default.is_callable else default.arg
    return filled
