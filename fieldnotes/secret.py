"""The secret key that signs sessions: from the environment, or kept under instance/ in development."""
import os
import secrets
from pathlib import Path


class MissingSecretKey(RuntimeError):
    pass


def load_secret_key(app):
    """Return the configured key; in development make one once and keep it.

    :raise MissingSecretKey: in production without FIELDNOTES_SECRET_KEY, because
        a guessable key lets anyone forge a signed-in session.
    """
    key = app.config.get("SECRET_KEY")
    if key:
        return key
    if app.config["ENV"] == "production":
        raise MissingSecretKey("Set FIELDNOTES_SECRET_KEY to a long random value in production.")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
