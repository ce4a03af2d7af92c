"""Journey-matrix cells: a study's live notes counted by (touchpoint, role), with their pain and delight.

A query module, not a page: the journey-matrix page draws these cells and a board's
heatmap (boards) counts its own notes into the same Cell and axes, so both read them here.
Each cell's link to the browse page filtered to it is built with the cells (build() sets it).
The page reads the counts kept on write (kept_cells); cell_query counts the same from the notes.
"""
from urllib.parse import urlencode

from sqlalchemy import and_, case, distinct, func, literal_column, or_, select

from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import Kind, Observation
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit

PAIN = (Kind.BREAKDOWN, Kind.WORKAROUND)
UNASSIGNED = "none"  # the URL value for "no touchpoint" / "no role"
# Tone classes, from mostly delight to mostly pain: (lowest score, css class, legend text).
TONES = [(0.5, "tone-pain-high", "Mostly breakdowns and workarounds"),
         (0.15, "tone-pain", "More breakdowns and workarounds than delight"),
         (-0.15, "tone-mixed", "Balanced, or mostly neutral notes"),
         (-0.5, "tone-delight", "More delight than breakdowns and workarounds"),
         (-1.01, "tone-delight-high", "Mostly delight")]


def organisation_condition(study_id, organisations):
    """A note's organisation is its visit's, or failing that its participant's (as browse filters)."""
    visits = select(SiteVisit.id).where(SiteVisit.study_id == study_id, SiteVisit.organisation.in_(organisations))
    people = select(Participant.id).where(Participant.study_id == study_id,
                                          Participant.organisation.in_(organisations))
    return or_(Observation.visit_id.in_(visits),
               and_(Observation.visit_id.is_(None), Observation.participant_id.in_(people)))


def cell_query(study_id, visit_ids=(), organisations=()):
    """One statement: a row per (touchpoint, role) pair that has live notes.

    It groups the notes by pair, participant and visit first (from one index, no joins),
    then joins those few hundred groups to visits and participants for the distinct
    organisations: on PostgreSQL about 3x faster than joining every note.
    """
    # Constants written into the SQL, not bound: psycopg prepares a statement after a few runs,
    # and PostgreSQL's generic plan for bound CASE values was 30% slower here.
    one, zero = literal_column("1"), literal_column("0")
    pain = func.sum(case((Observation.kind.in_([literal_column(f"'{k.value}'") for k in PAIN]), one), else_=zero))
    delight = func.sum(case((Observation.kind == literal_column(f"'{Kind.DELIGHT.value}'"), one), else_=zero))
    groups = (select(Observation.touchpoint_id, Observation.role_id, Observation.participant_id,
                     Observation.visit_id, func.count().label("notes"), pain.label("pain"),
                     delight.label("delight"))
              .where(Observation.study_id == study_id, Observation.deleted_at.is_(None))
              .group_by(Observation.touchpoint_id, Observation.role_id, Observation.participant_id,
                        Observation.visit_id))
    if visit_ids:
        groups = groups.where(Observation.visit_id.in_(visit_ids))
    if organisations:
        groups = groups.where(organisation_condition(study_id, organisations))
    g = groups.subquery()
    organisation = func.coalesce(SiteVisit.organisation, Participant.organisation)
    return (select(g.c.touchpoint_id, g.c.role_id, func.sum(g.c.notes).label("notes"),
                   func.count(distinct(g.c.participant_id)).label("participants"),
                   func.count(distinct(organisation)).label("organisations"),
                   func.sum(g.c.pain).label("pain"), func.sum(g.c.delight).label("delight"))
            .select_from(g.outerjoin(SiteVisit, SiteVisit.id == g.c.visit_id)
                         .outerjoin(Participant, Participant.id == g.c.participant_id))
            .group_by(g.c.touchpoint_id, g.c.role_id))


