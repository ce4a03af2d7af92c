"""Writing a note's fields, tags and declared media; checking that what it names is in its study.

Callers commit. Functions that find a problem return field messages rather
than raising, so sync can answer per item.
"""
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.studies.models import Role, Tag, Touchpoint, name_key
from fieldnotes.studies.permissions import StudyRole, allows
from fieldnotes.visits.models import Participant, SiteVisit

SCOPED = {"touchpoint_id": Touchpoint, "role_id": Role, "participant_id": Participant,
          "visit_id": SiteVisit}
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SLACK = timedelta(days=1)


def can_edit(membership, note):
    """Owners and designers edit any note in their study; researchers their own."""
    if membership is None or not allows(membership.role, "edit_notes"):
        return False
    return membership.role != StudyRole.RESEARCHER or note.author_id == membership.user_id


def scope_errors(study_id, data, known=None):
    """Field messages for ids that are not in this study (another study's id is never written).

    `known` (known_ids of a whole push) saves reading the study's ids again for every note.
    """
    known = known_ids(study_id, [data]) if known is None else known
    return {field: ["Not found in this study."] for field in SCOPED
            if data.get(field) is not None and data[field] not in known[field]}


def known_ids(study_id, datas):
    """{field: the ids these notes name that are this study's}: one query per kind of id named at all."""
    known = {}
    for field, model in SCOPED.items():
        named = {data[field] for data in datas if data.get(field) is not None}
        known[field] = set(db.session.scalars(
            select(model.id).where(model.study_id == study_id, model.id.in_(named)))) if named else set()
    return known


def clock_suspect(captured_at, received_at):
    """A wrong phone clock must not cost the note: keep the time, flag it."""
    return captured_at > received_at + CLOCK_SLACK or captured_at < EARLIEST_PLAUSIBLE


def write_fields(note, data, now=None):
    """Set the note's columns that validated data gives; `note` may be a new note's row (a namespace)."""
    now = now or utcnow()
    for field in ("kind", "text", "expected", "touchpoint_id", "role_id", "participant_id", "visit_id"):
        setattr(note, field, data.get(field))
    note.no_person = bool(data.get("no_person", False))  # absent from pushes of phones that predate it
    note.captured_at = data["captured_at"]
    note.client_time_suspect = clock_suspect(data["captured_at"], now)
    note.updated_at = now


def tags_named(study_id, names, cache=None):
    """The study's tags by name (case-insensitive: studies.models.name_key), creating the new ones.

    Names that are one name in other letters give the note that tag once. `cache` (a dict kept by the
    caller for one transaction, filled by cache_tags) saves reading the same tag again for every note.
    """
    cache = {} if cache is None else cache
    keys = [(study_id, name_key(name)) for name in names]
    if any(cache.get(key) is None for key in keys):  # else a dict lookup per name (an import's batch is cached)
        with tags_in_database():
            cache_tags(study_id, names, cache)
    return list({key: cache[key] for key in keys}.values())  # one tag per name_key, in the names' order


@contextmanager
def tags_in_database():
    """Tags pending in the session flushed, and nothing else: a note being edited is not flushed half
    done by its own tag lookup (one flush per note, and the note's counts read before it is changed,
    observations/summaries.py, would find its tags and media not loaded yet)."""
    session = db.session()
    if any(isinstance(obj, Tag) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.flush()
    with session.no_autoflush:
        yield


def cache_tags(study_id, names, cache):
    """Put the study's tags of these names in `cache`, made when new: one read for the lot, not one per name.

    The first spelling of a name is the one a new tag gets. Someone may add the same tag, in any letters,
    at this moment: insert-or-nothing on the unique (study, key), then read, so both end on the same row.
    Autoflush stays on: it runs once per call, not once per name, and a tag pending in the session
    must be in the database before we look for it.

    A key cached as None was looked for in this transaction and not found (a push's checks read the tags
    with the rest, sync/new_notes.py): it is inserted-or-nothing and read, not read first as well.
    """
    wanted = {}
    for name in names:
        wanted.setdefault(name_key(name), name)
    missing = {key: name for key, name in wanted.items() if cache.get((study_id, key)) is None}
    if not missing:
        return
    unread = [key for key in missing if (study_id, key) not in cache]
    found = read_tags(study_id, unread) if unread else {}
    new = [{"study_id": study_id, "name": name, "name_key": key, "created_at": utcnow()}
           for key, name in missing.items() if key not in found]
    if new:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(Tag.__table__).on_conflict_do_nothing(), new)
        found |= read_tags(study_id, {row["name_key"] for row in new})
    cache.update({(study_id, key): tag for key, tag in found.items()})


class TagId(NamedTuple):
    """A tag as notes written as rows need it (their links, their counts): its id, not an ORM Tag.
    Only caches handed to changes.write_new_notes hold these; fill() and the laptop's edits get ORM Tags."""
    id: int


# Built once: every push with tags reads them, and building the statement and its cache key each time cost
# more than loading the few tags (issue 11, session 6). ORM Tags still: an edit on the laptop links them.
TAGS_BY_KEY = select(Tag).where(Tag.study_id == bindparam("study_id"),
                                Tag.name_key.in_(bindparam("keys", expanding=True)))


def read_tags(study_id, keys):
    return {tag.name_key: tag for tag in db.session.scalars(TAGS_BY_KEY, {"study_id": study_id,
                                                                         "keys": list(keys)})}


def tag_named(study_id, name):
    """The study's tag by this name in any letter case, made with this spelling when there is none."""
    return tags_named(study_id, [name])[0]


def media_errors(note_id, declared, stored=None):
    """Messages for media ids already used by another note, or resent with other content.

    `stored` (stored_media of a whole push) saves reading the media again for every note.
    """
    stored = stored_media(declared) if stored is None else stored
    for item in declared:
        existing = stored.get(item["id"])
        if existing is None:
            continue
        if existing.observation_id != note_id:
            return {"media": ["A media id is already used by another note."]}
        if (existing.sha256, existing.size, existing.slot) != (item["sha256"], item["size"], item["slot"]):
            return {"media": ["A media id was sent again with other content; give new media a new id."]}
    return {}


def stored_media(declared):
    """{media id: Attachment} of the declared media the server has already: one query."""
    ids = {item["id"] for item in declared}
    return {a.id: a for a in db.session.scalars(select(Attachment).where(Attachment.id.in_(ids)))} if ids else {}


def set_media(note, declared):
    """Attach declared media as pending; media no longer listed is detached (its file stays)."""
    wanted = {item["id"]: item for item in declared}
    note.media = [a for a in note.media if a.id in wanted]
    have = {a.id for a in note.media}
    note.media.extend(Attachment(**fields) for fields in media_fields(note.id, declared) if fields["id"] not in have)


def media_fields(note_id, declared):
    """An Attachment's columns for each declared media (pending; a media id listed twice is one)."""
    wanted = {item["id"]: item for item in declared}
    return [{"id": media_id, "observation_id": note_id, "slot": item["slot"], "sha256": item["sha256"],
             "size": item["size"], "mime": item["mime"]} for media_id, item in wanted.items()]


def new_note(note_id, study_id, author_id, device_id):
    """Not yet in the session: the caller adds it once its fields (and seq) are set."""
    return Observation(id=note_id, study_id=study_id, author_id=author_id, created_by_device=device_id)
