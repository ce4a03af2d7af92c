"""A study as a REFI-QDA project (.qdpx): project.qde and its sources, for NVivo, ATLAS.ti, MAXQDA, QualCoder.

Each note is a TextSource (its words in sources/<guid>.txt, as REFI's "internal://" paths ask), coded
over its whole text with its touchpoint, role, kind, tags and insight; a highlight (a span of a longer
note) is a PlainTextSelection of that note's source, coded with its own codes (qdpx_highlights.py);
photos and recordings are PictureSources and AudioSources (their files under sources/), coded the same; a visit's
interview recording is an AudioSource of its own, with its transcript and highlights; participants are Cases,
by pseudonym, with role, organisation and consent as variables, and so are accounts (qdpx_cases.py); team
members are Users by display name.

Written to a file, never held in memory: notes are read a page at a time and each source goes into the
zip as it is read. The XML of the sources goes to a scratch file meanwhile, because project.qde lists
the Cases (which name their sources) before the Sources.
"""
import io
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from fieldnotes.auth.models import User
from fieldnotes.exports import qdpx_highlights
from fieldnotes.exports.audience import OUTSIDE, TEAM, refusal
from fieldnotes.exports.qdpx_cases import CaseSources, write_cases
from fieldnotes.exports.refi_qda import PROJECT_NS, ORIGIN, attrs, code_tree, guid, text, when
from fieldnotes.extensions import db
from fieldnotes.insights.models import InsightNote
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, observation_tag
from fieldnotes.observations.storage import served_path, stored_path
from fieldnotes.studies.models import Membership
from fieldnotes.visits.consent import AUDIO, PHOTO, QUOTE
from fieldnotes.visits.models import Participant
from fieldnotes.visits.names import NameGuard

AUDIENCES = (TEAM, OUTSIDE)
PAGE = 500  # notes read at a time: enough to keep queries few, small enough to keep memory flat
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
              "audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/mpeg": ".mp3",
              "audio/aac": ".aac"}
SOURCE_ELEMENT = {PHOTO: "PictureSource", AUDIO: "AudioSource"}
NOTE_COLUMNS = (Observation.id, Observation.kind, Observation.text, Observation.expected, Observation.touchpoint_id,
                Observation.role_id, Observation.participant_id, Observation.no_person, Observation.captured_at,
                Observation.author_id, Observation.visit_id)


@dataclass
class LeftOut:
    """What an export did not include, and why: {(what, reason): count}, for the exporter to see."""

    counts: Counter = field(default_factory=Counter)

    def add(self, what, reason):
        self.counts[(what, reason)] += 1

    def lines(self):
        return [f"{count} {what}{'' if count == 1 else 's'}: {reason}"
                for (what, reason), count in sorted(self.counts.items())]


