"""The history of a study's tags: renames and merges, so a team can see where a tag went."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.studies.models import enum_column


class TagAction(enum.StrEnum):
    RENAME = "rename"
    MERGE = "merge"


class TagEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    action: Mapped[TagAction] = mapped_column(enum_column(TagAction))
    # Names, not ids: a merged tag is gone, but its old name is what people remember.
    old_name: Mapped[str] = mapped_column(String(60))
    new_name: Mapped[str] = mapped_column(String(60))
    notes: Mapped[int] = mapped_column(default=0)  # how many notes followed
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
