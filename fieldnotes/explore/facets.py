"""Facet counts: for each filter value, how many notes it would give with the other filters kept.

A whole study's counts are kept on write (observations/summaries) and read from there, and so are those under
filters on the journey's own facets and dates, or under one value of another facet; under any other filters or
a search they are counted over the matching notes (found once for every facet whose own filter is off:
matching.py), kept a while and brought up to date with the notes written since (facet_cache.py).
"""
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import aliased

from fieldnotes.auth.models import User
from fieldnotes.explore import facet_cache
from fieldnotes.explore.filters import conditions
from fieldnotes.explore.matching import COLUMNS, LINKED, TAG_IDS, counted_once
from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import Attachment, Kind, Observation, Slot, observation_tag
from fieldnotes.studies.models import Tag
from fieldnotes.text import natural_key
from fieldnotes.visits.models import Participant, SiteVisit

# (name, legend), in the order the page shows them.
FACETS = [("touchpoint", "Touchpoint"), ("role", "Role"), ("kind", "Kind"), ("tag", "Tag"),
          ("visit", "Visit"), ("organisation", "Organisation"), ("participant", "Participant"),
          ("author", "Author"), ("media", "Media")]
FACET_NAMES = {name for name, _ in FACETS}
CELL_FACETS = ("touchpoint", "role", "visit", "participant")  # what a journey cell's notes are kept by
JOURNEY_FILTERS = {*CELL_FACETS, "organisation"}  # filters a journey cell's notes all pass or all fail
PAIRED = ("kind", "author", "tag", "media")  # counted per pair of two facets' values (summaries.paired_counts)
ONE_EACH = ("kind", "author")  # a note has one value of each: several values' counts add up


@dataclass
class Option:
    value: object  # as it goes in the URL (None: "none")
    label: str
    count: int
    selected: bool
    input_id: str = ""  # its checkbox's id on the page

    @property
    def in_url(self):
        return "none" if self.value is None else self.value


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
    if name == "tag" and dialect_name == "postgresql":
        # Each note's tag ids are on its row (matching.TAG_IDS): its notes grouped by their whole sets of tags, which
        # counts() adds to each tag (as matching.tallied does for the shared counts), not every note's array unnested.
        return select(TAG_IDS, func.count()).where(*where).group_by(TAG_IDS)
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
    """{value: notes} of facet `name` under every other active filter (count_query)."""
    rows = db.session.execute(count_query(filters, name, dialect_name))
    if name != "tag" or dialect_name != "postgresql":
        return {value: n for value, n in rows}
    found = Counter()
    for tag_ids, n in rows:  # a set of tags and its notes
        for tag in tag_ids:
            found[tag] += n
    return dict(found)


def labels(study_id, name, values, names):
    """value -> label, in the order the facet lists them; `names`: the page's names of the study's terms and
    fieldwork (listing.lookups), read once for the notes' rows and the facets alike."""
    if name in ("touchpoint", "role"):
        return {**names[name], None: f"No {name}"}
    if name == "kind":
        return {k: k.value.capitalize() for k in Kind}
    if name == "media":
        return {Slot.PHOTO: "Has a photo", Slot.AUDIO: "Has audio"}
    if name == "organisation":
        return {v: v for v in sorted(values, key=str.casefold)}
    if name == "visit":
        visits = sorted((names["visit"][v] for v in values if v in names["visit"]),
                        key=lambda visit: (visit.visited_on, visit.id), reverse=True)
        return {v.id: f"{v.organisation}, {v.visited_on.day} {v.visited_on:%b %Y}" for v in visits}
    if name == "participant":
        found = [(v, names["participant"][v]) for v in values if v in names["participant"]]
    elif ids := [v for v in values if v is not None]:
        model, label = {"tag": (Tag, Tag.name), "author": (User, User.name)}[name]
        query = select(model.id, label).where(model.id.in_(ids))
        found = db.session.execute(query if name == "author" else query.where(model.study_id == study_id)).all()
    else:  # no note has a tag or an author here: nothing to ask the database
        found = []
    # Natural order, so P2 comes before P10 (and "Site 9" before "Site 10").
    return dict(sorted(found, key=lambda r: (natural_key(r[1]), r[0])))


