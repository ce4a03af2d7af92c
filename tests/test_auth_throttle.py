"""Sign-in throttling: guessing is slowed down, and nobody can lock a researcher out of their own account.

The clock the throttle reads is frozen (the `clock` fixture) and moved on by hand, so a
wait is waited out exactly, without sleeping.
"""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.auth import ratelimit
from fieldnotes.auth.models import FailedLogin, User, utcnow
from fieldnotes.extensions import db
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_user

HOME = "203.0.113.5"       # Ana's home connection
ATTACKER = "198.51.100.7"
OFFICE = "192.0.2.10"      # a whole office behind one NAT address
WINDOW = 15 * 60


class Clock:
    def __init__(self):
        self.at = utcnow()

    def __call__(self):
        return self.at

    def advance(self, seconds):
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ratelimit, "now", clock, raising=False)
    return clock


@pytest.fixture
def ana(app):
    with app.app_context():
        make_user("ana@example.org")


def browser(app, address=HOME):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, email="ana@example.org", password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def signed_in(client):
    return client.get("/").status_code == 200


def usual_device(app, address=HOME):
    """Ana's phone: she has signed in on it before, and signed out since."""
    phone = browser(app, address)
    assert sign_in(phone).status_code == 303
    phone.post("/logout")
    return phone


def guess(client, clock, times, email="ana@example.org"):
    """`times` wrong passwords, each after waiting out any delay; returns the delays met."""
    waits = []
    for i in range(times):
        response = sign_in(client, email, f"wrong guess number {i}")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.advance(waits[-1])
            response = sign_in(client, email, f"wrong guess number {i}")
        assert response.status_code == 422, response.status_code
    return waits


def failures(app, email="ana@example.org"):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FailedLogin).where(FailedLogin.email == email))


# Nobody can lock a researcher out

def test_an_attackers_ten_wrong_passwords_do_not_keep_ana_off_her_usual_device(app, clock, ana):
    phone = usual_device(app)
    attacker = browser(app, ATTACKER)
    guess(attacker, clock, 10)
    assert failures(app) == 10  # all ten within the 15 minutes
    assert sign_in(phone).status_code == 303 and signed_in(phone)


def test_an_office_address_with_fifty_failures_still_lets_a_known_device_in(app, clock, ana):
    with app.app_context():
        make_user("bo@example.org")
    laptop = usual_device(app, OFFICE)
    colleagues = browser(app, OFFICE)
    for i in range(50):
        assert sign_in(colleagues, f"colleague{i}@example.org", "a mistyped password").status_code == 422
    assert sign_in(laptop).status_code == 303
    # A browser that never signed in here waits a little between tries from that address...
    newcomer = browser(app, OFFICE)
    held = sign_in(newcomer, "bo@example.org")
    wait = int(held.headers["Retry-After"])
    assert held.status_code == 429 and 1 <= wait <= WINDOW / 50
    # ...and is then let in: a delay, not a lockout of the office.
    clock.advance(wait)
    assert sign_in(newcomer, "bo@example.org").status_code == 303


def test_guesses_spread_over_many_addresses_meet_a_delay_not_a_lockout(app, clock, ana):
    for i in range(10):
        guess(browser(app, f"198.51.100.{i + 10}"), clock, 1)
    hotel = browser(app, "203.0.113.77")  # Ana on a laptop she never used before
    held = sign_in(hotel)
    assert held.status_code == 429 and not signed_in(hotel)
    wait = int(held.headers["Retry-After"])
    assert 1 <= wait <= WINDOW / 10  # one try per 90 seconds for unknown devices, not 15 minutes
    assert "Try again in" in held.text and 'name="password"' in held.text  # the form, to try again
    clock.advance(wait)
    assert sign_in(hotel).status_code == 303


def test_a_device_counts_only_for_accounts_signed_in_on_it_and_cannot_be_forged(app, clock, ana):
    with app.app_context():
        make_user("mallory@example.org")
    phone = usual_device(app)
    mallorys = browser(app, ATTACKER)
    assert sign_in(mallorys, "mallory@example.org").status_code == 303  # a known device, of her account
    mallorys.post("/logout")
    for i in range(10):
        guess(browser(app, f"198.51.100.{i + 10}"), clock, 1)
    forged = browser(app, ATTACKER)
    forged.set_cookie("known_device", mallorys.get_cookie("known_device").value[:-2] + "xx")
    for client in (mallorys, forged):
        assert sign_in(client).status_code == 429  # to Ana's account they are unknown devices
    assert sign_in(phone).status_code == 303


def test_the_known_device_cookie_is_httponly_lax_and_outlives_sign_out(app, ana):
    """(On HTTPS it is Secure and __Host- named too: test_auth.py's cookie test.)"""
    phone = usual_device(app)
    cookie = phone.get_cookie("known_device")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/"
    assert timedelta(days=364) < cookie.expires - utcnow() <= timedelta(days=366)
    assert not signed_in(phone)  # it names the device; it signs nobody in


# Guessing is still slowed down

