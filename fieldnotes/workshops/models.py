"""A workshop: the cards dealt from a study's notes, the groups on the wall, who joined, and every move.

The move log is also the workshop's change feed: each move takes the workshop's next sequence
number (`Workshop.seq`, raised under its row lock), so a screen asks "anything after n?" and gets
every move once, in order. Nothing is ever overwritten in it: two phones moving one card both
leave their move; the card's row says where it is now.
"""
import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.studies.models import enum_column


class WorkshopState(enum.StrEnum):
    OPEN = "open"
    LOCKED = "locked"  # the facilitator froze the wall: phones look, nobody places
    ENDED = "ended"    # its groups became insights


class Deal(enum.StrEnum):
    EVENLY = "evenly"
    BY_VISIT = "visit"  # each person gets whole visits: the notes they may know best
    BY_ROLE = "role"    # each person gets whole roles: one customer's view per hand


class Workshop(db.Model):
    """One session in a room: a study's notes (all, a browse filter's, or one visit's) on one wall."""

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    # What it was started on, to say so on the wall: {"filter": query string} or {"visit": id} or {}.
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deal: Mapped[Deal] = mapped_column(enum_column(Deal), default=Deal.EVENLY)
    dealt: Mapped[bool] = mapped_column(default=False)
    state: Mapped[WorkshopState] = mapped_column(enum_column(WorkshopState), default=WorkshopState.OPEN)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    facilitator: Mapped[User | None] = relationship()


class Seat(db.Model):
    """A study member who joined, in the order they joined: passing a card goes to the next seat."""

    __tablename__ = "workshop_seat"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class WorkshopGroup(db.Model):
    """A group on the wall. Merged away, it points at the group that took its cards; under a parent,
    the parent is a theme when the workshop ends."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)  # "Group 3" until someone names it
    name: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_group.id", ondelete="SET NULL"))
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("workshop_group.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    insight_id: Mapped[int | None] = mapped_column(ForeignKey("insight.id", ondelete="SET NULL"))

    @property
    def label(self):
        return self.name or f"Group {self.number}"


class Card(db.Model):
    """A note dealt into a workshop: in someone's hand (holder) until placed in a group."""

    __tablename__ = "workshop_card"
    __table_args__ = (Index("ix_workshop_card_holder", "workshop_id", "holder_id", "position"),)

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_group.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    # Raised by every move of the card: a phone that saw an older one learns who moved it since.
    version: Mapped[int] = mapped_column(default=0)
    moved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class WorkshopMove(db.Model):
    """One move, numbered within its workshop: the change feed every screen reads."""

    __table_args__ = (UniqueConstraint("workshop_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    observation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("observation.id", ondelete="CASCADE"))
    # What the move did: the group it came from and went to, and whose move it replaced.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class JoinAttempt(db.Model):
    """A wrong join code, counted per person so guessing codes is slow (every worker shares the count)."""

    __tablename__ = "workshop_join_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
