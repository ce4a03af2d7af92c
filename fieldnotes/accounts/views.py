"""Account pages: a study's accounts, one account over time, editing one, and merging near-duplicates."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from fieldnotes.accounts import bp, scope, story, tallies
from fieldnotes.accounts.schemas import AccountSchema, MergeSchema
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.organisations import service
from fieldnotes.organisations.models import SIZE_BANDS, Organisation, OrganisationMerge
from fieldnotes.studies.permissions import require


def account_or_404(study_id, account_id):
    return service.get_account(study_id, account_id) or abort(404)


@bp.get("/studies/<id:study_id>/accounts")
@login_required
def index(study_id):
    membership = require(study_id, "view_fieldwork")
    accounts = db.session.scalars(Organisation.of_study(study_id)).all()
    return render_template("accounts/index.html", study=membership.study, membership=membership,
                           accounts=accounts, counts=tallies.per_account(study_id),
                           suggestions=len(service.suggested_merges(study_id)))


@bp.get("/studies/<id:study_id>/accounts/<id:account_id>")
@login_required
def show(study_id, account_id):
    membership = require(study_id, "view_notes")
    joined, owned = scope.joined_accounts(study_id, account_id, current_user.id)
    if not joined:
        abort(404)
    return render_template("accounts/show.html", study=membership.study, membership=membership,
                           account=joined[0][0], story=story.tell(joined, owned))


@bp.route("/studies/<id:study_id>/accounts/<id:account_id>/edit", methods=["GET", "POST"])
@login_required
def edit(study_id, account_id):
    membership = require(study_id, "manage_fieldwork")
    account = account_or_404(study_id, account_id)
    errors, values = {}, {key: getattr(account, key) for key in service.ACCOUNT_FIELDS}
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = load_form(AccountSchema())
        if data:
            try:
                service.update_account(account, data)
                db.session.commit()
            except Refused as refusal:
                errors = refusal.errors
            except IntegrityError:  # the same name saved by someone else meanwhile
                errors = {"name": ["This study already has an account of that name. Merge the two instead."]}
        if not errors:
            flash(f"Account {account.name} saved.")
            return redirect(url_for("accounts.show", study_id=study_id, account_id=account.id), code=303)
        db.session.rollback()
    return render_template("accounts/edit.html", study=membership.study, account=account, values=values,
                           errors=errors, size_bands=[(band, band) for band in SIZE_BANDS]), 422 if errors else 200


@bp.route("/studies/<id:study_id>/accounts/merge", methods=["GET", "POST"])
@login_required
def merge(study_id):
    """Suggested near-duplicates; a merge happens only when a member who manages fieldwork confirms one."""
    membership = require(study_id, "manage_fieldwork")
    errors = {}
    if request.method == "POST":
        data, errors = load_form(MergeSchema())
        if data:
            kept = service.get_account(study_id, data["kept_id"])
            removed = service.get_account(study_id, data["removed_id"])
            if kept is None or removed is None:
                errors = {"kept_id" if kept is None else "removed_id": ["Choose one of this study’s accounts."]}
            else:
                try:
                    notes = tallies.per_account(study_id).get(removed.id, {}).get("notes", 0)
                    record = service.merge(kept, removed, merged_by=current_user.id, notes=notes)
                    db.session.commit()
                except Refused as refusal:
                    errors = refusal.errors
                else:
                    flash(f"“{record.merged_name}” merged into “{record.kept_name}”: {record.visits} visits, "
                          f"{record.participants} participants and {record.notes} notes moved.")
                    return redirect(url_for("accounts.merge", study_id=study_id), code=303)
        db.session.rollback()
    accounts = db.session.scalars(Organisation.of_study(study_id)).all()
    return render_template("accounts/merge.html", study=membership.study, membership=membership,
                           suggestions=service.suggested_merges(study_id), accounts=accounts,
                           account_options=[(a.id, a.name) for a in accounts],
                           counts=tallies.per_account(study_id), history=service.merge_history(study_id),
                           errors=errors, values=request.form), 422 if errors else 200



@bp.post("/studies/<id:study_id>/accounts/merges/<id:merge_id>/undo")
@login_required
def undo_merge(study_id, merge_id):
    """Split a merged account out again: what the merge moved goes back to it."""
    require(study_id, "manage_fieldwork")
    record = db.session.get(OrganisationMerge, merge_id)
    if record is None or record.study_id != study_id:
        abort(404)
    try:
        restored = service.undo_merge(record, undone_by=current_user.id)
        db.session.commit()
    except (Refused, IntegrityError) as problem:
        db.session.rollback()
        message = (problem.errors["merge"][0] if isinstance(problem, Refused)
                   else f"An account called “{record.merged_name}” exists again: rename or merge it first.")
        flash(f"Not undone: {message}")
        return redirect(url_for("accounts.merge", study_id=study_id), code=303)
    flash(f"“{restored.name}” is its own account again, with what the merge had moved.")
    return redirect(url_for("accounts.merge", study_id=study_id), code=303)


@bp.app_template_filter("or_list")
def or_list(words):
    """purchase, use or repurchase: a list as a sentence says it."""
    words = list(words)
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


@bp.app_template_filter("signed")
def signed(number):
    """+2, 0, −5 (a true minus sign): a balance reads as a change."""
    return f"+{number}" if number > 0 else f"−{-number}" if number < 0 else "0"


@bp.app_template_filter("in_sentence")
def in_sentence(name):
    """A role's name inside a sentence: "finance executive", but "CIO" stays as written."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() and len(first) > 1 else name[:1].lower() + name[1:]
