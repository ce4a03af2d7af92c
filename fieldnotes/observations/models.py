"""Notes (observations), their tags, revisions and media, their indexes, and the change counter."""
import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text,
                        UniqueConstraint, Uuid, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import fulltext, tags_on_row
from fieldnotes.studies.models import Study, Tag, enum_column
from fieldnotes.visits.models import Participant, SiteVisit  # noqa: F401  (tables the FKs name)

TEXT_MAX = 10_000


class Kind(enum.StrEnum):
    OBSERVATION = "observation"
    QUOTE = "quote"
    BREAKDOWN = "breakdown"
    WORKAROUND = "workaround"
    DELIGHT = "delight"
    ARTIFACT = "artifact"
    IDEA = "idea"


observation_tag = Table(
    "observation_tag", db.metadata,
    Column("observation_id", Uuid, ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Observation(db.Model):
    """One note from the field. The phone makes its id, so a resend cannot make a second one."""

    __table_args__ = (Index("ix_observation_study_seq", "study_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # No index of its own: every index below begins with the study (migration 0023).
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind))
    text: Mapped[str] = mapped_column(Text, default="")
    expected: Mapped[str | None] = mapped_column(Text)
    # Integer FKs into the study's taxonomy and fieldwork; sync checks they belong to the same study.
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoint.id", ondelete="SET NULL"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visit.id", ondelete="SET NULL"), index=True)
    # Marked by a researcher: no person's words or image (a whiteboard, a form, the office). Consent
    # (visits/consent.py) lets such a note's words and media be evidence with no participant attached.
    no_person: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The phone's clock may be wrong: keep what it said, when we got it, and a flag.
    captured_at: Mapped[datetime]
    client_time_suspect: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Position in the change stream that pulls read; unique because every write takes the next value.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    deleted_at: Mapped[datetime | None]
    created_by_device: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    study: Mapped[Study] = relationship()
    author: Mapped[User] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=observation_tag, order_by=Tag.name)
    media: Mapped[list["Attachment"]] = relationship(
        # Ties broken by id, as the pull's rows are (sync/pull_rows.py): one push stores many at one instant.
        back_populates="observation", order_by="[Attachment.created_at, Attachment.id]", cascade="all, delete-orphan")
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="observation", order_by="Revision.id", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Observation {self.id} v{self.version}>"


# How browse and the matrix read a study's notes (docs/benchmarks.md has the figures).
# Browse reads a study's notes newest first a page at a time: this index answers that without a sort.
Index("ix_observation_browse", Observation.study_id, Observation.captured_at, Observation.id)
# Browse filtered to one touchpoint, role, participant or visit: that term's notes newest first, from
# an index of its own, instead of walking the study's notes newest first and discarding the others
# (a participant seen months ago: most of the study). The study leads although a term belongs to one
# study: PostgreSQL prices an index scan by how its first column follows the table's order, and
# with the term first it judged the walk cheaper (68 ms) than this index (0.3 ms) for a term on 16%
# of the notes. Figures: docs/benchmarks.md, "Issue 11, session 5: data path".
for _term in ("touchpoint_id", "role_id", "participant_id", "visit_id"):
    Index(f"ix_observation_{_term.removesuffix('_id')}_time", Observation.study_id,
          Observation.__table__.c[_term], Observation.captured_at, Observation.id)
# The journey matrix groups a study's live notes by touchpoint and role, counting participants,
# visits and kinds: with every column it reads in one index, SQLite answers 100,000 notes
# from the index alone instead of sorting the table (about 10x faster).
_live = Observation.deleted_at.is_(None)
Index("ix_observation_matrix", Observation.study_id, Observation.touchpoint_id, Observation.role_id,
      Observation.participant_id, Observation.visit_id, Observation.kind,
      sqlite_where=_live, postgresql_where=_live)
# The full-text index is raw SQL made beside the table (fulltext.py), by db.create_all() too.
fulltext.listen(Observation.__table__)
tags_on_row.listen(observation_tag)


class RevisionKind(enum.StrEnum):
    EDIT = "edit"          # a version the note had
    CONFLICT = "conflict"  # a client's version that lost a race; kept so nothing is lost silently


class Revision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    # For an edit, the version it became; for a conflict, the version the client based it on.
    version: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[RevisionKind] = mapped_column(enum_column(RevisionKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    observation: Mapped[Observation] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class Slot(enum.StrEnum):
    PHOTO = "photo"
    AUDIO = "audio"


class MediaStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"


class Attachment(db.Model):
    """A photo or recording of a note, keyed by note and its own id, never by hash alone."""

    __table_args__ = (UniqueConstraint("observation_id", "slot", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    observation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    slot: Mapped[Slot] = mapped_column(enum_column(Slot))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[MediaStatus] = mapped_column(enum_column(MediaStatus), default=MediaStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
    # What is stored when it differs from what was sent (photos are re-encoded without EXIF); sha256 and
    # size stay the phone's, which its upload was verified against.
    stored_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    stored_size: Mapped[int | None] = mapped_column(BigInteger)

    observation: Mapped[Observation] = relationship(back_populates="media")


class ChangeStream(db.Model):
    """One row: the database's epoch (changes when restored from a backup) and the change counter.

    Every write locks this row first, so change numbers commit in order and a
    pull never passes a number whose transaction is still open (observations/changes.py).
    """

    __tablename__ = "sync_state"  # its name since the first release of the schema

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


# Counts kept on write (observations/summaries.py): what browse with no filter and the journey matrix
# read instead of grouping every note. Live notes only; rows may fall to zero and stay (readers skip them).

NONE_ID = 0  # "no touchpoint / role / participant / visit" in a summary key (a key column cannot be NULL)


class JourneyCount(db.Model):
    """A study's live notes per (touchpoint, role, participant, visit): the matrix cells, and the
    touchpoint, role, visit, participant and organisation facets, all summed from these few rows."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    participant_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    visit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    notes: Mapped[int] = mapped_column(default=0)
    pain: Mapped[int] = mapped_column(default=0)  # breakdowns and workarounds
    delight: Mapped[int] = mapped_column(default=0)


class FacetCount(db.Model):
    """A study's live notes per value of the facets JourneyCount does not hold: kind, author, tag,
    media slot (notes with one or more), and "attention" (a conflict kept since the note last changed)."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    notes: Mapped[int] = mapped_column(default=0)


class CellFacetCount(db.Model):
    """FacetCount's facets per journey cell and day: a study's live notes per (touchpoint, role, participant,
    visit, the UTC day they were captured on, facet, value). A filter on the journey's own facets (touchpoint,
    role, visit, participant, organisation) and dates takes every facet's counts from these rows, not from its
    notes (explore/facets.py). The day costs few rows: a visit's notes are mostly taken on its one day."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    participant_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    visit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    notes: Mapped[int] = mapped_column(default=0)


class FacetPairCount(db.Model):
    """A study's live notes per pair of FacetCount's values of two facets (kind, author, tag, media, attention):
    how many notes of kind "quote" carry tag 7, say. One facet's value filtered alone, a click on the browse
    page, takes the other facets' counts from these rows, not from its notes (explore/facets.py). Each pair is
    kept once, its facets in name order (facet < other): a few hundred rows per study, however many notes."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    other: Mapped[str] = mapped_column(String(20), primary_key=True)
    other_value: Mapped[str] = mapped_column(String(40), primary_key=True)
    notes: Mapped[int] = mapped_column(default=0)
