"""The filtered note list: a study's live notes as the browse filters select them, a keyset page at a time.

A query module, not a page: the browse page and the affinity workspace (insights) both
list notes this way, so the query, its cursor and the labels for its rows live here.
"""
import base64
import json
import math
import uuid
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import (
    Date, String, and_, bindparam, case, cast, func, literal, literal_column, null, select, tuple_, union_all)
from sqlalchemy.orm import selectinload

from fieldnotes.explore import facets, note_rows, search
from fieldnotes.explore.filters import BadFilter, conditions
from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import Observation, Revision, RevisionKind
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit

PAGE_SIZE = 50
LAST = 2**31 - 1  # where notes without a touchpoint go in journey order
# The filters' notes are found by their own indexes and sorted when they are few beside the study's
# notes; otherwise the study's notes are walked in time order until a page matches. A walk reads about
# PAGE_SIZE * study / matching notes if the matches are spread over time, 1-8 µs each (a search's words read from
# the row; a tag's links probed); finding reads only the matching notes, 3.5-7 µs each with the sort (measured at
# 100k). So finding wins below 4-10 * sqrt(study) matches; the higher bound is taken, as a walk grows when the
# matches are bunched in the past: 1,000 of 10k notes, 3,162 of 100k, 10,000 of 1M.
# The count decides, not the planner: for a word no note has, it guessed thousands and walked all 1M notes
# (3-11 s); and two tags on 8 % of 100k notes, found and sorted, took 54 ms where the walk takes 5.
# SQLite alike: with whole statistics (extensions.py) it finds a search's notes by the OR of its arms' indexes.
FOUND_PER_ROOT = 10


def sort_key(filters, few=False):
    if filters.order == "journey":
        # A note's touchpoint position (no touchpoint: last); page_query joins Touchpoint for it.
        return (func.coalesce(Touchpoint.position, LAST), Observation.captured_at, Observation.id)
    if few:  # the time as an expression no index holds: the planner cannot walk ix_observation_browse for it
        return (func.coalesce(Observation.captured_at, Observation.captured_at), Observation.id)
    return (Observation.captured_at, Observation.id)


def encode_cursor(order, note, position=None):
    key = {"o": order, "t": note.captured_at.isoformat(), "i": note.id.hex}
    if order == "journey":
        key["p"] = position
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(order, cursor):
    """The sort key a cursor holds. :raise BadFilter: not one of ours, or for the other order."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        captured = datetime.fromisoformat(key["t"])
        values = [captured, uuid.UUID(hex=key["i"])]
        if captured.tzinfo is None or key["o"] != order:
            raise ValueError
        if order == "journey":
            if type(key["p"]) is not int or not 0 <= key["p"] <= LAST:
                raise ValueError
            values.insert(0, key["p"])
        return tuple(values)
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError, RecursionError):
        raise BadFilter("This page link is not valid (or is for another sort order); "
                        "start again from the first page.") from None


def page_query(filters, dialect_name, matching=None, read=None, columns=None):
    """The page's notes (and their sort key), one more than a page; `matching`: how many notes the filters keep,
    when known (the browse page's total); `read`: how to read them, when the caller has decided (listed);
    `columns`: the notes' columns to read (the browse page's plain rows), else Observations with their parts."""
    if read is None:
        few = matching is not None and few_beside_study(filters.study_id, matching)
        # Few, or along the journey (a key no index holds): all found, then sorted. Many: read in time order, one by
        # one, until a page matches (search.WALKED). Unknown: as the planner picks.
        read = (search.FOUND if few or filters.order == "journey" else
                search.EITHER if matching is None else search.WALKED)
    key = sort_key(filters, few=read == search.FOUND)
    query = select(*(columns or (Observation,)), key[0]).where(*conditions(filters, dialect_name, read=read))
    if filters.order == "journey":
        query = query.outerjoin(Touchpoint, Touchpoint.id == Observation.touchpoint_id)
    order = key if filters.order == "journey" else [k.desc() for k in key]
    query = query.where(*past_cursor(filters, key)).order_by(*order).limit(PAGE_SIZE + 1)
    return query if columns else with_notes_parts(query)


def with_notes_parts(query):
    return query.options(selectinload(Observation.tags), selectinload(Observation.media),
                         selectinload(Observation.author))


def past_cursor(filters, key):
    """The condition that a note comes after the page's cursor, if it has one, in a list by `key`."""
    if not filters.after:
        return []
    after = decode_cursor(filters.order, filters.after)
    # Same direction for every key column, so one row-value comparison: ties on time fall to the id.
    return [tuple_(*key) > tuple_(*after) if filters.order == "journey" else tuple_(*key) < tuple_(*after)]


