"""A pull with no changes still checks everything: who is signed in, their membership, the stream's epoch.

A no-change pull is the request a phone repeats most, and it takes a shorter road than other requests
(the sign-in, the member's role and the stream position read in one statement: auth/service.py
SIGNED_IN_WITH and sync/pull.py; on PostgreSQL an autocommit read with no transaction around it:
sync/views.py). Each test below brings a phone to the
end of the stream, then changes one thing on the server and pulls again as the phone would.
"""
from datetime import timedelta

from sqlalchemy import event, select, update

from fieldnotes.auth.models import LoginSession, User, utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.studies.models import Membership, Study
from fieldnotes.studies.service import remove_member
from tests.conftest import AuthActions
from tests.factories import add_member, make_user, note_mutation

DEVICE = "5d0c1a52-8c1e-4a57-a2f4-2b9a0d6c7e31"


def at_the_end(client, study_id):
    """The phone's cursor once it has pulled everything: the next pull has no changes."""
    pushed = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [note_mutation(study_id)]})
    assert pushed.status_code == 200
    cursor = client.get("/api/sync/pull", query_string={"study_id": study_id, "limit": 500}).json["cursor"]
    again = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor})
    assert again.status_code == 200 and again.json["changes"] == [] and again.json["reset"] is False
    return cursor


def pull_status(client, study_id, cursor):
    return client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor}).status_code


def test_a_phone_signed_out_from_another_device_gets_401_on_its_next_pull(app, client, study_id):
    cursor = at_the_end(client, study_id)
    with app.app_context():
        db.session.execute(LoginSession.__table__.delete())  # "sign out every device", as the account page does
        db.session.commit()
    assert pull_status(client, study_id, cursor) == 401


def test_a_disabled_account_gets_401_on_its_next_pull(app, client, study_id):
    cursor = at_the_end(client, study_id)
    with app.app_context():
        db.session.execute(update(User).values(is_active=False))
        db.session.commit()
    assert pull_status(client, study_id, cursor) == 401


def test_a_pull_thirty_days_after_sign_in_gets_401(app, client, study_id):
    cursor = at_the_end(client, study_id)
    with app.app_context():
        db.session.execute(update(LoginSession).values(created_at=utcnow() - timedelta(days=30, minutes=1)))
        db.session.commit()
    assert pull_status(client, study_id, cursor) == 401


def test_a_member_removed_from_the_study_gets_404_and_a_viewer_made_of_them_403(app, client, study_id):
    with app.app_context():
        study = db.session.get(Study, study_id)
        add_member(study, make_user("rae@example.org"), "researcher")
    phone = app.test_client()
    AuthActions(phone).login("rae@example.org")
    cursor = at_the_end(phone, study_id)
    with app.app_context():
        membership = db.session.scalar(select(Membership).join(User).where(User.email == "rae@example.org"))
        membership.role = "viewer"
        db.session.commit()
    assert pull_status(phone, study_id, cursor) == 403
    with app.app_context():
        remove_member(db.session.scalar(select(Membership).join(User).where(User.email == "rae@example.org")))
        db.session.commit()
    assert pull_status(phone, study_id, cursor) == 404
    assert pull_status(client, study_id, cursor) == 200  # the owner still pulls


def test_a_new_epoch_resets_a_phone_that_was_at_the_end(app, client, study_id):
    cursor = at_the_end(client, study_id)
    with app.app_context():
        changes.restart_epoch(changes.current_counter())  # as `flask restore` does
        db.session.commit()
    page = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor}).json
    assert page["reset"] is True and page["changes"] == [] and page["cursor"].endswith(":0")


def test_a_push_after_a_pull_is_still_one_transaction(app, client, study_id):
    """The pull's autocommit read must not leak into the next request on the same pooled connection:
    a batch whose second note the database refuses keeps the first, and adds no half of the second."""
    cursor = at_the_end(client, study_id)
    assert pull_status(client, study_id, cursor) == 200
    with app.app_context():
        with db.engine.connect() as connection:
            dbapi = connection.connection.dbapi_connection
            assert getattr(dbapi, "autocommit", False) in (False, None)  # psycopg's flag; sqlite3's isolation
    good, bad = note_mutation(study_id, text="Kept"), note_mutation(study_id, text="Refused")
    bad["data"]["touchpoint_id"] = 10 ** 9  # no such touchpoint: refused on its own
    results = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [good, bad]}).json["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    page = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor}).json
    assert [c["data"]["text"] for c in page["changes"]] == ["Kept"]


def test_a_pull_with_no_changes_reads_the_database_once(app, client, study_id):
    """The sign-in, the membership and the stream position come in one statement (auth/service.py
    SIGNED_IN_WITH, sync/pull.py): the phone's most repeated request waits for one round trip, not two."""
    cursor = at_the_end(client, study_id)
    with app.app_context():
        make_user("out@example.org")
        engine = db.engine
    outsider = app.test_client()
    AuthActions(outsider).login("out@example.org")
    member, stranger = [], []
    for statements, phone in ((member, client), (stranger, outsider)):
        listen = lambda *args, into=statements: into.append(args[2])  # noqa: E731  (the statement's SQL)
        event.listen(engine, "before_cursor_execute", listen)
        try:
            answer = phone.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor})
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        statements.append(answer)
    page, refused = member.pop(), stranger.pop()
    assert page.status_code == 200 and page.json["changes"] == [] and page.json["reset"] is False
    assert refused.status_code == 404  # the read along the sign-in finds no membership for a stranger
    for statements in (member, stranger):
        assert len(statements) == 1 and "login_session" in statements[0] and "membership" in statements[0]
