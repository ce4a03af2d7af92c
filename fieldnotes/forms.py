"""Validate HTML form posts with the same marshmallow schemas the API uses."""
from flask import request
from marshmallow import ValidationError


def load_form(schema, **kwargs):
    """Return (data, errors) for the posted form; errors map field names to messages.

    Browsers send empty inputs as "", which marshmallow would treat as a
    value; blank optional fields are dropped so their defaults apply.
    """
    form = {}
    for key in request.form:
        values = [v for v in request.form.getlist(key) if v.strip()]
        if key in getattr(schema, "list_fields", ()):
            form[key] = values
        elif values:
            form[key] = values[0]
    try:
        return schema.load(form, **kwargs), {}
    except ValidationError as error:
        return None, {k: [specific(m) for m in (v if isinstance(v, list) else [str(v)])]
                      for k, v in error.messages.items()}


def specific(message):
    # marshmallow's wording speaks of "data"; people filling in a form left a field empty.
    return "This is required: fill it in." if message == "Missing data for required field." else message
