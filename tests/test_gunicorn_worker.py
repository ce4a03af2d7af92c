"""The README's gunicorn command with the project's gunicorn.conf.py: what each worker does once the app is loaded."""
import urllib.request

from fieldnotes import create_app
from fieldnotes.extensions import db
from tests.conftest import TEST_CONFIG
from tests.live_support import start_gunicorn, stop_gunicorn


def test_a_worker_leaves_what_it_loaded_at_start_out_of_the_garbage_collectors_passes(tmp_path):
    database = f"sqlite:///{tmp_path / 'fieldnotes.sqlite'}"
    made = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database})
    with made.app_context():
        db.create_all()
        db.engine.dispose()
    server, port = start_gunicorn(database, tmp_path, workers=1, threads=4, app="tests.gc_probe:app")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/frozen-objects", timeout=5) as answer:
            frozen = int(answer.read())
        # The app and everything it imported (~150,000 objects) are frozen, not a handful.
        assert frozen > 50_000, frozen
    finally:
        stop_gunicorn(server)
