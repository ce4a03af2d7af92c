"""The board's journey heatmap: its insights' notes by touchpoint and role, as the study matrix draws them."""
from fieldnotes.explore.cells import PAIN, Cell, axis
from fieldnotes.observations.models import Kind
from fieldnotes.studies.models import Role, Touchpoint


def heatmap(study_id, views):
    """Rows of roles, columns of touchpoints; each cell counts the board's notes and its insights there.

    Uses the notes' touchpoint, role and kind that board_view() already read: no query of its own
    but the study's terms.
    """
    cells, items_at = {}, {}
    seen = set()
    for view in views:
        for note_id, (tp_id, role_id, kind) in view.note_facts.items():
            items_at.setdefault((tp_id, role_id), set()).add(view.item.id)
            if note_id in seen:  # a note under two items (a theme and its insight) counts once
                continue
            seen.add(note_id)
            cell = cells.setdefault((tp_id, role_id), Cell())
            cell.add(Cell(1, pain=kind in PAIN, delight=kind == Kind.DELIGHT))
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
