"""Erasing a participant from the notes: their words, photos, recordings and history go.

The team chooses what stays (visits/service.py, KEEP or DELETE):
- KEEP: each of their notes stays as a de-identified observation. Its words ("what they said",
  "what they expected") are replaced, its photos and recordings deleted, its link to them removed;
  its kind (a quote becomes an observation: there are no words left to quote), touchpoint, role,
  visit, tags and time stay, so the journey matrix and the insights still count it.
- DELETE: each of their notes is deleted (a tombstone phones pull), with the same things removed.

Either way every changed note becomes a new version through observations/changes.py, so phones
pull it, and its earlier versions are dropped: a revision holding their words would be a way back
to them. The one revision left says the note was erased. Text elsewhere that names them (other
notes typed with their real name or pseudonym) is scrubbed the same way, history included. Files
are deleted only after the commit, and only when no row of any feature (another note's photo, an interview
recording, in any study) still holds the same content (storage.delete_unheld).
"""
from sqlalchemy import func, or_, select, text, true
from sqlalchemy.orm import selectinload

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.content import note_content
from fieldnotes.observations.fulltext import FTS_TABLE
from fieldnotes.observations.models import Attachment, Kind, Observation, Slot
from fieldnotes.observations.storage import delete_unheld
from fieldnotes.visits.names import search_words
from fieldnotes.visits.service import DELETE, ERASERS, HOLDINGS, names_them

# What a kept note says instead of their words; phones and pages show it as the note's text.
REMOVED = "[Removed: the participant was erased.]"
TEXT_FIELDS = ("text", "expected")


def their_notes(participant):
    """All their notes, deleted ones too (a tombstone still holds its words until erased)."""
    return db.session.scalars(select(Observation).where(Observation.participant_id == participant.id)
                              .options(selectinload(Observation.media), selectinload(Observation.revisions),
                                       selectinload(Observation.tags))
                              .order_by(Observation.id)).all()


def may_name(participant):
    """A cheap database condition every note naming them meets (a word of their name appears in it)."""
    words = search_words([participant.real_name, participant.pseudonym])
    if words is None:
        return true()
    return or_(*(func.lower(column).contains(word, autoescape=True)
                 for column in (Observation.text, Observation.expected) for word in words))


def notes_naming(participant, pattern):
    """Other notes of the study whose words name them (real name or pseudonym)."""
    if pattern is None:
        return []
    rows = db.session.execute(select(Observation.id, Observation.text, Observation.expected).where(
        Observation.study_id == participant.study_id, may_name(participant),
        or_(Observation.participant_id.is_(None), Observation.participant_id != participant.id))).all()
    ids = [row.id for row in rows if names_them(pattern, row.text, row.expected)]
    return db.session.scalars(select(Observation).where(Observation.id.in_(ids)).order_by(Observation.id)
                              .options(selectinload(Observation.revisions), selectinload(Observation.tags),
                                       selectinload(Observation.media))).all() if ids else []


def count_holdings(participant, pattern):
    """What the erase page says goes: their notes, quotes, photos, recordings; other notes naming them."""
    live = (Observation.participant_id == participant.id, Observation.deleted_at.is_(None))
    notes, quotes = db.session.execute(select(func.count(), func.count().filter(Observation.kind == Kind.QUOTE))
                                       .where(*live)).one()
    media = dict(db.session.execute(select(Attachment.slot, func.count()).join(Observation)
                                    .where(*live).group_by(Attachment.slot)).all())
    return {"notes": notes, "quotes": quotes, "photos": media.get(Slot.PHOTO, 0),
            "recordings": media.get(Slot.AUDIO, 0), "naming_notes": len(notes_naming(participant, pattern))}


def erase_from_notes(erasure):
    participant = erasure.participant
    notes, naming = their_notes(participant), notes_naming(participant, erasure.pattern)
    if not notes and not naming:
        return
    changes.lock_counter()
    files, uploads = set(), []
    # One flush at the end, not one per note before each change number is taken: a participant may
    # have a thousand notes, and the erasure holds the counter (every phone's push waits) meanwhile.
    with db.session.no_autoflush:
        for note in notes:
            files |= forget_media(note, erasure.counts, uploads)
            if erasure.notes == DELETE or note.deleted_at is not None:
                forget_note(note, erasure)
            else:
                de_identify(note, erasure)
        for note in naming:
            scrub_names(note, erasure)
    db.session.flush()
    forget_indexed_words()
    erasure.after_commit.append(lambda: delete_unheld(files, uploads))


def de_identify(note, erasure):
    """KEEP: the note stays for the team's counts, without their words, media or link to them."""
    note.text, note.expected, note.participant_id = REMOVED, None, None
    note.no_person = False  # "not a person's" would make the note evidence again, with nobody's consent
    if note.kind == Kind.QUOTE:
        note.kind = Kind.OBSERVATION
    new_erased_version(note, erasure.erased_by)
    erasure.counts["notes_kept"] += 1


def forget_note(note, erasure):
    """DELETE (or a note deleted already): a tombstone with no words; its history is only the erasure."""
    note.text, note.expected, note.participant_id = "", None, None
    if note.deleted_at is None:
        note.deleted_at = utcnow()
        erasure.counts["notes_deleted"] += 1
    # A new version either way (its words were still in the row: phones hear it changed), marked
    # erased so a phone's stale version of it is never kept (changes.keep_conflict).
    new_erased_version(note, erasure.erased_by)


def new_erased_version(note, erased_by):
    """The note's next version, and the only one kept: the earlier ones hold their words."""
    note.revisions = []
    note.updated_at = utcnow()
    changes.keep_version(note, erased_by, {**note_content(note), "erased": True})


def forget_media(note, counts, uploads):
    """Detach their photos and recordings; the digests whose files may go once the erasure commits."""
    digests = set()
    for attachment in note.media:
        counts["photos" if attachment.slot == Slot.PHOTO else "recordings"] += 1
        digests |= {attachment.sha256, attachment.stored_sha256} - {None}
        uploads.append(attachment.id)
    note.media = []
    return digests


def scrub_names(note, erasure):
    """Another note that names them: the name becomes [participant], in every version it had."""
    for field in TEXT_FIELDS:
        setattr(note, field, erasure.scrub(getattr(note, field)))
    for revision in note.revisions:
        revision.data = {**revision.data, **{f: erasure.scrub(revision.data.get(f)) for f in TEXT_FIELDS}}
    note.updated_at = utcnow()
    changes.keep_version(note, erasure.erased_by, note_content(note))
    erasure.counts["naming_notes"] += 1


def forget_indexed_words():
    """SQLite's full-text index keeps a deleted row's words in older segments until they merge: merge now.

    (PostgreSQL's index entries point at row versions that are gone once vacuumed; nothing to do here.)
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))


if erase_from_notes not in ERASERS:
    ERASERS.append(erase_from_notes)
if count_holdings not in HOLDINGS:
    HOLDINGS.append(count_holdings)
