"""What a write adds to or takes from a study's kept counts, gathered and written in one statement per table."""
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from fieldnotes.observations.models import (NONE_ID, CellFacetCount, FacetCount, FacetPairCount, JourneyCount, Kind,
                                            Observation, Slot)

PAIN = (Kind.BREAKDOWN, Kind.WORKAROUND)
note_table, journey_table, facet_table = Observation.__table__, JourneyCount.__table__, FacetCount.__table__
cell_facet_table, pair_table = CellFacetCount.__table__, FacetPairCount.__table__
JOURNEY_KEY = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id")
FACET_KEY = ("study_id", "facet", "value")
CELL_FACET_KEY = (*JOURNEY_KEY, "day", "facet", "value")
PAIR_KEY = ("study_id", "facet", "value", "other", "other_value")


class Counted(NamedTuple):
    """What one live note adds to its study's summaries."""
    study_id: int
    cell: tuple  # (touchpoint, role, participant, visit), NONE_ID for none
    kind: Kind
    author_id: int
    tags: frozenset
    slots: frozenset
    attention: bool
    day: date  # captured on, in UTC


def key_id(value):
    return NONE_ID if value is None else value


def utc_day(captured_at: datetime) -> date:
    """The day a note was captured on, in UTC: the days of the browse date filters (explore/filters.py)."""
    return captured_at.astimezone(UTC).date()


class Deltas:
    """Changes to summary rows, gathered and then written in one statement per table."""

    def __init__(self):
        self.journey = defaultdict(lambda: [0, 0, 0])
        self.cell_facets = Counter()  # the study-wide facet counts are their sums (rows())
        self.pairs = Counter()

    def add(self, counted, sign=1):
        kind = Kind(counted.kind)
        cell = self.journey[(counted.study_id, *counted.cell)]
        cell[0] += sign
        cell[1] += sign * (kind in PAIN)
        cell[2] += sign * (kind == Kind.DELIGHT)
        values = [("kind", kind.value), ("author", str(counted.author_id)),
                  *(("tag", str(tag_id)) for tag_id in counted.tags),
                  *(("media", Slot(slot).value) for slot in counted.slots),
                  *([("attention", "")] if counted.attention else [])]
        self.count_note(counted.study_id, (*counted.cell, counted.day), values, sign)

    def count_note(self, study, cell, values, sign=1):
        """A note of `cell` (its journey cell and day: touchpoint, role, participant, visit, day) with these
        (facet, value)s, each facet's values distinct: counted per value, and per pair of two facets' values."""
        for facet, value in values:
            self.cell_facets[(study, *cell, facet, value)] += sign
        for facet, value in values:
            for other, other_value in values:
                if facet < other:  # each pair once, in name order (models.FacetPairCount)
                    self.pairs[(study, facet, value, other, other_value)] += sign

    def merge(self, other):
        for key, (n, p, d) in other.journey.items():
            cell = self.journey[key]
            cell[0] += n
            cell[1] += p
            cell[2] += d
        self.cell_facets.update(other.cell_facets)
        self.pairs.update(other.pairs)

    def forget_study(self, study_id):
        for counts in (self.journey, self.cell_facets, self.pairs):
            for key in [k for k in counts if k[0] == study_id]:
                del counts[key]

    def rows(self):
        """(journey rows, facet rows, cell facet rows, pair rows) that move a count, sorted: two transactions
        touching the same rows take their locks in the same order."""
        journey = [(*key, n, p, d) for key, (n, p, d) in sorted(self.journey.items()) if (n, p, d) != (0, 0, 0)]
        study_wide = Counter()
        for (study, *_, facet, value), n in self.cell_facets.items():
            study_wide[(study, facet, value)] += n
        facets = [(*key, n) for key, n in sorted(study_wide.items()) if n]
        cells = [(*key, n) for key, n in sorted(self.cell_facets.items()) if n]
        pairs = [(*key, n) for key, n in sorted(self.pairs.items()) if n]
        return journey, facets, cells, pairs

    def as_written(self):
        """(CTEs, params) adding these counts within another statement, after its `moved` (a push's notes,
        numbered as written: sync/new_notes.py), so the summary rows' locks come after the counter's,
        as at every other writer's commit. None when nothing moves."""
        rows = self.rows()
        if not any(rows):
            return None
        return (f"journey_added AS ({adding_journey(', moved')}), facets_added AS ({adding_facets(', moved')}),"
                f" cell_facets_added AS ({adding_cell_facets(', moved')}), pairs_added AS ({adding_pairs(', moved')})",
                documents(*rows))

    def apply(self, connection):
        journey, facets, cells, pairs = rows = self.rows()
        if not any(rows):
            return
        if connection.dialect.name == "postgresql":  # the four tables in one statement: one round trip
            connection.execute(ADDING_ALL, documents(*rows))
            return
        for table, keys, rows, added in ((journey_table, JOURNEY_KEY, journey, ("notes", "pain", "delight")),
                                         (facet_table, FACET_KEY, facets, ("notes",)),
                                         (cell_facet_table, CELL_FACET_KEY, cells, ("notes",)),
                                         (pair_table, PAIR_KEY, pairs, ("notes",))):
            if rows:
                connection.execute(adding(table, keys, added), [dict(zip(table.c.keys(), row)) for row in rows])


