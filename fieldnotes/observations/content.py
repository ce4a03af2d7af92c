"""A note as data: what sync sends, what revisions keep, and how two versions are compared."""
from datetime import UTC

CONTENT_FIELDS = ("study_id", "kind", "text", "expected", "touchpoint_id", "role_id",
                  "participant_id", "visit_id", "no_person")
# What a field holds in content written before it existed (revisions kept from older versions, pushes
# from phones that do not know it yet): an old revision and the same note resent compare equal.
FIELD_DEFAULTS = {"no_person": False}


def iso(moment):
    return moment.astimezone(UTC).isoformat() if moment else None


def media_entry(attachment, with_status=False):
    entry = {"id": str(attachment.id), "slot": str(attachment.slot), "sha256": attachment.sha256,
             "size": attachment.size, "mime": attachment.mime}
    if with_status:
        entry["status"] = str(attachment.status)
    return entry


def note_content(note):
    """The fields a phone sends, as the server holds them now."""
    data = {field: getattr(note, field) for field in CONTENT_FIELDS}
    data["kind"] = str(note.kind)
    data["tags"] = [tag.name for tag in note.tags]
    data["captured_at"] = iso(note.captured_at)
    data["media"] = [media_entry(a) for a in note.media]
    return data


def loaded_content(data):
    """The same shape from a validated push (captured_at still a datetime)."""
    content = {field: data.get(field, FIELD_DEFAULTS.get(field)) for field in CONTENT_FIELDS}
    content["kind"] = str(data["kind"])
    content["tags"] = list(data.get("tags", []))
    content["captured_at"] = iso(data["captured_at"])
    content["media"] = [{**m, "id": str(m["id"]), "slot": str(m["slot"])} for m in data.get("media", [])]
    return content


def comparable(content):
    """Equal for the same note resent: tag case and order, media order and mime spelling don't matter."""
    media = sorted((m["id"], m["slot"], m["sha256"], m["size"]) for m in content.get("media", []))
    tags = sorted({t.lower() for t in content.get("tags", [])})
    rest = tuple(content.get(f, FIELD_DEFAULTS.get(f)) for f in (*CONTENT_FIELDS, "captured_at"))
    return rest, tuple(tags), tuple(media)


def same_content(a, b):
    return comparable(a) == comparable(b)


def note_state(note):
    """What pull and conflict answers carry: content plus the server's own facts."""
    data = note_content(note)
    data["author"] = note.author.name
    data["synced_at"] = iso(note.updated_at)
    data["client_time_suspect"] = note.client_time_suspect
    data["media"] = [media_entry(a, with_status=True) for a in note.media]
    return {"entity": "observation", "id": str(note.id), "version": note.version, "seq": note.seq,
            "deleted": note.deleted_at is not None, "data": data}
