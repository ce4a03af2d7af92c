"""The study archive: what goes out, and that another server gets the same study back from it."""
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.boards.models import Board, Reaction, ShareLink
from fieldnotes.demo.data import ACCOUNTS
from fieldnotes.exports.archive_format import FORMAT
from fieldnotes.exports.archive_records import canonical_dump
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Study, Touchpoint
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import KEEP, erase_participant
from fieldnotes import create_app
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_study, make_user

SHARE_HASH = "5e" * 32
ERASED = "P2 AP clerk"


def seed_rich_study(app):
    """The demo study, plus what it lacks: a retired touchpoint, an erased participant, a deleted note,
    a member's reaction and a share link. Returns (study id, real names, erased participant's words)."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        study = db.session.scalars(select(Study)).one()
        owner = db.session.scalar(select(User).where(User.email.like("%owner%")))
        real_names = [p.real_name for p in db.session.scalars(select(Participant)) if p.real_name]
        db.session.scalar(select(Touchpoint).where(Touchpoint.name == "Repurchase")).retired = True
        erased = db.session.scalar(select(Participant).where(Participant.pseudonym == ERASED))
        words = set(db.session.scalars(select(Observation.text).where(Observation.participant_id == erased.id)))
        others = db.session.scalars(select(Observation.text).where(Observation.participant_id != erased.id)).all()
        only_theirs = [w for w in words if len(w) > 20 and not any(w in other for other in others)]
        erasure = erase_participant(erased, KEEP, erased_by=owner.id)
        db.session.commit()
        erasure.finish()
        changes.lock_counter()
        changes.tombstone(db.session.scalars(select(Observation).where(Observation.deleted_at.is_(None))
                                             .order_by(Observation.seq)).first())
        board = db.session.scalars(select(Board)).one()
        db.session.add(Reaction(board_id=board.id, insight_id=board.items[0].insight_id, user_id=owner.id,
                                visitor_key=f"user:{owner.id}", kind="agree", comment="Matches what finance told us."))
        db.session.add(ShareLink(board_id=board.id, token_hash=SHARE_HASH,
                                 expires_at=datetime.now(UTC) + timedelta(days=7)))
        db.session.commit()
        return study.id, real_names, only_theirs


def everything_in(archive_bytes):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def export(app, study_id, out):
    result = app.test_cli_runner().invoke(args=["export", "archive", "--study", str(study_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "notes" in result.output


def import_as(app, path, email="rosa@example.org"):
    """The archive imported by a new account on `app`'s server; the new study's id."""
    with app.app_context():
        make_user(email, name="Rosa")
    result = app.test_cli_runner().invoke(args=["import", "archive", str(path), "--owner", email])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.scalars(select(Study).order_by(Study.id.desc())).first().id


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """One rich study exported once, on a server of its own (SQLite): the archive other servers import."""
    folder = tmp_path_factory.mktemp("archive-source")
    source = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'source.sqlite'}",
                         "MEDIA_ROOT": str(folder / "media")})
    with source.app_context():
        db.create_all()
    study_id, real_names, erased_words = seed_rich_study(source)
    export(source, study_id, folder / "study.zip")
    with source.app_context():
        dump = canonical_dump(study_id)
        db.session.remove()
        db.engine.dispose()
    return {"path": folder / "study.zip", "dump": dump, "real_names": real_names, "erased": erased_words}


def test_the_archive_holds_the_study_with_a_manifest_and_nothing_private(archived):
    files = everything_in(archived["path"].read_bytes())
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["format"] == FORMAT and manifest["app_version"] and manifest["exported_at"]
    assert set(manifest["files"]) == set(files)
    for name, data in files.items():
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert manifest["counts"]["notes"] == len(archived["dump"]["notes"]) > 250
    assert manifest["counts"]["media"] == len([n for n in files if n.startswith("media/")]) > 0
    study = json.loads(files["study.json"])
    assert [t["name"] for t in study["touchpoints"] if t["retired"]] == ["Repurchase"]
    assert {m["role"] for m in study["members"]} == {"owner", "researcher", "designer", "viewer"}
    assert all(set(m) == {"key", "name", "role"} for m in study["members"])

    everything = b"".join(files.values()).decode("utf-8", "replace")
    for name in archived["real_names"]:
        assert name not in everything
    for account in ACCOUNTS.values():
        assert account["email"] not in everything and account["name"] in everything  # display names only
    assert "pbkdf2" not in everything and SHARE_HASH not in everything
    assert ERASED not in everything and archived["erased"]
    for words in archived["erased"]:
        assert words not in everything
    notes = [json.loads(line) for line in files["notes.jsonl"].splitlines()]
    erased = [n for n in notes if any(r["data"].get("erased") for r in n["revisions"])]
    assert erased and all(len(n["revisions"]) == 1 for n in erased)
    assert any(n["no_person"] for n in notes) and any(n["deleted_at"] for n in notes)


def test_another_server_imports_the_same_study(app, archived):
    """From SQLite to this run's database: PostgreSQL in CI, a second SQLite database otherwise."""
    study_id = import_as(app, archived["path"])
    with app.app_context():
        assert canonical_dump(study_id) == archived["dump"]
        photos = [m for n in archived["dump"]["notes"] for m in n["media"]]
        assert photos and all(stored_path(m["stored_sha256"] or m["sha256"]).is_file() for m in photos)


