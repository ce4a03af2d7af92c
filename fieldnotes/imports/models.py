"""What imports remember: which source rows became which notes, so importing a file again adds no duplicate."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db

SOURCE_KEY_MAX = 200


class ImportedRow(db.Model):
    """A row of an imported file, known by the value of its key column, and the note it became."""

    __table_args__ = (UniqueConstraint("study_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(SOURCE_KEY_MAX))
    # The note may be deleted later; the key stays, so a re-import does not bring it back.
    observation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="SET NULL"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
