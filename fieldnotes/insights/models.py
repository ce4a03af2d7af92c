"""Insights (nested into themes), the notes grouped under them, and the log of moves for undo."""
import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import enum_column


class Insight(db.Model):
    """A statement in the customer's voice, resting on notes; with children it is a theme."""

    __table_args__ = (Index("ix_insight_study_parent", "study_id", "parent_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    # Deleting a theme is refused while it has children (the service checks), so no cascade here.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("insight.id"), index=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Who changed it last: what a stale move tells its maker ("Ana moved this meanwhile").
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[created_by])
    editor: Mapped[User | None] = relationship(foreign_keys=[updated_by])
    notes: Mapped[list["InsightNote"]] = relationship(
        back_populates="insight", order_by="InsightNote.position", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Insight {self.id} v{self.version}>"


class InsightNote(db.Model):
    """A note grouped under an insight: the primary key makes a note belong to one insight at most."""

    __tablename__ = "insight_note"

    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    insight: Mapped[Insight] = relationship(back_populates="notes")
    observation: Mapped[Observation] = relationship()


insight_note = InsightNote.__table__


class InsightBoardState(db.Model):
    """Per study: a counter every move raises, so open workspaces can ask "anything new since n?"."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


class OpState(enum.StrEnum):
    DONE = "done"
    UNDONE = "undone"
    DROPPED = "dropped"  # undone, then a new move was made: no longer redoable


class InsightOp(db.Model):
    """One move, with what it changed before and after, so it can be undone and redone."""

    __table_args__ = (Index("ix_insight_op_study_user", "study_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(Text)
    # {"before": snapshot, "after": snapshot}; snapshots name insights and note placements.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[OpState] = mapped_column(enum_column(OpState), default=OpState.DONE)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuggestionDismissal(db.Model):
    """A proposed group someone dismissed: proposals that mostly repeat it are not made again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    note_ids: Mapped[list[str]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
