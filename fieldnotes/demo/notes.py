"""Demo notes: a few hundred realistic ones for the demo study, written the way sync writes them.

Deterministic (a fixed random seed). Every note takes a change number from the
change counter, so phones that open the demo study pull them. Some role and
touchpoint pairs are left empty on purpose: the journey matrix shows them as gaps.
"""
import hashlib
import random
import struct
import uuid
import zlib
from datetime import UTC, datetime, time, timedelta

from fieldnotes.demo.note_bank import BANK, FILLERS, SITE_NOTES
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.content import note_content
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Revision, RevisionKind
from fieldnotes.observations.storage import stored_path

SEED = 20260312
# Where each role was seen; the pairs missing here are the demo's coverage gaps.
ROLE_TOUCHPOINTS = {
    "Finance executive": ["Research", "Purchase", "Implementation", "Use", "Use", "Support"],
    "Line-of-business executive": ["Purchase", "Use", "Use", "Support", "Repurchase"],
    "Departmental manager": ["Research", "Purchase", "Implementation", "Instruction", "Use", "Use", "Support",
                             "Repurchase"],
    "End user": ["Implementation", "Instruction", "Use", "Use", "Use", "Support"],
    "CIO": ["Research", "Purchase", "Implementation", "Implementation", "Support", "Repurchase"],
    "Technical expert": ["Implementation", "Implementation", "Instruction", "Use", "Support"],
}
ASIDES = ["Seen twice this morning.", "Said while pointing at the screen.", "A colleague nodded: same for her.",
          "Happened again after lunch.", "Third time this week, she says.", "Took about ten minutes.",
          "Her manager was standing behind her at the time.", "Did not mention it until we asked.",
          "Laughed about it, but clearly annoyed.", "Says the previous system was no better.",
          "Same story from the person at the next desk.", "Checked the time twice while doing it.",
          "Wants us to tell product about this.", "Only happens on invoices from new suppliers."]
# Site notes of these kinds show and quote nobody (the office, a wall planner): the researcher marks
# them "not a person's words or image", so they may be evidence with no participant (visits/consent.py).
NO_PERSON_KINDS = ("observation", "artifact")


def reserve_seqs(count):
    """`count` consecutive change numbers, taken under the counter lock like any sync write."""
    changes.lock_counter()
    return iter(changes.take_seqs(count))


def fill(rng, text):
    return text.format(**{key: rng.choice(values) for key, values in FILLERS.items()})


def small_png(rng, width=48, height=32):
    """A tiny valid PNG (colour bands), made with the standard library only."""
    colours = [bytes(rng.randrange(40, 230) for _ in range(3)) for _ in range(4)]
    rows = b"".join(b"\x00" + b"".join(colours[(x * 4) // width] for x in range(width)) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def attach_photo(note, rng):
    image = small_png(rng)
    digest = hashlib.sha256(image).hexdigest()
    path = stored_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image)
    note.media.append(Attachment(id=uuid.UUID(int=rng.getrandbits(128), version=4), slot="photo", sha256=digest,
                                 size=len(image), mime="image/png", offset=len(image), status=MediaStatus.VERIFIED,
                                 verified_at=note.received_at))


def draw(rng, deck, touchpoint):
    """The next sentence for this person at this touchpoint: no repeats until the bank runs out."""
    if not deck.get(touchpoint):
        deck[touchpoint] = rng.sample(BANK[touchpoint], len(BANK[touchpoint]))
    return deck[touchpoint].pop()


def plan(demo, rng):
    """(visit, participant or None, touchpoint name, bank entry) for every demo note."""
    planned = []
    for visit in demo["visits"]:
        for person in visit.participants:
            deck = {}
            for _ in range(rng.randint(26, 38)):
                touchpoint = rng.choice(ROLE_TOUCHPOINTS[person.role.name])
                planned.append((visit, person, touchpoint, draw(rng, deck, touchpoint)))
        for kind, text, tags in SITE_NOTES:
            planned.append((visit, None, None, (kind, text, None, tags)))
    rng.shuffle(planned)
    return planned


def seed_notes(demo):
    """A few hundred notes across the demo visits; some with photos, two with a wrong phone clock."""
    rng = random.Random(SEED)
    study = demo["study"]
    touchpoints = {t.name: t.id for t in study.touchpoints}
    tags = {t.name: t for t in study.tags}
    planned = plan(demo, rng)
    seqs = reserve_seqs(len(planned))
    notes = []
    for index, (visit, person, touchpoint, (kind, text, expected, tag_names)) in enumerate(planned):
        text = fill(rng, text)
        if kind not in ("quote", "artifact") and rng.random() < 0.5:
            text = f"{text} {rng.choice(ASIDES)}"
        captured = datetime.combine(visit.visited_on, time(9, tzinfo=UTC)) + timedelta(minutes=rng.randrange(0, 480))
        note = Observation(id=uuid.UUID(int=rng.getrandbits(128), version=4), study_id=study.id,
                           author_id=rng.choice(visit.researchers).id, kind=kind, text=text, expected=expected,
                           touchpoint_id=touchpoints.get(touchpoint), role_id=person.role_id if person else None,
                           participant_id=person.id if person else None, visit_id=visit.id, captured_at=captured,
                           no_person=person is None and kind in NO_PERSON_KINDS,
                           received_at=captured + timedelta(minutes=rng.randrange(1, 240)), version=1,
                           seq=next(seqs), created_by_device=uuid.UUID(int=rng.getrandbits(128), version=4))
        note.updated_at = note.received_at
        if index in (7, 111):  # a phone whose clock reset to its factory date
            note.captured_at, note.client_time_suspect = datetime(1999, 12, 31, 23, 58, tzinfo=UTC), True
        note.tags = sorted({tags[name] for name in tag_names if name in tags}, key=lambda t: t.name)
        if kind == "artifact" and (person is None or person.consent_photos):
            attach_photo(note, rng)
        db.session.add(note)
        notes.append(note)
        note.revisions.append(Revision(version=1, data=note_content(note), author_id=note.author_id,
                                       device_id=note.created_by_device, kind=RevisionKind.EDIT,
                                       created_at=note.received_at))
    demo["notes"] = len(planned)
    demo["study_notes"] = notes


def seed_history(demo):
    """A little history to look at: the designer re-filed three notes, and a phone lost one race."""
    from fieldnotes.explore.edits import edit_fields
    rng = random.Random(SEED + 1)
    notes = sorted(demo["study_notes"], key=lambda n: n.seq)
    designer, counter = demo["users"]["designer"], changes.Counter()
    for note in rng.sample([n for n in notes if str(n.kind) == "observation"], 3):
        edit_fields(note, designer, {"kind": "workaround"}, note.version, counter)
    contested = rng.choice([n for n in notes if str(n.kind) == "breakdown" and n.version == 1])
    edit_fields(contested, designer, {"kind": "workaround"}, 1, counter)
    phone = {**contested.revisions[0].data, "text": contested.text + " (She added: only at month-end.)"}
    contested.revisions.append(Revision(version=1, data=phone, author_id=contested.author_id,
                                        device_id=contested.created_by_device, kind=RevisionKind.CONFLICT))
