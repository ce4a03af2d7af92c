"""Picking an insight's evidence: only consented quotes, photos and clips are offered at all."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from fieldnotes.boards import bp
from fieldnotes.boards.by_account import chosen_account, of_account
from fieldnotes.boards.evidence import candidates
from fieldnotes.boards.models import Evidence
from fieldnotes.boards.schemas import EVIDENCE_MAX, EvidenceSchema
from fieldnotes.boards.service import board_item, item_notes, study_board, touch
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.permissions import require
from fieldnotes.visits.names import NameGuard


def render_picker(membership, board, item, errors=None, status=200):
    offered, withheld = candidates(item_notes([item])[item.id])
    picked = {picked_value(e) for e in item.evidence}
    # ?account=: show one customer's evidence; the rest already picked stays picked, as hidden inputs in place.
    account = chosen_account(board.study_id)
    shown = of_account(board.study_id, account.id, {c["note_id"] for c in offered}) if account else None
    return render_template("boards/evidence.html", study=membership.study, board=board, item=item,
                           offered=offered, withheld=withheld, picked=picked, errors=errors or {},
                           most=EVIDENCE_MAX, mask=NameGuard.of_study(board.study_id).mask, account=account,
                           shown=shown, accounts=db.session.scalars(Organisation.of_study(board.study_id)).all()), status


def picked_value(evidence):
    """The picker's value of a saved pick: a note's words, its media, or a highlight's clip of another
    note's recording (highlights/queries.py: the attachment is the recorded note's) or of an interview."""
    if evidence.recording_id is not None:
        return f"clip:{evidence.observation_id}"
    if evidence.attachment_id is None:
        return f"note:{evidence.observation_id}"
    if evidence.attachment is not None and evidence.attachment.observation_id != evidence.observation_id:
        return f"clip:{evidence.observation_id}"
    return f"media:{evidence.attachment_id}"


@bp.route("/studies/<id:study_id>/boards/<id:board_id>/items/<id:item_id>/evidence", methods=["GET", "POST"])
@login_required
def pick_evidence(study_id, board_id, item_id):
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    item = board_item(board, item_id)
    if request.method == "GET":
        return render_picker(membership, board, item)
    data, errors = load_form(EvidenceSchema())
    if errors:
        return render_picker(membership, board, item, errors, 422)
    offered, _ = candidates(item_notes([item])[item.id])
    by_value = {c["value"]: c for c in offered}
    unknown = [v for v in data["pick"] if v not in by_value]
    if unknown:
        # Not offered: another insight's note, a deleted one, or one without consent. Nothing is saved.
        return render_picker(membership, board, item,
                             {"pick": ["Some of the chosen evidence is not this insight's, or lacks consent."]}, 422)
    item.evidence.clear()
    for position, value in enumerate(dict.fromkeys(data["pick"]), 1):
        chosen = by_value[value]
        interview = chosen["clip"] is not None and chosen["clip"].interview
        item.evidence.append(Evidence(observation_id=chosen["note_id"], position=position,
                                      attachment_id=chosen["attachment"].id if chosen["attachment"] else None,
                                      recording_id=chosen["clip"].media_id if interview else None))
    touch(board)
    db.session.commit()
    flash(f"Evidence saved: {len(data['pick'])} piece{'' if len(data['pick']) == 1 else 's'}.")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id, _anchor=f"item-{item.id}"), code=303)
