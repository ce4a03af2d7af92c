"""The visit kit's records: a study's brief, each visit's plan, and the interpretation session after it."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation  # noqa: F401  (the table a mark's FK names)
from fieldnotes.studies.models import Role, Touchpoint, enum_column
from fieldnotes.visits.models import SiteVisit


class StudyBrief(db.Model):
    """What the study sets out to learn. Absent until someone edits it: the page shows defaults meanwhile."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    goal: Mapped[str] = mapped_column(Text, default="")
    hypotheses: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class RoleFocus(db.Model):
    """The brief's focus for one role: what to ask them and what to watch for, one item per line."""

    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    questions: Mapped[str] = mapped_column(Text, default="")
    watch_for: Mapped[str] = mapped_column(Text, default="")

    role: Mapped[Role] = relationship()


plan_role = Table(
    "visit_plan_role", db.metadata,
    Column("visit_id", ForeignKey("visit_plan.visit_id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True, index=True),
)

plan_touchpoint = Table(
    "visit_plan_touchpoint", db.metadata,
    Column("visit_id", ForeignKey("visit_plan.visit_id", ondelete="CASCADE"), primary_key=True),
    Column("touchpoint_id", ForeignKey("touchpoint.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class VisitPlan(db.Model):
    """Before a visit: whom we hope to see, their roles, the journey stages, what we want to learn."""

    visit_id: Mapped[int] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    who: Mapped[str] = mapped_column(Text, default="")
    learn: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[Role]] = relationship(secondary=plan_role, order_by=(Role.position, Role.id))
    touchpoints: Mapped[list[Touchpoint]] = relationship(
        secondary=plan_touchpoint, order_by=(Touchpoint.position, Touchpoint.id))


class Mark(enum.StrEnum):
    """What the team makes of a note in the interpretation session (keys 1, 2, 3 on its screen)."""

    KEY = "key"              # central to what this visit showed
    QUESTION = "question"    # to follow up: on the next visit or with the researcher
    CANDIDATE = "candidate"  # an insight candidate, for the affinity workspace


MARK_WORDS = {Mark.KEY: "Key", Mark.QUESTION: "Question", Mark.CANDIDATE: "Insight candidate"}

session_attendee = Table(
    "interpretation_attendee", db.metadata,
    Column("session_id", ForeignKey("interpretation_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InterpretationSession(db.Model):
    """The team's walk through one visit's notes, while memory is fresh; its outcome stays on the visit.

    The counts are kept when it closes: the outcome is what the team concluded then, whatever
    happens to the notes later (an erasure, a late note from a phone).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"), unique=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text, default="")
    notes_count: Mapped[int] = mapped_column(default=0)
    key_count: Mapped[int] = mapped_column(default=0)
    question_count: Mapped[int] = mapped_column(default=0)
    candidate_count: Mapped[int] = mapped_column(default=0)

    visit: Mapped[SiteVisit] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary=session_attendee, order_by=User.name)
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    marks: Mapped[list["NoteMark"]] = relationship(back_populates="session", cascade="all, delete-orphan")

    @property
    def closed(self):
        return self.closed_at is not None


class NoteMark(db.Model):
    """One note as the session left it: its mark, and the context the team added.

    The context is kept here, not written into the note: the note is what was seen or said in the
    field, the customer's words verbatim, and phones hold it; what the team remembers afterwards
    ("she said this while the manager was in the room") is interpretation, told apart from it.
    """

    session_id: Mapped[int] = mapped_column(ForeignKey("interpretation_session.id", ondelete="CASCADE"),
                                            primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True, index=True)
    mark: Mapped[Mark | None] = mapped_column(enum_column(Mark))
    context: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[InterpretationSession] = relationship(back_populates="marks")
