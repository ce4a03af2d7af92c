"""Tagging after the fact: bulk changes to a selection, renaming and merging tags, near-duplicates.

Every note that changes gets a new version and change number (edits.record; a rename or merge, which may
touch thousands of notes, as statements: observations/many_edits.py), so phones see the change on their
next pull. Callers commit: all of a bulk change, the last round of a rename or merge (which commit the
others themselves).
"""
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from fieldnotes.explore.edits import Stale, edit_fields, set_tags
from fieldnotes.explore.models import TagAction, TagEvent
from fieldnotes.extensions import db
from fieldnotes.observations.changes import Counter
from fieldnotes.observations.many_edits import CHUNK, record_edits
from fieldnotes.observations.models import Observation, Revision, RevisionKind, observation_tag
from fieldnotes.observations.service import can_edit, tag_named
from fieldnotes.studies.models import Tag, name_key

ACTIONS = {"add-tag": "tag", "remove-tag": "tag", "set-kind": "kind", "set-touchpoint": "touchpoint_id",
           "set-role": "role_id"}


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def selected_notes(study_id, note_ids):
    """The live notes of this study among the ids, in id order (the order sync takes rows in)."""
    if not note_ids:
        return []
    return db.session.scalars(select(Observation).where(
        Observation.id.in_(note_ids), Observation.study_id == study_id,
        Observation.deleted_at.is_(None)).order_by(Observation.id)).all()


def find_tag(study_id, name):
    """The study's tag by this name in any letter case (studies.models.name_key)."""
    return db.session.scalar(select(Tag).where(Tag.study_id == study_id, Tag.name_key == name_key(name)))


def bulk_change(membership, user, note_ids, action, tag=None, value=None):
    """Apply one action to the selected notes; returns (message, errors).

    When none of the selected notes is a live note of this study, nothing is written, not even
    the tag "add tag" would make (another study's note ids must not leave a trace here).
    """
    notes = selected_notes(membership.study_id, note_ids)
    if not notes:
        return None, {"note_ids": ["None of the selected notes is in this study (they may have been deleted)."]}
    skipped = len(set(note_ids)) - len(notes)
    if action in ("set-kind", "set-touchpoint", "set-role"):
        allowed = [n for n in notes if can_edit(membership, n)]
        skipped, notes = skipped + len(notes) - len(allowed), allowed
    counter = Counter()
    counter.lock()
    if action in ("add-tag", "remove-tag"):
        changed, errors = change_tag(membership.study_id, user, notes, action, tag, counter)
        what = f"{'Added' if action == 'add-tag' else 'Removed'} tag “{tag}” {'to' if action == 'add-tag' else 'from'}"
    else:
        changed, errors = set_field(user, notes, ACTIONS[action], value, counter)
        what = f"Set {ACTIONS[action].removesuffix('_id')} on"
    if errors:
        return None, errors
    message = f"{what} {plural(changed, 'note')}."
    if len(notes) - changed:
        message += f" {plural(len(notes) - changed, 'note')} already had it."
    if skipped:
        message += f" {plural(skipped, 'selected note')} could not be changed (deleted, or not yours to edit)."
    return message, {}


def change_tag(study_id, user, notes, action, name, counter):
    if action == "add-tag":
        tag = tag_named(study_id, name)
        return sum(set_tags(n, user, [*n.tags, tag], counter) for n in notes if tag not in n.tags), {}
    tag = find_tag(study_id, name)
    if tag is None:
        return 0, {"tag": [f"This study has no tag named “{name}”."]}
    return sum(set_tags(n, user, [t for t in n.tags if t.id != tag.id], counter) for n in notes), {}


def set_field(user, notes, field, value, counter):
    changed = 0
    for note in notes:
        before = note.version
        try:
            errors = edit_fields(note, user, {field: value}, None, counter)
        except Stale:  # deleted since it was selected: nothing to set
            continue
        if errors:
            return 0, {"value": errors[field]}
        changed += note.version != before
    return changed, {}


def notes_tagged(tag):
    """The ids of the tag's live notes, in id order (sorted here: in the query, PostgreSQL walks every link)."""
    return sorted(db.session.scalars(select(observation_tag.c.observation_id).join(Observation).where(
        observation_tag.c.tag_id == tag.id, Observation.deleted_at.is_(None))))


def rename_tag(tag, new_name, user, end_round=None):
    """Rename; the notes carrying it change version so phones pull the new name. Returns errors.

    In rounds, as merge_tags and for the same reason: the tag's new name and the first CHUNK of its notes in one
    transaction, then each next CHUNK in its own, the last in the caller's. A rename cut short leaves the rest
    of its notes at versions that name the tag as it was: renaming it again to the same name finds them by
    their newest revision (renamed_too_late) and finishes the rename. `end_round` as for merge_tags.
    """
    other = find_tag(tag.study_id, new_name)
    if other is not None and other.id != tag.id:
        return {"name": [f"There is already a tag “{other.name}”: merge “{tag.name}” into it instead."]}
    end_round = end_round or db.session.commit
    if new_name == tag.name:
        record_in_rounds(renamed_too_late(tag), user, end_round)
        return {}
    Counter().lock()
    note_ids = notes_tagged(tag)
    old_name = tag.name
    db.session.add(TagEvent(study_id=tag.study_id, action=TagAction.RENAME, old_name=old_name,
                            new_name=new_name, notes=len(note_ids), user_id=user.id))
    tag.name = new_name
    try:
        db.session.flush()  # a tag given this name a moment ago: the unique key refuses it here, not at commit
    except IntegrityError:
        return {"name": [f"There is already a tag “{new_name}”: merge “{old_name}” into it instead."]}
    record_in_rounds(note_ids, user, end_round)
    return {}