def few_beside_study(study_id, matching):
    """Are `matching` notes few enough, beside the study's, to be found and sorted rather than walked to?"""
    return few_among(summaries.live_notes(study_id), matching)


def few_among(live, matching):
    """few_beside_study, for a study of `live` notes."""
    return matching <= FOUND_PER_ROOT * math.sqrt(live)


def matching_for_search(filters, dialect_name):
    """How many notes the filters keep, for a list with no count of its own (the API's, the affinity workspace's),
    where it decides how the list is read: a search on PostgreSQL (the planner knows the other filters' columns;
    SQLite reads a search's notes one way). The browse page's count if it is kept (facets.kept_total), else None:
    counting here would cost such a list's first view 0.2-1 s at 1M notes, for a search the walk lists in 50 ms."""
    if dialect_name != "postgresql" or not filters.parts:
        return None
    return facets.kept_total(filters)


def listed(filters, dialect_name, limit, *narrow):
    """A page of a list with no count of its own (the API's, the affinity workspace's): its (note, sort key) rows,
    one more than `limit` if there are more. `narrow`: the list's own conditions (the workspace's: not in an insight).

    A search on PostgreSQL is found and sorted when the browse page's kept count says its notes are few. Otherwise
    (many, or not counted) it is walked newest first, but only through as many notes as a walk reads to fill the
    list when the matches are just too many to find (walk_budget); if the list is not full by then, the matches are
    few among the newest notes (or, in the workspace, most of them are in insights already), and they are found and
    sorted instead. Left to the planner, a word no note has was walked to through every note of the study (2.4 s at
    1M notes: it guessed thousands of matches); left unbounded, a walk of many notes all grouped would be too.
    """
    matching = matching_for_search(filters, dialect_name)
    if dialect_name != "postgresql" or not filters.parts or filters.order == "journey":
        query = page_query(filters, dialect_name, matching)
    else:
        live = summaries.live_notes(filters.study_id)  # read once: for the count's judgement and the budget
        if matching is None or not few_among(live, matching):
            walked = db.session.execute(walk_within(filters, dialect_name, walk_budget(live, limit))
                                        .where(*narrow).limit(limit + 1)).all()
            if len(walked) > limit:
                return walked
        query = page_query(filters, dialect_name, read=search.FOUND)
    return db.session.execute(query.where(*narrow).limit(limit + 1)).all()


def walk_within(filters, dialect_name, budget, columns=None):
    """The notes the filters keep among the study's `budget` newest live notes past the cursor, newest first, as
    page_query's rows (`columns` as there). The walk is a subquery with a limit of its own, so it ends there: the
    planner can move no condition into it."""
    key = sort_key(filters)
    matches = and_(*conditions(filters, dialect_name, read=search.WALKED))
    walk = (select(Observation.id, Observation.captured_at, case((matches, 1), else_=0).label("matches"))
            .where(Observation.study_id == filters.study_id, Observation.deleted_at.is_(None),
                   *past_cursor(filters, key))
            .order_by(*[k.desc() for k in key]).limit(budget).subquery("walk"))
    rows = (select(*(columns or (Observation,)), Observation.captured_at).join(walk, walk.c.id == Observation.id)
            .where(walk.c.matches == 1).order_by(walk.c.captured_at.desc(), walk.c.id.desc()))
    return rows if columns else with_notes_parts(rows)


def walk_budget(live, limit):
    """Twice the notes a walk reads to list `limit` notes, in a study of `live` notes, when the filters keep just more
    notes than few (FOUND_PER_ROOT x sqrt(live) of them, spread evenly): for a page of 50, 10,000 notes at 1M, 3,163 at
    100k.
    Twice, as matches are not spread evenly; not more, as the walk is wasted when the list is not full by then (a word
    no note has, the workspace's 200 notes at 1M: 40,000 notes read, about 100 ms)."""
    return math.ceil(2 * limit * math.sqrt(live) / FOUND_PER_ROOT)


