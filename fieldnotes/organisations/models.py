"""An organisation (a customer account) of a study, and the record of merges the team confirmed."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, validates

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.organisations.names import account_name

SIZE_BANDS = ("1–9", "10–49", "50–249", "250–999", "1,000–4,999", "5,000+")  # people employed


class Organisation(db.Model):
    """A customer organisation visited in a study: its visits and participants link to it.

    Accounts belong to a study (Fieldnotes has no team above studies); the account page joins a study's
    account with the same-named ones of the viewer's other studies.
    """

    __table_args__ = (UniqueConstraint("study_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str] = mapped_column(String(80), default="")
    size_band: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(80), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("name")
    def stored_name(self, _, name):
        return account_name(name)

    @classmethod
    def of_study(cls, study_id):
        return select(cls).where(cls.study_id == study_id).order_by(cls.name, cls.id)

    def __repr__(self):
        return f"<Organisation {self.id} {self.name!r}>"


class OrganisationMerge(db.Model):
    """One merge the team confirmed: which account went into which, by whom, and what moved.

    `merged` keeps the removed account's fields and the ids of the visits and participants that moved,
    so the record says exactly what happened (and is enough to split them again by hand).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    kept_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    kept_name: Mapped[str] = mapped_column(String(200))
    merged_name: Mapped[str] = mapped_column(String(200))
    merged: Mapped[dict[str, Any]] = mapped_column(JSON)
    visits: Mapped[int] = mapped_column(default=0)
    participants: Mapped[int] = mapped_column(default=0)
    notes: Mapped[int] = mapped_column(default=0)
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Undone: the merged account made again and what moved moved back (organisations.service.undo_merge).
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None]
