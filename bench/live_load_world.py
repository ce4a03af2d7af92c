"""The live load run's world and its moves (bench/live_load.py): a seeded study, its phones, and how a
phone places a card on the affinity workspace (the workshop's moves: bench/workshop_hook.py)."""
import random
import tempfile

from sqlalchemy import select, text

from fieldnotes import create_app
from fieldnotes.auth.models import User
from fieldnotes.demo import large
from fieldnotes.extensions import db
from fieldnotes.insights import service
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import StudyRole
from tests.live_support import post_json

NOTES, INSIGHTS, HAND = 600, 10, 20
PASSWORD = "bench phone password 16"


def make_world(url, phones):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # sign-ins are not what is measured
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
    assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        study = large.find_large_study(NOTES)
        study_id, owner_id = study.id, study.memberships[0].user_id
        people = []
        for index in range(phones):
            user = User(email=f"phone{index}@example.org", name=f"Phone {index}")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.add(Membership(study=study, user=user, role=StudyRole.DESIGNER))
            people.append(user.email)
        insights = [service.create_insight(study_id, owner_id, f"Insight {i}: what the wall says").id
                    for i in range(INSIGHTS)]
        notes = [str(n) for n in db.session.scalars(select(Observation.id).where(
            Observation.study_id == study_id).order_by(Observation.seq))]
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    return app, {"study": study_id, "insights": insights, "notes": notes, "people": people}


# --- moves: the affinity workspace's now, the workshop's later -------------------------------------------

def affinity_prepare(world, index):
    """A phone's hand: 20 notes of its own, so phones never fight over a card."""
    return {"hand": world["notes"][index * HAND:(index + 1) * HAND], "rng": random.Random(index)}


def affinity_move(connection, port, cookie, world, hand):
    """Place one card: move a note of the hand into a random insight. (status, counter or None)."""
    note = hand["rng"].choice(hand["hand"])
    target = hand["rng"].choice(world["insights"])
    status, answer = post_json(connection, port, f"/api/studies/{world['study']}/insights/move-notes",
                               {"note_ids": [note], "target_id": target}, cookie)
    return status, (answer.get("counter") if isinstance(answer, dict) else None)


def affinity_stream(world):
    return f"/api/studies/{world['study']}/insights/live?since=0"


MOVERS = {"affinity": (affinity_prepare, affinity_move, affinity_stream),
          "workshop": None}  # made once the world exists: bench/workshop_hook.live_load_movers


def workshop_seq(setup):
    """The workshop's move number in the database: where every screen of its stream must end."""
    from fieldnotes.workshops.models import Workshop
    return db.session.get(Workshop, setup["workshop_id"]).seq
