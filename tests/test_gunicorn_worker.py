"""The README's gunicorn command with the project's gunicorn.conf.py: what each worker does once the app is loaded."""
import os
import subprocess
import sys
import time
import urllib.request

from fieldnotes import create_app
from fieldnotes.extensions import db
from tests.conftest import TEST_CONFIG
from tests.live_support import SECRET, TREE, free_port, stop_gunicorn


def test_a_worker_leaves_what_it_loaded_at_start_out_of_the_garbage_collectors_passes(tmp_path):
    database = f"sqlite:///{tmp_path / 'fieldnotes.sqlite'}"
    made = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database})
    with made.app_context():
        db.create_all()
        db.engine.dispose()
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": database, "FIELDNOTES_SECRET_KEY": SECRET,
           "FIELDNOTES_MEDIA_ROOT": str(tmp_path / "media"), "PYTHONPATH": str(TREE)}
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1", "--bind",
             f"127.0.0.1:{port}", "tests.gc_probe:app"], cwd=TREE, env=env, stdout=output, stderr=output)
    try:
        frozen = None
        deadline = time.monotonic() + 60
        while frozen is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/frozen-objects", timeout=5) as answer:
                    frozen = int(answer.read())
            except OSError:
                time.sleep(0.2)
        # The app and everything it imported (~150,000 objects) are frozen, not a handful.
        assert frozen is not None and frozen > 50_000, (frozen, log.read_text())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
            assert answer.status == 200  # the app itself, served as ever
    finally:
        stop_gunicorn(server)
