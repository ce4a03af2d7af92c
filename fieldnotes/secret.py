"""The secret key that signs sessions: from the environment, or kept under instance/ in development."""
import os
import secrets
import tempfile
from pathlib import Path

MIN_LENGTH = 32  # a short key can be guessed offline from any signed cookie


class MissingSecretKey(RuntimeError):
    pass


def load_secret_key(app):
    """Return the configured key; in development make one once and keep it.

    :raise MissingSecretKey: in production without a FIELDNOTES_SECRET_KEY of at
        least MIN_LENGTH characters, because a guessable key lets anyone forge a
        signed-in session.
    """
    key = app.config.get("SECRET_KEY")
    if app.config["ENV"] == "production":
        if not key or len(key) < MIN_LENGTH:
            raise MissingSecretKey(f"Set FIELDNOTES_SECRET_KEY to a random value of at least {MIN_LENGTH} "
                                   "characters in production, e.g. python -c 'import secrets; "
                                   "print(secrets.token_urlsafe(48))'.")
        return key
    if key:
        return key
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        keep_new_key(path)
    key = path.read_text().strip()
    if not key:
        raise MissingSecretKey(f"{path} is empty: delete it to make a new key.")
    return key


def keep_new_key(path):
    """Write a fresh key to `path` unless another process got there first.

    Written to a temporary file and linked into place, so a second worker
    starting at the same moment reads the whole key or makes none, never half.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pass  # another worker made it; use theirs
    finally:
        os.unlink(temporary)