def organisations(study_id):
    """(visit -> organisation, participant -> organisation): how a note's organisation is worked out."""
    visit_org = dict(db.session.execute(select(SiteVisit.id, SiteVisit.organisation)
                                        .where(SiteVisit.study_id == study_id)).all())
    person_org = dict(db.session.execute(select(Participant.id, Participant.organisation)
                                         .where(Participant.study_id == study_id)).all())
    return visit_org, person_org


def organisations_in(names):
    """organisations(), from what the page read already to label its notes (listing.lookups): two round trips
    fewer on every browse page."""
    return {v.id: v.organisation for v in names["visit"].values()}, names["participant_organisation"]


def shared_counts(filters, dialect_name, orgs, attention, media=True):
    """The counts of each facet whose own filter is off (they share that WHERE: every active filter), the total
    and the attention count (None unless `attention`), the matching notes found once (matching.counted_once);
    organisation worked out from visit and participant. `media`: whether any note of the study has a photo or
    audio; when none has, none of the matching notes has, and their media are not looked for."""
    linked = [name for name in LINKED if not filters.values.get(name) and (media or name != "media")]
    found, total, needing, visits_and_people = counted_once(filters, dialect_name, linked, attention)
    found.setdefault("media", Counter())
    found["organisation"] = organisation_counts(visits_and_people, orgs)
    return found, total, needing


def organisation_of(visit, participant, visit_org, person_org):
    """A note's organisation as the organisation filter reads it: its visit's, else its participant's (None: none)."""
    return (visit_org.get(visit) if visit is not None else person_org.get(participant)) or None


def organisation_counts(visits_and_people, orgs):
    """Counter of organisation: notes, from notes per (visit, participant) (a note with no organisation has none to
    show)."""
    found = Counter()
    for (visit, participant), n in visits_and_people.items():
        if org := organisation_of(visit, participant, *orgs):
            found[org] += n
    return found


STUDY_FACETS = ("kind", "author", "tag", "media")  # kept per study (summaries.facet_counts); the others per journey row


def kept_counts(study_id, orgs):
    """Every facet's counts, the total and the attention count of a whole study, from the counts kept
    on write (observations/summaries): a few dozen rows summed by the database, however many notes the study has."""
    found = {name: Counter() for name, _ in FACETS}
    touchpoints, roles, visits_and_people = summaries.journey_sums(study_id)
    found["touchpoint"].update(touchpoints)
    found["role"].update(roles)
    for (visit, participant), n in visits_and_people.items():
        found["visit"][visit] += n
        found["participant"][participant] += n
    found["organisation"] = organisation_counts(visits_and_people, orgs)
    total = sum(visits_and_people.values())
    kept = summaries.facet_counts(study_id)
    for name in STUDY_FACETS:
        found[name].update(kept.get(name, {}))
    return found, total, kept.get("attention", {}).get("", 0)


def matched_counts(filters, dialect_name, orgs):
    """Every facet's counts under the filters (each facet without its own), the total, the attention count.

    Filters on the journey's own facets and dates alone, and one value of another facet alone, are answered from
    counts kept on write (journey_filtered_counts, one_value_counts). Otherwise the notes are counted, in one
    statement for every facet whose own filter is off; a facet whose filter is on is counted under the other
    filters (own_filter_counts).
    """
    return matched_tallies(filters, dialect_name, orgs)[:3]


def matched_tallies(filters, dialect_name, orgs):
    """matched_counts, and the names of the facets read from the counts kept on write (the others were counted
    over the matching notes: facet_cache adds the newer notes' counts to those)."""
    kept = kept_filtered_counts(filters, orgs)
    if kept:
        return (*kept, FACET_NAMES)
    # The study's kept counts say what no note has at all: then no matching note has it either, and it is not
    # looked for (at 100k notes, a search's media cost 10 ms of its counting statement: issue 11, session 25).
    study_counts = summaries.facet_counts(filters.study_id)
    anywhere = attention_anywhere(study_counts)
    shared, total, attention = shared_counts(filters, dialect_name, orgs, anywhere and not filters.attention,
                                             media=bool(study_counts.get("media")))
    found, whole = {}, set()
    for name, _ in FACETS:
        if filters.values.get(name):
            found[name], from_kept = own_filter_counts(filters, name, dialect_name, orgs, study_counts)
            whole |= {name} if from_kept else set()
        else:
            found[name] = shared[name]
    if attention is None:  # none needs attention, or the filter is on: the notes it keeps are those needing it
        attention = total if filters.attention else 0
    return found, total, attention, whole


