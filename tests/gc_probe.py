"""Fieldnotes as gunicorn serves it ('wsgi:app'), with one more answer: how many objects the worker's garbage
collector leaves out of its passes (gc.get_freeze_count), for tests/test_gunicorn_worker.py."""
import gc

from wsgi import app as fieldnotes


def app(environ, start_response):
    if environ["PATH_INFO"] == "/frozen-objects":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(gc.get_freeze_count()).encode()]
    return fieldnotes(environ, start_response)
