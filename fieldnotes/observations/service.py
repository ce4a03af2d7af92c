"""Writing a note's fields, tags and declared media; checking that what it names is in its study.

Callers commit. Functions that find a problem return field messages rather
than raising, so sync can answer per item.
"""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
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


def scope_errors(study_id, data):
    """Field messages for ids that are not in this study (another study's id is never written)."""
    errors = {}
    for field, model in SCOPED.items():
        value = data.get(field)
        if value is not None and db.session.scalar(
                select(model.id).where(model.id == value, model.study_id == study_id)) is None:
            errors[field] = ["Not found in this study."]
    return errors


def clock_suspect(captured_at, received_at):
    """A wrong phone clock must not cost the note: keep the time, flag it."""
    return captured_at > received_at + CLOCK_SLACK or captured_at < EARLIEST_PLAUSIBLE


def write_fields(note, data, now=None):
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
    caller for one transaction) saves reading the same tag again for every note of a sync batch.
    """
    cache = {} if cache is None else cache
    tags, seen = [], set()
    for name in names:
        key = (study_id, name_key(name))
        if key in seen:
            continue
        seen.add(key)
        if key not in cache:
            cache[key] = tag_named(study_id, name)
        tags.append(cache[key])
    return tags


def tag_named(study_id, name):
    """The study's tag by this name in any letter case, made with this spelling when there is none."""
    key = name_key(name)
    query = select(Tag).where(Tag.study_id == study_id, Tag.name_key == key)
    tag = db.session.scalar(query)
    if tag is None:
        # Someone may add the same tag, in any letters, at this moment: insert-or-nothing on the unique
        # (study, key), then read. A racing writer's row makes ours nothing, so both end on its row.
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(Tag).values(study_id=study_id, name=name, name_key=key,
                                                      created_at=utcnow()).on_conflict_do_nothing())
        tag = db.session.scalar(query)
    return tag


def media_errors(note_id, declared):
    """Messages for media ids already used by another note, or resent with other content."""
    for item in declared:
        existing = db.session.get(Attachment, item["id"])
        if existing is None:
            continue
        if existing.observation_id != note_id:
            return {"media": ["A media id is already used by another note."]}
        if (existing.sha256, existing.size, existing.slot) != (item["sha256"], item["size"], item["slot"]):
            return {"media": ["A media id was sent again with other content; give new media a new id."]}
    return {}


def set_media(note, declared):
    """Attach declared media as pending; media no longer listed is detached (its file stays)."""
    wanted = {item["id"]: item for item in declared}
    note.media = [a for a in note.media if a.id in wanted]
    have = {a.id for a in note.media}
    for media_id, item in wanted.items():
        if media_id not in have:
            note.media.append(Attachment(id=media_id, slot=item["slot"], sha256=item["sha256"],
                                         size=item["size"], mime=item["mime"]))


def new_note(note_id, study_id, author_id, device_id):
    """Not yet in the session: the caller adds it once its fields (and seq) are set."""
    return Observation(id=note_id, study_id=study_id, author_id=author_id, created_by_device=device_id)
