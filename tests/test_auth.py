"""Accounts: signing in and out, sessions that really end, passwords, invites, the CLI."""
import os
import re
import stat
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.auth.models import FailedLogin, Invite, LoginSession, User, utcnow
from fieldnotes.navigation import safe_next
from fieldnotes.extensions import db
from fieldnotes.secret import MissingSecretKey
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_study, make_user

WRONG = "That email and password do not match an account."


def session_cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def signed_in(client):
    """What a user sees: the studies page, or a redirect to sign in."""
    return client.get("/").status_code == 200


def session_token(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Signing in and out

def test_sign_in_then_out(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    assert not signed_in(client)
    response = auth.login()
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in(client)
    assert auth.logout().headers["Location"] == "/login"
    assert not signed_in(client)


def test_email_is_matched_whatever_its_case_and_spaces(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    assert auth.login("  Ana@Example.ORG ").status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
        make_user("off@example.org", active=False)
    answers = []
    for email, password in [("ana@example.org", "not the password 99"),
                            ("nobody@example.org", "not the password 99"),
                            ("off@example.org", PASSWORD)]:  # a disabled account says no more
        response = auth.login(email, password)
        answers.append((response.status_code, response.text.replace(email, "EMAIL")))
    assert answers[0][0] == 422 and WRONG in answers[0][1]
    assert answers[0] == answers[1] == answers[2]


def test_sign_in_form_reports_missing_fields(app, client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert response.text.count("This is required: fill it in.") >= 2  # email and password


@pytest.mark.parametrize("email", ["ana\x00@example.org", "\u202eana@example.org"])
def test_control_characters_in_the_email_are_refused_not_a_crash(app, client, auth, email):
    response = auth.login(email)
    assert response.status_code == 422
    assert "Contains characters that are not allowed" in response.text


def test_an_email_that_grows_when_lower_cased_is_refused_not_a_crash(app, client, auth):
    # "İ".lower() is two characters: 254 of them become 508, past the column's size.
    response = auth.login("İ" * 240 + "@example.org")
    assert response.status_code == 422
    assert count(app, FailedLogin) == 0


class AuthActionsFor:
    def __init__(self, client):
        self.client = client

    def login(self, email="ana@example.org", password=PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})


# Passwords

def test_long_passwords_work_and_are_not_truncated(app, client, auth):
    long_password = "".join(chr(ord("a") + i % 26) for i in range(200))
    with app.app_context():
        make_user("ana@example.org", password=long_password)
    near_miss = long_password[:150] + "!" + long_password[151:]
    assert auth.login(password=near_miss).status_code == 422
    assert auth.login(password=long_password[:72]).status_code == 422  # bcrypt's cut-off
    assert auth.login(password=long_password).status_code == 303


@pytest.mark.parametrize("weak, message", [
    ("password123456", "This is similar to a commonly used password."),
    ("qwertyuiop", "This is a top-100 common password."),
    ("short", "Use at least 10 characters."),
])
def test_common_passwords_are_refused_on_change(app, client, auth, weak, message):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    response = client.post("/account", data={"current": PASSWORD, "password": weak, "confirm": weak})
    assert response.status_code == 422
    assert message in response.text
    client.post("/logout")
    assert auth.login(password=weak).status_code == 422
    assert auth.login().status_code == 303


def test_password_change_needs_the_current_password(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    new = "copper meadow violin 17"
    response = client.post("/account", data={"current": "not it at all 1", "password": new, "confirm": new})
    assert response.status_code == 422 and "That is not your current password." in response.text
    response = client.post("/account", data={"current": PASSWORD, "password": new, "confirm": new + "x"})
    assert response.status_code == 422 and "The two passwords differ." in response.text


# Sessions

def test_every_sign_in_gets_a_new_session_id(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    first = session_token(client)
    auth.logout()
    auth.login()
    second = session_token(client)
    assert first and second and first != second
    other = app.test_client()
    AuthActionsFor(other).login()
    assert session_token(other) not in {first, second}


def test_logout_kills_a_copied_cookie(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login(remember=True)
    name = app.config["SESSION_COOKIE_NAME"]
    copied = session_cookie(client, app).value
    copied_remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"]).value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie(name, copied)
    assert not signed_in(thief)
    thief = app.test_client()
    thief.set_cookie(app.config["REMEMBER_COOKIE_NAME"], copied_remember)
    assert not signed_in(thief)


def two_devices(app, auth):
    with app.app_context():
        make_user("ana@example.org")
    phone = app.test_client()
    AuthActionsFor(phone).login()
    auth.login()
    return phone


def test_sign_out_all_other_devices_keeps_this_one(app, client, auth):
    phone = two_devices(app, auth)
    assert signed_in(phone)
    response = client.post("/account/sign-out-others")
    assert response.status_code == 303
    assert signed_in(client) and not signed_in(phone)
    assert count(app, LoginSession) == 1


def test_password_change_signs_out_other_devices_only(app, client, auth):
    phone = two_devices(app, auth)
    new = "copper meadow violin 17"
    response = client.post("/account", data={"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 303
    assert signed_in(client) and not signed_in(phone)
    client.post("/logout")
    assert auth.login().status_code == 422
    assert auth.login(password=new).status_code == 303


def test_a_disabled_user_is_signed_out(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login(remember=True)
    with app.app_context():
        db.session.scalar(User.by_email("ana@example.org")).is_active = False
        db.session.commit()
    assert not signed_in(client)


def test_a_session_ends_thirty_days_after_sign_in_whatever_the_cookie_says(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login(remember=True)
    copied = {name: client.get_cookie(name).value
              for name in (app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"])}
    with app.app_context():
        db.session.scalar(select(LoginSession)).created_at = utcnow() - timedelta(days=29)
        db.session.commit()
    assert signed_in(client)
    with app.app_context():
        db.session.scalar(select(LoginSession)).created_at = utcnow() - timedelta(days=30, minutes=1)
        db.session.commit()
    for name, value in copied.items():  # a copied cookie, with no browser to expire it
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not signed_in(thief)


def test_a_tampered_cookie_is_anonymous(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    cookie = session_cookie(client, app)
    middle = len(cookie.value) // 2
    flipped = "A" if cookie.value[middle] != "A" else "B"
    forged = app.test_client()
    forged.set_cookie(cookie.key, cookie.value[:middle] + flipped + cookie.value[middle + 1:])
    assert not signed_in(forged)
    forged.set_cookie(cookie.key, "not-a-signed-value")
    assert not signed_in(forged)


def set_cookie_headers(response):
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_remember_me_lasts_thirty_days_httponly_lax(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    cookies = set_cookie_headers(auth.login(remember=True))
    remember = cookies[app.config["REMEMBER_COOKIE_NAME"]]
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    expires = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"]).expires
    assert timedelta(days=29, hours=23) < expires - utcnow() <= timedelta(days=30)
    session = cookies[app.config["SESSION_COOKIE_NAME"]]
    assert "HttpOnly" in session and "SameSite=Lax" in session
    # Without "remember me" there is no long-lived cookie.
    client.post("/logout")
    assert app.config["REMEMBER_COOKIE_NAME"] not in set_cookie_headers(auth.login(remember=False))


@pytest.mark.parametrize("setting", ["SECURE_COOKIES", "SESSION_COOKIE_SECURE"])
def test_secure_cookies_are_secure_and_host_prefixed(database_url, setting):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, setting: True})
    try:
        with app.app_context():
            db.create_all()
            make_user("ana@example.org")
        client = app.test_client()
        response = client.post("/login", base_url="https://fieldnotes.example",
                               data={"email": "ana@example.org", "password": PASSWORD, "remember": "true"})
        assert response.status_code == 303
        cookies = set_cookie_headers(response)
        assert set(cookies) == {"__Host-session", "__Host-remember", "__Host-known_device"}
        for header in cookies.values():
            assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
            assert "Domain" not in header
        page = client.get("/", base_url="https://fieldnotes.example")
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# The secret key

def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    for key in (None, "", "short"):
        with pytest.raises(MissingSecretKey):
            create_app({"ENV": "production", "SECRET_KEY": key, "INSTANCE_PATH": str(tmp_path),
                        "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not (tmp_path / "secret_key").exists()


def test_development_makes_one_key_and_keeps_it(tmp_path):
    settings = {"ENV": "development", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path / "instance"),
                "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(settings)
    second = create_app(settings)
    assert first.instance_path == str(tmp_path / "instance")
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    # One key file; beside it only the job queue's own database (jobs.py), which holds no secret.
    assert sorted(os.listdir(tmp_path / "instance")) == ["jobs.sqlite", "secret_key"]
    assert stat.S_IMODE(os.stat(tmp_path / "instance" / "secret_key").st_mode) == 0o600


# Invites

def invite_link(app, client, auth, email="new@example.org"):
    """An owner adds an unknown email and is shown the invite link once."""
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    auth.login()
    page = client.post(f"/studies/{study_id}/members", data={"email": email, "role": "researcher"})
    assert page.status_code == 201
    url = re.search(r'value="(http://localhost/invite/[^"]+)"', page.text).group(1)
    assert client.get(f"/studies/{study_id}/members").text.count("/invite/") == 0  # shown once
    client.post("/logout")
    return url.removeprefix("http://localhost"), study_id


def test_an_invite_lets_the_person_join_signed_in(app, client, auth):
    link, study_id = invite_link(app, client, auth)
    assert "new@example.org" in client.get(link).text
    password = "copper meadow violin 17"
    response = client.post(link, data={"name": "Noor", "password": password, "confirm": password})
    assert response.status_code == 303
    page = client.get(f"/studies/{study_id}")
    assert page.status_code == 200 and "researcher" in page.text and "Noor" in page.text
    client.post("/logout")
    assert AuthActionsFor(client).login("new@example.org", password).status_code == 303


def test_an_invite_refuses_a_weak_password(app, client, auth):
    link, _ = invite_link(app, client, auth)
    response = client.post(link, data={"name": "Noor", "password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert response.status_code == 422 and "common password" in response.text
    assert client.get(link).status_code == 200  # still usable


def test_a_used_invite_is_gone(app, client, auth):
    link, _ = invite_link(app, client, auth)
    password = "copper meadow violin 17"
    client.post(link, data={"name": "Noor", "password": password, "confirm": password})
    thief = app.test_client()
    response = thief.get(link)
    assert response.status_code == 404
    assert "may have expired or been used already" in response.text
    response = thief.post(link, data={"name": "Eve", "password": "a different pass 99", "confirm": "a different pass 99"})
    assert response.status_code == 404


def test_an_expired_invite_is_gone(app, client, auth):
    link, _ = invite_link(app, client, auth)
    with app.app_context():
        db.session.scalar(select(Invite)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(link)
    assert response.status_code == 404 and "may have expired or been used already" in response.text
    assert client.get("/invite/made-up-token").status_code == 404


def test_an_older_invite_dies_once_the_person_has_joined(app, client, auth):
    """Invited to two studies, two links: after joining with one, the other must not reset the password."""
    first, _ = invite_link(app, client, auth)
    with app.app_context():
        other_study = make_study(make_user("bo@example.org")).id
    AuthActionsFor(client).login("bo@example.org")
    page = client.post(f"/studies/{other_study}/members", data={"email": "new@example.org", "role": "viewer"})
    second = re.search(r'value="http://localhost(/invite/[^"]+)"', page.text).group(1)
    client.post("/logout")
    password = "copper meadow violin 17"
    assert client.post(first, data={"name": "Noor", "password": password, "confirm": password}).status_code == 303
    thief = app.test_client()
    assert thief.get(second).status_code == 404
    stolen = "a different pass 99"
    assert thief.post(second, data={"name": "Eve", "password": stolen, "confirm": stolen}).status_code == 404
    assert AuthActionsFor(thief).login("new@example.org", password).status_code == 303


# flask create-user

def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Bo@Example.org", "--name", "Bo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created bo@example.org." in result.output
    assert AuthActionsFor(app.test_client()).login("bo@example.org").status_code == 303


@pytest.mark.parametrize("args, message", [
    (["bo@example.org", "--name", "Bo", "--password", "password123456"], "commonly used password"),
    (["ana@example.org", "--name", "Ana", "--password", PASSWORD], "There is already an account for ana@example.org."),
    (["ANA@example.org", "--name", "Ana", "--password", PASSWORD], "There is already an account"),
    (["not-an-email", "--name", "Bo", "--password", PASSWORD], "Enter an email address"),
    (["bo@example.org", "--name", "B" * 121, "--password", PASSWORD], "name: Length must be between 1 and 120."),
    (["bo@example.org", "--name", "Bo\x00", "--password", PASSWORD], "not allowed"),
])
def test_create_user_refuses_weak_passwords_duplicates_and_bad_input(app, args, message):
    with app.app_context():
        make_user("ana@example.org")
    result = app.test_cli_runner().invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(app, User) == 1


# Where to go after signing in

@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "http:/evil.example", "javascript:alert(1)", "", None,
])
def test_safe_next_refuses_other_sites(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


def test_safe_next_keeps_paths_on_this_site(app):
    with app.test_request_context():
        assert safe_next("/studies/3?tab=tags") == "/studies/3?tab=tags"


def test_sign_in_returns_to_the_page_asked_for(app, client, auth):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    response = client.get(f"/studies/{study_id}")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == f"/login?next=/studies/{study_id}"
    response = client.post(login_url, data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == f"/studies/{study_id}"
    response = client.post("/logout")
    response = client.post("/login?next=//evil.example", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"
