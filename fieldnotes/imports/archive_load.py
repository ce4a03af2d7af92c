"""Writing a verified archive's records into a study, every one with a new id. Callers commit.

Notes are written as the demo seeds write backdated history (docs/architecture.md, "Writing a
note"): with their versions, times and revisions as archived, and change numbers taken from the
one counter (observations/changes.py), so phones pull them and the full-text index sees them.
"""
import json
import uuid

from sqlalchemy import insert, select

from fieldnotes.boards.models import Board, BoardItem, Evidence, Reaction
from fieldnotes.errors import Refused
from fieldnotes.exports import archive_format as fmt
from fieldnotes.imports import analyse, archive_erasures
from fieldnotes.imports import archive_load_kit as kit
from fieldnotes.imports.archive_load_kit import Bad
from fieldnotes.exports.archive_records import CONSENT_FIELDS, REVISION_REFS, served_file
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations import changes, summaries, tags_on_row
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.transcripts.models import Recording
from fieldnotes.visits.models import Participant, SiteVisit, visit_participant

NOTE_CHUNK = 500


def records_of(unpacked, name):
    """The records of a JSONL file, one line at a time, each a dict."""
    with open(unpacked.path(name), encoding="utf-8") as lines:
        number = 0
        try:
            for number, line in enumerate(lines, 1):
                yield number, parsed(line, name, number)
        except UnicodeDecodeError:
            raise Refused(errors={"archive": [f"{name} is not UTF-8 text (after line {number})."]}) from None


def parsed(text, name, number=None):
    where = f"{name} line {number}" if number else name
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(errors={"archive": [f"{where} is not valid JSON."]}) from None
    if not isinstance(record, dict):
        raise Refused(errors={"archive": [f"{where} is not a JSON object."]})
    return record


def whole(unpacked, name):
    try:
        return parsed(unpacked.path(name).read_text(encoding="utf-8"), name)
    except UnicodeDecodeError:
        raise Refused(errors={"archive": [f"{name} is not UTF-8 text."]}) from None


