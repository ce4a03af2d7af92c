"""Site visits and the participants observed on them."""
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Role
from fieldnotes.text import natural_key

visit_researcher = Table(
    "visit_researcher", db.metadata,
    Column("visit_id", ForeignKey("site_visit.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

visit_participant = Table(
    "visit_participant", db.metadata,
    Column("visit_id", ForeignKey("site_visit.id", ondelete="CASCADE"), primary_key=True),
    Column("participant_id", ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

CONSENT_USES = {"notes": "Notes", "quotes": "Quotes", "photos": "Photos", "audio": "Audio recordings"}


class SiteVisit(db.Model):
    """One field session: when, which organisation, who went, whom they observed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    # The account's name, kept in step with it for readers of the free text (filters, exports, archive).
    organisation: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Organisation | None] = relationship()
    researchers: Mapped[list[User]] = relationship(secondary=visit_researcher, order_by=User.name)
    participants: Mapped[list["Participant"]] = relationship(
        secondary=visit_participant, back_populates="visits", order_by="Participant.pseudonym")

    @classmethod
    def of_study(cls, study_id):
        """Newest first, as the team thinks of fieldwork: what happened last."""
        return (select(cls).where(cls.study_id == study_id)
                .order_by(cls.visited_on.desc(), cls.id.desc()))


class Participant(db.Model):
    """A person observed, known by pseudonym; the real name is for owners only."""

    __table_args__ = (UniqueConstraint("study_id", "pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(80))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")  # the account's name, as on visits
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    real_name: Mapped[str | None] = mapped_column(String(200))  # PRIVATE: permission see_real_names
    consent_given: Mapped[bool] = mapped_column(default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)
    # What the participant agreed their words and pictures may be used as.
    consent_notes: Mapped[bool] = mapped_column(default=False)
    consent_quotes: Mapped[bool] = mapped_column(default=False)
    consent_photos: Mapped[bool] = mapped_column(default=False)
    consent_audio: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role: Mapped[Role | None] = relationship()
    account: Mapped[Organisation | None] = relationship()
    visits: Mapped[list[SiteVisit]] = relationship(
        secondary=visit_participant, back_populates="participants",
        order_by=(SiteVisit.visited_on.desc(), SiteVisit.id.desc()))

    @property
    def consented_uses(self):
        """The labels of the uses agreed, in a fixed order."""
        return [label for use, label in CONSENT_USES.items() if getattr(self, f"consent_{use}")]

    @property
    def declined_uses(self):
        return [label for use, label in CONSENT_USES.items() if not getattr(self, f"consent_{use}")]

    @classmethod
    def of_study(cls, study_id):
        """In the database's order; people read them through in_order."""
        return select(cls).where(cls.study_id == study_id).order_by(cls.pseudonym, cls.id)

    @staticmethod
    def in_order(people):
        """Natural order of pseudonym (P2 before P10), wherever participants are listed."""
        return sorted(people, key=lambda p: (natural_key(p.pseudonym), p.id))
