"""Rows by the hundred thousand, written on the session's own connection by the driver itself.

An import writes four rows or more per note (the note, its first revision, its tag links, its
source row's key); through SQLAlchemy's executemany each value of each row passes its
per-statement machinery, which cost more than the database's own work (issue 11: 4.5x the
plain DB-API floor at 100,000 notes). Here each column's bind processor (the same conversion
SQLAlchemy would apply: uuids as hex on SQLite, aware UTC times, enums by value, JSON) runs
once per value, and the driver takes the rows: executemany on SQLite, COPY on PostgreSQL.

Same connection, same transaction as the session: a refusal or rollback anywhere still leaves
nothing, and the rows are visible to the session's later queries (skipped keys, summaries).
Python defaults (a revision's created_at, a key's imported_at) are filled in once per batch;
an autoincremented key is left to the database.
"""
from fieldnotes.extensions import db
from fieldnotes.sync.new_rows import missing_defaults  # one rule for the Python-side defaults of bulk rows


def write_rows(table, rows):
    """INSERT `rows` (dicts keyed by column name, all with the same keys) into `table`."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    defaults = missing_defaults(table, names)
    columns = names + list(defaults)
    convert = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    extra = tuple(defaults.values())
    values = (tuple(row[name] for name in names) + extra for row in rows)
    if any(convert):
        values = (tuple(v if f is None or v is None else f(v) for f, v in zip(convert, row)) for row in values)
    cursor = connection.connection.driver_connection.cursor()
    try:
        if dialect.name == "postgresql":
            copy_rows(cursor, table, columns, values)
        else:
            listed = ", ".join(f'"{c}"' for c in columns)
            cursor.executemany(f'INSERT INTO "{table.name}" ({listed}) VALUES ({", ".join("?" * len(columns))})',
                               values)
    finally:
        cursor.close()


def copy_rows(cursor, table, columns, values):
    """COPY FROM STDIN: PostgreSQL's bulk load, several times faster than row-at-a-time INSERTs."""
    listed = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({listed}) FROM STDIN') as copy:
        for row in values:
            copy.write_row(row)
