"""Notes written by scripts, through the same versioned write path as a phone's push and a laptop edit.

Create is `changes.write_new_notes` (author: the token's owner, no device); an update is the note's
full data, the script's fields laid over what the note holds, as the note's next version
(`changes.write_note`); a delete is a tombstone. Update and delete name the version the script saw:
a stale one is a Conflict carrying the note as it is now, and nothing is written. Callers commit.

A create may name its own id, as a phone does: the same note sent again (a retry, or the same note
pushed from the author's phone) is answered as the first time, and any other note of that id is a
Conflict; nothing is doubled, and neither side's words are overwritten.
"""
import uuid

from sqlalchemy.exc import IntegrityError

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.content import CONTENT_FIELDS, loaded_content, note_content, same_content
from fieldnotes.observations.models import Observation, RevisionKind

NEW_NOTE_DEFAULTS = {"expected": None, "touchpoint_id": None, "role_id": None, "participant_id": None,
                     "visit_id": None, "no_person": False, "tags": []}


def create_note(study_id, author_id, fields, current):
    """A new note in the study from a script's validated fields, or the note of that id when it is
    this very note sent again. `current` turns a note into what a 409 carries. :raise Refused, Conflict:"""
    data = {**NEW_NOTE_DEFAULTS, "captured_at": utcnow(), **fields, "study_id": study_id, "media": []}
    note_id = data.pop("id", None) or uuid.uuid4()
    check_scope(study_id, data)
    changes.lock_counter()  # every other writer of notes waits from here, so the id is free or taken for good
    held = existing(note_id)
    if held is not None:
        return sent_again(held, author_id, data, "captured_at" in fields, current)
    try:
        with db.session.begin_nested():  # a writer that slipped past the counter undoes only this insert
            [written] = changes.write_new_notes(author_id, None, [(note_id, data)])
    except IntegrityError:
        held = existing(note_id)
        if held is None:
            raise  # refused for another reason than the id: a fault, logged as one
        return sent_again(held, author_id, data, "captured_at" in fields, current)
    return db.session.get(Observation, written.id)  # written by Core: loaded for the answer


def existing(note_id):
    """The note of this id as the database has it now, in any study, deleted or not; else None."""
    return db.session.get(Observation, note_id, populate_existing=True)


def sent_again(note, author_id, data, timed, current):
    """The note this id names, when the script sent this very note again: the same author, study and
    content as it has or once had (its capture time too, when the script gave one). :raise Conflict:"""
    incoming = loaded_content(data)
    if not timed:
        incoming["captured_at"] = note_content(note)["captured_at"]  # a retry made its own "now"
    same = (note.deleted_at is None and note.study_id == data["study_id"] and note.author_id == author_id
            and (same_content(note_content(note), incoming) or any(
                r.kind == RevisionKind.EDIT and same_content(r.data, incoming) for r in note.revisions)))
    if same:
        return note
    visible = note.study_id == data["study_id"] and note.deleted_at is None
    raise Conflict("A different note has this id already: nothing was written. "
                   "Leave id out to have a new one made, or change that note with PATCH.",
                   current=current(note) if visible else None)


def update_note(note, author_id, fields, current):
    """The note with `fields` changed, as its next version, if it is still at fields["version"].

    `current` turns a note into what a 409 carries. :raise Conflict, Refused:
    """
    changes.lock_counter()  # before reading the version, so no writer slips in between
    db.session.refresh(note)
    check_version(note, fields.pop("version"), current)
    data = {**held_data(note), **fields}
    if same_content(note_content(note), loaded_content(data)):
        return note  # nothing changes: no new version for phones to pull
    check_scope(note.study_id, data)
    changes.write_note(note, data, author_id)
    return note


def delete_note(note, version, current):
    """A tombstone, as the note's next version, if it is still at `version`. :raise Conflict:"""
    changes.lock_counter()
    db.session.refresh(note)
    check_version(note, version, current)
    changes.tombstone(note)


def check_version(note, version, current):
    if note.deleted_at is not None:
        raise NotFound("This note was deleted.")
    if note.version != version:
        raise Conflict(f"The note is at version {note.version}, not {version}: someone changed it. "
                       "Nothing was written; check `current` and send your change again.", current=current(note))


def check_scope(study_id, data):
    errors = service.scope_errors(study_id, data)
    if errors:
        raise Refused(errors=errors)


def held_data(note):
    """The note's data as a validated push holds it (media as declared, ids as UUIDs), to lay changes over."""
    data = {field: getattr(note, field) for field in CONTENT_FIELDS}
    data["tags"] = [tag.name for tag in note.tags]
    data["captured_at"] = note.captured_at
    data["media"] = [{"id": a.id, "slot": a.slot, "sha256": a.sha256, "size": a.size, "mime": a.mime}
                     for a in note.media]
    return data
