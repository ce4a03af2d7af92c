"""The facet counts of the notes the filters match, found once and grouped in one statement.

Under a search, or filters the kept counts cannot answer, the browse page counts every facet over the matching
notes. Counted facet by facet, each statement found those notes again: a search's words read from its index, its
phrases checked, its tags' notes looked up, four times over (at 1M notes, 0.5-2 s of a search's first view). Here
they are found once, as a materialised CTE, and each facet whose own filter is off is grouped from it.
"""
from collections import Counter

from sqlalchemy import Integer, case, cast, distinct, func, literal, literal_column, null, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY

from fieldnotes.explore.filters import attention_condition, conditions
from fieldnotes.extensions import db
from fieldnotes.observations import tags_on_row
from fieldnotes.observations.models import Attachment, Observation, observation_tag

COLUMNS = {"touchpoint": Observation.touchpoint_id, "role": Observation.role_id, "kind": Observation.kind,
           "visit": Observation.visit_id, "participant": Observation.participant_id,
           "author": Observation.author_id}
JOURNEY, PEOPLE = ("touchpoint", "role", "kind"), ("visit", "participant", "author")  # one grouping each
LINKED = {"tag": observation_tag.c.tag_id, "media": Attachment.slot}  # a note has none, one or several


# On PostgreSQL a note's row keeps its tag ids (observations/tags_on_row.py): read with its other facets.
TAG_IDS = literal_column(f"observation.{tags_on_row.COLUMN}", ARRAY(Integer))


def matched_notes(filters, dialect_name, attention, tags_on_rows=False):
    """The notes every active filter keeps, each with its facets' columns (and whether it needs attention), and its
    tag ids when `tags_on_rows`."""
    columns = [Observation.id, *(column.label(name) for name, column in COLUMNS.items())]
    if attention:
        columns.append(case((attention_condition(), 1), else_=0).label("attention"))
    if tags_on_rows:
        columns.append(TAG_IDS.label("tag_ids"))
    return select(*columns).where(*conditions(filters, dialect_name)).cte("matched").prefix_with("MATERIALIZED")


def each_tag(tag_ids, rows, *where):
    """A row per tag id in the array column `tag_ids` of `rows` (those `where` keeps), as a subquery with one column,
    "tag" (PostgreSQL).

    unnest() in the select list, not as a function joined to each row: PostgreSQL then expands every row's array
    in one node rather than starting a function scan per row, and a search's counting statement took 5-11% less
    (q=month*: 54 to 49 ms at 100k notes, 1,129 to 1,032 ms at 1M; issue 11, session 22)."""
    return select(func.unnest(tag_ids).label("tag")).select_from(rows).where(*where).subquery("tags")


def grouping(number, keys, count=None):
    """One UNION arm: its rows grouped by `keys` ({facet: column}), every other facet's column a NULL of its type
    (PostgreSQL types a UNION's columns by its arms: an untyped NULL in two arms is text)."""
    shape = [literal(number).label("arm"),
             *(keys[name].label(name) if name in keys else cast(null(), column.type).label(name)
               for name, column in {**COLUMNS, **LINKED}.items()),
             keys.get("attention", literal(0)).label("attention"),
             (count if count is not None else func.count()).label("notes")]
    return select(*shape).group_by(*keys.values())


def counted_once(filters, dialect_name, linked, attention):
    """({facet: Counter} for the column facets and the `linked` ones (tag, media) asked for, the total, the
    attention count or None, notes per (visit, participant)): under every active filter, the matching notes found
    once (one statement).

    The total and the attention count come from the journey grouping (each note is in one of its groups). A note's
    tags are read from its row on PostgreSQL (an index probe per note cost 0.4-0.5 s of a 105k-note search at 1M
    notes); on SQLite they, and everywhere its media, are found by the matched notes' ids: "IN", so the planner can
    hash the matched notes (the fewer) rather than every note's tags.
    """
    tags_on_rows = "tag" in linked and dialect_name == "postgresql"
    matched = matched_notes(filters, dialect_name, attention, tags_on_rows)
    journey = {name: matched.c[name] for name in (*JOURNEY, *(("attention",) if attention else ()))}
    arms = [grouping(0, journey).select_from(matched),
            grouping(1, {name: matched.c[name] for name in PEOPLE}).select_from(matched)]
    ids = select(matched.c.id)
    if tags_on_rows:
        tags = each_tag(matched.c.tag_ids, matched)
        arms.append(grouping(2, {"tag": tags.c.tag}).select_from(tags))
    elif "tag" in linked:
        arms.append(grouping(2, {"tag": LINKED["tag"]}).where(observation_tag.c.observation_id.in_(ids)))
    if "media" in linked:
        arms.append(grouping(3, {"media": LINKED["media"]}, func.count(distinct(Attachment.observation_id)))
                    .where(Attachment.observation_id.in_(ids)))
    found = {name: Counter() for name in (*COLUMNS, *linked)}
    total, needing, visits_and_people = 0, 0, Counter()
    for row in db.session.execute(union_all(*arms)).mappings():
        for name in {0: JOURNEY, 1: PEOPLE, 2: ("tag",), 3: ("media",)}[row["arm"]]:
            found[name][row[name]] += row["notes"]
        if row["arm"] == 0:
            total += row["notes"]
            needing += row["notes"] if row["attention"] else 0
        elif row["arm"] == 1:
            visits_and_people[row["visit"], row["participant"]] += row["notes"]
    return found, total, needing if attention else None, visits_and_people
