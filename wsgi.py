"""The WSGI entry point: gunicorn 'wsgi:app'."""
from fieldnotes import create_app

app = create_app()
