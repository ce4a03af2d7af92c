"""The browse filters: read from the URL, checked against the study, turned into SQL.

Rule for bad input: a value that names something (an id, a kind, a date, a
cursor) and is malformed or not in this study is refused with a 400 saying
which; empty values and unknown parameters are ignored; a free-text value
(organisation, search) is taken as given and simply matches what it matches.
"""
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, or_, select

from fieldnotes.auth.models import User
from fieldnotes.explore import search
from fieldnotes.extensions import db
from fieldnotes.observations import tags_on_row
from fieldnotes.observations.models import (Attachment, Kind, Observation, Revision, RevisionKind,
                                            Slot, observation_tag)
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Membership, Role, Tag, Touchpoint
from fieldnotes.text import forbidden_characters
from fieldnotes.visits.models import Participant, SiteVisit

NONE = "none"  # touchpoint=none / role=none: notes without one (the matrix's "Unassigned" cells)
MAX_VALUES = 50
ORDERS = ("newest", "journey")
# Facet name -> (URL parameter, what the message calls it, model whose ids it takes, allows "none").
ID_FILTERS = {
    "visit": ("a visit", SiteVisit, False), "participant": ("a participant", Participant, False),
    "role": ("a role", Role, True), "touchpoint": ("a touchpoint", Touchpoint, True),
    "tag": ("a tag", Tag, False), "author": ("an author", None, False),
    "account": ("an account", Organisation, False),  # issue 15: an account's notes, by id (organisations)
}


class BadFilter(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass
class Filters:
    study_id: int
    values: dict = field(default_factory=dict)  # facet name -> list of values (ids, None, kinds, strings)
    date_from: date | None = None
    date_to: date | None = None
    attention: bool = False
    q: str = ""
    parts: list = field(default_factory=list)
    order: str = "newest"
    after: str | None = None
    # Not from the URL: (after, upto) change numbers, the notes last changed in that window only (the filtered
    # counts brought up to date with the notes written since they were counted: facet_cache.py).
    changed: tuple | None = None

    def params(self, **changes):
        """The URL query (a list of pairs) for these filters, with `changes` applied; no cursor."""
        state = {name: list(v) for name, v in self.values.items()}
        state.update(changes)
        pairs = [(name, NONE if v is None else v) for name, vals in state.items() for v in vals]
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        if self.attention:
            pairs.append(("attention", "1"))
        if self.q:
            pairs.append(("q", self.q))
        if self.order != "newest":
            pairs.append(("order", self.order))
        return pairs

    def active(self):
        return bool(any(self.values.values()) or self.date_from or self.date_to or self.attention or self.parts)


def nonblank(args, name):
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_VALUES:
        raise BadFilter(f"Too many values for {name} (at most {MAX_VALUES}).")
    return values


def parse_ids(study_id, args, name):
    what, model, allows_none = ID_FILTERS[name]
    ids = []
    for raw in nonblank(args, name):
        if allows_none and raw == NONE:
            ids.append(None)
            continue
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**31:
            raise BadFilter(f"The {name} filter needs a number; “{raw[:40]}” is not one.")
        ids.append(int(raw))
    numbers = {i for i in ids if i is not None}
    if numbers and len(known_ids(study_id, name, model, numbers)) != len(numbers):
        raise BadFilter(f"The {name} filter names {what} that is not in this study.")
    return list(dict.fromkeys(ids))


def known_ids(study_id, name, model, ids):
    if model is not None:
        return db.session.scalars(select(model.id).where(model.id.in_(ids), model.study_id == study_id)).all()
    # Authors: members, or former members whose notes stay in the study.
    member = select(Membership.user_id).where(Membership.study_id == study_id)
    wrote = select(Observation.author_id).where(Observation.study_id == study_id)
    return db.session.scalars(select(User.id).where(User.id.in_(ids), or_(User.id.in_(member),
                                                                          User.id.in_(wrote)))).all()


def parse_date(args, name, label):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) else _bad_date(label, raw)
    except ValueError:
        return _bad_date(label, raw)


def _bad_date(label, raw):
    raise BadFilter(f"The “{label}” date must look like 2026-03-12; “{raw[:40]}” does not.")


def parse_filters(study_id, args):
    """Filters from request args. :raise BadFilter: with a message for the person."""
    values = {name: parse_ids(study_id, args, name) for name in ID_FILTERS}
    values["organisation"] = list(dict.fromkeys(organisation(v) for v in nonblank(args, "organisation")))
    values["kind"] = [choice(args, "kind", v, [k.value for k in Kind]) for v in nonblank(args, "kind")]
    values["media"] = [choice(args, "media", v, [s.value for s in Slot]) for v in nonblank(args, "media")]
    filters = Filters(study_id, {k: list(dict.fromkeys(v)) for k, v in values.items()})
    filters.date_from = parse_date(args, "from", "From")
    filters.date_to = parse_date(args, "to", "To")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadFilter("The “From” date is after the “To” date.")
    filters.attention = choice(args, "attention", (args.get("attention") or "").strip() or "0", ["0", "1"]) == "1"
    filters.q = (args.get("q") or "").strip()
    if len(filters.q) > search.MAX_QUERY:
        raise BadFilter(f"The search is too long (at most {search.MAX_QUERY} characters).")
    filters.parts = search.with_tags(search.parse(filters.q), study_id)  # tag names are searched too
    filters.order = choice(args, "order", (args.get("order") or "").strip() or "newest", ORDERS)
    filters.after = (args.get("after") or "").strip() or None
    return filters