def export_project(study, audience, target, exporter=None):
    """Write the study's project to `target` (a path or a seekable file); returns what was left out (LeftOut).

    `exporter` (a User), when there is one, is named as the project's creator.
    """
    guard = NameGuard.of_study(study.id)
    tree = code_tree(study.id, guard)
    participants = {p.id: p for p in db.session.scalars(Participant.of_study(study.id))}
    left_out = LeftOut()
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as sources:
        writer = SourceWriter(archive, sources, tree, guard, participants, audience, left_out)
        writer.cases = CaseSources(study.id, participants)
        writer.selections, writer.as_selections = qdpx_highlights.placed(study.id, audience, participants, guard)
        for page in note_pages(study.id):
            writer.write_page(page)
        for recording in qdpx_highlights.interviews(study.id):
            writer.write_interview(recording)
        sources.seek(0)
        info = zipfile.ZipInfo("project.qde", datetime.now(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, encoding="utf-8") as qde:
            write_project(qde, study, audience, exporter, tree, participants, writer.cases, sources,
                          writer.written, left_out)
    return left_out


def note_pages(study_id):
    """The study's live notes, oldest first, PAGE at a time (keyset on the browse index: no OFFSET)."""
    after = None
    while True:
        query = (select(*NOTE_COLUMNS).where(Observation.study_id == study_id, Observation.deleted_at.is_(None))
                 .order_by(Observation.captured_at, Observation.id).limit(PAGE))
        if after:
            query = query.where(or_(Observation.captured_at > after[0],
                                    and_(Observation.captured_at == after[0], Observation.id > after[1])))
        page = db.session.execute(query).all()
        if not page:
            return
        yield page
        after = (page[-1].captured_at, page[-1].id)


class SourceWriter:
    """Puts each note's sources into the zip and their XML into `sources`, minding consent and real names."""

    def __init__(self, archive, sources, tree, guard, participants, audience, left_out):
        self.archive, self.sources, self.tree, self.guard = archive, sources, tree, guard
        self.participants, self.audience, self.left_out = participants, audience, left_out
        self.cases = None  # CaseSources: which sources each Case names, written after the notes
        self.written = 0
        self.selections, self.as_selections = {}, set()  # highlights written as spans of their sources

    def write_page(self, page):
        ids = [note.id for note in page]
        tags, media, insight = page_links(ids)
        self.highlight_codes = self.codes_of_highlights(ids)
        for note in page:
            if note.id in self.as_selections:
                continue  # written inside its source's TextSource
            codes = self.codes_of(note, tags.get(note.id, ()), insight.get(note.id))
            participant = self.participants.get(note.participant_id)
            # As in every export for outside the team: a note whose words may not go goes not at all.
            if problem := refusal(self.audience, QUOTE, participant, note.no_person):
                self.left_out.add("note", problem)
                for attachment in media.get(note.id, ()):
                    self.left_out.add(noun(attachment), "left out with its note")
                continue
            self.write_words(note, participant, codes)
            for attachment in media.get(note.id, ()):
                self.write_media(note, participant, attachment, codes)

    def codes_of(self, note, tag_ids, insight_id):
        codes = [self.tree.touchpoint.get(note.touchpoint_id), self.tree.role.get(note.role_id),
                 self.tree.kind.get(note.kind)] + [self.tree.tag.get(t) for t in tag_ids]
        return [code.guid for code in codes + [self.tree.insight.get(insight_id)] if code is not None]

    def write_words(self, note, participant, codes):
        words = self.guard.mask(note.text or "")
        if note.expected:
            words += f"\n\nWhat they expected: {self.guard.mask(note.expected)}"
        if not words.strip():  # a photo with nothing written: its picture is the source
            return
        source = guid("note", note.id)
        self.archive.writestr(f"sources/{source}.txt", words, compress_type=zipfile.ZIP_DEFLATED)
        about = attrs(guid=source, name=source_name(note, participant), plainTextPath=f"internal://{source}.txt",
                      creatingUser=guid("user", note.author_id), creationDateTime=when(note.captured_at))
        selection = attrs(guid=guid("selection", note.id), startPosition=0, endPosition=len(words))
        self.sources.write(f"\t\t<TextSource{about}>\n\t\t\t<PlainTextSelection{selection}>\n")
        self.sources.write(codings(source, codes, "\t\t\t\t"))
        self.sources.write("\t\t\t</PlainTextSelection>\n")
        self.sources.write(qdpx_highlights.selections_xml(source, self.selections.get(note.id, ()),
                                                          lambda highlight_id: self.highlight_codes[highlight_id]))
        self.sources.write("\t\t</TextSource>\n")
        self.wrote(note, source)

    def transcript_xml(self, attachment, participant, no_person, recording=None):
        """A recording's transcript, when its person's words may go where its sound goes (quotes).

        The recording is a note's (its attachment) or, given `recording`, a visit's interview."""
        source_id = recording.id if recording is not None else attachment.id
        found = qdpx_highlights.transcript_of(attachment_id=source_id) if recording is None else \
            qdpx_highlights.transcript_of(recording_id=source_id)
        if found is None or refusal(self.audience, QUOTE, participant, no_person):
            return ""
        transcript, segments = found
        selections = self.selections.get(source_id, ())
        codes = self.codes_of_highlights([source_id])
        name, words, xml = qdpx_highlights.transcript_xml(transcript, segments, self.guard.mask, selections,
                                                          lambda highlight_id: codes[highlight_id])
        self.archive.writestr(f"sources/{name}", words, compress_type=zipfile.ZIP_DEFLATED)
        return xml

    def codes_of_highlights(self, source_ids):
        """{highlight id: code GUIDs} of the highlights that are spans of this page's notes."""
        highlight_ids = [s.highlight_id for source_id in source_ids for s in self.selections.get(source_id, ())]
        if not highlight_ids:
            return {}
        tags, _, insight = page_links(highlight_ids)
        rows = db.session.execute(select(*NOTE_COLUMNS).where(Observation.id.in_(highlight_ids))).all()
        return {row.id: self.codes_of(row, tags.get(row.id, ()), insight.get(row.id)) for row in rows}

    def wrote(self, note, source):
        self.written += 1
        self.cases.add(source, note.participant_id, note.visit_id)  # its participant's Case, its account's

    def write_media(self, note, participant, attachment, codes):
        use = PHOTO if attachment.slot == PHOTO else AUDIO
        if problem := refusal(self.audience, use, participant, note.no_person):
            self.left_out.add(noun(attachment), problem)
            return
        path = served_path(attachment)
        if not path.is_file():
            self.left_out.add(noun(attachment), "its file is missing from the media folder")
            return
        source = guid("media", attachment.id)
        file_name = source + EXTENSIONS.get(attachment.mime, "")
        # Photos and recordings are compressed already: deflating them again costs time and saves nothing.
        self.archive.write(path, f"sources/{file_name}", compress_type=zipfile.ZIP_STORED)
        name = f"{source_name(note, participant)} {use}"
        about = attrs(guid=source, name=name, path=f"internal://{file_name}",
                      creatingUser=guid("user", note.author_id), creationDateTime=when(note.captured_at))
        element = SOURCE_ELEMENT[use]
        heard = self.transcript_xml(attachment, participant, note.no_person) if use == AUDIO else ""
        self.sources.write(f"\t\t<{element}{about}>\n{heard}{codings(source, codes, chr(9) * 3)}\t\t</{element}>\n")
        self.wrote(note, source)


    def write_interview(self, recording):
        """A visit's interview recording: its file, and its transcript when its person's words may go too."""
        participant = self.participants.get(recording.participant_id)
        if problem := refusal(self.audience, AUDIO, participant, False):
            self.left_out.add("interview recording", problem)
            return
        path = stored_path(recording.sha256)
        if not path.is_file():
            self.left_out.add("interview recording", "its file is missing from the media folder")
            return
        source = guid("recording", recording.id)
        file_name = source + EXTENSIONS.get((recording.mime or "").split(";")[0].strip().lower(), "")
        self.archive.write(path, f"sources/{file_name}", compress_type=zipfile.ZIP_STORED)
        who = participant.pseudonym if participant else "no participant"
        title = f" “{self.guard.mask(recording.title)}”" if recording.title else ""
        name = f"{recording.created_at:%Y-%m-%d %H:%M} interview{title}, {who} ({str(recording.id)[:8]})"
        about = attrs(guid=source, name=name, path=f"internal://{file_name}",
                      creationDateTime=when(recording.created_at))
        heard = self.transcript_xml(None, participant, False, recording)
        self.sources.write(f"\t\t<AudioSource{about}>\n{heard}\t\t</AudioSource>\n")
        self.written += 1
        self.cases.add(source, recording.participant_id, recording.visit_id)


def noun(attachment):
    return "photo" if attachment.slot == PHOTO else "recording"


def page_links(ids):
    """For a page of note ids: their tag ids, verified media and insight, each {note id: ...}."""
    tags, media = {}, {}
    for note_id, tag_id in db.session.execute(select(observation_tag.c.observation_id, observation_tag.c.tag_id)
                                              .where(observation_tag.c.observation_id.in_(ids))):
        tags.setdefault(note_id, []).append(tag_id)
    for attachment in db.session.execute(
            select(Attachment.id, Attachment.observation_id, Attachment.slot, Attachment.mime,
                   Attachment.sha256, Attachment.stored_sha256)
            .where(Attachment.observation_id.in_(ids), Attachment.status == MediaStatus.VERIFIED)
            .order_by(Attachment.created_at, Attachment.id)):
        media.setdefault(attachment.observation_id, []).append(attachment)
    insight = dict(db.session.execute(select(InsightNote.observation_id, InsightNote.insight_id)
                                      .where(InsightNote.observation_id.in_(ids))).all())
    return tags, media, insight


def source_name(note, participant):
    """'2026-03-12 10:15 quote, P1 (3f2a9c1b)': sortable by time, with the pseudonym, never a real name."""
    who = participant.pseudonym if participant else "no participant"
    return f"{note.captured_at:%Y-%m-%d %H:%M} {note.kind}, {who} ({str(note.id)[:8]})"


def codings(source, codes, pad):
    return "".join(f"{pad}<Coding{attrs(guid=guid('coding', f'{source}:{code}'))}>"
                   f"<CodeRef{attrs(targetGUID=code)}/></Coding>\n" for code in codes)


def write_project(qde, study, audience, exporter, tree, participants, cases, sources, written, left_out):
    """project.qde in the order Project.xsd sets: Users, CodeBook, Variables, Cases, Sources, Description."""
    qde.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    creator = guid("user", exporter.id) if exporter else None
    qde.write(f'<Project xmlns="{PROJECT_NS}"{attrs(name=study.name, origin=ORIGIN, creatingUserGUID=creator)}'
              f'{attrs(creationDateTime=when(datetime.now(UTC)))}>\n')
    write_users(qde, study.id)
    qde.write(f"\t<CodeBook>\n\t\t<Codes>\n{tree.xml(3)}\t\t</Codes>\n\t</CodeBook>\n")
    write_cases(qde, study.id, participants, cases)
    if written:  # <Sources> needs one source at least
        qde.write("\t<Sources>\n")
        shutil.copyfileobj(sources, qde)
        qde.write("\t</Sources>\n")
    qde.write(f"\t<Description>{text(description(audience, left_out))}</Description>\n</Project>\n")


def write_users(qde, study_id):
    """Members, and past members who wrote notes (sources name their authors): display names, no emails."""
    authors = select(Observation.author_id).where(Observation.study_id == study_id)
    members = select(Membership.user_id).where(Membership.study_id == study_id)
    users = db.session.execute(select(User.id, User.name).where(or_(User.id.in_(members), User.id.in_(authors)))
                               .order_by(User.name, User.id)).all()
    if users:  # <Users> needs one at least; a study always has its owner, but a script may pass any study
        qde.write("\t<Users>\n" + "".join(f"\t\t<User{attrs(guid=guid('user', u.id), name=u.name)}/>\n"
                                          for u in users) + "\t</Users>\n")


def description(audience, left_out):
    for_whom = "the research team" if audience == TEAM else "use outside the research team"
    return "\n".join([f"Exported from Fieldnotes for {for_whom}.", *left_out.lines()])
