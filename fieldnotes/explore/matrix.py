"""The journey-matrix page: touchpoints by roles, where the notes (and the pain) concentrate.

Only the view and its filter form: the cells themselves are counted in cells.
"""
from flask import render_template, request
from flask_login import login_required
from sqlalchemy import select

from fieldnotes.explore import bp
from fieldnotes.explore.cells import TONES, build
from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.studies.permissions import require
from fieldnotes.visits.models import Participant, SiteVisit


def filter_choices(study_id):
    visits = db.session.scalars(SiteVisit.of_study(study_id)).all()
    organisations = sorted(set(v.organisation for v in visits) | set(db.session.scalars(
        select(Participant.organisation).where(Participant.study_id == study_id,
                                               Participant.organisation != "")).all()))
    return visits, organisations


def chosen_filters(visits, organisations):
    """The filters in the URL that name this study's visits and organisations; others are ignored."""
    known_visits = {v.id for v in visits}
    asked = (whole_number(v) for v in request.args.getlist("visit"))  # "²" passes isdigit() and breaks int()
    visit_ids = sorted({v for v in asked if v in known_visits})
    chosen = sorted(set(request.args.getlist("organisation")) & set(organisations))
    return visit_ids, chosen


@bp.get("/studies/<id:study_id>/journey-matrix")
@login_required
def journey_matrix(study_id):
    membership = require(study_id, "view_notes")
    visits, organisations = filter_choices(study_id)
    visit_ids, chosen = chosen_filters(visits, organisations)
    return render_template("explore/matrix.html", study=membership.study, membership=membership,
                           matrix=build(study_id, visit_ids, chosen), tones=TONES, visits=visits,
                           organisations=organisations, visit_ids=visit_ids, chosen=chosen)