def browse_page(filters, dialect_name, matching=None):
    """(notes on this page as note_rows.ListedNote, cursor for the next page or None)."""
    return paged(filters, db.session.execute(page_query(filters, dialect_name, matching, columns=note_rows.COLUMNS))
                 .all())


def walked_page(filters, dialect_name):
    """browse_page's (notes, cursor) when a walk through the study's newest notes fills the page, else None.

    For the browse page's first view of filters whose counts it does not keep: a walk that fills the page within
    its budget (walk_budget) found the filters' notes many, too many to count while the page waits (at 1M notes,
    0.1-0.7 s for 10k-170k), and listed them in a few ms. One that does not fill it read its whole budget for
    nothing: 10-25 ms for a word no note has, at 100k-1M notes. The walk is read in time order alone (journey order
    sorts every match)."""
    budget = walk_budget(summaries.live_notes(filters.study_id), PAGE_SIZE)
    rows = db.session.execute(walk_within(filters, dialect_name, budget, note_rows.COLUMNS).limit(PAGE_SIZE + 1))
    rows = rows.all()
    return paged(filters, rows) if len(rows) > PAGE_SIZE else None


def paged(filters, rows):
    """(the notes of `rows`, page_query's, but the one past the page, and the cursor past them or None)."""
    notes = note_rows.listed_notes(rows[:PAGE_SIZE])
    cursor = None
    if len(rows) > PAGE_SIZE:
        last = notes[-1]
        position = rows[PAGE_SIZE - 1][len(note_rows.COLUMNS)] if filters.order == "journey" else None
        cursor = encode_cursor(filters.order, last, position)
    return notes, cursor


def needing_attention(notes):
    ids = [n.id for n in notes]
    if not ids:
        return set()
    return set(db.session.scalars(select(Revision.observation_id).join(Observation).where(
        Revision.observation_id.in_(ids), Revision.kind == RevisionKind.CONFLICT,
        Revision.created_at >= Observation.updated_at)))


class Visit(NamedTuple):
    """A site visit as the page labels notes and the visit facet with it."""
    id: int
    organisation: str
    visited_on: date


def lookups_query():
    """The study's touchpoints and roles (`place`: their order), participants and visits, as rows (part, id, name,
    organisation, visited_on, place): one statement where there were four (issue 11, session 25)."""
    study = bindparam("study_id")

    def terms(model, part):
        return select(literal_column(f"'{part}'").label("part"), model.id, model.name.label("name"),
                      cast(null(), String).label("organisation"), cast(null(), Date).label("visited_on"),
                      func.row_number().over(order_by=(model.position, model.id)).label("place")
                      ).where(model.study_id == study)
    return union_all(
        terms(Touchpoint, "touchpoint"), terms(Role, "role"),
        select(literal_column("'participant'"), Participant.id, Participant.pseudonym, Participant.organisation,
               cast(null(), Date), literal(0)).where(Participant.study_id == study),
        select(literal_column("'visit'"), SiteVisit.id, cast(null(), String), SiteVisit.organisation,
               SiteVisit.visited_on, literal(0)).where(SiteVisit.study_id == study))


LOOKUPS = lookups_query()  # built once: every browse page and affinity workspace runs it


def lookups(study_id):
    """Names of the study's terms and fieldwork, to label each note without a join per row; and each participant's
    organisation, which with their visit's says a note's (facets.organisations_in)."""
    found = {"touchpoint": {}, "role": {}, "participant": {}, "participant_organisation": {}, "visit": {}}
    # Sorted by place: the journey's terms in their order, as the facets list them.
    for part, id_, name, organisation, visited_on, _ in sorted(db.session.execute(LOOKUPS, {"study_id": study_id}),
                                                                key=lambda row: row[5]):
        if part == "visit":
            found["visit"][id_] = Visit(id_, organisation, visited_on)
        else:
            found[part][id_] = name
            if part == "participant":
                found["participant_organisation"][id_] = organisation
    return found