def own_filter_counts(filters, name, dialect_name, orgs, study_counts):
    """The counts of facet `name`, whose filter is on, under every other filter.

    From the counts kept on write when the other filters are ones they answer: none (its filter is the only one on:
    several tags, say), the journey's own facets and dates (a kind beside a touchpoint or a date), or one value of
    another facet (a touchpoint beside a kind). Else counted over the other filters' notes: at 1M, 100-300 ms a
    facet, as many notes as the other filters keep. study_counts: the study's summaries.facet_counts, read already.

    Returns (counts, whether they came from the counts kept on write).
    """
    if sole_filter(filters) == name and name in STUDY_FACETS:
        return Counter(study_counts.get(name, {})), True
    if sole_filter(filters) == name:
        return kept_counts(filters.study_id, orgs)[0][name], True
    kept = kept_filtered_counts(replace(filters, values={**filters.values, name: []}), orgs)
    return (kept[0][name], True) if kept else (counts(filters, name, dialect_name), False)


def kept_filtered_counts(filters, orgs):
    """matched_counts from the counts kept on write, for filters on the journey's own facets and dates, or one value
    of another facet; None for any other filters."""
    if journey_filtered(filters):
        return journey_filtered_counts(filters, orgs)
    one = one_value_filtered(filters)
    return one_value_counts(filters.study_id, *one, orgs) if one else None


def journey_filtered(filters):
    """Are the filters on the journey's own facets (touchpoint, role, visit, participant, organisation) or dates,
    one or more of them, and nothing else (no other facet, search or attention)?"""
    on = {name for name, values in filters.values.items() if values}
    alone = not (filters.attention or filters.parts)
    return alone and bool(on or filters.date_from or filters.date_to) and on <= JOURNEY_FILTERS


def days_of(filters):
    """(first, last) UTC day of a date filter, inclusive, or None with no date filter."""
    if not (filters.date_from or filters.date_to):
        return None
    return filters.date_from or date.min, filters.date_to or date.max


def journey_filtered_counts(filters, orgs):
    """matched_counts for filters on the journey's own facets and dates only, from counts kept on write: the
    study's journey cells (a few hundred rows at 1M notes) and the facet counts of the cells the filters keep.

    A cell every filter keeps counts in every journey facet and the total; a cell one filter turns away counts
    only in that filter's own facet, which is counted without it. Kind, author, tag, media and attention, whose
    filters are off, sum the facet counts of the cells every filter keeps. A date filter has no facet of its
    own: its days are every count's, the cells' notes counted on those days only.
    """
    chosen = {name: set(filters.values[name]) for name in JOURNEY_FILTERS if filters.values.get(name)}
    found = {name: Counter() for name, _ in FACETS}
    total = 0
    days = days_of(filters)
    cells = summaries.journey_cells(filters.study_id) if days is None else summaries.journey_cells_between(
        filters.study_id, days)
    for cell in cells:
        values = journey_values(cell[:4], *orgs)
        turned_away = [name for name, allowed in chosen.items() if values[name] not in allowed]
        if len(turned_away) > 1:
            continue
        count_cell(found, values, turned_away or JOURNEY_FILTERS, cell.notes)
        total += 0 if turned_away else cell.notes
    by_id = {name: ids for name, ids in chosen.items() if name != "organisation"}
    organisation = organisation_cells(chosen.get("organisation"), orgs)
    kept = summaries.cell_facets(filters.study_id, by_id, organisation, days)
    for name in STUDY_FACETS:
        found[name].update(kept.get(name, {}))
    return found, total, kept.get("attention", {}).get("", 0)


def one_value_filtered(filters):
    """(facet, its values as kept) when the only filter on is one value of kind, author, tag or media (several of
    kind or author, which a note has one of), or needs-attention alone; else None."""
    on = [name for name, values in filters.values.items() if values]
    if filters.date_from or filters.date_to or filters.parts:
        return None
    if filters.attention:
        return None if on else ("attention", [""])
    if len(on) != 1 or on[0] not in PAIRED:
        return None
    name, values = on[0], filters.values[on[0]]
    return (name, [str(v) for v in values]) if len(values) == 1 or name in ONE_EACH else None


