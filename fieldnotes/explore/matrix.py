"""The journey-matrix page: touchpoints by roles, where the notes (and the pain) concentrate.

Only the view and its filter form: the cells themselves are counted in cells.
"""
from flask import render_template, request
from flask_login import login_required

from fieldnotes.explore import bp
from fieldnotes.explore.cells import TONES, build
from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.organisations.models import Organisation
from fieldnotes.organisations.names import account_name
from fieldnotes.studies.permissions import require
from fieldnotes.visits.models import SiteVisit


def filter_choices(study_id):
    visits = db.session.scalars(SiteVisit.of_study(study_id)).all()
    accounts = db.session.scalars(Organisation.of_study(study_id)).all()
    return visits, accounts


def chosen_filters(visits, accounts):
    """The visits and accounts the URL names in this study; others are ignored.

    Accounts come as ?account=<id> (as browse takes them); an older link's ?organisation=<name> still
    works: the name is matched to the study's account of that name, as the migration linked them.
    """
    known_visits = {v.id for v in visits}
    asked = (whole_number(v) for v in request.args.getlist("visit"))  # "²" passes isdigit() and breaks int()
    visit_ids = sorted({v for v in asked if v in known_visits})
    by_id = {a.id: a for a in accounts}
    by_name = {a.name: a.id for a in accounts}
    account_ids = {whole_number(a) for a in request.args.getlist("account")} & set(by_id)
    account_ids |= {by_name[account_name(n)] for n in request.args.getlist("organisation")
                    if account_name(n) in by_name}
    return visit_ids, sorted(account_ids, key=lambda i: (by_id[i].name, i))


@bp.get("/studies/<id:study_id>/journey-matrix")
@login_required
def journey_matrix(study_id):
    membership = require(study_id, "view_notes")
    visits, accounts = filter_choices(study_id)
    visit_ids, account_ids = chosen_filters(visits, accounts)
    return render_template("explore/matrix.html", study=membership.study, membership=membership,
                           matrix=build(study_id, visit_ids, account_ids), tones=TONES, visits=visits,
                           accounts=accounts, visit_ids=visit_ids, account_ids=account_ids,
                           chosen=[a for a in accounts if a.id in account_ids])
