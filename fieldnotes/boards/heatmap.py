"""The board's journey heatmap: its insights' notes by touchpoint and role, as the study matrix draws them."""
from sqlalchemy import select

from fieldnotes.explore.matrix import PAIN, Cell, axis
from fieldnotes.extensions import db
from fieldnotes.observations.models import Kind, Observation
from fieldnotes.studies.models import Role, Touchpoint


def heatmap(study_id, notes_by_item):
    """Rows of roles, columns of touchpoints; each cell counts the board's notes and its insights there."""
    owner = {}
    for item_id, note_ids in notes_by_item.items():
        for note_id in note_ids:
            owner.setdefault(note_id, set()).add(item_id)
    cells, items_at = {}, {}
    if owner:
        rows = db.session.execute(
            select(Observation.touchpoint_id, Observation.role_id, Observation.id, Observation.kind)
            .where(Observation.id.in_(list(owner)))).all()
        for tp_id, role_id, note_id, kind in rows:
            cell = cells.setdefault((tp_id, role_id), Cell())
            cell.add(Cell(1, pain=kind in PAIN, delight=kind == Kind.DELIGHT))
            items_at.setdefault((tp_id, role_id), set()).update(owner[note_id])
    columns = axis(Touchpoint, study_id, {t for t, _ in cells}, any(t is None for t, _ in cells))
    roles = axis(Role, study_id, {r for _, r in cells}, any(r is None for _, r in cells))
    rows_out = []
    for role_id, role_name, _ in roles:
        line = []
        for tp_id, _, _ in columns:
            cell = cells.get((tp_id, role_id), Cell())
            cell.insights = len(items_at.get((tp_id, role_id), ()))
            line.append(cell)
        rows_out.append({"name": role_name, "cells": line})
    return {"columns": columns, "rows": rows_out, "total": sum(c.notes for c in cells.values())}