def organisation(value):
    # The one free text that reaches the database as given: PostgreSQL refuses NUL (a 500 otherwise).
    if forbidden_characters(value):
        raise BadFilter("The organisation filter contains characters that are not allowed.")
    return value[:200]


def choice(args, name, value, allowed):
    if value not in allowed:
        raise BadFilter(f"The {name} filter must be one of: {', '.join(allowed)}; “{value[:40]}” is not.")
    return value


def day_start(day):
    return datetime.combine(day, time(), tzinfo=UTC)


def facet_condition(filters, name, values, dialect_name):
    """The WHERE clause of one filter (values OR-ed)."""
    note = Observation
    if name in ("role", "touchpoint"):
        column = note.role_id if name == "role" else note.touchpoint_id
        ids = [v for v in values if v is not None]
        return or_(column.in_(ids), *([column.is_(None)] if None in values else []))
    if name in ("visit", "participant", "author", "kind"):
        column = {"visit": note.visit_id, "participant": note.participant_id,
                  "author": note.author_id, "kind": note.kind}[name]
        return column.in_(values)
    if name == "organisation":
        visits = select(SiteVisit.id).where(SiteVisit.study_id == filters.study_id,
                                           SiteVisit.organisation.in_(values))
        people = select(Participant.id).where(Participant.study_id == filters.study_id,
                                              Participant.organisation.in_(values))
        return or_(note.visit_id.in_(visits), and_(note.visit_id.is_(None), note.participant_id.in_(people)))
    if name == "account":  # a note's account: its visit's, or failing that its participant's, as organisation
        visits = select(SiteVisit.id).where(SiteVisit.organisation_id.in_(values))
        people = select(Participant.id).where(Participant.organisation_id.in_(values))
        return or_(note.visit_id.in_(visits), and_(note.visit_id.is_(None), note.participant_id.in_(people)))
    if name == "tag" and dialect_name == "postgresql":
        # By the tag ids on the note's row (observations/tags_on_row.py), which their index finds: by the links, a
        # tag and a date at 100k notes read every note to join them (50 ms a statement; this way 9).
        return tags_on_row.having_any(values)
    if name == "tag":
        return note.id.in_(select(observation_tag.c.observation_id).where(observation_tag.c.tag_id.in_(values)))
    if name == "media":
        return exists().where(Attachment.observation_id == note.id, Attachment.slot.in_(values))
    raise KeyError(name)


def asked_of_each(condition):
    """`condition` inside a CASE, where SQLite uses no index: each note walked to is asked it."""
    return case((condition, 1), else_=0) == 1


def attention_condition():
    """A conflict kept since the note was last changed: someone should look and settle it."""
    return exists().where(Revision.observation_id == Observation.id, Revision.kind == RevisionKind.CONFLICT,
                          Revision.created_at >= Observation.updated_at)


def conditions(filters, dialect_name, skip=None, read=search.FOUND):
    """Every active filter's clause, except facet `skip` (for that facet's own counts). read: how the notes a
    search matches are read (search.condition)."""
    clauses = [Observation.study_id == filters.study_id, Observation.deleted_at.is_(None)]
    if filters.changed:
        after, upto = filters.changed
        clauses += [Observation.seq <= upto] + ([] if after is None else [Observation.seq > after])
        if after is not None:
            # The notes written since some counts: a few, read by their change numbers, each asked whether it
            # matches. Found by the search's indexes, "month end" (also a tag's name) read its 68k notes at 1M to
            # check 5: 190 ms.
            read = search.WALKED
    walked_on_sqlite = read == search.WALKED and dialect_name == "sqlite"
    for name, values in filters.values.items():
        if values and name != skip:
            clause = facet_condition(filters, name, values, dialect_name)
            # Tags and media are other tables: with whole statistics SQLite finds a tag's notes by its links and
            # sorts them, where a walk meets a page sooner (two tags on 7.9k of 100k notes: 46 ms a page, 35 walked).
            clauses.append(asked_of_each(clause) if walked_on_sqlite and name in ("tag", "media") else clause)
    if filters.date_from:
        clauses.append(Observation.captured_at >= day_start(filters.date_from))
    if filters.date_to and filters.date_to < date.max:  # up to 9999-12-31 is every note: no day after it
        clauses.append(Observation.captured_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.attention and skip != "attention":
        clauses.append(attention_condition())
    if filters.parts:
        matching = search.condition(filters.parts, dialect_name, read)
        if walked_on_sqlite:
            # Each note read is asked. Left an OR of index lookups, SQLite (with whole statistics, which cannot tell
            # a common word from a rare one in an FTS5 table) finds every note the search matches and sorts them:
            # "invoice" at 100k, 11k notes, 42 ms a page where walking meets 50 in 24. Inside a CASE, no index.
            matching = asked_of_each(matching)
        clauses.append(matching)
    return clauses