def test_guessing_from_one_address_meets_a_doubling_delay(app, clock, ana):
    attacker = browser(app, ATTACKER)
    waits = guess(attacker, clock, 9)
    assert len(waits) == 6 and waits == [waits[0] * 2 ** i for i in range(6)]
    # Even the right password waits: otherwise the delay would not slow anyone down.
    held = sign_in(attacker)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > waits[-1]
    assert "Too many failed sign-ins. Try again in" in held.text
    assert not signed_in(attacker)


def test_the_delay_stops_growing_at_a_minute_and_stays_there(app, clock, ana):
    phone = usual_device(app)  # only the pair's delay applies to a known device
    waits = guess(phone, clock, 30)
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert waits[6:] == [60] * 21  # 21 minutes of steady guessing: the delay never falls back


def test_an_unknown_email_is_throttled_like_a_real_one(app, clock, ana):
    attacker = browser(app, ATTACKER)
    assert guess(attacker, clock, 6, "nobody@example.org") == guess(attacker, clock, 6)


def test_a_good_sign_in_forgets_the_owners_own_mistakes(app, clock, ana):
    phone = usual_device(app)
    guess(phone, clock, 3)
    clock.advance(1)
    assert sign_in(phone).status_code == 303
    phone.post("/logout")
    assert guess(phone, clock, 3) == []  # three free tries again


def test_a_known_devices_own_guesses_are_slowed_down(app, clock, ana):
    """Someone at Ana's phone, which her account trusts, still cannot guess freely."""
    phone = usual_device(app)
    waits = guess(phone, clock, 6)
    assert waits == [waits[0] * 2 ** i for i in range(3)]
    assert sign_in(phone).status_code == 429


def test_guesses_at_the_current_password_are_slowed_down_too(app, client, auth, clock, ana):
    """Someone at an unlocked browser cannot try password after password on the account page."""
    auth.login()
    new = "copper meadow violin 17"
    for i in range(3):
        response = client.post("/account", data={"current": f"guess number {i}", "password": new, "confirm": new})
        assert response.status_code == 422
    response = client.post("/account", data={"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 429 and "Retry-After" in response.headers
    client.post("/logout")
    assert auth.login(password=new).status_code == 429  # this browser is held, not just the page
    with app.app_context():
        assert db.session.scalar(User.by_email("ana@example.org")).check_password(PASSWORD)


# The limits per account and per address, counted in the database

def limited(app, **limits):
    app.config.update(limits)
    return app


def test_failures_per_account_are_limited_with_retry_after(app, client, auth, clock, ana):
    limited(app, LOGIN_LIMIT_PER_ACCOUNT=3)
    for _ in range(3):
        assert auth.login(password="wrong password 1234").status_code == 422
    response = auth.login()  # from a device that never signed in here, even the right password waits
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW
    assert "Too many failed sign-ins" in response.text
    assert not signed_in(client)


def test_failures_per_address_are_limited_across_accounts(app, client, auth, clock, ana):
    limited(app, LOGIN_LIMIT_PER_ACCOUNT=100, LOGIN_LIMIT_PER_ADDRESS=4)
    for i in range(4):
        assert auth.login(f"user{i}@example.org", "guess guess 1").status_code == 422
    assert auth.login().status_code == 429
    # Another address is not held up by this one's guessing.
    assert sign_in(browser(app, "203.0.113.9")).status_code == 303


def test_old_failures_age_out(app, client, auth, clock, ana):
    limited(app, LOGIN_LIMIT_PER_ACCOUNT=2)
    for _ in range(2):
        auth.login(password="wrong password 1234")
    assert auth.login().status_code == 429
    clock.advance(WINDOW + 1)
    assert auth.login().status_code == 303


def test_the_count_is_shared_between_workers(app, database_url, clock, ana):
    """Two app instances (two gunicorn workers) on one database share one count."""
    limits = {"LOGIN_LIMIT_PER_ACCOUNT": 4}
    limited(app, **limits)
    other_worker = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **limits})
    try:
        here, there = browser(app, "198.51.100.1"), browser(other_worker, "198.51.100.2")
        for client in (here, there, here, there):
            assert sign_in(client, password="wrong password 1234").status_code == 422
        assert sign_in(here).status_code == 429
        assert sign_in(there).status_code == 429
    finally:
        with other_worker.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("proxies, counted_as", [(1, "198.51.100.7"), (0, "10.0.0.2")])
def test_failures_are_counted_under_the_address_a_trusted_proxy_names(database_url, proxies, counted_as):
    """Behind one proxy, its X-Forwarded-For; with none trusted, a client cannot pick its own address."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PROXIES": proxies})
    try:
        with app.app_context():
            db.create_all()
        proxy = browser(app, "10.0.0.2")
        response = proxy.post("/login", data={"email": "ana@example.org", "password": "a wrong one"},
                              headers={"X-Forwarded-For": "198.51.100.7"})
        assert response.status_code == 422
        with app.app_context():
            assert db.session.scalars(select(FailedLogin.address)).all() == [counted_as]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
