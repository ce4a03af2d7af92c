"""A board, its insights and picked evidence, its share links and the reactions to it."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.transcripts.models import Recording
from fieldnotes.studies.models import enum_column


class Board(db.Model):
    """An ordered selection of insights or themes, with a title and a short narrative."""

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    narrative: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list["BoardItem"]] = relationship(
        back_populates="board", order_by="BoardItem.position", cascade="all, delete-orphan")
    share_links: Mapped[list["ShareLink"]] = relationship(
        back_populates="board", order_by="ShareLink.created_at.desc()", cascade="all, delete-orphan")


class BoardItem(db.Model):
    """One insight (or theme) on a board, at a position."""

    __table_args__ = (UniqueConstraint("board_id", "insight_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    board: Mapped[Board] = relationship(back_populates="items")
    insight: Mapped[Insight] = relationship()
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="item", order_by="Evidence.position", cascade="all, delete-orphan")


class Evidence(db.Model):
    """A picked quote (a note's text: attachment_id and recording_id empty), photo/audio (attachment_id set)
    or the clip of a visit's interview recording (recording_id set: the highlight's span of it).

    observation_id is always the note, so consent is checked through its participant either way.
    """

    # A pick is one kind: never both a note's attachment and an interview recording.
    __table_args__ = (Index("ix_evidence_item_note", "board_item_id", "observation_id"),
                      CheckConstraint("attachment_id IS NULL OR recording_id IS NULL", name="one_kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    board_item_id: Mapped[int] = mapped_column(ForeignKey("board_item.id", ondelete="CASCADE"))
    observation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("observation.id", ondelete="CASCADE"))
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("attachment.id", ondelete="CASCADE"), index=True)
    # A deleted interview recording takes its clips off boards: a pick left without it would read as the
    # highlight's words (a quote pick), shown under consent to quotes rather than to the voice.
    recording_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("recording.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[BoardItem] = relationship(back_populates="evidence")
    observation: Mapped[Observation] = relationship()
    attachment: Mapped[Attachment | None] = relationship()
    recording: Mapped[Recording | None] = relationship()


class ShareLink(db.Model):
    """Read-only access to one board for whoever holds the token; only its SHA-256 is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    board: Mapped[Board] = relationship(back_populates="share_links")
    author: Mapped[User | None] = relationship()

    def live(self, now):
        return self.revoked_at is None and self.expires_at > now


class ReactionKind(enum.StrEnum):
    AGREE = "agree"
    SURPRISED = "surprised"
    QUESTION = "question"


class Reaction(db.Model):
    """An executive's reaction to an insight on a board: a member, or a share-link visitor."""

    __table_args__ = (Index("ix_reaction_board_insight", "board_id", "insight_id"),
                      Index("ix_reaction_board_visitor", "board_id", "visitor_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"))
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_link.id", ondelete="SET NULL"), index=True)
    visitor_name: Mapped[str | None] = mapped_column(String(80))
    # Who counts against the cap: "user:<id>", or a hash of a share visitor's cookie key.
    visitor_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[ReactionKind] = mapped_column(enum_column(ReactionKind))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
