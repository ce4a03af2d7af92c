"""A study with insights, consented and refused evidence, and a privacy canary: what board tests share."""
import hashlib
import random
import uuid

from sqlalchemy import select

from fieldnotes.boards.models import BoardItem
from fieldnotes.demo.notes import small_png
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import MediaStatus, Observation
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Role, Study, Touchpoint
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit

CANARY = "Wilhelmina Quarrington-Bleake"  # a real name nobody outside the owner may ever see
CANARY_PSEUDONYM = "P2 Wilhelmina"


def png(seed):
    """A small real PNG, different for each seed (browsers decode it)."""
    return small_png(random.Random(seed))


def verified_media(note, slot="photo", content=None):
    """Mark the note's declared media verified and store its bytes, as a finished upload leaves them."""
    for attachment in note.media:
        if attachment.slot == slot:
            attachment.status, attachment.offset = MediaStatus.VERIFIED, attachment.size
            store_file(attachment.sha256, content)
    db.session.commit()


def store_file(sha256, content):
    """Put a file's bytes where the media store keeps them, under their SHA-256."""
    path = stored_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def media_entry(content, slot="photo", mime="image/png"):
    return {"id": str(uuid.uuid4()), "slot": slot, "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "mime": mime}


def make_insight(study, statement, notes=(), parent=None, position=0):
    insight = Insight(study_id=study.id, statement=statement, parent_id=parent.id if parent else None,
                      position=position)
    db.session.add(insight)
    db.session.flush()
    for index, note in enumerate(notes):
        db.session.add(InsightNote(observation_id=note.id, insight_id=insight.id, position=index))
    db.session.commit()
    return insight


def board_holding(app, client, study_id, note_id, statement="Nobody trusts the fuel sheet."):
    """A new insight holding the note, put on a new board through the board pages by `client` (signed in
    as someone who may make boards): (board url, the board item's id)."""
    with app.app_context():
        insight = make_insight(db.session.get(Study, study_id), statement, [db.session.get(Observation, note_id)])
        insight_id = insight.id
    response = client.post(f"/studies/{study_id}/boards", data={"title": "Fuel", "narrative": "Why."})
    base = response.location.removesuffix("/edit")
    assert client.post(f"{base}/items", data={"insight_id": insight_id}).status_code == 303
    with app.app_context():
        item = db.session.scalar(select(BoardItem.id).where(BoardItem.insight_id == insight_id))
    return base, item


def build(app):
    """Returns ids: study, insights (by name), notes and media (by name)."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        users = {role: make_user(f"{role}@example.org", f"{role.title()} Person")
                 for role in ("designer", "viewer", "researcher", "outsider")}
        study = make_study(owner, designer=users["designer"], viewer=users["viewer"],
                           researcher=users["researcher"])
        term = {m.name: m.id for model in (Touchpoint, Role)
                for m in db.session.query(model).filter_by(study_id=study.id)}
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        clerk = make_participant(study, [visit], pseudonym="P1", role_id=term["End user"])
        canary = make_participant(study, [visit], pseudonym=CANARY_PSEUDONYM, real_name=CANARY,
                                  role_id=term["Finance executive"], consent_photos=False)
        ok_png, refused_png = png("ok"), png("refused")
        ok_note = make_observation(study, owner, kind="quote", text="I re-key every order into the fuel sheet.",
                                   participant_id=clerk.id, visit_id=visit.id, touchpoint_id=term["Use"],
                                   role_id=term["End user"], media=[media_entry(ok_png)])
        refused_note = make_observation(study, owner, kind="breakdown", text="Approvals wait for printouts.",
                                        participant_id=canary.id, visit_id=visit.id,
                                        touchpoint_id=term["Purchase"], role_id=term["Finance executive"],
                                        media=[media_entry(refused_png)])
        verified_media(ok_note, content=ok_png)
        verified_media(refused_note, content=refused_png)
        first = make_insight(study, "I type every order twice because the systems do not talk.", [ok_note])
        second = make_insight(study, "I wait days for a signature on paper.", [refused_note], position=1)
        other_study = make_study(owner, name="Another study")
        stray = make_insight(other_study, "A stray insight from another study.")
        return {"study": study.id, "first": first.id, "second": second.id, "stray": stray.id,
                "ok_note": ok_note.id, "refused_note": refused_note.id,
                "ok_media": ok_note.media[0].id, "refused_media": refused_note.media[0].id,
                "canary": canary.id, "other_study": other_study.id}
