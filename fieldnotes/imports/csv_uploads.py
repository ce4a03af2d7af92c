"""Uploaded CSV files held on the server between upload, preview and import.

Kept as a file named by the study, the user and an unguessable token, so only
the person who uploaded it, in that study, can reach it; never in the session
cookie (it can be megabytes). Deleted after import, or after an hour.
"""
import os
import re
import secrets
import tempfile
import time

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from fieldnotes.errors import NotFound, Refused

MAX_BYTES = 5 * 1024 * 1024  # far more notes than a spreadsheet holds comfortably; bigger files: flask import notes
KEEP_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{24}$")


def folder():
    path = current_app.config.get("CSV_IMPORT_DIR") or os.path.join(tempfile.gettempdir(), "fieldnotes-csv-imports")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def path_of(study_id, user_id, token):
    if not TOKEN.match(token or ""):
        raise NotFound("No such upload.")
    return os.path.join(folder(), f"{study_id}-{user_id}-{token}.csv")


def max_bytes():
    return current_app.config.get("CSV_IMPORT_MAX_BYTES", MAX_BYTES)


def read_upload(stream):
    """The uploaded file's bytes. :raise Refused: over the size limit."""
    limit = max_bytes()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise Refused(too_big(), errors={"file": [too_big()]})
    return raw


def too_big():
    return (f"The file is larger than {max_bytes() // 1024 // 1024} MB. Split it, "
            "or ask an administrator to import it with `flask import notes`.")


def receive(study, check, upload_page, preview_endpoint):
    """The step every CSV import starts with: the chosen file read within the size limit and checked by
    `check(raw)` (a file we cannot read is refused now, not on the next page), then held, and the browser
    sent on to `preview_endpoint` with its token; or `upload_page(study, errors[, status])` saying why not."""
    try:
        upload = request.files.get("file")
        if not upload or not upload.filename:
            raise Refused(errors={"file": ["Choose a CSV file."]})
        raw = read_upload(upload.stream)
        check(raw)
    except RequestEntityTooLarge:
        return upload_page(study, {"file": [too_big()]}, 413)
    except Refused as refusal:
        return upload_page(study, refusal.errors)
    token = hold(study.id, current_user.id, raw)
    return redirect(url_for(preview_endpoint, study_id=study.id, token=token), code=303)


def hold(study_id, user_id, raw):
    """Keep the bytes; the token that names them. Old uploads are swept away on the way."""
    sweep()
    token = secrets.token_urlsafe(18)
    with open(path_of(study_id, user_id, token), "xb") as file:
        file.write(raw)
    return token


def held(study_id, user_id, token):
    """The bytes held under this token for this user and study. :raise NotFound: unknown or expired."""
    path = path_of(study_id, user_id, token)
    try:
        if time.time() - os.path.getmtime(path) > KEEP_SECONDS:
            os.remove(path)
            raise FileNotFoundError
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        raise NotFound("This upload has expired or was imported already: upload the file again.") from None


def release(study_id, user_id, token):
    try:
        os.remove(path_of(study_id, user_id, token))
    except FileNotFoundError:
        pass


def sweep():
    """Delete uploads older than an hour that nobody imported."""
    now, path = time.time(), folder()
    for name in os.listdir(path):
        try:
            if now - os.path.getmtime(os.path.join(path, name)) > KEEP_SECONDS:
                os.remove(os.path.join(path, name))
        except FileNotFoundError:  # another worker swept it first
            pass
