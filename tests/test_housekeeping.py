"""flask housekeeping: what it removes, and that everything still in use survives it."""
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldnotes.auth.models import FailedLogin, Invite, LoginSession, User, utcnow
from fieldnotes.auth.service import create_invite
from fieldnotes.extensions import db
from fieldnotes.insights.models import InsightOp
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.ops import housekeeping
from tests.factories import PASSWORD, make_study, make_user
from tests.test_sync_media import JPEG, declared, patch, push_note

TWO_DAYS = 2 * 24 * 3600


def run_housekeeping(app):
    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    return result.output


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def age(path, seconds=TWO_DAYS):
    when = time.time() - seconds
    os.utime(path, (when, when))


# Accounts

def test_expired_sessions_go_and_live_ones_stay(app, auth):
    with app.app_context():
        make_user("ana@example.org")
    old_browser, phone = app.test_client(), app.test_client()
    for browser in (old_browser, phone):
        assert browser.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 303
    with app.app_context():
        first = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).first()
        first.created_at = utcnow() - timedelta(days=30, minutes=1)
        db.session.commit()
    assert "expired sign-in sessions: 1 removed" in run_housekeeping(app)
    assert count(app, LoginSession) == 1
    assert phone.get("/").status_code == 200 and old_browser.get("/").status_code == 302


def test_used_and_expired_invites_go_and_a_live_one_still_works(app, client):
    with app.app_context():
        used, lapsed, waiting = (make_user(f"{name}@example.org", password=None) for name in ("u", "l", "w"))
        create_invite(used)
        create_invite(lapsed)
        token = create_invite(waiting)
        db.session.flush()
        invites = {i.user_id: i for i in db.session.scalars(select(Invite))}
        invites[used.id].used_at = utcnow() - timedelta(days=1)
        invites[lapsed.id].expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        waiting_id = waiting.id
    assert "used or expired invites: 2 removed" in run_housekeeping(app)
    with app.app_context():
        assert db.session.scalars(select(Invite.user_id)).all() == [waiting_id]
    assert client.get(f"/invite/{token}").status_code == 200
    assert count(app, User) == 3  # the people stay; only the dead links go


def test_failed_sign_ins_older_than_the_window_go(app, client):
    for password in ("wrong one 1", "wrong one 2"):
        client.post("/login", data={"email": "nobody@example.org", "password": password})
    with app.app_context():
        first = db.session.scalars(select(FailedLogin).order_by(FailedLogin.id)).first()
        first.at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    assert "old failed sign-ins: 1 removed" in run_housekeeping(app)
    assert count(app, FailedLogin) == 1


# The move log

@pytest.fixture
def board(app):
    with app.app_context():
        dina, dora = make_user("dina@example.org", name="Dina"), make_user("dora@example.org", name="Dora")
        return {"study": make_study(make_user("olga@example.org"), designer=[dina, dora]).id}


def as_designer(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303


def move(client, board, path="", **body):
    return client.post(f"/api/studies/{board['study']}/insights{path}", json=body)


def create(client, board, statement):
    response = move(client, board, statement=statement, note_ids=[])
    assert response.status_code == 201
    return response.json["insight_id"]


def backdate_first_move(app, days):
    with app.app_context():
        first = db.session.scalars(select(InsightOp).order_by(InsightOp.id)).first()
        first.created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_moves_older_than_undo_reaches_go_and_undo_answers_as_before(app, client, board):
    as_designer(client, "dina@example.org")
    create(client, board, "Orders are keyed twice")
    backdate_first_move(app, housekeeping.UNDO_DAYS + 1)
    invoices = create(client, board, "Invoices pile up")
    # Dora renames Dina's insight and takes it back, then moves on: her move can no longer be
    # undone or redone, but Dina's undo must still see that Dora touched the insight since.
    as_designer(client, "dora@example.org")
    assert move(client, board, f"/{invoices}/statement", statement="Invoices wait").status_code == 200
    assert move(client, board, "/undo").status_code == 200
    create(client, board, "Approvals wait for days")
    assert "moves beyond undo: 1 removed" in run_housekeeping(app)
    assert count(app, InsightOp) == 3
    as_designer(client, "dina@example.org")
    conflict = move(client, board, "/undo")
    assert conflict.status_code == 409 and "Dora" in conflict.json["description"]


def test_only_a_persons_latest_moves_stay_undoable(app, client, board, monkeypatch):
    monkeypatch.setattr(housekeeping, "UNDO_DEPTH", 2)
    as_designer(client, "dina@example.org")
    for statement in ("One", "Two", "Three"):
        create(client, board, statement)
    assert "moves beyond undo: 1 removed" in run_housekeeping(app)
    assert move(client, board, "/undo").status_code == 200
    assert move(client, board, "/undo").status_code == 200
    nothing = move(client, board, "/undo")
    assert nothing.status_code == 422 and nothing.json["description"] == "Nothing to undo."
    assert move(client, board, "/redo").status_code == 200  # what was undone can still be redone


# Media files

def stored(tmp_path):
    return sorted(p for p in (tmp_path / "media").rglob("*") if p.is_file())


def test_orphaned_media_files_go_and_every_file_a_note_names_stays(app, client, study_id, tmp_path):
    photo = declared(JPEG)
    push_note(client, study_id, photo)
    assert patch(client, photo["id"], 0, JPEG).headers["Upload-Status"] == "verified"
    with app.app_context():
        kept = stored(tmp_path)
        orphan, fresh = stored_path("ab" * 32), stored_path("cd" * 32)
        not_ours = stored_path("ef" * 32).with_name("notes.txt")
    for path in (orphan, fresh, not_ours):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    for path in (orphan, not_ours, *kept):
        age(path)
    assert "orphaned media files: 1 removed" in run_housekeeping(app)
    assert not orphan.exists() and fresh.exists() and not_ours.exists()  # a file written today may be on its way
    assert all(p.exists() for p in kept)
    with client.get(f"/media/{photo['id']}") as served:
        assert served.status_code == 200


def test_an_upload_left_unfinished_for_a_day_starts_again_from_byte_zero(app, client, study_id, tmp_path):
    stalled, active = declared(JPEG), declared(JPEG)
    push_note(client, study_id, stalled)
    push_note(client, study_id, active)
    half = len(JPEG) // 2
    for item in (stalled, active):
        assert patch(client, item["id"], 0, JPEG[:half]).status_code == 204
    with app.app_context():
        age(partial_path(stalled["id"]))
        leftover = partial_path(stalled["id"]).with_name(f"{stalled['id']}.ready-0000")
    leftover.write_bytes(b"a verification cut off")
    age(leftover)
    assert "unfinished uploads: 2 removed" in run_housekeeping(app)
    assert client.head(f"/api/media/{stalled['id']}").headers["Upload-Offset"] == "0"
    assert client.head(f"/api/media/{active['id']}").headers["Upload-Offset"] == str(half)
    # The phone still has the photo: it sends it again, whole.
    assert patch(client, stalled["id"], half, JPEG[half:]).status_code == 409
    assert patch(client, stalled["id"], 0, JPEG).headers["Upload-Status"] == "verified"
    assert patch(client, active["id"], half, JPEG[half:]).headers["Upload-Status"] == "verified"
    assert not list((tmp_path / "media" / "partial").iterdir())
