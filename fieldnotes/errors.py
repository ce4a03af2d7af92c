"""Service errors, and turning exceptions into responses: JSON under /api/, HTML pages elsewhere.

JSON errors always look like {"code", "message", "description"[, "errors"]}.

Services (the code below the views) signal a refusal by raising one of the
ServiceError family; nothing they did in the transaction may stand, so the
handler rolls it back. A view that wants to answer differently (re-render a
form with the messages, answer one sync item) catches the error itself.
"""
from flask import current_app, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from fieldnotes.extensions import db
from fieldnotes.forms import BoundedJSON


class ServiceError(Exception):
    """A service refuses to do what was asked; nothing it wrote may be kept.

    `errors` are field messages ({field: [message, ...]}), for forms and sync items;
    `extra` is anything more the JSON answer carries (a 409's current state, say).
    """

    code = 422
    name = "Unprocessable Content"
    default_description = "Some fields are not valid."

    def __init__(self, description="", errors=None, **extra):
        super().__init__(description or errors)
        self.description = description or self.default_description
        self.errors = errors or {}
        self.extra = extra


class NotFound(ServiceError, LookupError):
    """No such thing here (or not one this user may know of)."""

    code, name = 404, "Not Found"
    default_description = "Not found."


class Refused(ServiceError, ValueError):
    """The request is understood but not allowed by the rules (a name taken, a cycle, a bad value)."""


class Conflict(ServiceError):
    """Someone changed it since the version the caller saw; nothing written."""

    code, name = 409, "Conflict"
    default_description = "Someone changed this since you opened it."


def init_app(app):
    app.json = BoundedJSON(app)  # a body nested too deeply is a 400, not a RecursionError's 500
    app.register_error_handler(ServiceError, handle_service_error)
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


def handle_service_error(error):
    """A refusal no view caught: undo the transaction, answer in the usual shape."""
    db.session.rollback()
    body = {"code": error.code, "message": error.name, "description": error.description}
    if error.errors:
        body["errors"] = error.errors
    if wants_json():
        return {**body, **error.extra}, error.code
    return render_template("errors/error.html", error=body), error.code