class Loader:
    """One import: the keys of the archive and the new ids they became."""

    def __init__(self, study, owner, unpacked):
        self.study, self.owner, self.unpacked = study, owner, unpacked
        self.format = unpacked.manifest["format"]
        self.ids = {"touchpoint": {}, "role": {}, "visit": {}, "participant": {}, "tag": {}}
        self.notes, self.media, self.insights = {}, {}, {}
        self.accounts, self.recordings, self.transcripts = {}, {}, {}
        self.erasure_keys = {}  # {erasure key: pseudonym}, to compare with this server's erasure ledger
        self.erasures = []  # participants the ledger erased since the archive was made: erased again here

    def lookup(self, kind, key):
        if key is None:
            return None
        try:
            return self.ids[kind][key]
        except (KeyError, TypeError):
            raise Bad(f"names a {kind} the archive does not have ({str(key)[:80]!r})") from None

    def run(self):
        study_data = whole(self.unpacked, fmt.STUDY)
        self.step(fmt.STUDY, lambda: self.load_study(study_data))
        if self.format != fmt.FORMAT_1:
            accounts = whole(self.unpacked, fmt.ACCOUNTS)
            self.step(fmt.ACCOUNTS, lambda: kit.load_accounts(self, accounts))
        for name, load in ((fmt.VISITS, self.load_visit), (fmt.PARTICIPANTS, self.load_participant)):
            for number, record in records_of(self.unpacked, name):
                self.step(f"{name} line {number}", lambda record=record, load=load: load(record))
        db.session.flush()
        self.load_notes()
        insights = whole(self.unpacked, fmt.INSIGHTS)
        self.step(fmt.INSIGHTS, lambda: self.load_insights(insights["insights"]))
        if self.format == fmt.FORMAT_1:
            kit.queue_note_audio(self)
        else:
            self.load_format_2()
        db.session.flush()
        # Boards last: an interview clip on a board names its recording, which must be in by now.
        boards = whole(self.unpacked, fmt.BOARDS)
        self.step(fmt.BOARDS, lambda: [self.load_board(b) for b in boards["boards"]])
        db.session.flush()
        self.erasures = archive_erasures.erase_again(self)
        summaries.rebuild(self.study.id)  # tags and revisions went in as rows: count the study afresh

    def load_format_2(self):
        """What format 2 added: merges, the visit kit, recordings and transcripts, highlights."""
        merges = whole(self.unpacked, fmt.ACCOUNTS)["merges"]
        self.step(fmt.ACCOUNTS, lambda: kit.load_merges(self, merges))
        fieldkit = whole(self.unpacked, fmt.FIELDKIT)
        self.step(fmt.FIELDKIT, lambda: kit.load_fieldkit(self, fieldkit))
        for name, load in ((fmt.RECORDINGS, kit.load_recording), (fmt.HIGHLIGHTS, kit.load_highlight)):
            for number, record in records_of(self.unpacked, name):
                self.step(f"{name} line {number}", lambda record=record, load=load: load(self, record))

    def step(self, where, action):
        try:
            return action()
        except Bad as error:
            raise Refused(errors={"archive": [f"{where} {error}."]}) from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise Refused(errors={"archive": [f"{where} is not as the format says ({type(error).__name__}: "
                                              f"{str(error)[:120]})."]}) from None

    # The study's taxonomy

    def load_study(self, data):
        for kind, model in (("touchpoint", Touchpoint), ("role", Role)):
            for position, term in enumerate(data[f"{kind}s"]):
                row = model(study_id=self.study.id, name=term["name"], position=position, retired=bool(term["retired"]))
                db.session.add(row)
                self.ids[kind][term["name"]] = row
        for tag in data["tags"]:
            row = Tag(study_id=self.study.id, name=tag["name"], created_at=fmt.parse_moment(tag["created_at"]))
            db.session.add(row)
            self.ids["tag"][tag["name"]] = row
        db.session.flush()
        for kind in self.ids:
            self.ids[kind] = {key: row.id for key, row in self.ids[kind].items()}

    def load_visit(self, data):
        visit = SiteVisit(study_id=self.study.id, visited_on=fmt.parse_day(data["visited_on"]),
                          organisation=data["organisation"], place=data["place"], summary=data["summary"],
                          account=kit.account_of(self, data.get("account")),
                          created_at=fmt.parse_moment(data["created_at"]))
        db.session.add(visit)
        db.session.flush()  # in archive order, so the visits keep their order (by day, then id)
        self.ids["visit"][data["key"]] = visit.id

    def load_participant(self, data):
        person = Participant(study_id=self.study.id, pseudonym=data["pseudonym"],
                             role_id=self.lookup("role", data["role"]), organisation=data["organisation"],
                             consent_on=fmt.parse_day(data["consent_on"]),
                             account=kit.account_of(self, data.get("account")),
                             created_at=fmt.parse_moment(data["created_at"]),
                             **{field: bool(data[field]) for field in CONSENT_FIELDS})
        db.session.add(person)
        db.session.flush()
        self.ids["participant"][data["pseudonym"]] = person.id
        if data.get("erasure_key"):
            self.erasure_keys[str(data["erasure_key"])] = data["pseudonym"]
        visits = [{"visit_id": self.lookup("visit", key), "participant_id": person.id} for key in data["visits"]]
        if visits:
            db.session.execute(insert(visit_participant), visits)

    # Notes, in change order, a chunk at a time

    def load_notes(self):
        changes.lock_counter()
        chunk = []
        for number, record in records_of(self.unpacked, fmt.NOTES):
            chunk.append((number, record))
            if len(chunk) == NOTE_CHUNK:
                self.load_note_chunk(chunk)
                chunk = []
        if chunk:
            self.load_note_chunk(chunk)
        analyse.after_commit(len(self.notes))

    def load_note_chunk(self, chunk):
        """A chunk of notes written as rows, as changes.write_new_notes writes a push's: on PostgreSQL each note's
        row carries its tag ids, so the links' trigger (observations/tags_on_row.py) writes no note twice."""
        seqs = iter(changes.take_seqs(len(chunk)))
        notes, tags, media, revisions = [], [], [], []
        for number, record in chunk:
            where = f"{fmt.NOTES} line {number}"
            note = self.step(where, lambda record=record: self.new_note(record, next(seqs)))
            attached = self.step(where, lambda record=record, note=note: [
                self.attachment(record["key"], note["id"], m) for m in record["media"]])
            notes.append(note)
            media += attached
            tags += self.step(where, lambda record=record, note=note: [
                {"observation_id": note["id"], "tag_id": self.lookup("tag", name)} for name in record["tags"]])
            revisions += self.step(where, lambda record=record, note=note, attached=attached: [
                self.revision(note["id"], attached, r) for r in record["revisions"]])
        connection = db.session.connection()
        tags_on_row.carried(connection.dialect.name, notes, tags)
        notes_insert, links_insert, media_insert, revisions_insert = changes.new_note_rows(connection.dialect.name)
        connection.execute(notes_insert, notes)
        for statement, rows in ((media_insert, media), (revisions_insert, revisions)):
            if rows:
                connection.execute(statement, rows)
        if tags:
            tags_on_row.insert_links(connection, links_insert, tags)  # on PostgreSQL a note's links in one statement

    def new_note(self, data, seq):
        if data["key"] in self.notes:
            raise Bad(f"repeats the note key {data['key']!r}")
        note = {"id": uuid.uuid4(), "study_id": self.study.id, "author_id": self.owner.id, "kind": data["kind"],
                "text": data["text"], "expected": data["expected"],
                "touchpoint_id": self.lookup("touchpoint", data["touchpoint"]),
                "role_id": self.lookup("role", data["role"]),
                "participant_id": self.lookup("participant", data["participant"]),
                "visit_id": self.lookup("visit", data["visit"]), "no_person": bool(data["no_person"]),
                "captured_at": fmt.parse_moment(data["captured_at"]),
                "client_time_suspect": bool(data["client_time_suspect"]),
                "received_at": fmt.parse_moment(data["received_at"]),
                "updated_at": fmt.parse_moment(data["updated_at"]),
                "deleted_at": fmt.parse_moment(data["deleted_at"]), "version": int(data["version"]), "seq": seq,
                "created_by_device": None}
        self.notes[data["key"]] = note["id"]
        return note

    def attachment(self, note_key, note_id, data):
        file = served_file(data)
        if data["status"] == "verified" and file not in self.unpacked.digests:
            raise Bad(f"has a photo or recording whose file media/{file} is not in the archive")
        attachment = {"id": uuid.uuid4(), "observation_id": note_id, "slot": data["slot"], "sha256": data["sha256"],
                      "size": int(data["size"]), "mime": data["mime"],
                      "offset": int(data["size"]) if data["status"] == "verified" else 0, "status": data["status"],
                      "stored_sha256": data["stored_sha256"], "stored_size": data["stored_size"],
                      "created_at": fmt.parse_moment(data["created_at"]),
                      "verified_at": fmt.parse_moment(data["verified_at"])}
        self.media[(note_key, data["sha256"])] = attachment["id"]
        return attachment

    def revision(self, note_id, attached, data):
        return {"observation_id": note_id, "version": data["version"], "kind": data["kind"],
                "author_id": self.owner.id, "device_id": None, "created_at": fmt.parse_moment(data["created_at"]),
                "data": self.content(attached, data["data"])}

    def content(self, attached, keyed):
        """A revision's content with this server's ids again (the reverse of archive_records.keyed_content)."""
        content = {k: v for k, v in keyed.items() if k not in REVISION_REFS.values()}
        content["study_id"] = self.study.id
        for field, name in REVISION_REFS.items():
            if name in keyed:
                content[field] = self.ids[name].get(keyed[name])
        if "media" in keyed:
            current = {a["sha256"]: a["id"] for a in attached}
            content["media"] = [{"id": str(current.get(m.get("sha256")) or uuid.uuid4()), **m} for m in keyed["media"]]
        return content

    # Insights and boards

    def load_insights(self, records):
        for data in records:
            insight = Insight(study_id=self.study.id, parent_id=self.insight(data["parent"]),
                              statement=data["statement"], position=int(data["position"]),
                              version=int(data["version"]), created_by=self.owner.id, updated_by=self.owner.id,
                              created_at=fmt.parse_moment(data["created_at"]),
                              updated_at=fmt.parse_moment(data["updated_at"]))
            db.session.add(insight)
            db.session.flush()
            self.insights[data["key"]] = insight.id
            for placed in data["notes"]:
                db.session.add(InsightNote(observation_id=self.note(placed["note"]), insight_id=insight.id,
                                           position=int(placed["position"])))

    def insight(self, key):
        if key is None:
            return None
        if key not in self.insights:
            raise Bad(f"names an insight that is not before it ({str(key)[:80]!r})")
        return self.insights[key]

    def note(self, key):
        if key not in self.notes:
            raise Bad(f"names a note the archive does not have ({str(key)[:80]!r})")
        return self.notes[key]

    def load_board(self, data):
        board = Board(study_id=self.study.id, title=data["title"], narrative=data["narrative"],
                      created_by=self.owner.id, created_at=fmt.parse_moment(data["created_at"]),
                      updated_at=fmt.parse_moment(data["updated_at"]))
        for item in data["items"]:
            board.items.append(BoardItem(insight_id=self.insight(item["insight"]), position=int(item["position"]),
                                         evidence=[e for e in map(self.evidence, item["evidence"]) if e]))
        db.session.add(board)
        db.session.flush()
        for reaction in data["reactions"]:
            db.session.add(Reaction(board_id=board.id, insight_id=self.insight(reaction["insight"]),
                                    visitor_name=reaction["name"], visitor_key=reaction["visitor"][:80],
                                    kind=reaction["kind"], comment=reaction["comment"],
                                    created_at=fmt.parse_moment(reaction["created_at"])))

    def evidence(self, data):
        note_id = self.note(data["note"])
        attachment_id = None
        if data["media"] is not None:
            attachment_id = self.media.get((data["note"], data["media"]))
            if attachment_id is None:
                raise Bad(f"picks a photo its note {data['note']!r} does not have")
        recording_id = None
        if data.get("recording") is not None:  # an interview's clip: this study's recording of that sha256
            recording_id = db.session.scalar(select(Recording.id).where(
                Recording.study_id == self.study.id, Recording.sha256 == str(data["recording"])).limit(1))
            if recording_id is None:
                return None  # no such recording came in: the clip has nothing to play, and is not a quote
        return Evidence(observation_id=note_id, attachment_id=attachment_id, recording_id=recording_id,
                        position=int(data["position"]))


def empty_problem(study_id):
    """Why an existing study cannot take an archive, or None: only an empty one can."""
    for model, what in ((Observation, "notes"), (SiteVisit, "site visits"), (Participant, "participants"),
                        (Insight, "insights"), (Board, "boards")):
        if db.session.scalar(select(model.id).where(model.study_id == study_id).limit(1)) is not None:
            return f"This study already has {what}: an archive can only be imported into an empty study."
    return None


def clear_taxonomy(study_id):
    """An empty study's journey, roles and tags give way to the archive's (no note uses them)."""
    for model in (Touchpoint, Role, Tag):
        for row in db.session.scalars(select(model).where(model.study_id == study_id)):
            db.session.delete(row)
    db.session.flush()  # before the archive's terms of the same names go in