def record_in_rounds(note_ids, user, end_round):
    """Each CHUNK of the notes at its next version in a transaction of its own, holding the change counter; the
    last in the caller's."""
    for start in range(0, len(note_ids), CHUNK):
        if start:
            end_round()
        Counter().lock()  # the round's first statement (or taken already, by the rename itself)
        record_edits(note_ids[start:start + CHUNK], user.id)  # as statements: 500 notes in a few


def renamed_too_late(tag):
    """The tag's live notes whose newest version names it otherwise: left by a rename cut short."""
    note_ids, late = notes_tagged(tag), []
    for start in range(0, len(note_ids), CHUNK):
        chunk = note_ids[start:start + CHUNK]
        newest = select(Revision.observation_id, Revision.data).join(Observation, and_(
            Observation.id == Revision.observation_id, Observation.version == Revision.version)).where(
            Revision.observation_id.in_(chunk), Revision.kind == RevisionKind.EDIT)
        named = {note_id for note_id, data in db.session.execute(newest) if tag.name in data.get("tags", ())}
        late += [note_id for note_id in chunk if note_id not in named]
    return late


def merge_tags(source, target, user, end_round=None):
    """Move every note from source to target (no note gets target twice), then drop source.

    In rounds of CHUNK notes, each its own transaction holding the change counter, and so every phone's push,
    for its own notes only: one transaction for a tag on 40,401 notes at 1M held every push 21-31 s.
    A round is whole (its notes at their next version, on target, with their links moved), so a merge cut
    short leaves some notes on target and the rest on source, each as it should be, and merging again
    finishes it. The last round, the one that finds CHUNK or fewer notes left, drops source and adds the
    merge to the tag history: under the counter, no writer can tag another note with source before the
    caller commits it. The tag's notes are read in the first round and again when 500 or fewer are left, so
    notes a phone tags with source meanwhile are merged too. `end_round` ends each round before it (a
    commit; the benchmark keeps them open).
    """
    if source.id == target.id:
        return {"target_id": ["Choose two different tags."]}
    end_round = end_round or db.session.commit
    ids, names, moved, pending = (source.id, target.id), (source.name, target.name), 0, []
    while True:
        Counter().lock()  # first, before anything is read: what this round finds stays so until it commits
        source, target = (db.session.get(Tag, i, populate_existing=True) for i in ids)  # either may be gone now
        if source is None or target is None:
            return {"target_id": [f"Someone merged or deleted “{names[source is not None]}” meanwhile; "
                                  f"{plural(moved, 'note')} had moved to “{names[1]}” by then. See the tags as they "
                                  "are now and merge again what is left."]}
        if len(pending) <= CHUNK:  # the first round, and maybe the last: the tag's notes as they are now
            pending = notes_tagged(source)
        note_ids, pending = pending[:CHUNK], pending[CHUNK:]
        record_edits(note_ids, user.id, {source.id: target.id})  # as statements: 500 notes in a few
        move_links(note_ids, source.id, target.id)
        moved += len(note_ids)
        if not pending:  # only after a round that read the tag's notes afresh: none is left behind
            break
        end_round()
    db.session.add(TagEvent(study_id=source.study_id, action=TagAction.MERGE, old_name=source.name,
                            new_name=target.name, notes=moved, user_id=user.id))
    db.session.flush()
    db.session.delete(source)
    return {}


def move_links(note_ids, source_id, target_id):
    """The notes' links to source go to target, or go where a note has target already."""
    links = observation_tag.c
    has_target = select(links.observation_id).where(links.tag_id == target_id)
    for start in range(0, len(note_ids), CHUNK):
        chunk = note_ids[start:start + CHUNK]
        db.session.execute(delete(observation_tag).where(
            links.tag_id == source_id, links.observation_id.in_(chunk), links.observation_id.in_(has_target)))
        db.session.execute(update(observation_tag).where(links.tag_id == source_id, links.observation_id.in_(chunk))
                           .values(tag_id=target_id))


def tag_counts(study_id):
    """Each tag with its number of live notes: one grouped query."""
    counts = dict(db.session.execute(
        select(observation_tag.c.tag_id, func.count()).join(Observation)
        .where(Observation.study_id == study_id, Observation.deleted_at.is_(None))
        .group_by(observation_tag.c.tag_id)).all())
    tags = db.session.scalars(select(Tag).where(Tag.study_id == study_id).order_by(func.lower(Tag.name))).all()
    return [(tag, counts.get(tag.id, 0)) for tag in tags]


def normalised(name):
    """Case, punctuation and spaces ignored: 'On-boarding ' and 'onboarding' are the same key."""
    return "".join(c for c in name.casefold() if c.isalnum())


def one_edit_apart(a, b):
    """True if one letter substituted, inserted or deleted turns a into b."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def near_duplicates(tags):
    """Pairs of tags whose names differ only in case, punctuation or spacing, or by one typo (6+ letters)."""
    keys = [(tag, normalised(tag.name)) for tag in tags]
    pairs = []
    for i, (a, key_a) in enumerate(keys):
        for b, key_b in keys[i + 1:]:
            if key_a == key_b or (min(len(key_a), len(key_b)) >= 6 and one_edit_apart(key_a, key_b)):
                pairs.append((a, b))
    return pairs


def tag_history(study_id, limit=50):
    return db.session.scalars(select(TagEvent).where(TagEvent.study_id == study_id)
                              .order_by(TagEvent.created_at.desc(), TagEvent.id.desc()).limit(limit)).all()
