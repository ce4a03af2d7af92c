"""Journey-matrix cells: a study's live notes counted by (touchpoint, role), with their pain and delight.

A query module, not a page: the journey-matrix page draws these cells and a board's
heatmap (boards) counts its own notes into the same Cell and axes, so both read them here.
Each cell's link to the browse page filtered to it is built with the cells (build() sets it).
The page reads the counts kept on write (kept_cells); cell_query counts the same from the notes.
"""
from functools import lru_cache
from urllib.parse import urlencode

from sqlalchemy import and_, bindparam, case, distinct, func, literal, literal_column, or_, select, union_all

from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import NONE_ID, Kind, Observation
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


def account_condition(study_id, account_ids):
    """A note's account is its visit's, or failing that its participant's (as browse's ?account= filters)."""
    visits = select(SiteVisit.id).where(SiteVisit.study_id == study_id, SiteVisit.organisation_id.in_(account_ids))
    people = select(Participant.id).where(Participant.study_id == study_id,
                                          Participant.organisation_id.in_(account_ids))
    return or_(Observation.visit_id.in_(visits),
               and_(Observation.visit_id.is_(None), Observation.participant_id.in_(people)))


def cell_query(study_id, visit_ids=(), account_ids=()):
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
    if account_ids:
        groups = groups.where(account_condition(study_id, account_ids))
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


def kept_cells(study_id, visit_ids=(), account_ids=()):
    """{(touchpoint, role): Cell} from the counts kept on write (observations/summaries.py), filtered
    by visit and account as cell_query filters: the same cells, summed in one statement over a
    few hundred summary rows (the database adds them up and counts the distinct people and
    organisations; Python sees one row per cell, not one per summary row)."""
    rows = db.session.execute(kept_cells_query(bool(visit_ids), bool(account_ids)),
                              {"study_id": study_id, "visit_ids": list(visit_ids), "account_ids": list(account_ids)})
    return {(none_if_unset(tp), none_if_unset(role)): Cell(*counts) for tp, role, *counts in rows}


@lru_cache(maxsize=4)
def kept_cells_query(by_visit, by_account):
    """kept_cells' statement, built once for each kind of filter (the study, visits and accounts bound): built and
    keyed for SQLAlchemy's cache at every request, it was a third of the matrix's cells' 6.9 ms at 100k notes."""
    kept = summaries.journey_table
    # A note's organisation: its visit's, or failing that its participant's (account_condition).
    organisation = func.coalesce(SiteVisit.organisation, Participant.organisation)
    query = (select(kept.c.touchpoint_id, kept.c.role_id, func.sum(kept.c.notes),
                    func.count(distinct(func.nullif(kept.c.participant_id, NONE_ID))),
                    func.count(distinct(organisation)), func.sum(kept.c.pain), func.sum(kept.c.delight))
             .select_from(kept.outerjoin(SiteVisit, SiteVisit.id == kept.c.visit_id)
                          .outerjoin(Participant, and_(Participant.id == kept.c.participant_id,
                                                       kept.c.visit_id == NONE_ID)))
             .where(kept.c.study_id == bindparam("study_id"), kept.c.notes > 0)
             .group_by(kept.c.touchpoint_id, kept.c.role_id))
    if by_visit:
        query = query.where(kept.c.visit_id.in_(bindparam("visit_ids", expanding=True)))
    if by_account:
        # The note's account, chosen the same way: the visit's, else (no visit) the participant's.
        query = query.where(func.coalesce(SiteVisit.organisation_id, Participant.organisation_id)
                            .in_(bindparam("account_ids", expanding=True)))
    return query


def none_if_unset(term_id):
    return None if term_id == NONE_ID else term_id


def axes_query():
    def terms(model, name):
        return select(literal(name).label("axis"), model.id, model.name, model.retired, model.position).where(
            model.study_id == bindparam("study_id"))
    return union_all(terms(Touchpoint, "touchpoint"), terms(Role, "role")).order_by("axis", "position", "id")


AXES = axes_query()  # built once: every matrix and board heatmap reads it


def axes(study_id, used):
    """(touchpoint axis, role axis) as axis() gives them, read in one statement instead of two."""
    rows = db.session.execute(AXES, {"study_id": study_id}).all()
    shown = {"touchpoint": [], "role": []}
    for name, index in (("touchpoint", 0), ("role", 1)):
        used_ids = {key[index] for key in used}
        shown[name] = [(r.id, r.name, r.retired) for r in rows if r.axis == name and (not r.retired or r.id in used_ids)]
        if None in used_ids:
            shown[name].append((None, "Unassigned", False))
    return shown["touchpoint"], shown["role"]


def build(study_id, visit_ids=(), account_ids=()):
    cells = kept_cells(study_id, visit_ids, account_ids)
    columns, roles = axes(study_id, cells)
    # The same on every cell's link: browse reads visit= and account= with the same meaning.
    filters = "".join(f"&{urlencode({'visit': v})}" for v in visit_ids) + "".join(
        f"&{urlencode({'account': a})}" for a in account_ids)
    matrix = {"columns": columns, "rows": [], "column_totals": [Cell() for _ in columns], "total": Cell(),
              "gaps": []}
    for role_id, role_name, role_retired in roles:
        line = []
        for index, (tp_id, tp_name, tp_retired) in enumerate(columns):
            cell = cells.get((tp_id, role_id)) or Cell()
            cell.link = browse_link(study_id, tp_id, role_id, filters)
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


def browse_link(study_id, touchpoint_id, role_id, filters=""):
    """The browse page filtered to this cell; `filters` the visit and account part, already encoded."""
    touchpoint = UNASSIGNED if touchpoint_id is None else touchpoint_id
    role = UNASSIGNED if role_id is None else role_id
    return f"/studies/{study_id}/notes?touchpoint={touchpoint}&role={role}{filters}"
