"""Facet counts: for each filter value, how many notes it would give with the other filters kept."""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import aliased

from fieldnotes.auth.models import User
from fieldnotes.explore.filters import attention_condition, conditions
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Kind, Observation, Slot, observation_tag
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.text import natural_key
from fieldnotes.visits.models import Participant, SiteVisit

# (name, legend), in the order the page shows them.
FACETS = [("touchpoint", "Touchpoint"), ("role", "Role"), ("kind", "Kind"), ("tag", "Tag"),
          ("visit", "Visit"), ("organisation", "Organisation"), ("participant", "Participant"),
          ("author", "Author"), ("media", "Media")]
COLUMNS = {"touchpoint": Observation.touchpoint_id, "role": Observation.role_id, "kind": Observation.kind,
           "visit": Observation.visit_id, "participant": Observation.participant_id,
           "author": Observation.author_id}
SHARED = tuple(COLUMNS)  # counted together in one pass when their own filter is off


@dataclass
class Option:
    value: object  # as it goes in the URL
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    legend: str
    options: list


def count_query(filters, name, dialect_name):
    """(value, notes) rows for facet `name`, under every other active filter."""
    where = conditions(filters, dialect_name, skip=name)
    if name in COLUMNS:
        column = COLUMNS[name]
        return select(column, func.count()).where(*where).group_by(column)
    if name == "organisation":
        # Aliases: the filters' own subqueries name these tables and must not correlate with the join.
        visit, person = aliased(SiteVisit), aliased(Participant)
        org = func.coalesce(visit.organisation, person.organisation)
        return (select(org, func.count()).select_from(Observation)
                .outerjoin(visit, visit.id == Observation.visit_id)
                .outerjoin(person, person.id == Observation.participant_id)
                .where(*where, org.is_not(None)).group_by(org))
    if name == "tag":
        link = observation_tag.alias()
        return (select(link.c.tag_id, func.count()).select_from(Observation)
                .join(link, link.c.observation_id == Observation.id).where(*where).group_by(link.c.tag_id))
    if name == "media":
        media = aliased(Attachment)
        return (select(media.slot, func.count(distinct(Observation.id))).select_from(Observation)
                .join(media, media.observation_id == Observation.id).where(*where).group_by(media.slot))
    raise KeyError(name)


def counts(filters, name, dialect_name):
    return {value: n for value, n in db.session.execute(count_query(filters, name, dialect_name))}


def attention_count(filters, dialect_name):
    where = conditions(filters, dialect_name, skip="attention")
    return db.session.scalar(select(func.count()).select_from(Observation).where(*where, attention_condition()))


def labels(study_id, name, values):
    """value -> label, in the order the facet lists them."""
    if name in ("touchpoint", "role"):
        model = Touchpoint if name == "touchpoint" else Role
        rows = db.session.execute(model.in_order(study_id, model.id, model.name))
        return {**dict(rows.all()), None: f"No {name}"}
    if name == "kind":
        return {k: k.value.capitalize() for k in Kind}
    if name == "media":
        return {Slot.PHOTO: "Has a photo", Slot.AUDIO: "Has audio"}
    if name == "organisation":
        return {v: v for v in sorted(values, key=str.casefold)}
    model, label = {"tag": (Tag, Tag.name), "visit": (SiteVisit, SiteVisit.organisation),
                    "participant": (Participant, Participant.pseudonym), "author": (User, User.name)}[name]
    query = select(model.id, label).where(model.id.in_([v for v in values if v is not None]))
    if name == "visit":
        query = select(SiteVisit.id, SiteVisit.organisation, SiteVisit.visited_on).where(
            SiteVisit.id.in_(values), SiteVisit.study_id == study_id)
        rows = sorted(db.session.execute(query), key=lambda r: (r.visited_on, r.id), reverse=True)
        return {r.id: f"{r.organisation}, {r.visited_on.day} {r.visited_on:%b %Y}" for r in rows}
    if name != "author":
        query = query.where(model.study_id == study_id)
    # Natural order, so P2 comes before P10 (and "Site 9" before "Site 10").
    return dict(sorted(db.session.execute(query).all(), key=lambda r: (natural_key(r[1]), r[0])))


def grouped(filters, dialect_name, names, sort=False):
    # sort: "+ 0" stops SQLite walking a one-column index for the GROUP BY order (a row lookup per
    # note); it reads the covering index and sorts the few groups instead. Harmless on PostgreSQL.
    columns = [COLUMNS[name] + 0 if sort else COLUMNS[name] for name in names]
    return db.session.execute(select(*columns, func.count()).where(*conditions(filters, dialect_name))
                              .group_by(*columns)).all()


def shared_counts(filters, dialect_name):
    """Counts of each column facet whose own filter is off (they share that WHERE: every active
    filter), organisation worked out from visit and participant, and the total.

    Two grouped passes over ix_observation_facets rather than one query per facet: the first reads
    it in order (no sort), the second has few groups (visits x participants x authors).
    """
    found = {name: Counter() for name in (*SHARED, "organisation")}
    total = 0
    for touchpoint, role, kind, n in grouped(filters, dialect_name, ("touchpoint", "role", "kind")):
        found["touchpoint"][touchpoint] += n
        found["role"][role] += n
        found["kind"][kind] += n
        total += n
    visit_org = dict(db.session.execute(select(SiteVisit.id, SiteVisit.organisation)
                                        .where(SiteVisit.study_id == filters.study_id)).all())
    person_org = dict(db.session.execute(select(Participant.id, Participant.organisation)
                                         .where(Participant.study_id == filters.study_id)).all())
    for visit, participant, author, n in grouped(filters, dialect_name, ("visit", "participant", "author"), sort=True):
        found["visit"][visit] += n
        found["participant"][participant] += n
        found["author"][author] += n
        # As the organisation filter reads it: the visit's organisation, else the participant's.
        org = visit_org.get(visit) if visit is not None else person_org.get(participant)
        if org:
            found["organisation"][org] += n
    return found, total


def facets(filters, dialect_name):
    """(every facet with its options, the number of notes matching all filters).

    Options are the values that have notes, and the values chosen (even with none).
    """
    shared, total = shared_counts(filters, dialect_name)
    result = []
    for name, legend in FACETS:
        chosen = filters.values.get(name, [])
        found = shared[name] if name in shared and not chosen else counts(filters, name, dialect_name)
        if name == "kind" or name == "media":
            chosen = [Kind(v) if name == "kind" else Slot(v) for v in chosen]
        shown = {v for v, n in found.items() if n} | set(chosen)
        options = [Option(v.value if hasattr(v, "value") else v, label, found.get(v, 0), v in chosen)
                   for v, label in labels(filters.study_id, name, shown).items() if v in shown]
        result.append(Facet(name, legend, options))
    return result, total
