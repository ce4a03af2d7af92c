"""Filtered counts kept a while, and brought up to date by counting only the notes written since.

Under a search, or filters the kept counts do not answer, the browse page counts its facets over the matching
notes: at 1M notes, 0.1-1 s. Every write to the study used to make those counts stale, so while phones pushed
notes during a field day, every designer's view counted them all again. Now an entry is kept per (study,
filters) with the change number it was counted up to, and a later view, if no note counted then has changed
since, counts only the notes whose last change is newer and adds them.

Why that is enough to be right:
- Every change to a note (an edit, a tag, a deletion, a merge, an erasure) gives it a new change number, greater
  than any before and committed in their order (observations/counter.py). So the notes last changed after an
  entry's number are exactly the notes written since and the notes counted then and changed since.
- The study's live notes are kept on write (observations/summaries). Between two reads, they grow by the new and
  restored notes and shrink by those deleted; the live notes changed since grow by the new and restored notes and
  by the old ones changed. The two agree only when no note counted then was deleted or changed: then the entry's
  notes are as counted, and adding the newer ones gives the counts a recount would (tests/test_summaries.py, after
  every kind of write; test_summaries_concurrency.py, with writers in parallel).
- Each state (the greatest change number, the live notes and those changed since) is read in one statement, so
  from one snapshot; the counting statements read only notes up to that number. A note that changes while they
  run moves past it, and the next view finds it changed and counts everything again.
What changes without a change number sends a view to a fresh entry: a restore (the epoch), a conflict kept (the
attention count), a visit's or participant's organisation (an erasure takes a participant away: it changes these too),
and for a search, a transcript published, edited or deleted (its recording's note keeps its number, yet the search's
words may now be heard in it) are in the entry's key.
"""
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from threading import Lock

from flask import current_app
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import ChangeStream, Observation
from fieldnotes.transcripts.models import Transcript


@dataclass(frozen=True)
class Counted:
    """Counts under some filters, exact for the study's notes up to change number `upto`."""
    upto: int
    live: int  # the study's live notes when `upto` was read
    tallies: tuple  # (found counts per facet, total, attention count)
    read_whole: frozenset  # facets whose counts came from the counts kept on write: read again, never added to


@dataclass(frozen=True)
class State:
    epoch: str | None
    upto: int  # the study's greatest change number (0 with no note)
    live: int
    attention: int
    transcripts: tuple  # the study's transcripts: how many, the newest, their versions, when one last changed
    changed_since: int | None  # live notes last changed after the entry's number, when there is an entry


class FacetCache:
    """The last few filtered counts, per app (an app is one database), least recently used out first."""

    def __init__(self, size=256):
        self.size, self.entries, self.lock = size, OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
            return self.entries.get(key)

    def put(self, key, value):
        with self.lock:
            old = self.entries.get(key)
            if old is None or old.upto <= value.upto:  # a slower view must not put back older counts
                self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def facet_cache():
    return current_app.extensions.setdefault("fieldnotes.facet_cache", FacetCache())


def study_state(study_id, since=None):
    """The study's State, read in one statement: one snapshot, so its numbers agree with each other."""
    notes = select(Observation.id).where(Observation.study_id == study_id)
    live = summaries.live_notes_query(study_id)
    transcripts = select(Transcript).where(Transcript.study_id == study_id).subquery()
    columns = [select(ChangeStream.epoch).scalar_subquery(),
               select(func.coalesce(func.max(Observation.seq), 0)).where(Observation.study_id == study_id)
               .scalar_subquery(), live.scalar_subquery(), summaries.attention_query(study_id).scalar_subquery(),
               *(select(aggregate).scalar_subquery() for aggregate in (
                   func.count(transcripts.c.id), func.max(transcripts.c.id), func.sum(transcripts.c.version),
                   func.max(transcripts.c.updated_at)))]
    if since is not None:
        columns.append(select(func.count()).select_from(notes.where(
            Observation.seq > since, Observation.deleted_at.is_(None)).subquery()).scalar_subquery())
    row = db.session.execute(select(*columns)).one()
    return State(row[0], int(row[1]), int(row[2] or 0), int(row[3] or 0), tuple(row[4:8]),
                 int(row[8]) if since is not None else None)


def family(filters, state, orgs):
    """What an entry is kept under: the filters and what can change the counts without a change number."""
    visit_org, person_org = orgs
    return (filters.study_id, tuple(sorted(map(tuple, filters.params()))), state.epoch, state.attention,
            hash((tuple(sorted(visit_org.items())), tuple(sorted(person_org.items())))),
            state.transcripts if filters.parts else None)


def unchanged_since(entry, state):
    """Has no note that `entry` counted been deleted or changed since? (The module's docstring says why.)"""
    return state.live - entry.live == state.changed_since


def counts(filters, orgs, count, afresh=True):
    """(found, total, attention) under `filters`, from an entry kept a while when it can be brought up to date.

    count(filters) -> (found, total, attention, facets read whole): facets.matched_counts, each of its counting
    statements limited to the notes last changed in `filters.changed`. Not `afresh`: None where every matching note
    would be counted (no entry, or one that cannot be brought up to date), for a caller that counts them later.
    """
    cache = facet_cache()
    state = study_state(filters.study_id)
    key = family(filters, state, orgs)
    entry = cache.get(key)
    if entry is not None and entry.upto == state.upto:
        return entry.tallies
    if entry is not None and entry.upto < state.upto:
        state = study_state(filters.study_id, since=entry.upto)
        if family(filters, state, orgs) == key and unchanged_since(entry, state):
            newer = count(replace(filters, changed=(entry.upto, state.upto)))
            kept = Counted(state.upto, state.live, added(entry, newer), entry.read_whole)
            cache.put(key, kept)
            return kept.tallies
        key = family(filters, state, orgs)
    if not afresh:
        return None
    found, total, attention, whole = count(replace(filters, changed=(None, state.upto)))
    kept = Counted(state.upto, state.live, (found, total, attention), frozenset(whole))
    cache.put(key, kept)
    return kept.tallies


def added(entry, newer):
    """The entry's counts and the newer notes' counts together; the facets read whole are the newer reading's."""
    (found, total, attention), (more, more_total, more_attention, _) = entry.tallies, newer
    together = {}
    for name, values in found.items():
        if name in entry.read_whole:
            together[name] = Counter(more[name])
        else:
            together[name] = Counter(values)
            together[name].update(more[name])
    return together, total + more_total, attention + more_attention


def kept_total(filters, orgs):
    """How many notes the filters keep, if an entry is exact for the study's notes as they are now; else None."""
    state = study_state(filters.study_id)
    entry = facet_cache().get(family(filters, state, orgs))
    return entry.tallies[1] if entry is not None and entry.upto == state.upto else None
