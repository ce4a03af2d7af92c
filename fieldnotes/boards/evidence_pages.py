"""Picking an insight's evidence: only consented quotes, photos and clips are offered at all."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from fieldnotes.boards import bp
from fieldnotes.boards.evidence import candidates
from fieldnotes.boards.models import Evidence
from fieldnotes.boards.schemas import EVIDENCE_MAX, EvidenceSchema
from fieldnotes.boards.service import board_item, item_notes, study_board, touch
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.studies.permissions import require
from fieldnotes.visits.names import NameGuard


def render_picker(membership, board, item, errors=None, status=200):
    offered, withheld = candidates(item_notes([item])[item.id])
    picked = {f"media:{e.attachment_id}" if e.attachment_id else f"note:{e.observation_id}" for e in item.evidence}
    return render_template("boards/evidence.html", study=membership.study, board=board, item=item,
                           offered=offered, withheld=withheld, picked=picked, errors=errors or {},
                           most=EVIDENCE_MAX, mask=NameGuard.of_study(board.study_id).mask), status


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
        item.evidence.append(Evidence(observation_id=chosen["note_id"], position=position,
                                      attachment_id=chosen["attachment"].id if chosen["attachment"] else None))
    touch(board)
    db.session.commit()
    flash(f"Evidence saved: {len(data['pick'])} piece{'' if len(data['pick']) == 1 else 's'}.")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id, _anchor=f"item-{item.id}"), code=303)
