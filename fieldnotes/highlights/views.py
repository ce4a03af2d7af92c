"""The "Make a highlight" page of a note: select a span (mouse, touch, or Shift and the arrow keys), say
what it is, and it becomes a note of its own."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.errors import NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.highlights import bp, form, queries
from fieldnotes.highlights.service import (live_source, live_transcript, make_highlight,
                                           make_transcript_highlight)
from fieldnotes.observations.models import Kind
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.transcripts.models import Transcript
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits.names import NameGuard
from fieldnotes.writers import writer_turn


def source_or_404(study_id, note_id):
    try:
        return live_source(study_id, note_id)
    except NotFound:
        abort(404)


def transcript_or_404(study_id, transcript_id):
    try:
        return live_transcript(study_id, transcript_id)
    except NotFound:
        abort(404)


def back_to(transcript):
    recording = transcript.recording
    if recording.observation_id is not None:
        return url_for("explore.note_page", study_id=recording.study_id, note_id=recording.observation_id), \
            "The note"
    return url_for("transcripts.recording_page", study_id=recording.study_id, recording_id=recording.id), \
        "The recording"


def terms(model, study_id):
    return [(t.id, t.name) for t in db.session.scalars(model.in_order(study_id)) if t.active]


def render_form(membership, source, errors=None, values=None, status=200):
    """The form for a note (`source` an Observation) or a transcript (a Transcript)."""
    guard = NameGuard.of_study(source.study_id)
    if isinstance(source, Transcript):
        action = url_for("highlights.create_transcript_highlight", study_id=source.study_id,
                         transcript_id=source.id)
        back, back_label = back_to(source)
        made, what = queries.of_transcript(source), "transcript"
    else:
        action = url_for("highlights.create_highlight", study_id=source.study_id, note_id=source.id)
        back, back_label = url_for("explore.note_page", study_id=source.study_id, note_id=source.id), "This note"
        made, what = queries.of_source(source), "note"
    # A real name is for owners (visits/names.py): anyone else cannot select words they are not shown.
    masked = not allows(membership.role, "see_real_names") and bool(guard.names_in(source.text))
    values = values or {"kind": "quote", "touchpoint_id": getattr(source, "touchpoint_id", None),
                        "role_id": getattr(source, "role_id", None), "add_tags": ""}
    return render_template(
        "highlights/new.html", study=membership.study, membership=membership, source_text=source.text or "",
        action=action, back=back, back_label=back_label, what=what, masked=masked,
        shown=guard.mask, errors=errors or {}, values=values, labels=form.LABELS,
        kinds=[(k.value, k.value.capitalize()) for k in Kind],
        touchpoints=terms(Touchpoint, source.study_id), roles=terms(Role, source.study_id),
        highlights=made), status


@bp.get("/studies/<id:study_id>/notes/<uuid:note_id>/highlights/new")
@login_required
def new_highlight(study_id, note_id):
    membership = require(study_id, "make_highlights")
    return render_form(membership, source_or_404(study_id, note_id))


@bp.post("/studies/<id:study_id>/notes/<uuid:note_id>/highlights")
@login_required
def create_highlight(study_id, note_id):
    membership = require(study_id, "make_highlights")
    return save(membership, source_or_404(study_id, note_id), make_highlight,
                lambda: source_or_404(study_id, note_id))


@bp.get("/studies/<id:study_id>/transcripts/<int:transcript_id>/highlights/new")
@login_required
def new_transcript_highlight(study_id, transcript_id):
    membership = require(study_id, "make_highlights")
    return render_form(membership, transcript_or_404(study_id, transcript_id))


@bp.post("/studies/<id:study_id>/transcripts/<int:transcript_id>/highlights")
@login_required
def create_transcript_highlight(study_id, transcript_id):
    membership = require(study_id, "make_highlights")
    return save(membership, transcript_or_404(study_id, transcript_id), make_transcript_highlight,
                lambda: transcript_or_404(study_id, transcript_id))


def save(membership, source, maker, reload):
    """Make the highlight and go to it, or show the form again with what was typed and why not."""
    data, errors = load_form(form.HighlightSchema())
    if data:
        names = form.tag_names(data["add_tags"])
        errors = form.tag_errors(names)
    if not errors:
        fields = {"kind": data["kind"], "touchpoint_id": data["touchpoint_id"], "role_id": data["role_id"],
                  "tags": names}
        try:
            with writer_turn():
                highlight = maker(source, data["start"], data["end"], fields, current_user.user.id)
                db.session.commit()
        except Refused as refused:
            db.session.rollback()
            errors = refused.errors
    if errors:
        values = {key: request.form.get(key, "") for key in ("kind", "touchpoint_id", "role_id", "add_tags")}
        for key in ("touchpoint_id", "role_id"):
            values[key] = int(values[key]) if values[key].isdigit() else None
        return render_form(membership, reload(), errors, values, 422)
    flash("Highlight made: it is a note of its own, linked to the words it came from.")
    return redirect(url_for("explore.note_page", study_id=source.study_id, note_id=highlight.observation_id),
                    code=303)

