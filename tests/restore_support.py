"""Backups and restores as an operator makes them, for the server and browser restore tests.

`by_hand_*` is what someone does without `flask restore`: the database's own tools, the
app stopped, and nothing told of the restore (the epoch stays what the backup had).
"""
import os
import shutil
import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from fieldnotes.extensions import db


def run_command(app, *args):
    """`flask <args>` against this app, as an operator types it."""
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def database_url(app):
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def libpq_url(app):
    return database_url(app).set(drivername="postgresql").render_as_string(hide_password=False)


def by_hand_backup(app, path):
    """`sqlite3 ... ".backup PATH"` (the same online backup API) or `pg_dump -Fc`, while the app runs."""
    url = database_url(app)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as live, sqlite3.connect(path) as copy:
            live.backup(copy)
        live.close()
        copy.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", "--file", str(path), libpq_url(app)], check=True)


def by_hand_restore(app, path):
    """The app stopped (its connections closed), the backup copied back over the database."""
    url = database_url(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        for leftover in (f"{url.database}-wal", f"{url.database}-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        shutil.copyfile(path, url.database)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", libpq_url(app),
                        str(path)], check=True)
