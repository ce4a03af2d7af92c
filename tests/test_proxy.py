"""Behind a TLS proxy the app must see https and the public host, or its same-origin check refuses real users."""
import pytest

from fieldnotes import create_app
from fieldnotes.extensions import db
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_user

PUBLIC = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "notes.example.org",
          "Origin": "https://notes.example.org"}


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-proxy"])
def proxied_app(request, database_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PROXIES": request.param})
    with app.app_context():
        db.create_all()
        make_user("ana@example.org")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_sign_in_from_the_public_origin_passes_only_when_the_proxy_is_trusted(proxied_app):
    response = proxied_app.test_client().post(
        "/login", headers=PUBLIC, data={"email": "ana@example.org", "password": PASSWORD})
    if proxied_app.config["PROXIES"]:
        assert response.status_code == 303
        assert "Strict-Transport-Security" in response.headers
    else:
        # Without PROXIES the app sees http://localhost and rightly calls the https Origin foreign.
        assert response.status_code == 403
