"""User accounts, their signed-in sessions, invites, failed sign-ins and personal access tokens."""
import secrets
from datetime import UTC, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldnotes.extensions import db
from fieldnotes.tokens import token_digest


def utcnow():
    return datetime.now(UTC)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until an invite is accepted
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan")

    def set_password(self, password):
        # scrypt, salted; tests choose a cheaper method to stay fast.
        self.password_hash = generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password):
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email):
        return select(cls).where(cls.email == normalise_email(email))

    def __repr__(self):
        return f"<User {self.email}>"


def normalise_email(email):
    return (email or "").strip().lower()


class LoginSession(db.Model):
    """One signed-in browser. Deleting the row signs that browser out, even a copied cookie.

    Flask-Login alone cannot end a session whose cookie was copied before
    logout (flask-login#480); the cookie here only names this row.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship(back_populates="sessions")

    @classmethod
    def start(cls, user, user_agent=""):
        """Add a new session for `user` and return (session, token); the caller commits."""
        token = secrets.token_urlsafe(32)
        session = cls(user=user, token_hash=token_digest(token), user_agent=user_agent[:300])
        db.session.add(session)
        return session, token


class SessionUser(UserMixin):
    """What Flask-Login holds: the user and the session token that signed them in.

    Signing a request in reads one plain row (the user's id and name, and whether the account is active);
    the ORM User is loaded only when a view asks for more than its id (issue 11: building it on
    every request was a third of a phone's pull with no changes).
    """

    def __init__(self, user, token, *, user_id=None, active=None, name=None):
        self._user = user
        self._user_id = user_id
        self._active = active
        self._name = name
        self.token = token

    @property
    def user(self):
        if self._user is None:
            self._user = db.session.get(User, self._user_id)
        return self._user

    @property
    def id(self):
        return self._user_id if self._user is None else self._user.id

    @property
    def name(self):
        """As signed in (the header shows it on every page), or the User's once loaded."""
        return self._name if self._user is None else self._user.name

    def get_id(self):
        return self.token

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)  # copy and pickle look for hooks before __init__ has run
        return getattr(self.user, name)

    @property
    def is_active(self):
        return self._active if self._user is None else self._user.is_active


class Invite(db.Model):
    """A link that lets someone added by email set their password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class FailedLogin(db.Model):
    """A failed sign-in, counted per account and per client (auth/ratelimit.py).

    `address` is where it came from: the network address, or "device:<id>" for a
    browser that had signed in to this account before (auth/known_devices.py).
    In the database rather than in memory, so every worker and machine
    shares the same count.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PersonalAccessToken(db.Model):
    """A key a script sends as `Authorization: Bearer fn_pat_...` to act as its owner under /api/v1
    (auth/access_tokens.py). Only the digest is kept; the token is shown once, when it is made.

    `scopes` is a space-separated set ("read", or "read write"): a ceiling on what the owner's
    role already allows. The rate window columns count this token's requests in the current
    minute, in the row itself, so every worker shares the count with one UPDATE a request.
    """

    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    rate_window_start: Mapped[datetime | None]
    rate_window_count: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
