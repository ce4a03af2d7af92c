"""Participant pages: the list, one participant, recording, editing and erasing one.

Real names are private: only members allowed "see_real_names" (owners) get
the field, in pages and in forms; for everyone else the schema refuses it.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits import bp
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.schemas import MAX_ID, ParticipantSchema
from fieldnotes.visits.service import (KEEP, create_participant, erase_participant, get_participant,
                                       holdings, role_choices, update_participant)

FORM_FIELDS = ("pseudonym", "role_id", "organisation", "real_name", "consent_given", "consent_on",
               "consent_notes", "consent_quotes", "consent_photos", "consent_audio")


def visit_named(study_id, raw):
    """The study's visit whose id is the string `raw`, or None (whatever `raw` holds)."""
    visit_id = int(raw) if raw and raw.isdecimal() and len(raw) < 11 else 0
    visit = db.session.get(SiteVisit, visit_id) if 1 <= visit_id <= MAX_ID else None
    return visit if visit is not None and visit.study_id == study_id else None


def participant_schema(membership, new):
    hidden = () if allows(membership.role, "see_real_names") else ("real_name",)
    return ParticipantSchema(exclude=hidden + (() if new else ("visit_id",)))


def participant_form(membership, values, participant=None, visit=None, errors=None):
    study = membership.study
    return render_template("visits/participant_form.html", study=study, participant=participant,
                           visit=visit, values=values,
                           role_options=[(r.id, f"{r.name} (retired)" if r.retired else r.name)
                                         for r in role_choices(study, participant)],
                           see_real_names=allows(membership.role, "see_real_names"),
                           errors=errors or {}), 422 if errors else 200


def save_participant(membership, participant=None):
    """Validate the posted form and save; a 303 onwards, or the form again with errors."""
    study, new = membership.study, participant is None
    data, errors = load_form(participant_schema(membership, new=new))
    if data:
        try:
            participant = create_participant(study, data) if new else update_participant(participant, study, data)
            db.session.commit()
        except ValidationError as error:
            errors = error.messages
        except IntegrityError:
            # Someone saved the same pseudonym between the check and this commit.
            errors = {"pseudonym": [f"Another participant in this study is already called “{data['pseudonym']}”."]}
    if errors:
        db.session.rollback()
        visit = visit_named(study.id, request.form.get("visit_id")) if new else None
        return participant_form(membership, request.form.to_dict(), None if new else participant, visit, errors)
    flash(f"Participant {participant.pseudonym} saved.")
    if data.get("visit_id"):
        return redirect(url_for("visits.show", study_id=study.id, visit_id=data["visit_id"]), code=303)
    return redirect(url_for("visits.participant", study_id=study.id, participant_id=participant.id), code=303)


@bp.get("/studies/<id:study_id>/participants")
@login_required
def participants(study_id):
    membership = require(study_id, "view_fieldwork")
    rows = Participant.in_order(db.session.scalars(Participant.of_study(study_id)))
    return render_template("visits/participants.html", study=membership.study, membership=membership,
                           participants=rows, see_real_names=allows(membership.role, "see_real_names"))


@bp.route("/studies/<id:study_id>/participants/new", methods=["GET", "POST"])
@login_required
def create_participant_page(study_id):
    membership = require(study_id, "manage_fieldwork")
    if request.method == "POST":
        return save_participant(membership)
    visit = None
    if request.args.get("visit_id"):
        visit = visit_named(study_id, request.args["visit_id"]) or abort(404)
    # Met on a visit: most likely works at the organisation visited.
    values = {"visit_id": visit.id, "organisation": visit.organisation} if visit else {}
    return participant_form(membership, values, visit=visit)


@bp.get("/studies/<id:study_id>/participants/<id:participant_id>")
@login_required
def participant(study_id, participant_id):
    membership = require(study_id, "view_fieldwork")
    return render_template("visits/participant.html", study=membership.study, membership=membership,
                           participant=get_participant(study_id, participant_id),
                           see_real_names=allows(membership.role, "see_real_names"))


@bp.route("/studies/<id:study_id>/participants/<id:participant_id>/edit", methods=["GET", "POST"])
@login_required
def edit_participant(study_id, participant_id):
    membership = require(study_id, "manage_fieldwork")
    participant = get_participant(study_id, participant_id)
    if request.method == "POST":
        return save_participant(membership, participant)
    values = {key: getattr(participant, key) for key in FORM_FIELDS}
    if not allows(membership.role, "see_real_names"):
        del values["real_name"]
    return participant_form(membership, values, participant)


@bp.route("/studies/<id:study_id>/participants/<id:participant_id>/erase", methods=["GET", "POST"])
@login_required
def erase(study_id, participant_id):
    """Say what goes and what stays; erase only when the confirming button was pressed."""
    membership = require(study_id, "manage_study")
    participant = get_participant(study_id, participant_id)
    notes = request.form.get("notes", KEEP)  # the page always sends a choice; keeping is the default
    errors = {}
    if request.method == "POST" and request.form.get("confirm") == "erase":
        try:
            erasure = erase_participant(participant, notes, erased_by=current_user.id)
        except Refused as refusal:
            errors = refusal.errors
        else:
            db.session.commit()
            erasure.finish()
            # The confirmation names no one: erasure means the name is gone from here too.
            flash(erased_summary(erasure.counts, notes))
            return redirect(url_for("visits.participants", study_id=study_id), code=303)
    return render_template("visits/erase.html", study=membership.study, participant=participant,
                           found=holdings(participant), notes=notes, errors=errors,
                           see_real_names=True), 422 if request.method == "POST" else 200


# Text the team or visitors typed that named them, and was scrubbed: count key -> (one, many).
NAMED_IN = {"naming_notes": ("other note",), "naming_reactions": ("reaction",),
            "summaries": ("visit summary", "visit summaries"), "naming_boards": ("board",),
            "naming_insights": ("insight statement",), "naming_transcripts": ("transcript",),
            "naming_accounts": ("account note",), "naming_workshop_groups": ("workshop group name",)}


def counted(count, one, many=None):
    return f"{count} {one if count == 1 else many or one + 's'}"


def erased_summary(counts, notes):
    """What the erasure did, in counts: the confirmation the owner sees."""
    kept = (f"{counted(counts['notes_kept'], 'note')} kept as de-identified observations, without their words"
            if notes == KEEP else f"{counted(counts['notes_deleted'], 'note')} deleted")
    parts = [f"Participant erased: {kept}",
             f"{counted(counts['photos'], 'photo')} and {counted(counts['recordings'], 'recording')} deleted "
             "with their files",
             f"{counted(counts['evidence'], 'piece')} of board evidence removed"]
    named = [counted(counts[key], *words) for key, words in NAMED_IN.items() if counts[key]]
    if named:
        parts.append("their name replaced by “[participant]” in " + ", ".join(named))
    return "; ".join(parts) + "."
