"""What a study archive says about a study: its records, with database ids replaced by keys.

The writer (exports/archive.py) streams these into the zip; canonical_dump() is the same records
without authorship, which an import must reproduce exactly (tests/test_archive_roundtrip.py).
Real names, emails, passwords and share links are never read here, so they cannot leave.
"""
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.boards.models import Board, BoardItem, Reaction
from fieldnotes.exports.archive_accounts import account_keys, accounts_record
from fieldnotes.exports.archive_fieldkit import fieldkit_record
from fieldnotes.exports.archive_format import erasure_key, moment, without_authorship
from fieldnotes.exports.archive_transcripts import highlight_records, recording_records
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.studies.models import Membership, Role, Study, Tag, Touchpoint
from fieldnotes.visits.ledger import stamp
from fieldnotes.visits.models import Participant, SiteVisit

ARCHIVED_VISITOR = "archive:"
NOTE_CHUNK = 500  # notes read (and written) at a time: a big study never sits in memory whole
CONSENT_FIELDS = ("consent_given", "consent_notes", "consent_quotes", "consent_photos", "consent_audio")
# Fields of a revision's data that name rows of the study by id, and what the archive names them by.
REVISION_REFS = {"touchpoint_id": "touchpoint", "role_id": "role", "participant_id": "participant",
                 "visit_id": "visit"}


class Keys:
    """The study's ids and the keys the archive names them by."""

    def __init__(self, study_id):
        self.study_id = study_id
        self.members = {m.user_id: f"member-{i}" for i, m in enumerate(db.session.scalars(
            select(Membership).where(Membership.study_id == study_id).order_by(Membership.id)), 1)}
        self.touchpoint = self.names(Touchpoint)
        self.role = self.names(Role)
        self.visit = {vid: f"visit-{i}" for i, vid in enumerate(db.session.scalars(
            select(SiteVisit.id).where(SiteVisit.study_id == study_id)
            .order_by(SiteVisit.visited_on, SiteVisit.id)), 1)}
        self.participant = dict(db.session.execute(
            select(Participant.id, Participant.pseudonym).where(Participant.study_id == study_id)).all())
        # Notes in change order: the order an import writes them, so it gives the same keys again.
        self.note = {nid: f"note-{i}" for i, nid in enumerate(db.session.scalars(
            select(Observation.id).where(Observation.study_id == study_id).order_by(Observation.seq)), 1)}
        self.account = account_keys(study_id)
        self.insight, self.recording, self.transcript = {}, {}, {}

    def names(self, model):
        return dict(db.session.execute(select(model.id, model.name).where(model.study_id == self.study_id)).all())

    def member(self, user_id):
        return self.members.get(user_id)


def study_record(study, keys):
    members = db.session.execute(select(Membership).where(Membership.study_id == study.id)
                                 .options(selectinload(Membership.user)).order_by(Membership.id)).scalars()
    return {
        "study": {"name": study.name, "goal": study.goal, "audience": str(study.audience),
                  "status": str(study.status), "created_at": moment(study.created_at)},
        "touchpoints": terms(Touchpoint, study.id),
        "roles": terms(Role, study.id),
        "tags": [{"name": t.name, "name_key": t.name_key, "created_at": moment(t.created_at)}
                 for t in db.session.scalars(select(Tag).where(Tag.study_id == study.id).order_by(Tag.name_key))],
        # Display name and role only: an email is a way to reach them, and the archive leaves the server.
        "members": [{"key": keys.member(m.user_id), "name": m.user.name, "role": str(m.role)} for m in members],
    }


def terms(model, study_id):
    return [{"name": t.name, "name_key": t.name_key, "retired": t.retired}
            for t in db.session.scalars(model.in_order(study_id))]


