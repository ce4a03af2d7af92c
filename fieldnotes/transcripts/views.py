"""Recording and transcript pages: a recording with its transcript, its state, retry, edits and versions;
adding an interview recording to a visit (a page, and the resumable upload it drives)."""
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate

from fieldnotes.errors import Conflict, Refused
from fieldnotes.extensions import db
from fieldnotes.forms import DB_INT_MAX
from fieldnotes.navigation import safe_next
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.permissions import allows, require
from fieldnotes.text import Text
from fieldnotes.transcripts import bp, panels, service, uploads
from fieldnotes.transcripts.models import Source, UploadStatus
from fieldnotes.visits.consent import AUDIO, consent_problem
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import VISIT_SECTIONS, get_visit
from fieldnotes.writers import takes_own_turns, writer_turn


def back_to(recording, default=None):
    """Where a form returns: the page it was posted from (same site only), else the recording's page."""
    return safe_next(request.form.get("next")) or default or url_for(
        "transcripts.recording_page", study_id=recording.study_id, recording_id=recording.id)


@bp.get("/studies/<id:study_id>/recordings/<uuid:recording_id>")
@login_required
def recording_page(study_id, recording_id):
    membership = require(study_id, "view_notes")
    recording = service.get_recording(study_id, recording_id)
    if recording.source == Source.NOTE:  # a note's recording is shown on its note's page
        return redirect(url_for("explore.note_page", study_id=study_id, note_id=recording.observation_id))
    panel = panels.panel(membership, recording)
    return render_template("transcripts/recording.html", study=membership.study, membership=membership,
                           recording=recording, panel=panel)


@bp.get("/studies/<id:study_id>/recordings/<uuid:recording_id>/state")
@login_required
def recording_state(study_id, recording_id):
    """What the page polls while a recording waits or is transcribed."""
    require(study_id, "view_notes")
    return service.state_of(service.get_recording(study_id, recording_id))


@bp.post("/studies/<id:study_id>/recordings/<uuid:recording_id>/retry")
@login_required
def retry(study_id, recording_id):
    membership = require(study_id, "edit_notes")
    recording = service.get_recording(study_id, recording_id)
    if not service.may_change(membership, recording):
        abort(403, "Only those who may edit this recording's note can retry it.")
    service.retry(recording)  # Refused -> 422, rolled back
    db.session.commit()
    flash("Transcription queued again.")
    return redirect(back_to(recording), code=303)


@bp.route("/studies/<id:study_id>/recordings/<uuid:recording_id>/transcript/edit", methods=["GET", "POST"])
@login_required
def edit_transcript(study_id, recording_id):
    membership = require(study_id, "edit_notes")
    recording = service.get_recording(study_id, recording_id)
    if not service.may_change(membership, recording):
        abort(403, "Only those who may edit this recording's note can edit its transcript.")
    transcript = service.current_transcript(recording.id)
    if transcript is None:
        abort(404)
    panel = panels.panel(membership, recording)
    if panel["words_hidden"]:
        abort(403, "This transcript names a participant; an owner edits the real name out first.")
    errors, texts = [], None
    if request.method == "POST":
        texts = request.form.getlist("segment")
        base = request.form.get("base_version", "")
        if not (base.isascii() and base.isdigit()) or int(base) > DB_INT_MAX:
            abort(400, "The form did not say which version of the transcript you edited: "
                       "open it again and redo the change.")
        try:
            with writer_turn():
                version = service.edit(transcript, current_user.user, int(base), texts)
                db.session.commit()
        except (Conflict, Refused) as problem:
            db.session.rollback()
            errors = [problem.description]
            transcript = service.current_transcript(recording.id)
            panel = panels.panel(membership, recording)
        else:
            flash(f"Saved as version {version.number}." if version else "Nothing changed.")
            return redirect(back_to(recording, panel["page_url"]), code=303)
    return render_template("transcripts/edit.html", study=membership.study, recording=recording, panel=panel,
                           transcript=transcript, errors=errors, texts=texts), 409 if errors else 200


@bp.get("/studies/<id:study_id>/recordings/<uuid:recording_id>/transcript/versions")
@login_required
def transcript_versions(study_id, recording_id):
    membership = require(study_id, "view_notes")
    recording = service.get_recording(study_id, recording_id)
    transcript = service.current_transcript(recording.id)
    if transcript is None:
        abort(404)
    panel = panels.panel(membership, recording)
    return render_template("transcripts/versions.html", study=membership.study, recording=recording, panel=panel,
                           versions=panels.shown_versions(membership, transcript))


@bp.post("/studies/<id:study_id>/recordings/<uuid:recording_id>/delete")
@login_required
def delete_recording(study_id, recording_id):
    """An interview recording, its transcripts and its file go (a note's audio goes with its note)."""
    membership = require(study_id, "manage_fieldwork")
    recording = service.get_recording(study_id, recording_id)
    if recording.source != Source.INTERVIEW or not service.may_change(membership, recording):
        abort(403, "Only an interview recording's owner, or the study's owner, can delete it.")
    visit_id = recording.visit_id
    with writer_turn():
        forget = service.delete_recording(recording)
        db.session.commit()
    forget()
    flash("Recording deleted, with its transcript.")
    return redirect(url_for("visits.show", study_id=study_id, visit_id=visit_id), code=303)


@bp.get("/studies/<id:study_id>/recordings/<uuid:recording_id>/audio")
@login_required
def recording_audio(study_id, recording_id):
    """An interview recording's file (a note's audio is served as media, /media/<id>)."""
    require(study_id, "view_notes")
    recording = service.get_recording(study_id, recording_id)
    if recording.source != Source.INTERVIEW or recording.upload != UploadStatus.VERIFIED:
        abort(404)
    response = send_file(stored_path(recording.sha256), mimetype=recording.mime, max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# Adding an interview recording to a visit

@bp.get("/studies/<id:study_id>/visits/<id:visit_id>/recordings/new")
@login_required
def add_recording_page(study_id, visit_id):
    membership = require(study_id, "manage_fieldwork")
    visit = get_visit(study_id, visit_id)
    return render_template("transcripts/add.html", study=membership.study, visit=visit,
                           participants=Participant.in_order(visit.participants),
                           max_mb=uploads.MAX_BYTES // 1024 // 1024)


class RecordingDeclaration(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    participant_id = fields.Integer(load_default=None, strict=True,
                                    validate=validate.Range(min=1, max=DB_INT_MAX), allow_none=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**53))
    mime = fields.String(required=True, validate=validate.Length(min=1, max=100))


@bp.post("/api/studies/<id:study_id>/visits/<id:visit_id>/recordings")
@takes_own_turns
@login_required
def declare_recording(study_id, visit_id):
    require(study_id, "manage_fieldwork")
    visit = get_visit(study_id, visit_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "Send the recording's title, sha256, size and mime as a JSON object.")
    data = RecordingDeclaration().load(body)  # ValidationError -> 422
    if data["participant_id"] is not None:
        refuse_unconsented(visit, data["participant_id"])
    recording, created = uploads.declare(current_user.user, visit, data)
    return upload_answer(recording), 201 if created else 200


def refuse_unconsented(visit, participant_id):
    """A recording of someone who did not agree to audio recordings is never taken in, from a phone or a laptop."""
    participant = next((p for p in visit.participants if p.id == participant_id), None)
    if participant is None:
        raise ValidationError({"participant_id": ["Not a participant of this visit."]})
    if consent_problem(AUDIO, participant):
        raise ValidationError({"participant_id": [
            f"{participant.pseudonym} did not consent to audio recordings, so a recording of them is not kept."]})


def upload_answer(recording):
    return {**service.state_of(recording),
            "url": url_for("transcripts.recording_page", study_id=recording.study_id, recording_id=recording.id)}


@bp.patch("/api/studies/<id:study_id>/recordings/<uuid:recording_id>")
@takes_own_turns
@login_required
def append_recording(study_id, recording_id):
    require(study_id, "manage_fieldwork")
    recording = service.get_recording(study_id, recording_id)
    if recording.source != Source.INTERVIEW or recording.added_by_id != current_user.id:
        abort(404)  # only its own uploader sends its bytes
    db.session.commit()
    if request.mimetype != "application/offset+octet-stream":
        abort(415, "Send chunks as application/offset+octet-stream.")
    offset = request.headers.get("Upload-Offset", "")
    if not (offset.isascii() and offset.isdigit()) or len(offset) > 12:
        abort(400, "Upload-Offset: the byte this chunk starts at.")
    if (request.content_length or 0) > uploads.CHUNK_MAX:
        abort(413, f"Chunks may be at most {uploads.CHUNK_MAX // 1024 // 1024} MB.")
    chunk = request.get_data(cache=False)
    if len(chunk) > uploads.CHUNK_MAX:
        abort(413, f"Chunks may be at most {uploads.CHUNK_MAX // 1024 // 1024} MB.")
    try:
        recording = uploads.append(recording.id, int(offset), chunk)
    except uploads.OffsetMismatch as mismatch:
        return ({"code": 409, "message": "Conflict", "description": mismatch.description,
                 "offset": mismatch.offset}, 409, {"Upload-Offset": str(mismatch.offset)})
    return upload_answer(recording), 200, {"Upload-Offset": str(recording.offset)}


def visit_recordings_section(membership, visit):
    """The visit page's "Recordings" section (registered with visits.views.VISIT_SECTIONS)."""
    if not allows(membership.role, "view_notes"):
        return ""
    return Markup(render_template("transcripts/_visit_section.html", study=membership.study, visit=visit,
                                  recordings=panels.of_visit(visit),
                                  can_add=allows(membership.role, "manage_fieldwork")))


if visit_recordings_section not in VISIT_SECTIONS:
    VISIT_SECTIONS.append(visit_recordings_section)