def one_value_counts(study_id, facet, values, orgs):
    """matched_counts for one_value_filtered filters, from counts kept on write: the journey cells' notes with that
    value (the journey facets and the total), the pairs of that value with the other facets' values (kind, author,
    tag, media and attention), and the facet's own counts as if no filter were on (the study's)."""
    found = {name: Counter() for name, _ in FACETS}
    total = 0
    for cell in summaries.journey_cells_with(study_id, facet, values):
        count_cell(found, journey_values(cell[:4], *orgs), JOURNEY_FILTERS, cell.notes)
        total += cell.notes
    whole, paired = summaries.facet_counts(study_id), summaries.paired_counts(study_id, facet, values)
    for name in PAIRED:
        found[name].update((whole if name == facet else paired).get(name, {}))
    return found, total, (whole if facet == "attention" else paired).get("attention", {}).get("", 0)


def organisation_cells(names, orgs):
    """(visit ids, participant ids) whose organisation is one of `names`, or None with no organisation filter."""
    if names is None:
        return None
    visit_org, person_org = orgs
    return ([v for v, org in visit_org.items() if org in names], [p for p, org in person_org.items() if org in names])


def count_cell(found, values, names, notes):
    """A journey cell's notes counted under its values of the journey facets `names`."""
    for name in names:
        if values[name] is not None or name != "organisation":  # a note with no organisation has none to show
            found[name][values[name]] += notes


def journey_values(ids, visit_org, person_org):
    """Each journey facet's value for a journey cell's (touchpoint, role, participant, visit) ids."""
    touchpoint, role, participant, visit = ids
    return {"touchpoint": touchpoint, "role": role, "visit": visit, "participant": participant,
            "organisation": organisation_of(visit, participant, visit_org, person_org)}


def attention_anywhere(study_counts):
    """Does any note of the study need attention (`study_counts`: its kept facet counts, summaries.facet_counts)?
    Most of the time none does: then none does under any filter, and no matching note's revisions need probing to
    find it (at 1M, 110-145 ms of a touchpoint's first view)."""
    return bool(study_counts.get("attention", {}).get("", 0))


def sole_filter(filters):
    """The facet whose filter is the only one on (no dates, search or attention beside it), else None."""
    on = [name for name, values in filters.values.items() if values]
    alone = not (filters.date_from or filters.date_to or filters.attention or filters.parts)
    return on[0] if alone and len(on) == 1 and on[0] in FACET_NAMES else None


def counted(filters, dialect_name, orgs=None, afresh=True):
    """(found counts per facet, total, attention count) for the browse page.

    No filter, filters on the journey's own facets and dates alone, or one value of another facet alone: the kept
    counts. Any other filters or a search: counted over the matching notes, then kept a while and brought up to
    date with the notes written since (facet_cache). orgs: organisations(), when the caller has it already. Not
    `afresh`: None instead of counting every matching note (facet_cache.counts).
    """
    orgs = orgs or organisations(filters.study_id)
    if not filters.active():
        return kept_counts(filters.study_id, orgs)
    if journey_filtered(filters) or one_value_filtered(filters):  # from kept counts too: a few ms, nothing to keep
        return matched_counts(filters, dialect_name, orgs)
    return facet_cache.counts(filters, orgs, lambda window: matched_tallies(window, dialect_name, orgs), afresh)


def kept_total(filters):
    """How many notes the filters keep, if the browse page has counted them up to the study's last write; else
    None."""
    return facet_cache.kept_total(filters, organisations(filters.study_id))


def facets(filters, dialect_name, names, tallies=None):
    """(every facet with its options, the number of notes matching all filters).

    Options are the values that have notes, and the values chosen (even with none). names: listing.lookups of the
    study; tallies: what counted() gave, when the caller has it already.
    """
    found, total, _ = tallies or counted(filters, dialect_name)
    result = []
    for name, legend in FACETS:
        chosen = filters.values.get(name, [])
        if name == "kind" or name == "media":
            chosen = [Kind(v) if name == "kind" else Slot(v) for v in chosen]
        shown = {v for v, n in found[name].items() if n} | set(chosen)
        listed = [(v, label) for v, label in labels(filters.study_id, name, shown, names).items() if v in shown]
        options = [Option(v.value if hasattr(v, "value") else v, label, found[name].get(v, 0), v in chosen,
                          f"f-{name}-{place}") for place, (v, label) in enumerate(listed, 1)]
        result.append(Facet(name, legend, options))
    return result, total
