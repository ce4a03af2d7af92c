"""Turn exceptions into responses: JSON under /api/, HTML pages elsewhere.

JSON errors always look like {"code", "message", "description"[, "errors"]}.
"""
from flask import render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError


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
    return render_template("errors/error.html", error=error), error.code, headers


def handle_validation_error(error):
    body = {"code": 422, "message": "Unprocessable Content",
            "description": "Some fields are not valid.", "errors": error.messages}
    if wants_json():
        return body, 422
    return render_template("errors/error.html", error=body), 422