def visit_records(keys):
    visits = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == keys.study_id)
                                .options(selectinload(SiteVisit.researchers))
                                .order_by(SiteVisit.visited_on, SiteVisit.id))
    for visit in visits:
        yield {"key": keys.visit[visit.id], "visited_on": moment(visit.visited_on),
               "organisation": visit.organisation, "account": keys.account.get(visit.organisation_id),
               "place": visit.place, "summary": visit.summary,
               "created_at": moment(visit.created_at),
               "researchers": [k for k in (keys.member(u.id) for u in visit.researchers) if k]}


def participant_records(keys):
    # Never real_name: the archive is a file that leaves the server, and pseudonyms are enough to analyse.
    people = db.session.scalars(Participant.of_study(keys.study_id).options(selectinload(Participant.visits)))
    for person in people:
        yield {"pseudonym": person.pseudonym, "role": keys.role.get(person.role_id),
               "organisation": person.organisation, "account": keys.account.get(person.organisation_id),
               "consent_on": moment(person.consent_on),
               **{field: getattr(person, field) for field in CONSENT_FIELDS},
               "created_at": moment(person.created_at),
               "visits": sorted(keys.visit[v.id] for v in person.visits),
               # So an import can tell this server's erasure ledger erased them after the archive was made.
               "erasure_key": erasure_key(person.study_id, person.id, stamp(person.created_at))}


def note_records(keys):
    """The study's notes in change order, NOTE_CHUNK at a time."""
    ids = list(keys.note)
    for start in range(0, len(ids), NOTE_CHUNK):
        chunk = db.session.scalars(select(Observation).where(Observation.id.in_(ids[start:start + NOTE_CHUNK]))
                                   .options(selectinload(Observation.tags), selectinload(Observation.media),
                                            selectinload(Observation.revisions))
                                   .order_by(Observation.seq)).all()
        for note in chunk:
            yield note_record(note, keys)
            db.session.expunge(note)  # with its media and revisions: not needed again


def note_record(note, keys):
    return {
        "key": keys.note[note.id], "kind": str(note.kind), "text": note.text, "expected": note.expected,
        "touchpoint": keys.touchpoint.get(note.touchpoint_id), "role": keys.role.get(note.role_id),
        "participant": keys.participant.get(note.participant_id), "visit": keys.visit.get(note.visit_id),
        "no_person": note.no_person, "captured_at": moment(note.captured_at),
        "client_time_suspect": note.client_time_suspect, "received_at": moment(note.received_at),
        "updated_at": moment(note.updated_at), "deleted_at": moment(note.deleted_at), "version": note.version,
        "author": keys.member(note.author_id),
        "tags": sorted(t.name for t in note.tags),
        "media": sorted((media_record(a) for a in note.media), key=media_order),
        # Revisions as kept: one marked erased stays the only one, without the words it replaced.
        "revisions": [revision_record(r, keys) for r in sorted(note.revisions, key=lambda r: r.id)],
    }


def media_record(attachment):
    return {"slot": str(attachment.slot), "sha256": attachment.sha256, "size": attachment.size,
            "mime": attachment.mime, "status": str(attachment.status),
            "stored_sha256": attachment.stored_sha256, "stored_size": attachment.stored_size,
            "created_at": moment(attachment.created_at), "verified_at": moment(attachment.verified_at)}


def media_order(record):
    return record["created_at"], record["sha256"], record["slot"]


def served_file(record):
    """The digest of the file members see (a re-encoded photo's, else what was sent)."""
    return record["stored_sha256"] or record["sha256"]


def revision_record(revision, keys):
    return {"version": revision.version, "kind": str(revision.kind), "created_at": moment(revision.created_at),
            "author": keys.member(revision.author_id), "data": keyed_content(revision.data, keys)}


def keyed_content(data, keys):
    """A revision's note content with ids as keys; media without ids (the importer gives new ones)."""
    content = {k: v for k, v in data.items() if k != "study_id" and k not in REVISION_REFS}
    for field, name in REVISION_REFS.items():
        if field in data:
            content[name] = getattr(keys, name).get(data[field])
    if "media" in data:
        content["media"] = [{k: v for k, v in m.items() if k != "id"} for m in data["media"]]
    return content


