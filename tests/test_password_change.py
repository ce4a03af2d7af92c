"""Changing a password ends every other way in that the old one opened: other browsers and phones, and
every personal access token. This browser stays signed in, and a phone's unsent notes wait for a sign-in."""
import re
import uuid

from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.factories import PASSWORD, make_study, make_user, note_mutation

TOKEN = re.compile(r"fn_pat_[A-Za-z0-9_-]{43}")
NEW = "copper meadow violin 17"


def sign_in(client, password=PASSWORD, remember=False):
    data = {"email": "ana@example.org", "password": password, **({"remember": "true"} if remember else {})}
    return client.post("/login", data=data).status_code


def make_token(client, name, access="write"):
    made = client.post("/account/tokens", data={"name": name, "access": access, "days": "30"})
    assert made.status_code == 200
    return TOKEN.search(made.text).group()


def api_me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def change_password(client):
    return client.post("/account", data={"current": PASSWORD, "password": NEW, "confirm": NEW},
                       follow_redirects=True)


def test_a_password_change_stops_every_token_and_other_session_but_this_one(app, client):
    with app.app_context():
        make_user("ana@example.org", name="Ana")
        make_user("bo@example.org", name="Bo")
    assert sign_in(client) == 303
    scripts = [make_token(client, "weekly export"), make_token(client, "dashboard", access="read")]
    bos_client = app.test_client()
    assert bos_client.post("/login", data={"email": "bo@example.org", "password": PASSWORD}).status_code == 303
    bos_token = make_token(bos_client, "Bo's script")
    phone, tablet = app.test_client(), app.test_client()
    assert sign_in(phone, remember=True) == 303 and sign_in(tablet) == 303
    assert all(api_me(client.application.test_client(), t).status_code == 200 for t in scripts)

    page = change_password(client)
    assert page.status_code == 200
    assert "Every other device was signed out, and your 2 access tokens were revoked" in page.text
    assert client.get("/").status_code == 200  # this browser: still signed in
    for other in (phone, tablet):
        assert other.get("/").status_code == 302  # to the sign-in page
    fresh = app.test_client()
    for token in scripts:
        refused = api_me(fresh, token)
        assert refused.status_code == 401 and "revoked" in refused.json["description"]
    assert api_me(fresh, bos_token).status_code == 200  # someone else's tokens are theirs
    assert page.text.count("revoked") >= 2  # the account page lists them as revoked, so the owner sees why


def test_a_phone_signed_out_by_a_password_change_keeps_its_notes_until_it_signs_in_again(app, client):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    phone, device = app.test_client(), str(uuid.uuid4())
    assert sign_in(phone, remember=True) == 303
    first = note_mutation(study_id, text="Sent before the change")
    assert phone.post("/api/sync/push", json={"device_id": device, "mutations": [first]}).status_code == 200
    assert sign_in(client) == 303 and change_password(client).status_code == 200

    unsent = note_mutation(study_id, text="Written after the change, offline")
    refused = phone.post("/api/sync/push", json={"device_id": device, "mutations": [unsent]})
    assert refused.status_code == 401  # the phone's net.js reads 401 as "sign in again", keeping its outbox
    assert phone.get("/api/sync/pull", query_string={"study_id": study_id}).status_code == 401
    assert sign_in(phone) == 422  # the old password no longer works
    assert sign_in(phone, password=NEW) == 303
    sent = phone.post("/api/sync/push", json={"device_id": device, "mutations": [unsent, first]})
    assert [r["status"] for r in sent.json["results"]] == ["applied", "duplicate"]
    with app.app_context():
        texts = db.session.scalars(select(Observation.text).order_by(Observation.captured_at)).all()
        assert sorted(texts) == ["Sent before the change", "Written after the change, offline"]
        assert db.session.scalar(select(func.count()).select_from(Observation)) == 2


def test_a_password_change_with_no_tokens_says_only_what_it_did(app, client):
    with app.app_context():
        make_user("ana@example.org", name="Ana")
    assert sign_in(client) == 303
    page = change_password(client)
    assert "Every other device was signed out." in page.text and "tokens were revoked" not in page.text
