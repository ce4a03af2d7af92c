"""What a write adds to or takes from a study's kept counts, gathered and written in one statement per table."""
import json
from collections import Counter, defaultdict
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from fieldnotes.observations.models import NONE_ID, FacetCount, JourneyCount, Kind, Observation, Slot

PAIN = (Kind.BREAKDOWN, Kind.WORKAROUND)
note_table, journey_table, facet_table = Observation.__table__, JourneyCount.__table__, FacetCount.__table__
JOURNEY_KEY = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id")
FACET_KEY = ("study_id", "facet", "value")


class Counted(NamedTuple):
    """What one live note adds to its study's summaries."""
    study_id: int
    cell: tuple  # (touchpoint, role, participant, visit), NONE_ID for none
    kind: Kind
    author_id: int
    tags: frozenset
    slots: frozenset
    attention: bool


def key_id(value):
    return NONE_ID if value is None else value


class Deltas:
    """Changes to summary rows, gathered and then written in one statement per table."""

    def __init__(self):
        self.journey = defaultdict(lambda: [0, 0, 0])
        self.facets = Counter()

    def add(self, counted, sign=1):
        kind = Kind(counted.kind)
        cell = self.journey[(counted.study_id, *counted.cell)]
        cell[0] += sign
        cell[1] += sign * (kind in PAIN)
        cell[2] += sign * (kind == Kind.DELIGHT)
        study = counted.study_id
        self.facets[(study, "kind", kind.value)] += sign
        self.facets[(study, "author", str(counted.author_id))] += sign
        for tag_id in counted.tags:
            self.facets[(study, "tag", str(tag_id))] += sign
        for slot in counted.slots:
            self.facets[(study, "media", Slot(slot).value)] += sign
        if counted.attention:
            self.facets[(study, "attention", "")] += sign

    def merge(self, other):
        for key, (n, p, d) in other.journey.items():
            cell = self.journey[key]
            cell[0] += n
            cell[1] += p
            cell[2] += d
        self.facets.update(other.facets)

    def forget_study(self, study_id):
        for key in [k for k in self.journey if k[0] == study_id]:
            del self.journey[key]
        for key in [k for k in self.facets if k[0] == study_id]:
            del self.facets[key]

    def rows(self):
        """(journey rows, facet rows) that move a count, sorted: two transactions touching the same rows take
        their locks in the same order."""
        journey = [(*key, n, p, d) for key, (n, p, d) in sorted(self.journey.items()) if (n, p, d) != (0, 0, 0)]
        facets = [(*key, n) for key, n in sorted(self.facets.items()) if n]
        return journey, facets

    def as_written(self):
        """(CTEs, params) adding these counts within another statement, after its `moved` (a push's notes,
        numbered as written: sync/new_notes.py), so the summary rows' locks come after the counter's,
        as at every other writer's commit. None when nothing moves."""
        journey, facets = self.rows()
        if not (journey or facets):
            return None
        return (f"journey_added AS ({adding_journey(', moved')}), facets_added AS ({adding_facets(', moved')})",
                documents(journey, facets))

    def apply(self, connection):
        journey, facets = self.rows()
        if not (journey or facets):
            return
        if connection.dialect.name == "postgresql":  # both tables in one statement: one round trip
            connection.execute(ADDING_BOTH, documents(journey, facets))
            return
        for table, keys, rows, added in ((journey_table, JOURNEY_KEY, journey, ("notes", "pain", "delight")),
                                         (facet_table, FACET_KEY, facets, ("notes",))):
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


def documents(journey, facets):
    """The rows as the statement's two JSON documents (one json.dumps each: psycopg escapes a text array
    element by element, issue 11 session 9)."""
    return {"journey": json.dumps([dict(zip(journey_table.c.keys(), row)) for row in journey]),
            "facets": json.dumps([dict(zip(facet_table.c.keys(), row)) for row in facets])}


# PostgreSQL: both tables' rows as JSON documents, expanded in key order (the locks' order), added in one
# statement instead of two executemany pipelines (a push's summaries were 2 of its round trips, issue 11
# session 7). Every writer runs these same upserts, so every transaction takes the summary rows' locks in one
# order. `also`: more FROM items (", moved" when a push's statement numbers its notes as written).
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


ADDING_BOTH = text(f"WITH journey AS ({adding_journey()}) {adding_facets()}")