def insight_records(keys):
    """Themes and insights, parents before children, each with its notes in their order."""
    insights = db.session.scalars(select(Insight).where(Insight.study_id == keys.study_id)
                                  .order_by(Insight.position, Insight.id)).all()
    children = {}
    for insight in insights:
        children.setdefault(insight.parent_id, []).append(insight)
    placed = db.session.execute(select(InsightNote).join(Insight).where(Insight.study_id == keys.study_id)
                                .order_by(InsightNote.insight_id, InsightNote.position)).scalars()
    notes = {}
    for row in placed:
        notes.setdefault(row.insight_id, []).append({"note": keys.note[row.observation_id],
                                                     "position": row.position})
    records, queue = [], list(children.get(None, []))
    while queue:
        insight = queue.pop(0)
        keys.insight[insight.id] = f"insight-{len(keys.insight) + 1}"
        records.append({"key": keys.insight[insight.id], "parent": keys.insight.get(insight.parent_id),
                        "statement": insight.statement, "position": insight.position, "version": insight.version,
                        "created_at": moment(insight.created_at), "updated_at": moment(insight.updated_at),
                        "author": keys.member(insight.created_by), "notes": notes.get(insight.id, [])})
        queue.extend(children.get(insight.id, []))
    return records


def board_records(keys):
    """Boards with their insights and evidence; reactions by name. Share links are secrets: never."""
    boards = db.session.scalars(select(Board).where(Board.study_id == keys.study_id).order_by(Board.id)
                                .options(selectinload(Board.items).selectinload(BoardItem.evidence))).all()
    return [{"title": b.title, "narrative": b.narrative, "created_at": moment(b.created_at),
             "updated_at": moment(b.updated_at), "author": keys.member(b.created_by),
             "items": [item_record(item, keys) for item in b.items], "reactions": reaction_records(b, keys)}
            for b in boards]


def item_record(item, keys):
    evidence = [{"note": keys.note[e.observation_id], "position": e.position,
                 "media": attachment_sha256(e.attachment_id),
                 "recording": e.recording.sha256 if e.recording else None} for e in item.evidence]
    return {"insight": keys.insight[item.insight_id], "position": item.position, "evidence": evidence}


def attachment_sha256(attachment_id):
    # Within its note, a picked photo is known by its content: the importer gives attachments new ids.
    return db.session.scalar(select(Attachment.sha256).where(Attachment.id == attachment_id)) if attachment_id \
        else None


def reaction_records(board, keys):
    reactions = db.session.scalars(select(Reaction).where(Reaction.board_id == board.id)
                                   .options(selectinload(Reaction.user)).order_by(Reaction.id))
    # Who reacted, by the name the board showed; the visitor key only groups one person's reactions.
    return [{"insight": keys.insight[r.insight_id], "kind": str(r.kind), "comment": r.comment,
             "name": r.user.name if r.user else r.visitor_name, "visitor": archived_visitor(r.visitor_key),
             "created_at": moment(r.created_at)} for r in reactions]


def archived_visitor(visitor_key):
    """The reactor's key, hashed: "user:7" means someone else on another server; still one person here."""
    if visitor_key.startswith(ARCHIVED_VISITOR):
        return visitor_key
    return ARCHIVED_VISITOR + hashlib.sha256(visitor_key.encode()).hexdigest()[:64]


def canonical_dump(study_id):
    """The study's content, ids replaced by keys and without authorship: equal after a round trip."""
    keys = Keys(study_id)
    study = study_record(db.session.get(Study, study_id), keys)
    return without_authorship({
        "study": study, "visits": list(visit_records(keys)), "participants": list(participant_records(keys)),
        "notes": list(note_records(keys)), "insights": insight_records(keys), "boards": board_records(keys),
        "accounts": accounts_record(keys), "fieldkit": fieldkit_record(keys),
        "recordings": list(recording_records(keys)), "highlights": highlight_records(keys)})