def adding(table, keys, added):
    """INSERT a summary row, or add to the one there (one atomic statement; SQLite runs it per row)."""
    statement = ADDING.get(table.name)
    if statement is None:  # built once per table, not per push
        statement = sqlite.insert(table)
        statement = ADDING[table.name] = statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in added})
    return statement


ADDING = {}


def documents(journey, facets, cells, pairs):
    """The rows as the statement's JSON documents (one json.dumps each: psycopg escapes a text array
    element by element, issue 11 session 9)."""
    return {"journey": json.dumps([dict(zip(journey_table.c.keys(), row)) for row in journey]),
            "facets": json.dumps([dict(zip(facet_table.c.keys(), row)) for row in facets]),
            "cells": json.dumps([dict(zip(cell_facet_table.c.keys(), row)) for row in cells], default=str),
            "pairs": json.dumps([dict(zip(pair_table.c.keys(), row)) for row in pairs])}


# PostgreSQL: each table's rows as a JSON document, expanded in key order (the locks' order), added in one
# statement instead of an executemany pipeline per table (a push's summaries were 2 of its round trips, issue 11
# session 7). Every writer runs these same upserts, so every transaction takes the summary rows' locks in one
# order: PostgreSQL runs a statement's main query, then the data-modifying CTEs it does not read, last listed
# first (seen with a sequence default in each of three tables), so ADDING_ALL (pairs its main query) and a push's
# statement (as_written, its four CTEs listed last) both write pairs, then cells, facets, journey.
# `also`: more FROM items (", moved" when a push's statement numbers its notes as written).
def adding_journey(also=""):
    return ("INSERT INTO journey_count (study_id, touchpoint_id, role_id, participant_id, visit_id, notes, pain,"
            " delight) SELECT j.study_id, j.touchpoint_id, j.role_id, j.participant_id, j.visit_id, j.notes, j.pain,"
            f" j.delight FROM json_populate_recordset(NULL::journey_count, CAST(:journey AS json)) AS j{also}"
            " ORDER BY 1, 2, 3, 4, 5"
            " ON CONFLICT (study_id, touchpoint_id, role_id, participant_id, visit_id) DO UPDATE SET"
            " notes = journey_count.notes + excluded.notes, pain = journey_count.pain + excluded.pain,"
            " delight = journey_count.delight + excluded.delight")


def adding_facets(also=""):
    return ("INSERT INTO facet_count (study_id, facet, value, notes) SELECT f.study_id, f.facet, f.value, f.notes"
            f" FROM json_populate_recordset(NULL::facet_count, CAST(:facets AS json)) AS f{also} ORDER BY 1, 2, 3"
            " ON CONFLICT (study_id, facet, value) DO UPDATE SET notes = facet_count.notes + excluded.notes")


def adding_cell_facets(also=""):
    return ("INSERT INTO cell_facet_count (study_id, touchpoint_id, role_id, participant_id, visit_id, day, facet,"
            " value, notes) SELECT c.study_id, c.touchpoint_id, c.role_id, c.participant_id, c.visit_id, c.day,"
            f" c.facet, c.value, c.notes FROM json_populate_recordset(NULL::cell_facet_count, CAST(:cells AS json))"
            f" AS c{also} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
            " ON CONFLICT (study_id, touchpoint_id, role_id, participant_id, visit_id, day, facet, value) DO UPDATE"
            " SET notes = cell_facet_count.notes + excluded.notes")


def adding_pairs(also=""):
    return ("INSERT INTO facet_pair_count (study_id, facet, value, other, other_value, notes) SELECT p.study_id,"
            " p.facet, p.value, p.other, p.other_value, p.notes FROM json_populate_recordset(NULL::facet_pair_count,"
            f" CAST(:pairs AS json)) AS p{also} ORDER BY 1, 2, 3, 4, 5"
            " ON CONFLICT (study_id, facet, value, other, other_value) DO UPDATE"
            " SET notes = facet_pair_count.notes + excluded.notes")


ADDING_ALL = text(f"WITH journey AS ({adding_journey()}), facets AS ({adding_facets()}),"
                  f" cells AS ({adding_cell_facets()}) {adding_pairs()}")
