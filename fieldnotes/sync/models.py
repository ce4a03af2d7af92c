"""Sync's own tables: the mutations it has processed, and the phones that push them."""
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db


class ProcessedMutation(db.Model):
    """A mutation already applied, with its answer: a replay gets the same answer, not a second write."""

    mutation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The change counter when it was processed: what a restore from backup rolls back.
    counter_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Device(db.Model):
    """A phone's outbox, bound to the account that first pushed from it (issue 9: shared phones).

    A phone keeps one device id per account signed in on it, so a device id
    pushing for a second account is a phone sending someone else's notes: refused.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
