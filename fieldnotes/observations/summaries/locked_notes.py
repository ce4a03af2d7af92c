"""A note loaded with its row lock: what it counted, from what the transaction loads anyway (no read)."""
from sqlalchemy import inspect
from sqlalchemy.orm.base import NO_VALUE

from fieldnotes.observations.models import Kind, RevisionKind, Slot
from fieldnotes.observations.summaries.deltas import JOURNEY_KEY, Counted, key_id, utc_day

UNKNOWN = object()  # not loaded (or expired): only the database can say
SCALARS = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id", "kind", "author_id",
           "deleted_at", "updated_at", "captured_at")
PARTS = {"tags": "tags", "media": "media", "attention": "revisions"}  # part -> the note's collection


def original(state, name):
    """An attribute's value as the database holds it (before the changes not yet flushed), or UNKNOWN."""
    if name not in state.dict or name in state.expired_attributes:
        return UNKNOWN
    if name in ("tags", "media", "revisions"):
        history = state.attrs[name].history
        return [*history.unchanged, *history.deleted]
    value = state.committed_state.get(name, state.dict[name])
    return UNKNOWN if value is NO_VALUE else value


def original_of(item, name):
    state = inspect(item)
    if name in state.expired_attributes or name not in state.dict:
        return UNKNOWN
    value = state.committed_state.get(name, state.dict[name])
    return UNKNOWN if value is NO_VALUE else value


class Partial:
    """What a note loaded with its row lock counted, gathered part by part.

    Its columns are known when it is taken (the lock's load, unchanged until this flush). Its tags,
    media and revisions are taken from the first flush (or the commit) that finds them loaded: the
    push loads all three to change them, and until a collection is loaded nothing changes it
    (a media item or revision written on its own makes the note read from the database instead).
    """

    def __init__(self, note, scalars):
        self.note, self.scalars, self.parts = note, scalars, {}

    def gather(self):
        state = inspect(self.note)
        for part, name in PARTS.items():
            if part not in self.parts:
                value = self.part_of(part, original(state, name))
                if value is not UNKNOWN:
                    self.parts[part] = value

    def part_of(self, part, items):
        if items is UNKNOWN:
            return UNKNOWN
        if part == "tags":
            return frozenset(tag.id for tag in items)
        if part == "media":
            slots = [original_of(a, "slot") for a in items]
            return UNKNOWN if UNKNOWN in slots else frozenset(Slot(slot) for slot in slots)
        kinds = [(original_of(r, "kind"), original_of(r, "created_at")) for r in items]
        if any(UNKNOWN in pair for pair in kinds):
            return UNKNOWN
        return any(kind == RevisionKind.CONFLICT and at >= self.scalars["updated_at"] for kind, at in kinds)

    def complete(self):
        return len(self.parts) == len(PARTS)

    def counted(self):
        """Counted, or None: the note counted nothing (deleted)."""
        if self.scalars["deleted_at"] is not None:
            return None
        attention = self.parts["attention"]
        if not isinstance(attention, bool):  # the latest conflict kept, as read from the database
            attention = attention is not None and attention >= self.scalars["updated_at"]
        return Counted(self.scalars["study_id"], tuple(key_id(self.scalars[c]) for c in JOURNEY_KEY[1:]),
                       Kind(self.scalars["kind"]), self.scalars["author_id"], self.parts["tags"],
                       self.parts["media"], attention, utc_day(self.scalars["captured_at"]))


def partial_of(note):
    """A Partial for a note loaded with its row lock, or None when its columns are not all loaded."""
    state = inspect(note)
    if state.pending or state.deleted or state.detached:
        return None
    scalars = {name: original(state, name) for name in SCALARS}
    return None if UNKNOWN in scalars.values() else Partial(note, scalars)
