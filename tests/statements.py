"""The SQL a request sends, for tests that count round trips or check which tables a statement reads."""
from sqlalchemy import event

from fieldnotes.extensions import db


def statements_during(app, send, keep):
    """The statements, whitespace folded, for which keep(statement) holds, sent while `send()` runs."""
    statements = []

    def record(conn, cursor, statement, *args):
        if keep(statement):
            statements.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements
