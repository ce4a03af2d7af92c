"""The interpretation session's screen: one visit's notes on a laptop or a TV, marked by the team.

It works as plain forms (a mark is a small form per note); static/js/interpretation.js adds the
keyboard (j/k or arrows to move, 1/2/3 to mark, 0 to clear, c for context) and saves marks without
reloading. The screen is shown to a room, so real names typed into notes are masked for everyone.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from fieldnotes.errors import Conflict, NotFound, ServiceError
from fieldnotes.extensions import db
from fieldnotes.fieldkit import bp
from fieldnotes.fieldkit.models import MARK_WORDS, Mark
from fieldnotes.fieldkit.sessions import (CloseSchema, attendee_choices, close_session, due_by, mark_note, marks_of,
                                          session_of, start_session, visit_notes)
from fieldnotes.forms import load_form
from fieldnotes.studies.permissions import require
from fieldnotes.visits.models import Participant
from fieldnotes.visits.names import NameGuard
from fieldnotes.visits.service import get_visit


def screen_notes(study, visit, session):
    """The notes as the screen shows them: words masked, their context named, their mark and added context."""
    guard = NameGuard.of_study(study.id)
    roles = {r.id: r.name for r in study.roles}
    stages = {t.id: t.name for t in study.touchpoints}
    people = {p.id: p.pseudonym for p in db.session.scalars(Participant.of_study(study.id))}
    marks = marks_of(session) if session else {}
    return [{"id": note.id, "kind": str(note.kind), "text": guard.mask(note.text),
             "expected": guard.mask(note.expected),
             "participant": people.get(note.participant_id), "role": roles.get(note.role_id),
             "touchpoint": stages.get(note.touchpoint_id), "captured_at": note.captured_at,
             "mark": marks[note.id].mark if note.id in marks else None,
             "context": guard.mask(marks[note.id].context) if note.id in marks else ""}
            for note in visit_notes(visit.id)]


def screen(membership, visit, session, close_errors=None, close_values=None, status=200):
    study = membership.study
    members = attendee_choices(study.id)
    chosen = set(close_values["attendee_ids"]) if close_values else (
        {str(current_user.id)} | {str(u.id) for u in visit.researchers})
    return render_template(
        "fieldkit/interpretation.html", study=study, membership=membership, visit=visit, session=session,
        notes=screen_notes(study, visit, session), due=due_by(visit.visited_on), Mark=Mark, mark_words=MARK_WORDS,
        attendee_boxes=[("attendee_ids", u.id, u.name, str(u.id) in chosen) for u in members],
        close_errors=close_errors or {}, summary=(close_values or {}).get("summary", "")), status


@bp.get("/studies/<id:study_id>/visits/<id:visit_id>/interpretation")
@login_required
def interpretation(study_id, visit_id):
    membership = require(study_id, "interpret")
    visit = get_visit(study_id, visit_id)
    return screen(membership, visit, session_of(visit.id))


@bp.post("/studies/<id:study_id>/visits/<id:visit_id>/interpretation/start")
@login_required
def start(study_id, visit_id):
    require(study_id, "interpret")
    visit = get_visit(study_id, visit_id)
    start_session(visit, current_user.user)
    db.session.commit()
    return redirect(url_for("fieldkit.interpretation", study_id=study_id, visit_id=visit_id), code=303)


def wants_json():
    return request.accept_mimetypes.best == "application/json"


@bp.post("/studies/<id:study_id>/visits/<id:visit_id>/interpretation/marks")
@login_required
def mark(study_id, visit_id):
    """One note's mark and context; JSON for the keyboard screen, a redirect back to the note for a form."""
    membership = require(study_id, "interpret")
    visit = get_visit(study_id, visit_id)
    session = session_of(visit.id)
    form = request.form
    try:
        if session is None:
            raise NotFound("No interpretation session has been started for this visit: start it first.")
        saved = mark_note(session, form.get("note_id", ""), form.get("mark", ""), form.get("context", ""),
                          current_user.user)
    except ServiceError as error:
        db.session.rollback()
        if wants_json():
            return {"description": error.description, "errors": error.errors}, error.code
        # The screen again, with what went wrong said at its top and the request's status.
        flash(" ".join([error.description, *(m for ms in error.errors.values() for m in ms)]))
        return screen(membership, visit, session_of(visit.id), status=error.code)
    db.session.commit()
    if wants_json():
        return {"note_id": str(saved.observation_id), "mark": saved.mark.value if saved.mark else "",
                "context": saved.context}
    return redirect(url_for("fieldkit.interpretation", study_id=study_id, visit_id=visit_id,
                            _anchor=f"note-{saved.observation_id}"), code=303)


@bp.post("/studies/<id:study_id>/visits/<id:visit_id>/interpretation/close")
@login_required
def close(study_id, visit_id):
    membership = require(study_id, "interpret")
    visit = get_visit(study_id, visit_id)
    session = session_of(visit.id)
    if session is None:
        raise NotFound("No interpretation session has been started for this visit: start it first.")
    data, errors = load_form(CloseSchema())
    if data:
        try:
            close_session(session, data, current_user.user)
        except ValidationError as error:
            errors = error.messages
        except Conflict as error:
            db.session.rollback()
            flash(error.description)
            return redirect(url_for("visits.show", study_id=study_id, visit_id=visit_id), code=303)
    if errors:
        db.session.rollback()
        values = {"summary": request.form.get("summary", ""), "attendee_ids": request.form.getlist("attendee_ids")}
        return screen(membership, visit, session, errors, values, status=422)
    db.session.commit()
    flash(f"Interpretation session closed: {session.key_count} key, {session.question_count} questions, "
          f"{session.candidate_count} insight candidates of {session.notes_count} notes.")
    return redirect(url_for("visits.show", study_id=study_id, visit_id=visit_id), code=303)
