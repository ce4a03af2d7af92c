"""Turn exceptions into responses: JSON under /api/, HTML pages elsewhere.

JSON errors always look like {"code", "message", "description"[, "errors"]}.
"""
from flask import current_app, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from fieldnotes.extensions import db


def init_app(app):
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(InternalServerError, handle_http_error)


def wants_json():
    return request.path.startswith("/api/")


def handle_http_error(error):
    # Keep the headers the exception carries: 405's Allow, 429's Retry-After.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body = {"code": error.code, "message": error.name, "description": error.description}
        return body, error.code, headers
    return render_page(error), error.code, headers


def render_page(error):
    try:
        return render_template("errors/error.html", error=error)
    except SQLAlchemyError:
        # The database is down (often the very error being shown): the usual page reads the
        # signed-in user and their studies from it, so answer with one that reads nothing,
        # rendered without the context processors (Flask-Login's loads the user).
        db.session.rollback()
        return current_app.jinja_env.get_template("errors/plain.html").render(error=error)


def handle_validation_error(error):
    body = {"code": 422, "message": "Unprocessable Content",
            "description": "Some fields are not valid.", "errors": error.messages}
    if wants_json():
        return body, 422
    return render_template("errors/error.html", error=body), 422
