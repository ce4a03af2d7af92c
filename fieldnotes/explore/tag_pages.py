"""Pages for tagging after the fact: the bulk form's endpoint and tag management."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldnotes.navigation import safe_next
from fieldnotes.explore import bp
from fieldnotes.explore.tagging import (ACTIONS, bulk_change, merge_tags, near_duplicates, rename_tag,
                                        tag_counts, tag_history)
from fieldnotes.extensions import db
from fieldnotes.forms import load_form, whole_number
from fieldnotes.observations.models import Kind
from fieldnotes.studies.models import Tag
from fieldnotes.studies.permissions import require
from fieldnotes.writers import writer_turn
from fieldnotes.text import Plain, Text

NONE_VALUES = {None, "none"}


class BulkSchema(Schema):
    list_fields = ("note_ids",)
    note_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=5000),
                           error_messages={"required": "Select at least one note."})
    action = fields.String(required=True, validate=validate.OneOf(list(ACTIONS)))
    tag = Text(validate=validate.Length(min=1, max=60))
    value = Plain(validate=validate.Length(max=20))
    next = Plain(validate=validate.Length(max=2000))

    @validates_schema
    def needs(self, data, **kwargs):
        action = data.get("action")
        if action in ("add-tag", "remove-tag") and not data.get("tag"):
            raise ValidationError("Type the tag to add or remove.", "tag")
        if action == "set-kind" and data.get("value") not in {k.value for k in Kind}:
            raise ValidationError("Choose a kind.", "value")
        if action in ("set-touchpoint", "set-role") and data.get("value") not in NONE_VALUES \
                and whole_number(data.get("value"), low=1) is None:  # "²" and 10**12 are no id of ours
            raise ValidationError("Choose a touchpoint or role from the list.", "value")


def finish(errors):
    """The view's one commit, or nothing kept when there were problems."""
    if errors:
        db.session.rollback()
    else:
        db.session.commit()


def bulk_value(data):
    value = data.get("value")
    if data["action"] == "set-kind":
        return Kind(value)
    if data["action"] in ("set-touchpoint", "set-role"):
        return None if value in NONE_VALUES else whole_number(value, low=1)
    return None


@bp.post("/studies/<id:study_id>/notes/bulk")
@login_required
def bulk(study_id):
    membership = require(study_id, "view_notes")
    back = safe_next(request.form.get("next") or f"/studies/{study_id}/notes")
    data, errors = load_form(BulkSchema())
    if data:
        needed = "manage_tags" if data["action"] in ("add-tag", "remove-tag") else "edit_notes"
        membership = require(study_id, needed)
        with writer_turn():
            message, errors = bulk_change(membership, current_user.user, data["note_ids"], data["action"],
                                          data.get("tag"), bulk_value(data))
            finish(errors)
    if errors:
        return render_template("explore/bulk_problem.html", study=membership.study, errors=errors,
                               back=back), 422
    flash(message)
    return redirect(back, code=303)


def tags_page(membership, errors=None, status=200):
    counted = tag_counts(membership.study_id)
    return render_template("explore/tags.html", study=membership.study, membership=membership,
                           tags=counted, duplicates=near_duplicates([t for t, _ in counted]),
                           history=tag_history(membership.study_id), errors=errors or {}), status


@bp.get("/studies/<id:study_id>/tags/manage")
@login_required
def manage_tags(study_id):
    return tags_page(require(study_id, "view_notes"))


def study_tag(study_id, tag_id):
    tag = db.session.get(Tag, tag_id)
    if tag is None or tag.study_id != study_id:
        abort(404)
    return tag


class RenameSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=60))


class MergeSchema(Schema):
    source_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2_147_483_647))
    target_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2_147_483_647))


@bp.post("/studies/<id:study_id>/tags/<id:tag_id>/rename")
@login_required
def rename(study_id, tag_id):
    membership = require(study_id, "manage_tags")
    tag = study_tag(study_id, tag_id)
    old = tag.name
    data, errors = load_form(RenameSchema())
    if data:
        with writer_turn():
            errors = rename_tag(tag, data["name"], current_user.user)
            finish(errors)
    if errors:
        return tags_page(membership, {f"rename-{tag_id}": errors.get("name", ["Not valid."])}, 422)
    if old == tag.name:  # the same name again: what finishes a rename cut short (tagging.rename_tag)
        flash(f"Every note tagged “{old}” now carries that name, on phones too.")
    else:
        flash(f"Tag “{old}” renamed to “{tag.name}”.")
    return redirect(url_for("explore.manage_tags", study_id=study_id), code=303)


@bp.post("/studies/<id:study_id>/tags/merge")
@login_required
def merge(study_id):
    membership = require(study_id, "manage_tags")
    data, errors = load_form(MergeSchema())
    if data:
        source, target = study_tag(study_id, data["source_id"]), study_tag(study_id, data["target_id"])
        names = source.name, target.name
        with writer_turn():
            errors = merge_tags(source, target, current_user.user)
            finish(errors)
    if errors:
        return tags_page(membership, {"merge": [m for ms in errors.values() for m in ms]}, 422)
    flash(f"Tag “{names[0]}” merged into “{names[1]}”; its notes now carry “{names[1]}”.")
    return redirect(url_for("explore.manage_tags", study_id=study_id), code=303)