def test_imported_on_the_same_server_phones_pull_it_and_search_finds_it(app, client, tmp_path):
    study_id, _, _ = seed_rich_study(app)
    export(app, study_id, tmp_path / "study.zip")
    imported_id = import_as(app, tmp_path / "study.zip")
    with app.app_context():
        assert imported_id != study_id
        assert canonical_dump(imported_id) == canonical_dump(study_id)
        note = db.session.scalars(select(Observation).where(
            Observation.study_id == imported_id, Observation.deleted_at.is_(None), Observation.kind == "quote")
            .order_by(Observation.seq)).first()
        word = max(note.text.split(), key=len).strip(".,;:!?\"'“”()")
        live = db.session.query(Observation).filter_by(study_id=imported_id, deleted_at=None).count()
        total = db.session.query(Observation).filter_by(study_id=imported_id).count()
    client.post("/login", data={"email": "rosa@example.org", "password": PASSWORD})
    pulled = pull_everything(client, imported_id)
    assert len(pulled) == total and len([c for c in pulled if not c["deleted"]]) == live
    found = client.get(f"/studies/{imported_id}/notes", query_string={"q": word})
    assert found.status_code == 200 and word in found.get_data(as_text=True)


def pull_everything(client, study_id):
    pulled, cursor = [], ""
    while True:
        response = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor, "limit": 500})
        assert response.status_code == 200, response.json
        pulled += response.json["changes"]
        cursor = response.json["cursor"]
        if not response.json["has_more"]:
            return pulled


def upload(client, path, into):
    return client.post("/import/archive", data={"into": str(into), "archive": (
        io.BytesIO(path.read_bytes()), "study.zip")}, content_type="multipart/form-data")


def test_an_owner_uploads_an_archive_into_an_empty_study_and_downloads_it_again(app, client, auth, archived):
    with app.app_context():
        empty_id = make_study(make_user("ana@example.org", name="Ana"), name="Onboarding, second site").id
    auth.login()
    page = client.get("/import/archive")
    assert page.status_code == 200 and "Onboarding, second site (empty)" in page.get_data(as_text=True)
    response = upload(client, archived["path"], empty_id)
    assert response.status_code == 303, response.data
    with app.app_context():
        dump = canonical_dump(empty_id)
    assert dump["study"]["study"]["name"] == "Onboarding, second site"  # her study keeps its own settings
    for part in ("visits", "participants", "notes", "insights", "boards"):
        assert dump[part] == archived["dump"][part]
    assert [dump["study"][k] for k in ("touchpoints", "roles", "tags")] == [
        archived["dump"]["study"][k] for k in ("touchpoints", "roles", "tags")]

    page = client.get(f"/studies/{empty_id}/export/archive")
    assert page.status_code == 200 and "real names" in page.get_data(as_text=True)
    with client.get(f"/studies/{empty_id}/export/archive.zip") as download:
        assert download.status_code == 200 and download.mimetype == "application/zip"
        assert "attachment" in download.headers["Content-Disposition"]
        assert json.loads(everything_in(download.data)["manifest.json"])["counts"]["notes"] == len(dump["notes"])

    again = upload(client, archived["path"], empty_id)
    assert again.status_code == 422 and "already has notes" in again.get_data(as_text=True)
    with app.app_context():
        assert canonical_dump(empty_id) == dump