class Cell:
    def __init__(self, notes=0, participants=0, organisations=0, pain=0, delight=0):
        notes = int(notes or 0)  # sum() comes back as a Decimal on PostgreSQL
        self.notes, self.participants, self.organisations = notes, participants, organisations
        self.pain, self.delight = int(pain or 0), int(delight or 0)
        self.link = self.gap = None

    def add(self, other):
        self.notes += other.notes
        self.pain += other.pain
        self.delight += other.delight

    def share(self, part):
        return round(100 * part / self.notes) if self.notes else 0

    @property
    def pain_share(self):
        return self.share(self.pain)

    @property
    def delight_share(self):
        return self.share(self.delight)

    @property
    def tone(self):
        if not self.notes:
            return "tone-empty"
        score = (self.pain - self.delight) / self.notes
        return next(css for lowest, css, _ in TONES if score >= lowest)


def axis(model, study_id, used_ids, has_unassigned):
    """Active terms in order, retired ones only if notes still use them, then 'Unassigned'."""
    terms = db.session.scalars(model.in_order(study_id)).all()
    shown = [(t.id, t.name, t.retired) for t in terms if t.active or t.id in used_ids]
    return shown + ([(None, "Unassigned", False)] if has_unassigned else [])


def kept_cells(study_id, visit_ids=(), organisations=()):
    """{(touchpoint, role): Cell} from the counts kept on write (observations/summaries.py), filtered
    by visit and organisation as cell_query filters: the same cells, from a few hundred rows."""
    visit_org = dict(db.session.execute(select(SiteVisit.id, SiteVisit.organisation)
                                        .where(SiteVisit.study_id == study_id)).all())
    person_org = dict(db.session.execute(select(Participant.id, Participant.organisation)
                                         .where(Participant.study_id == study_id)).all())
    visits, chosen = set(visit_ids), set(organisations)
    groups = {}
    for row in summaries.journey_cells(study_id):
        # A note's organisation: its visit's, or failing that its participant's (organisation_condition).
        org = visit_org.get(row.visit_id) if row.visit_id is not None else person_org.get(row.participant_id)
        if (visits and row.visit_id not in visits) or (chosen and org not in chosen):
            continue
        cell, people, orgs = groups.setdefault((row.touchpoint_id, row.role_id), (Cell(), set(), set()))
        cell.add(Cell(row.notes, pain=row.pain, delight=row.delight))
        people.add(row.participant_id)
        orgs.add(org)
    for cell, people, orgs in groups.values():
        cell.participants, cell.organisations = len(people - {None}), len(orgs - {None})
    return {key: cell for key, (cell, _, _) in groups.items()}


def build(study_id, visit_ids=(), organisations=()):
    cells = kept_cells(study_id, visit_ids, organisations)
    columns = axis(Touchpoint, study_id, {t for t, _ in cells}, any(t is None for t, _ in cells))
    roles = axis(Role, study_id, {r for _, r in cells}, any(r is None for _, r in cells))
    matrix = {"columns": columns, "rows": [], "column_totals": [Cell() for _ in columns], "total": Cell(),
              "gaps": []}
    for role_id, role_name, role_retired in roles:
        line = []
        for index, (tp_id, tp_name, tp_retired) in enumerate(columns):
            cell = cells.get((tp_id, role_id), Cell())
            cell.link = browse_link(study_id, tp_id, role_id, visit_ids, organisations)
            if not cell.notes and None not in (tp_id, role_id) and not (tp_retired or role_retired):
                cell.gap = gap_sentence(role_name, tp_name)
                matrix["gaps"].append(cell.gap)
            matrix["column_totals"][index].add(cell)
            line.append(cell)
        total = Cell()
        for cell in line:
            total.add(cell)
        matrix["total"].add(total)
        matrix["rows"].append({"id": role_id, "name": role_name, "retired": role_retired,
                               "cells": line, "total": total})
    return matrix


def lower_first(name):
    """'Finance executive' reads 'finance executive' mid-sentence; 'CIO' stays 'CIO'."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def gap_sentence(role_name, touchpoint_name):
    return f"No {lower_first(role_name)} seen at {lower_first(touchpoint_name)}"


def browse_link(study_id, touchpoint_id, role_id, visit_ids, organisations):
    params = [("touchpoint", UNASSIGNED if touchpoint_id is None else touchpoint_id),
              ("role", UNASSIGNED if role_id is None else role_id)]
    params += [("visit", v) for v in visit_ids] + [("organisation", o) for o in organisations]
    return f"/studies/{study_id}/notes?{urlencode(params)}"
