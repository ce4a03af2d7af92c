"""A large synthetic study for benchmarks: `flask seed-demo --notes 100000`.

Bulk inserts (no ORM objects per note), change numbers reserved in one step
from the sync counter, deterministic from a fixed seed and the size. Texts come from the
demo sentence bank, so search and the matrix behave as on real notes.
"""
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, text

from fieldnotes.demo import data
from fieldnotes.demo.note_bank import BANK, FILLERS
from fieldnotes.demo.notes import ASIDES, ROLE_TOUCHPOINTS, reserve_seqs
from fieldnotes.extensions import db
from fieldnotes.observations import changes, summaries, tags_on_row
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Membership, Study, StudyStatus, Tag
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.studies.service import create_study
from fieldnotes.visits.models import Participant, SiteVisit

SEED = 100_000
CHUNK = 5_000
ORGANISATIONS = ["Halloran Regional Logistics", "Meridian Dental Supply", "Riverbend Community Credit Union",
                 "Ashcombe Veterinary Group", "Tolland Precision Castings", "Greyfriars Housing Trust",
                 "Norwood Fresh Produce", "Calder Valley Schools Partnership", "Brightwater Marinas",
                 "Oakhurst Care Homes", "Lyle & Penn Architects", "Saltmarsh Brewing Co"]
TAG_NAMES = ["re-keying", "spreadsheet workaround", "approval delays", "month-end crunch",
             "duplicate vendor records", "training gap", "shadow IT", "email as workflow", "bank file",
             "printouts", "mobile approvals", "single sign-on", "supplier onboarding", "audit trail",
             "cost centres", "purchase orders", "help centre", "renewal", "multi-entity", "VAT codes"]


def study_name(count):
    return f"Synthetic study ({count:,} notes)"


def find_large_study(count):
    return db.session.scalar(select(Study).where(Study.name == study_name(count)))


def seed_large(users, count):
    """The study, its fieldwork and `count` notes; returns the study. The caller commits."""
    # Seeded by size too: one seed for every size drew the same note ids again, so a second
    # size in the same database failed on the primary key (issue 11).
    rng = random.Random(f"{SEED}:{count}")
    study = create_study(users["owner"], study_name(count), Audience.CUSTOMER, status=StudyStatus.SYNTHESIS,
                         goal="Synthetic notes for benchmarks; texts drawn from the demo study's sentence bank.")
    for role, user in users.items():
        if role != "owner":
            db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    db.session.flush()
    fieldwork = make_fieldwork(study, users, rng)
    tag_ids = [tag.id for tag in fieldwork["tags"]]
    seqs = reserve_seqs(count)
    dialect_name = db.session.get_bind().dialect.name
    notes_insert, links_insert = changes.new_note_rows(dialect_name)[:2]  # a push's statements for its notes
    for start in range(0, count, CHUNK):
        notes, links = note_rows(study, fieldwork, rng, seqs, min(CHUNK, count - start), tag_ids)
        db.session.execute(notes_insert, tags_on_row.carried(dialect_name, notes, links))
        if links:  # on PostgreSQL a note's links in one statement, so the trigger writes no note twice
            tags_on_row.insert_links(db.session.connection(), links_insert, links)
    summaries.rebuild(study.id)  # rows written directly, for speed: counted once at the end
    return study


def make_fieldwork(study, users, rng):
    roles = {r.name: r for r in study.roles}
    authors = [users["owner"], users["researcher"]]
    visits, people = [], []
    for index, organisation in enumerate(ORGANISATIONS * 2):
        visit = SiteVisit(study_id=study.id, visited_on=date.today() - timedelta(days=120 - index * 5),
                          organisation=organisation, place="Synthetic site", summary="")
        visit.researchers = [rng.choice(authors)]
        db.session.add(visit)
        visits.append(visit)
    for index in range(72):
        visit = visits[index % len(visits)]
        role = list(roles.values())[index % len(roles)]
        person = Participant(study_id=study.id, pseudonym=f"S{index + 1:02d} {role.name}", role_id=role.id,
                             organisation=visit.organisation, consent_given=True, consent_notes=True,
                             consent_quotes=True)
        person.visits = [visit]
        db.session.add(person)
        people.append((person, role, visit))
    tags = [Tag(study_id=study.id, name=name) for name in TAG_NAMES]
    db.session.add_all(tags)
    db.session.flush()
    touchpoints = {t.name: t.id for t in study.touchpoints}
    return {"people": people, "tags": tags, "touchpoints": touchpoints, "authors": [u.id for u in authors]}


def note_rows(study, fieldwork, rng, seqs, count, tag_ids):
    notes, links = [], []
    for _ in range(count):
        person, role, visit = rng.choice(fieldwork["people"])
        touchpoint = rng.choice(ROLE_TOUCHPOINTS[role.name])
        kind, text, expected, _ = rng.choice(BANK[touchpoint])
        text = text.format(**{key: rng.choice(values) for key, values in FILLERS.items()})
        if rng.random() < 0.3:
            text = f"{text} {rng.choice(ASIDES)}"
        captured = datetime.combine(visit.visited_on, time(9, tzinfo=UTC)) + timedelta(seconds=rng.randrange(28_800))
        unassigned = rng.random() < 0.03
        note_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        notes.append({"id": note_id, "study_id": study.id, "author_id": rng.choice(fieldwork["authors"]),
                      "kind": kind, "text": text, "expected": expected,
                      "touchpoint_id": None if unassigned else fieldwork["touchpoints"][touchpoint],
                      "role_id": None if unassigned else role.id, "participant_id": person.id,
                      "visit_id": visit.id, "captured_at": captured, "client_time_suspect": False,
                      "received_at": captured + timedelta(minutes=5), "updated_at": captured + timedelta(minutes=5),
                      "version": 1, "seq": next(seqs), "deleted_at": None, "created_by_device": None})
        for tag_id in rng.sample(tag_ids, k=rng.choice((0, 0, 1, 1, 2))):
            links.append({"observation_id": note_id, "tag_id": tag_id})
    return notes, links


def analyse():
    """Fresh planner statistics after a bulk load, as both databases advise: without them SQLite
    walks every note for a selective filter plus a search."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def demo_users():
    from fieldnotes.auth.models import User
    return {role: db.session.scalar(User.by_email(account["email"])) for role, account in data.ACCOUNTS.items()}
