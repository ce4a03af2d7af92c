"""The facet counts of the notes the filters match, found once and grouped in one statement.

Under a search, or filters the kept counts cannot answer, the browse page counts every facet over the matching
notes. Counted facet by facet, each statement found those notes again: a search's words read from its index, its
phrases checked, its tags' notes looked up, four times over (at 1M notes, 0.5-2 s of a search's first view). Here
they are found once, and each facet whose own filter is off is grouped from them: on PostgreSQL in one pass (GROUPING
SETS), on SQLite from a materialised CTE.
"""
from collections import Counter

from sqlalchemy import Integer, case, cast, distinct, func, literal, null, select, tuple_, union_all
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
TAG_IDS = tags_on_row.on_row()


def matched_notes(filters, dialect_name, attention, tags_on_rows=False, materialized=True):
    """The notes every active filter keeps, each with its facets' columns (and whether it needs attention), and its
    tag ids when `tags_on_rows`; `materialized`, found once for the statement's several readers of them."""
    columns = [Observation.id, *(column.label(name) for name, column in COLUMNS.items())]
    if attention:
        columns.append(case((attention_condition(), 1), else_=0).label("attention"))
    if tags_on_rows:
        columns.append(TAG_IDS.label("tag_ids"))
    matched = select(*columns).where(*conditions(filters, dialect_name)).cte("matched")
    return matched.prefix_with("MATERIALIZED") if materialized else matched


def grouping(number, keys, count=None):
    """One UNION arm: its rows grouped by `keys` ({facet: column}), every other facet's column a NULL of its type
    (PostgreSQL types a UNION's columns by its arms: an untyped NULL in two arms is text)."""
    shape = [literal(number).label("arm"),
             *(keys[name].label(name) if name in keys else cast(null(), column.type).label(name)
               for name, column in {**COLUMNS, **LINKED}.items()),
             keys.get("attention", literal(0)).label("attention"),
             (count if count is not None else func.count()).label("notes")]
    return select(*shape).group_by(*keys.values())


JOURNEY_ARM, PEOPLE_ARM, TAGS_ARM, MEDIA_ARM = 0, 1, 2, 3


def counted_once(filters, dialect_name, linked, attention):
    """({facet: Counter} for the column facets and the `linked` ones (tag, media) asked for, the total, the
    attention count or None, notes per (visit, participant)): under every active filter, the matching notes found
    once (one statement).

    The total and the attention count come from the journey grouping (each note is in one of its groups). On
    PostgreSQL the notes are grouped in one pass (grouped_once); on SQLite a note's tags, and its media, are found by
    the matched notes' ids: "IN", so the planner can hash the matched notes (the fewer) rather than every note's tags.
    """
    if dialect_name == "postgresql":
        return tallied(db.session.execute(grouped_once(filters, linked, attention)), linked, attention)
    matched = matched_notes(filters, dialect_name, attention)
    journey = {name: matched.c[name] for name in (*JOURNEY, *(("attention",) if attention else ()))}
    arms = [grouping(JOURNEY_ARM, journey).select_from(matched),
            grouping(PEOPLE_ARM, {name: matched.c[name] for name in PEOPLE}).select_from(matched)]
    ids = select(matched.c.id)
    if "tag" in linked:
        arms.append(grouping(TAGS_ARM, {"tag": LINKED["tag"]}).where(observation_tag.c.observation_id.in_(ids)))
    if "media" in linked:
        arms.append(grouping(MEDIA_ARM, {"media": LINKED["media"]}, func.count(distinct(Attachment.observation_id)))
                    .where(Attachment.observation_id.in_(ids)))
    return tallied(db.session.execute(union_all(*arms)), linked, attention)


def grouped_once(filters, linked, attention):
    """counted_once's statement on PostgreSQL: the matched notes grouped in one pass, by GROUPING SETS (the journey's
    facets, the people's, and the notes' tag ids as one array), where a UNION of groupings read them from a
    materialised CTE once for each. The tags are grouped by the whole array (a few hundred sets of tags among 17k
    notes), which tallied then adds to each of its tags: no unnest of every note's array. At 100k notes, q=month*'s
    statement took 63 to 48 ms (issue 11, session 26)."""
    matched = matched_notes(filters, "postgresql", attention, "tag" in linked, materialized="media" in linked)
    journey = [matched.c[name] for name in (*JOURNEY, *(("attention",) if attention else ()))]
    people = [matched.c[name] for name in PEOPLE]
    sets = [tuple_(*journey), tuple_(*people), *([tuple_(matched.c.tag_ids)] if "tag" in linked else [])]
    # GROUPING() is 0 for a column its set groups by: the journey's set 0b01, the people's 0b10, the tags' 0b11.
    arm = case({0b01: JOURNEY_ARM, 0b10: PEOPLE_ARM}, value=func.grouping(matched.c.touchpoint, matched.c.visit),
               else_=TAGS_ARM)
    tags = matched.c.tag_ids if "tag" in linked else cast(null(), ARRAY(Integer))
    shape = [arm.label("arm"), *(matched.c[name] for name in (*JOURNEY, *PEOPLE)),
             (matched.c.attention if attention else literal(0)).label("attention"), tags.label("tag_ids"),
             cast(null(), LINKED["media"].type).label("media"), func.count().label("notes")]
    grouped = select(*shape).group_by(func.grouping_sets(*sets))
    if "media" not in linked:
        return grouped
    typed_nulls = [cast(null(), column.type) for column in shape[1:-2]]  # all but media and notes
    return union_all(grouped, select(literal(MEDIA_ARM), *typed_nulls, LINKED["media"],
                                     func.count(distinct(Attachment.observation_id)))
                     .where(Attachment.observation_id.in_(select(matched.c.id))).group_by(LINKED["media"]))


def tallied(result, linked, attention):
    """counted_once's answer from its statement's rows (arm, the arm's facets, notes), read as plain tuples by their
    columns' places: as mappings, q=month*'s 513 rows at 100k notes took 5.0 ms, as tuples 4.0."""
    at = {name: i for i, name in enumerate(result.keys())}
    arm, notes, attention_at = at["arm"], at["notes"], at["attention"]
    journey, people = [(name, at[name]) for name in JOURNEY], [(name, at[name]) for name in PEOPLE]
    visit, participant = at["visit"], at["participant"]
    found = {name: Counter() for name in (*COLUMNS, *linked)}
    total, needing, visits_and_people = 0, 0, Counter()
    for row in result:
        if row[arm] == JOURNEY_ARM:
            for name, i in journey:
                found[name][row[i]] += row[notes]
            total += row[notes]
            needing += row[notes] if row[attention_at] else 0
        elif row[arm] == PEOPLE_ARM:
            for name, i in people:
                found[name][row[i]] += row[notes]
            visits_and_people[row[visit], row[participant]] += row[notes]
        elif row[arm] == TAGS_ARM:  # on PostgreSQL a set of tags (grouped_once), on SQLite one tag
            for tag in row[at["tag_ids"]] if "tag_ids" in at else (row[at["tag"]],):
                found["tag"][tag] += row[notes]
        else:
            found["media"][row[at["media"]]] += row[notes]
    return found, total, needing if attention else None, visits_and_people
