"""A push's new rows, every table's in one INSERT statement on PostgreSQL (issue 11, sessions 7 and 9).

A phone's usual push is a handful of new notes: five notes make five tables' rows (notes, tag links,
media, first revisions, processed mutations). Through SQLAlchemy's executemany each table was a
statement of its own, sent by psycopg in its pipeline with each row's values converted one by one,
and together they were the largest part of a push's own CPU. Here every table's rows go in one
statement of data-modifying CTEs: one round trip, and the database checks the foreign keys at the end
of the statement, when every row of it is there.

Each table's rows travel as one JSON document, expanded by `json_populate_recordset` into the table's own
row type, so the database converts each field with the column's input function. Session 7 sent one array
per column instead: psycopg escapes a text array element by element with a regular expression, and the
47 arrays of a push of 5 were a quarter of its CPU; one `json.dumps` (in C) per table costs a few
microseconds (issue 11, session 9, `BENCH_PROFILE=push bench/http_cpu_bench.py`).

The values pass each column's bind processor first, the conversion SQLAlchemy itself would apply (enums
by name), except JSON columns, whose values go into the document as they are (nested, not as strings).
The Python defaults the rows leave out (a revision's created_at) are filled in, so the rows are those
executemany would have written. A refusal (a key already taken) raises IntegrityError for the whole
statement: nothing of it is written, as before.
"""
import json
import uuid
from datetime import datetime

from sqlalchemy import JSON, text

SHAPES = {}  # (table and column names, ...) -> the statement: built once per shape of push


def insert_together(connection, tables_rows, numbering=None, computed=None, also=None):
    """INSERT every (table, rows) pair's rows (dicts keyed by column name, the same keys within a table) in
    one statement. Tables with no rows are left out.

    With `numbering` (counter.NumberedAsWritten) the same statement takes the change counter: each INSERT
    selects from its `moved`, and `computed` ({table name: {column: SQL}}, over the row's fields as
    r."name" and moved.shift) gives the columns written otherwise than as sent, the provisional numbers
    made real, and `also` (CTEs, params) more of the statement's CTEs, after the INSERTs (summaries.Deltas.
    as_written). Returns the statement's row then (the counter and epoch, or None with no counter row)."""
    tables_rows = [(table, rows) for table, rows in tables_rows if rows]
    if not tables_rows:
        return None
    dialect, params, shape = connection.dialect, dict(numbering.params) if numbering else {}, []
    if also:
        params.update(also[1])
    for number, (table, rows) in enumerate(tables_rows):
        names = list(rows[0])
        defaults = missing_defaults(table, names)
        converters = [(name, converter(table.c[name].type, dialect)) for name in names]
        documents = []
        for row in rows:
            document = {name: row[name] if convert is None or row[name] is None else convert(row[name])
                        for name, convert in converters}
            document.update(defaults)
            documents.append(document)
        params[f"t{number}"] = json.dumps(documents, default=plain, ensure_ascii=False, check_circular=False)
        shape.append((table.name, tuple(names) + tuple(defaults)))
    result = connection.execute(statement_for(tuple(shape), numbering, computed, also[0] if also else None), params)
    return result.first() if numbering else None


def converter(column_type, dialect):
    """The column's bind processor, or None where the value goes as it is (JSON: nested in the document)."""
    if isinstance(column_type, JSON):
        return None
    return column_type._cached_bind_processor(dialect)


def plain(value):
    """What JSON has no type for, in the text form the column's input function reads."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime; times are stored in UTC")
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot go in a new row's document")


def statement_for(shape, numbering, computed, also):
    computed = computed or {}
    key = (shape, numbering is not None, tuple((name, tuple(columns.items())) for name, columns in computed.items()),
           also)
    statement = SHAPES.get(key)
    if statement is None:
        inserts = []
        for number, (name, columns) in enumerate(shape):
            listed = ", ".join(f'"{column}"' for column in columns)
            values = ", ".join(computed.get(name, {}).get(column, f'r."{column}"') for column in columns)
            inserts.append(f'INSERT INTO "{name}" ({listed}) SELECT {values}'
                           f' FROM json_populate_recordset(NULL::"{name}", CAST(:t{number} AS json)) AS r'
                           + (", moved" if numbering else ""))
        if numbering:  # every INSERT a CTE after the counter's, the statement's answer the counter's row
            ctes = [numbering.ctes, *(f"new_{number} AS ({insert})" for number, insert in enumerate(inserts)),
                    *([also] if also else [])]
            statement = text(f"WITH {', '.join(ctes)} {numbering.final}")
        else:
            ctes = ", ".join(f"new_{number} AS ({insert})" for number, insert in enumerate(inserts[:-1]))
            statement = text(f"WITH {ctes} {inserts[-1]}" if ctes else inserts[-1])
        SHAPES[key] = statement
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
