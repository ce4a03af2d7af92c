"""Notes by the API: the browse filters with a cursor, one note, and create, update, delete as new versions."""
from flask import abort, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.api import bp, writes
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import (NoteCreateSchema, NoteDeleteSchema, NoteFilterSchema, NotePageSchema,
                                    NotePatchSchema, NoteSchema)
from fieldnotes.errors import Refused
from fieldnotes.explore.filters import BadFilter, parse_filters
from fieldnotes.explore.listing import encode_cursor, listed
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations.service import can_edit
from fieldnotes.visits.names import NameGuard

NOTE, PAGE = NoteSchema(), NotePageSchema()
EXAMPLE_NOTE = {"kind": "quote", "text": "I print it and retype it into the portal.", "tags": ["retyping"],
                "captured_at": "2026-03-12T10:15:00+00:00"}


def note_entry(note, guard):
    """A note as the API shows it: real names in its words masked (visits/names.py), for every reader."""
    return {"id": note.id, "study_id": note.study_id, "kind": str(note.kind), "text": guard.mask(note.text),
            "expected": guard.mask(note.expected), "touchpoint_id": note.touchpoint_id, "role_id": note.role_id,
            "participant_id": note.participant_id, "visit_id": note.visit_id, "no_person": note.no_person,
            "tags": [t.name for t in note.tags], "captured_at": note.captured_at,
            "client_time_suspect": note.client_time_suspect, "author_id": note.author_id,
            "author": note.author.name, "version": note.version, "updated_at": note.updated_at,
            "media": [{"id": a.id, "slot": str(a.slot), "mime": a.mime, "size": a.size, "status": str(a.status)}
                      for a in note.media]}


def shown(note):
    return NOTE.dump(note_entry(note, NameGuard.of_study(note.study_id)))


def live_note(study_id, note_id):
    """The study's live note, or 404: another study's note and a deleted one look like none."""
    note = db.session.scalar(select(Observation).where(
        Observation.id == note_id, Observation.study_id == study_id, Observation.deleted_at.is_(None)))
    if note is None:
        abort(404, "No such note in this study.")
    return note


def editable_note(membership, note_id):
    note = live_note(membership.study_id, note_id)
    if not can_edit(membership, note):
        abort(403, "Researchers can change only the notes they captured.")
    return note


@bp.get("/studies/<id:study_id>/notes")
@login_required
@operation(ok=(200, NotePageSchema), needs="view_notes", query=NoteFilterSchema())
def list_notes(study_id, membership, query):
    """The study's live notes under the browse filters, newest first (or along the journey), a page at a time.

    Filters take the browse page's names and values; several values of one filter are any-of, different
    filters all-of. Follow `next` (as `after`) until it is null: every note comes exactly once.
    """
    limit = query["limit"]
    try:
        filters = parse_filters(study_id, request.args)
        dialect_name = db.engine.dialect.name
        rows = listed(filters, dialect_name, limit)  # reads the cursor
    except BadFilter as error:
        raise Refused(errors={"filters": [str(error)]}) from None
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = encode_cursor(filters.order, last[0], last[1] if filters.order == "journey" else None)
    guard = NameGuard.of_study(study_id)
    return PAGE.dump({"notes": [note_entry(row[0], guard) for row in rows[:limit]], "next": cursor})


@bp.get("/studies/<id:study_id>/notes/<uuid:note_id>")
@login_required
@operation(ok=(200, NoteSchema), needs="view_notes", errors=(404,))
def show_note(study_id, note_id, membership):
    """One live note."""
    return shown(live_note(study_id, note_id))


@bp.post("/studies/<id:study_id>/notes")
@login_required
@operation(ok=(201, NoteSchema), needs="capture", body=NoteCreateSchema(), errors=(409,),
           examples={"request": EXAMPLE_NOTE})
def add_note(study_id, membership, body):
    """Add a note, as its author; phones pull it like any other. Ids it names must be in this study.

    With your own `id`, sending the same note again (a retry, or the note your phone pushed) answers
    as the first time and writes nothing; a different note with that id is a 409.
    """
    note = writes.create_note(study_id, current_user.id, body, shown)
    db.session.commit()
    return shown(note), 201, {"Location": url_for("api.show_note", study_id=study_id, note_id=note.id)}


@bp.patch("/studies/<id:study_id>/notes/<uuid:note_id>")
@login_required
@operation(ok=(200, NoteSchema), needs="edit_notes", body=NotePatchSchema(), errors=(409,),
           examples={"request": {"version": 3, "kind": "breakdown", "tags": ["retyping", "portal"]}})
def change_note(study_id, note_id, membership, body):
    """Change some of a note's fields, naming the version you saw; the note's next version is written.

    Researchers change only their own notes; owners and designers any note.
    """
    note = editable_note(membership, note_id)
    writes.update_note(note, current_user.id, body, shown)
    db.session.commit()
    return shown(note)


@bp.delete("/studies/<id:study_id>/notes/<uuid:note_id>")
@login_required
@operation(ok=(204, None), needs="edit_notes", query=NoteDeleteSchema(), errors=(409,))
def remove_note(study_id, note_id, membership, query):
    """Delete a note, naming the version you saw; phones pull the deletion."""
    note = editable_note(membership, note_id)
    writes.delete_note(note, query["version"], shown)
    db.session.commit()
    return "", 204
