"""A highlight: a note (an Observation) whose text is exactly a span of a longer source, and its link.

The source is a long note or a recording's transcript (transcripts/models.py): one of the two.

The highlight's own note carries its kind, touchpoint, role, tags, participant and visit, so browse,
facets, the matrix, affinity, boards, exports, consent and erasure treat it as the note it is. This
row only says where the span came from: the source note or transcript, the character offsets of the
span in the source's text (code points, as Python counts them), the source's version when it was made,
and for a transcript the audio range the span was spoken in (from its time-coded segments).
"""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.transcripts.models import Transcript


class Highlight(db.Model):
    __table_args__ = (CheckConstraint("(source_note_id IS NULL) <> (transcript_id IS NULL)", name="one_source"),)

    # The highlight's note: one link a note, deleted with it (erasure deletes the row first).
    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    source_note_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"), index=True)
    # [start, end) of the span in the source's text when it was made; re-anchored on read (anchors.py).
    start: Mapped[int]
    end: Mapped[int]
    source_version: Mapped[int]
    # A transcript's span: where in the recording it was said (ms), for a clip that plays just that.
    audio_start_ms: Mapped[int | None] = mapped_column(BigInteger)
    audio_end_ms: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Observation] = relationship(foreign_keys=[observation_id])
    source: Mapped[Observation | None] = relationship(foreign_keys=[source_note_id])
    transcript: Mapped[Transcript | None] = relationship()

    def __repr__(self):
        return f"<Highlight {self.observation_id} of {self.source_note_id} [{self.start}:{self.end}]>"
