"""Every setting, read from FIELDNOTES_* environment variables, with its default."""
import os
from datetime import timedelta


def env(name, default=None):
    return os.environ.get(f"FIELDNOTES_{name}", default)


def as_bool(value):
    return str(value).lower() in {"1", "true", "yes", "on"}


class Config:
    # "development" generates and keeps a secret key under instance/;
    # "production" refuses to start without FIELDNOTES_SECRET_KEY.
    ENV = env("ENV", "development")
    SECRET_KEY = env("SECRET_KEY")

    # A relative SQLite path lands in instance/ (Flask-SQLAlchemy 3).
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", "sqlite:///fieldnotes.sqlite")
    # No ping before each request's first query (a round trip every request, issue 11): after the
    # database restarts, the one request that meets a dead connection fails and SQLAlchemy then
    # replaces the whole pool. Connections are renewed hourly, which on SQLite also runs the
    # `PRAGMA optimize` its docs advise (extensions.py). FIELDNOTES_POOL_PRE_PING=1 brings the ping back.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": as_bool(env("POOL_PRE_PING", "0")), "pool_recycle": 3600}

    # Researchers go offline for days: a remembered login lasts weeks.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(env("REMEMBER_DAYS", "30")))
    PERMANENT_SESSION_LIFETIME = timedelta(days=int(env("SESSION_DAYS", "14")))
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Secure cookies need HTTPS; production sets it, the local dev server can't.
    # The cookie settings follow from it in cookie_settings(), applied by create_app.
    SECURE_COOKIES = as_bool(env("SECURE_COOKIES", ENV == "production"))

    # Flask has no upload limit by default; media uploads come in chunks below this.
    MAX_CONTENT_LENGTH = int(env("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024)))
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    PASSWORD_HASH_METHOD = "scrypt"

    # How many reverse proxies (nginx, Caddy) stand in front; 0 trusts no X-Forwarded-* header.
    PROXIES = int(env("PROXIES", "0"))

    # Failed sign-ins allowed per window, per account and per address.
    LOGIN_WINDOW = timedelta(minutes=int(env("LOGIN_WINDOW_MINUTES", "15")))
    LOGIN_LIMIT_PER_ACCOUNT = int(env("LOGIN_LIMIT_PER_ACCOUNT", "10"))
    LOGIN_LIMIT_PER_ADDRESS = int(env("LOGIN_LIMIT_PER_ADDRESS", "50"))

    # Invite links for new members expire.
    INVITE_DAYS = int(env("INVITE_DAYS", "14"))

    # Requests a minute one personal access token may make to /api/v1 (auth/access_tokens.py).
    API_TOKEN_RATE_LIMIT = int(env("API_TOKEN_RATE_LIMIT", "600"))

    # Where the fingerprinted, gzipped copies of static/ are made at start (assets.py); default build/static.
    STATIC_BUILD = env("STATIC_BUILD")

    # Where photos and audio live (content-addressed); back it up with the database.
    MEDIA_ROOT = env("MEDIA_ROOT")

    # Phones keep what the server acknowledged this many days and send it again after a
    # restore, so a backup up to this old loses nothing a phone sent since (sync/context.py).
    ACK_RETENTION_DAYS = int(env("ACK_RETENTION_DAYS", "30"))

    # Who was erased, outside the database, so a restore never brings them back (visits/ledger.py);
    # default instance/erasures.jsonl. Keep it on lasting storage, beside the media.
    ERASURE_LEDGER = env("ERASURE_LEDGER")

    # Live updates (live.py): pokes travel through Redis pub/sub when this is set, else PostgreSQL
    # LISTEN/NOTIFY, else (SQLite, one process) process memory.
    # Also the job queue's broker (jobs.py).
    REDIS_URL = env("REDIS_URL")
    # Open streams one process holds; past it a screen polls. Under gunicorn it is also kept to three
    # quarters of the worker's threads, the rest serving ordinary pages (gunicorn.conf.py, docs/scaling.md).
    LIVE_MAX_STREAMS = int(env("LIVE_MAX_STREAMS", "200"))
    LIVE_HEARTBEAT_SECONDS = float(env("LIVE_HEARTBEAT_SECONDS", "15"))
    # A stream ends after this and the browser reconnects where it left off: restarts and new
    # workers get their share of the screens.
    LIVE_STREAM_SECONDS = float(env("LIVE_STREAM_SECONDS", "300"))

    # Background jobs (fieldnotes/jobs.py): Redis when set (redis://host:6379/0), else a SQLite file,
    # JOBS_PATH, by default instance/jobs.sqlite. `flask worker` runs them; `make run` starts one.
    # (REDIS_URL, above.)
    JOBS_PATH = env("JOBS_PATH")
    JOBS_NAME = env("JOBS_NAME", "fieldnotes")  # the queue's name in Redis: two deployments may share one

    # Transcription (transcripts/): another local faster-whisper model folder instead of the packaged
    # Whisper base (a larger Whisper, say); where the packaged one is assembled once (default
    # instance/models); threads per job; how long a transcribing job may go without a sign of life
    # before another worker takes it over (its worker was killed).
    TRANSCRIBE_MODEL = env("TRANSCRIBE_MODEL")
    TRANSCRIBE_MODEL_CACHE = env("TRANSCRIBE_MODEL_CACHE")
    TRANSCRIBE_THREADS = int(env("TRANSCRIBE_THREADS", str(min(4, os.cpu_count() or 1))))
    TRANSCRIBE_LEASE_SECONDS = int(env("TRANSCRIBE_LEASE_SECONDS", "120"))
    TRANSCRIBE_MAX_SECONDS = int(env("TRANSCRIBE_MAX_SECONDS", str(2 * 60 * 60)))  # the longest recording taken
    TRANSCRIBE_WINDOW_SECONDS = int(env("TRANSCRIBE_WINDOW_SECONDS", "300"))  # audio held at once; memory
    # Limits on decoding untrusted audio (a subprocess): address space and seconds of CPU and wall time
    # per hour of audio (at least 60 s).
    TRANSCRIBE_DECODE_MEMORY_MB = int(env("TRANSCRIBE_DECODE_MEMORY_MB", "1024"))
    TRANSCRIBE_DECODE_SECONDS_PER_HOUR = int(env("TRANSCRIBE_DECODE_SECONDS_PER_HOUR", "300"))


def cookie_settings(secure):
    """Both cookies Secure and `__Host-` named on HTTPS (ASVS 3.3): the prefix
    makes browsers refuse one set by a sibling subdomain or over plain HTTP."""
    prefix = "__Host-" if secure else ""
    return {"SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SECURE": secure,
            "SESSION_COOKIE_NAME": f"{prefix}session", "REMEMBER_COOKIE_NAME": f"{prefix}remember",
            "REMEMBER_COOKIE_PATH": "/", "REMEMBER_COOKIE_DOMAIN": None}
