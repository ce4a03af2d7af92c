"""A note's page: everything about one note, its history, and correcting it: its text, kind, touchpoint,
role, participant, visit, tags and whether it is a person's words or image.

Real names are for owners (visits/names.py): an owner sees a note that contains one flagged, so they
can edit it out; anyone else sees the name masked, in the note and in its history.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.explore import bp
from fieldnotes.explore import note_form
from fieldnotes.explore.edits import EDITABLE, Stale, edit_fields
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.highlights import queries as highlight_queries
from fieldnotes.observations.content import FIELD_DEFAULTS
from fieldnotes.observations.models import Kind, Observation, RevisionKind
from fieldnotes.observations.service import can_edit
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.studies.permissions import allows, require
from fieldnotes.transcripts import panels as transcript_panels
from fieldnotes.writers import writer_turn
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard

FIELD_LABELS = {"kind": "Kind", "text": "Text", "expected": "What they expected",
                "touchpoint_id": "Touchpoint", "role_id": "Role", "participant_id": "Participant",
                "visit_id": "Visit", "no_person": "Not a person’s words or image", "tags": "Tags",
                "captured_at": "Captured", "media": "Photos and audio"}


def live_note(study_id, note_id):
    """The study's note, or 404: another study's id, and a deleted note, look like no note."""
    note = db.session.scalar(select(Observation).where(
        Observation.id == note_id, Observation.study_id == study_id, Observation.deleted_at.is_(None)))
    if note is None:
        abort(404)
    return note


def names(model, study_id):
    return dict(db.session.execute(select(model.id, model.name).where(model.study_id == study_id)).all())


def labels(study_id):
    """id -> readable name, for the page and for describing old versions."""
    visits = db.session.execute(select(SiteVisit.id, SiteVisit.organisation, SiteVisit.visited_on)
                                .where(SiteVisit.study_id == study_id)).all()
    return {"touchpoint_id": names(Touchpoint, study_id), "role_id": names(Role, study_id),
            "participant_id": dict(db.session.execute(select(Participant.id, Participant.pseudonym)
                                                      .where(Participant.study_id == study_id)).all()),
            "visit_id": {v.id: f"{v.organisation}, {v.visited_on.isoformat()}" for v in visits}}


def describe(field, value, lookup):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value in (None, "", []):
        return "none"
    if field in lookup:
        return lookup[field].get(value, f"#{value} (removed)")
    if field == "tags":
        return ", ".join(value)
    if field == "media":
        return ", ".join(f"{m['slot']}" for m in value)
    return str(value)


def comparable(field, value):
    """Tags differ by name (not order); media by which files, not how the entry was spelled."""
    if value is None and field in FIELD_DEFAULTS:
        return FIELD_DEFAULTS[field]  # a version from before the field existed held its default
    if field == "tags":
        return sorted(value or [])
    if field == "media":
        return sorted(m["id"] for m in value or [])
    return value


def history(note, lookup, shown=str):
    """Each revision with what it changed against the version before it (or, for a conflict, its base).

    `shown` is how text reaches this reader (real names masked for all but owners).
    """
    by_version = {r.version: r.data for r in note.revisions if r.kind == RevisionKind.EDIT}
    entries, previous = [], None
    for revision in note.revisions:
        base = by_version.get(revision.version) if revision.kind == RevisionKind.CONFLICT else previous
        deleted = revision.data.get("deleted", False)
        changes = [] if base is None or deleted else [
            (FIELD_LABELS[f], shown(describe(f, base.get(f), lookup)), shown(describe(f, revision.data.get(f), lookup)))
            for f in FIELD_LABELS if comparable(f, base.get(f)) != comparable(f, revision.data.get(f))]
        entries.append({"revision": revision, "changes": changes, "first": base is None, "deleted": deleted,
                        "erased": revision.data.get("erased", False)})
        if revision.kind == RevisionKind.EDIT:
            previous = revision.data
    return entries


def term_options(model, study_id, current):
    terms = db.session.scalars(model.in_order(study_id)).all()
    return [(t.id, t.name + (" (retired)" if t.retired else "")) for t in terms if t.active or t.id == current]


def render_note(membership, note, errors=None, status=200, form=None):
    lookup = labels(note.study_id)
    guard = NameGuard.of_study(note.study_id)
    owner = allows(membership.role, "see_real_names")
    shown = str if owner else guard.mask
    # The form must not hand a real name back to someone the page masks it from: their form leaves the
    # words out (a post without them keeps them as they are) and an owner edits the name out.
    words_hidden = not owner and bool(guard.names_in(note.text, note.expected))
    panels = transcript_panels.for_note(membership, note)
    return render_template(
        "explore/note.html", study=membership.study, membership=membership, note=note, lookup=lookup,
        history=history(note, lookup, shown), editable=can_edit(membership, note), errors=errors or {},
        shown=shown, real_names=guard.names_in(note.text, note.expected) if owner else [], words_hidden=words_hidden,
        form=form or note_form.state(note), labels=note_form.LABELS, tag_boxes=note_form.tag_boxes,
        kinds=[(k.value, k.value.capitalize()) for k in Kind],
        touchpoints=term_options(Touchpoint, note.study_id, note.touchpoint_id),
        roles=term_options(Role, note.study_id, note.role_id),
        participants=note_form.participant_options(note.study_id),
        visits=note_form.visit_options(note.study_id),
        transcripts=panels, transcript_highlights=[(p["transcript"], highlight_queries.of_transcript(p["transcript"]))
                                                   for p in panels.values() if p["transcript"]],
        highlights=highlight_queries.of_source(note), made=highlight_queries.highlight_of(note),
        may_highlight=allows(membership.role, "make_highlights") and bool(note.text),
        allows_highlights=allows(membership.role, "make_highlights")), status


@bp.get("/studies/<id:study_id>/notes/<uuid:note_id>")
@login_required
def note_page(study_id, note_id):
    membership = require(study_id, "view_notes")
    return render_note(membership, live_note(study_id, note_id))


def save_edit(note, data):
    """Write the edit and commit, or roll back and return the messages."""
    try:
        errors = note_form.text_errors(note, data, request.form) or edit_fields(
            note, current_user.user, note_form.sent_fields(data, request.form, EDITABLE), data["base_version"],
            tag_names=note_form.tag_names(data) if note_form.TAGS_SHOWN in request.form else None)
    except Stale:
        db.session.rollback()
        errors = {"form": [f"Someone changed this note while you were looking at it (it is now version "
                           f"{db.session.get(Observation, note.id).version}). Nothing was saved: your changes "
                           "are still in the form below, beside the note as it is now; check them and save "
                           "again."]}
    if errors:
        db.session.rollback()
    else:
        db.session.commit()
    return errors


@bp.post("/studies/<id:study_id>/notes/<uuid:note_id>/edit")
@login_required
def edit_note(study_id, note_id):
    membership = require(study_id, "edit_notes")
    note = live_note(study_id, note_id)
    if not can_edit(membership, note):
        abort(403, "Researchers can change only the notes they captured.")
    data, errors = load_form(note_form.NoteEditSchema())
    if data:
        with writer_turn():
            errors = save_edit(note, data)
    if errors:
        # What they typed comes back in the form (nothing lost), over the note as it now is.
        note = live_note(study_id, note_id)
        form = note_form.posted(request.form, note)
        return render_note(membership, note, errors, 409 if "form" in errors else 422, form)
    flash("Note updated.")
    return redirect(url_for("explore.note_page", study_id=study_id, note_id=note_id), code=303)
