"""seed-demo's notes: a few hundred realistic ones, pullable by phones; --notes N for a large study."""
import re

from sqlalchemy import func, select, text

from fieldnotes import create_app
from fieldnotes.explore.cells import build
from fieldnotes.extensions import db
from fieldnotes.observations import tags_on_row
from fieldnotes.observations.models import Attachment, ChangeStream, Observation, Revision
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import Participant
from tests.conftest import TEST_CONFIG
from tests.test_tags_on_row import rewritten_after_their_links


def seed(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_study_gets_a_few_hundred_realistic_notes(app):
    said = int(re.search(r"with (\d+) notes", seed(app)).group(1))
    with app.app_context():
        notes = db.session.scalars(select(Observation)).all()
        assert said == len(notes)
        assert 250 <= len(notes) <= 400
        assert len({n.visit_id for n in notes}) == 3 and len({n.participant_id for n in notes} - {None}) == 9
        assert {str(n.kind) for n in notes} == {"observation", "quote", "breakdown", "workaround", "delight",
                                                 "artifact", "idea"}
        assert len({n.text for n in notes}) > 200  # varied, not a handful of sentences repeated
        assert all(n.expected for n in notes if n.kind == "breakdown")
        assert any("re-key" in n.text.lower() and "spreadsheet" in (n.text + " ".join(t.name for t in n.tags))
                   for n in notes)
        assert all(n.text.startswith("“") for n in notes if n.kind == "quote")
        assert "lorem" not in " ".join(n.text for n in notes).lower()
        assert sum(n.client_time_suspect for n in notes) == 2
        # Every note took its own change number from the sync counter, and has its first revision.
        seqs = [n.seq for n in notes]
        assert len(set(seqs)) == len(seqs) and max(seqs) <= db.session.scalar(select(ChangeStream.counter))
        # Each note's first version, four re-filed by the designer, and one phone's edit that lost a race.
        revisions = db.session.scalars(select(Revision)).all()
        assert len(revisions) == len(notes) + 5 and sum(r.kind == "conflict" for r in revisions) == 1
        assert sorted(n.version for n in notes)[-5:] == [1, 2, 2, 2, 2]
        photos = db.session.scalars(select(Attachment)).all()
        assert photos and all(a.status == "verified" and stored_path(a.sha256).read_bytes()[:4] == b"\x89PNG"
                              for a in photos)
        photographed = {a.observation.participant_id for a in photos} - {None}
        assert photographed and "P8 AP specialist" not in set(db.session.scalars(
            select(Participant.pseudonym).where(Participant.id.in_(photographed))))  # she declined photos
        gaps = build(notes[0].study_id)["gaps"]
        assert "No finance executive seen at repurchase" in gaps and 5 <= len(gaps) <= 20


def test_demo_notes_are_the_same_every_time(app, tmp_path):
    seed(app)
    other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'again.sqlite'}",
                        "MEDIA_ROOT": str(tmp_path / "media2")})
    with other.app_context():
        db.create_all()
    seed(other)
    texts = []
    for each in (app, other):
        with each.app_context():
            texts.append(db.session.execute(select(Observation.id, Observation.text, Observation.kind)
                                            .order_by(Observation.id)).all())
            db.session.remove()
    with other.app_context():
        db.engine.dispose()
    assert texts[0] == texts[1]


def test_a_phone_pulls_the_demo_notes(app, client):
    seed(app)
    response = client.post("/login", data={"email": "researcher@demo.fieldnotes.test",
                                           "password": "field notes from the loading dock"})
    assert response.status_code == 303
    with app.app_context():
        study_id = db.session.scalar(select(Study.id))
        count = db.session.scalar(select(func.count()).select_from(Observation))
    page = client.get(f"/api/sync/pull?study_id={study_id}&cursor=&limit=500").json
    assert len(page["changes"]) == count and not page["has_more"]


def test_notes_option_makes_a_large_synthetic_study_once(app):
    output = seed(app, "--notes", "2000")
    assert "Synthetic study (2,000 notes)" in output
    with app.app_context():
        study = db.session.scalar(select(Study).where(Study.name.like("Synthetic%")))
        notes = db.session.scalars(select(Observation).where(Observation.study_id == study.id)).all()
        assert len(notes) == 2000 and len({n.seq for n in notes}) == 2000
        assert len({n.touchpoint_id for n in notes}) == 8 and len({n.participant_id for n in notes}) == 72
        assert max(n.seq for n in notes) == db.session.scalar(select(ChangeStream.counter))
        assert build(study.id)["total"].notes == 2000
        if db.engine.dialect.name == "postgresql":  # written with their tag ids on their rows (tags_on_row.py)
            assert db.session.scalars(text(tags_on_row.DIFFERING)).all() == []
            assert db.session.scalar(text(f"SELECT count(*) FROM observation WHERE {tags_on_row.COLUMN} <> '{{}}'"))
            assert rewritten_after_their_links([n.id for n in notes]) == set()  # and not again by the trigger
    assert "already there; nothing changed" in seed(app, "--notes", "2000")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.study_id == study.id)) == 2000


def planner_statistics_rows():
    """Rows of planner statistics for the notes table: what ANALYZE writes on each database."""
    if db.engine.dialect.name == "sqlite":
        return db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'observation'"))
    return db.session.scalar(text("SELECT count(*) FROM pg_stats WHERE tablename = 'observation'"
                                  " AND schemaname = current_schema()"))


def test_a_second_size_in_the_same_database_is_made_too_and_analysed(app):
    seed(app, "--notes", "300")
    assert "Synthetic study (200 notes)" in seed(app, "--notes", "200")
    with app.app_context():
        sizes = dict(db.session.execute(
            select(Study.name, func.count(Observation.id)).join(Observation, Observation.study_id == Study.id)
            .where(Study.name.like("Synthetic%")).group_by(Study.name)).all())
        assert sizes == {"Synthetic study (300 notes)": 300, "Synthetic study (200 notes)": 200}
        assert planner_statistics_rows() > 0
