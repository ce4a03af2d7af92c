"""Plain factory functions: each adds what it makes and commits. Call inside an app context."""
from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.studies.service import create_study

PASSWORD = "quiet harbour lantern 42"


def make_user(email="ana@example.org", name=None, password=PASSWORD, active=True):
    user = User(email=email.lower(), name=name or email.split("@")[0].title(), is_active=active)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_study(owner=None, name="Onboarding at mid-size accounts", audience=Audience.CUSTOMER, **members):
    """A study owned by `owner` (made if missing); `members` maps role names to users."""
    owner = owner or make_user(f"owner{db.session.query(User).count()}@example.org")
    study = create_study(owner, name, audience)
    for role, users in members.items():
        for user in users if isinstance(users, (list, tuple)) else [users]:
            db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    db.session.commit()
    return study


def add_member(study, user, role):
    db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    db.session.commit()


def make_visit(study, **kw):
    """A site visit in `study`; kw sets any field, plus researchers=[users] and participants=[...]."""
    from datetime import date

    from fieldnotes.visits.models import SiteVisit
    fields = {"visited_on": date(2026, 3, 12), "organisation": "Halloran Regional Logistics",
              "place": "Accounts office, Brighouse depot", **kw}
    visit = SiteVisit(study_id=study.id, **fields)
    db.session.add(visit)
    db.session.commit()
    return visit


def make_participant(study, visits=(), **kw):
    """A consenting participant in `study`, on `visits`; kw sets any field (role=..., real_name=...)."""
    from datetime import date

    from fieldnotes.visits.models import Participant
    count = db.session.query(Participant).filter_by(study_id=study.id).count()
    fields = {"pseudonym": f"P{count + 1}", "organisation": "Halloran Regional Logistics",
              "consent_given": True, "consent_on": date(2026, 3, 12), "consent_notes": True,
              "consent_quotes": True, "consent_photos": True, "consent_audio": True, **kw}
    participant = Participant(study_id=study.id, **fields)
    participant.visits = list(visits)
    db.session.add(participant)
    db.session.commit()
    return participant


# --- sync and notes (helper "sync-server") ---

def note_data(study, **overrides):
    """The `data` of a push mutation for a note in `study`, as a phone sends it (JSON types)."""
    return {"study_id": study.id if hasattr(study, "id") else study, "kind": "observation",
            "text": "Keeps a paper list of overdue invoices beside the keyboard.", "expected": None,
            "touchpoint_id": None, "role_id": None, "participant_id": None, "visit_id": None,
            "tags": [], "captured_at": "2026-03-12T10:15:00+00:00", "media": [], **overrides}


def note_mutation(study, op="create", entity_id=None, base_version=None, mutation_id=None, **data):
    """One push mutation; ids are made fresh unless given (as a phone does)."""
    import uuid
    return {"mutation_id": str(mutation_id or uuid.uuid4()), "entity": "observation",
            "entity_id": str(entity_id or uuid.uuid4()), "op": op, "base_version": base_version,
            "data": {} if op == "delete" else note_data(study, **data),
            "client_time": "2026-03-12T10:15:05+00:00"}


def make_observation(study, author, **data):
    """A note pushed by `author` through the sync service, as if from their phone."""
    import uuid

    from fieldnotes.observations.models import Observation
    from fieldnotes.sync.push import push_batch
    mutation = note_mutation(study, **data)
    [result] = push_batch(author, uuid.uuid4(), [mutation])
    assert result["status"] == "applied", result
    return db.session.get(Observation, uuid.UUID(mutation["entity_id"]))


# --- browse and search (helper "browse") ---

def make_observations(study, author, notes):
    """Several notes in one push batch (faster than one by one); `notes` is a list of data dicts."""
    import uuid

    from fieldnotes.observations.models import Observation
    from fieldnotes.sync.push import push_batch
    mutations = [note_mutation(study, **data) for data in notes]
    results = push_batch(author, uuid.uuid4(), mutations)
    assert all(r["status"] == "applied" for r in results), results
    ids = [uuid.UUID(m["entity_id"]) for m in mutations]
    found = {note.id: note for note in db.session.scalars(select(Observation).where(Observation.id.in_(ids)))}
    return [found[note_id] for note_id in ids]  # one read for the batch, in the order given


def make_conflict(note, author, **data):
    """Give `note` a kept conflict: an edit applies, then a second edit from the older version loses."""
    import uuid

    from fieldnotes.observations.content import note_content
    from fieldnotes.sync.push import push_batch
    current = {**note_content(note), **data}
    base = note.version
    [applied] = push_batch(author, uuid.uuid4(), [note_mutation(
        note.study_id, op="update", entity_id=note.id, base_version=base, **{**current, "text": current["text"] + " (edited)"})])
    assert applied["status"] == "applied", applied
    [lost] = push_batch(author, uuid.uuid4(), [note_mutation(
        note.study_id, op="update", entity_id=note.id, base_version=base, **{**current, "text": "A lost edit"})])
    assert lost["status"] == "conflict", lost
    return note
