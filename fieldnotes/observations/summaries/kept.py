"""Reading the kept counts (explore: browse with no filter, the journey matrix)."""
from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from fieldnotes.extensions import db
from fieldnotes.observations.models import NONE_ID, Kind, Slot
from fieldnotes.observations.summaries.deltas import PAIN, cell_facet_table, facet_table, journey_table, pair_table


class Cell(NamedTuple):
    touchpoint_id: int | None
    role_id: int | None
    participant_id: int | None
    visit_id: int | None
    notes: int
    pain: int
    delight: int


def journey_cells(study_id):
    """The study's journey rows with notes, ids as the notes hold them (None for none)."""
    t = journey_table
    rows = db.session.execute(select(t.c.touchpoint_id, t.c.role_id, t.c.participant_id, t.c.visit_id,
                                     t.c.notes, t.c.pain, t.c.delight)
                              .where(t.c.study_id == study_id, t.c.notes > 0))
    return [cell_of(r) for r in rows]


def journey_sums(study_id):
    """The study's live notes per touchpoint, per role and per (visit, participant), summed by the database from its
    journey rows: ({touchpoint: notes}, {role: notes}, {(visit, participant): notes}), ids as the notes hold them
    (None for none). What browse with no filter shows of the journey's facets: a few dozen rows where reading every
    journey row (420 at 100k notes, more as visits and people grow) cost 3.7 ms, most of it building them in Python
    (issue 11, session 25)."""
    t = journey_table

    def summed(part, *keys):
        padding = (literal(NONE_ID),) * (2 - len(keys))
        return (select(literal(part).label("part"), *keys, *padding, func.sum(t.c.notes))
                .where(t.c.study_id == study_id, t.c.notes > 0).group_by(*keys))
    found = ({}, {}, {})
    rows = db.session.execute(union_all(summed(0, t.c.touchpoint_id), summed(1, t.c.role_id),
                                        summed(2, t.c.visit_id, t.c.participant_id)))
    for part, first, second, notes in rows:
        key = None if first == NONE_ID else first
        found[part][(key, None if second == NONE_ID else second) if part == 2 else key] = int(notes)
    return found


def cell_of(row):
    """A Cell from a row of (touchpoint, role, participant, visit, notes, pain, delight), NONE_ID read as None."""
    return Cell(*(None if v == NONE_ID else v for v in row[:4]), *(int(n) for n in row[4:]))


def notes_of_kinds(kinds):
    """The notes of these kinds among cell_facet_count's kind rows, summed."""
    t = cell_facet_table
    return func.sum(case((t.c.value.in_([k.value for k in kinds]), t.c.notes), else_=0))


def journey_cells_between(study_id, days):
    """journey_cells for the notes captured on `days` (first, last: UTC days, inclusive), from the counts kept
    per cell and day: each note has one kind, so a cell's notes on those days are its kind counts' sum."""
    t = cell_facet_table
    cell = (t.c.touchpoint_id, t.c.role_id, t.c.participant_id, t.c.visit_id)
    rows = db.session.execute(select(*cell, func.sum(t.c.notes), notes_of_kinds(PAIN), notes_of_kinds([Kind.DELIGHT]))
                              .where(t.c.study_id == study_id, t.c.facet == "kind", t.c.day.between(*days))
                              .group_by(*cell))
    return [cell_of(r) for r in rows if r[4]]


def live_notes_query(study_id):
    """How many live notes the study has, as a query: each note has one kind, so its kind counts' sum."""
    t = facet_table
    return select(func.coalesce(func.sum(t.c.notes), 0)).where(t.c.study_id == study_id, t.c.facet == "kind")


def live_notes(study_id):
    return db.session.scalar(live_notes_query(study_id)) or 0


def attention_query(study_id):
    """How many of the study's live notes need attention, as a query."""
    t = facet_table
    return select(func.coalesce(func.sum(t.c.notes), 0)).where(t.c.study_id == study_id, t.c.facet == "attention")


READ = {"kind": Kind, "media": Slot, "author": int, "tag": int, "attention": str}  # a facet's values as stored


def facet_counts(study_id):
    """{facet: {value: notes}} for kind (Kind), author and tag (ids), media (Slot) and attention ("")."""
    found = defaultdict(dict)
    for facet, value, n in db.session.execute(select(facet_table.c.facet, facet_table.c.value, facet_table.c.notes)
                                              .where(facet_table.c.study_id == study_id, facet_table.c.notes > 0)):
        found[facet][READ[facet](value)] = n
    return found


def cell_facets(study_id, chosen, organisation=None, days=None):
    """{facet: {value as facet_counts gives it: notes}}, summed over the study's journey cells that every filter
    keeps: `chosen` {"touchpoint" | "role" | "visit" | "participant": [ids, None for none]}, and `organisation`
    (visit ids, participant ids) when an organisation filter is on: a cell of one of those visits, or of no visit
    and one of those participants (as the organisation filter reads a note: its visit's, else its participant's);
    `days` (first, last: UTC days, inclusive) when a date filter is on. Summed by the database: a few dozen rows
    come back, whatever the number of cells and days."""
    t = cell_facet_table
    query = (select(t.c.facet, t.c.value, func.sum(t.c.notes)).where(t.c.study_id == study_id)
             .group_by(t.c.facet, t.c.value))
    if days is not None:
        query = query.where(t.c.day.between(*days))
    for name, ids in chosen.items():
        query = query.where(t.c[f"{name}_id"].in_([NONE_ID if i is None else i for i in ids]))
    if organisation is not None:
        visits, people = organisation
        query = query.where(or_(and_(t.c.visit_id != NONE_ID, t.c.visit_id.in_(visits)),
                                and_(t.c.visit_id == NONE_ID, t.c.participant_id.in_(people))))
    found = defaultdict(dict)
    for facet, value, n in db.session.execute(query):
        if n:
            found[facet][READ[facet](value)] = int(n)
    return found


def journey_cells_with(study_id, facet, values):
    """journey_cells for the notes with one of `values` of `facet` (kind, author, tag, media, attention; values as
    stored), from the counts kept per cell and day, summed over the days. Only the notes' number is kept
    (pain and delight are 0): summing several values is right where a note has at most one of them."""
    t = cell_facet_table
    cell = (t.c.touchpoint_id, t.c.role_id, t.c.participant_id, t.c.visit_id)
    rows = db.session.execute(select(*cell, func.sum(t.c.notes)).where(
        t.c.study_id == study_id, t.c.facet == facet, t.c.value.in_(values)).group_by(*cell))
    return [cell_of((*r, 0, 0)) for r in rows if r[4]]


def paired_counts(study_id, facet, values):
    """{other facet: {value as facet_counts gives it: notes}} of the study's notes with one of `values` of
    `facet`, from the counts kept per pair (each pair kept once, its facets in name order: either side)."""
    t = pair_table
    mine = select(t.c.other, t.c.other_value, t.c.notes).where(
        t.c.study_id == study_id, t.c.facet == facet, t.c.value.in_(values))
    theirs = select(t.c.facet, t.c.value, t.c.notes).where(
        t.c.study_id == study_id, t.c.other == facet, t.c.other_value.in_(values))
    found = defaultdict(lambda: defaultdict(int))
    for query in (mine, theirs):
        for other, value, n in db.session.execute(query):
            if n:
                found[other][READ[other](value)] += n
    return found
