"""Two people saving the same tag or touchpoint name at once: the loser gets a clear 422, never a 500."""
import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.studies import service
from fieldnotes.studies.models import Tag, Touchpoint
from tests.factories import make_study, make_user


@pytest.fixture
def study_id(app, auth):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    auth.login()
    return study_id


@pytest.fixture
def check_passes(monkeypatch):
    """The moment of the race: the name was free when checked, and is taken when written."""
    monkeypatch.setattr(service, "term_named", lambda *args, **kwargs: None)


def count(app, model, name):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(model.name == name))


def test_a_tag_saved_twice_at_once_is_refused_the_second_time(app, client, study_id, check_passes):
    assert client.post(f"/studies/{study_id}/tags", data={"name": "re-keying"}).status_code == 303
    response = client.post(f"/studies/{study_id}/tags", data={"name": "re-keying"})
    assert response.status_code == 422
    assert "The tag “re-keying” already exists." in response.text
    assert count(app, Tag, "re-keying") == 1


def test_a_touchpoint_added_twice_at_once_is_refused_the_second_time(app, client, study_id, check_passes):
    response = client.post(f"/studies/{study_id}/touchpoints", data={"name": "Research"})
    assert response.status_code == 422
    assert "There is already one called “Research”." in response.text
    assert count(app, Touchpoint, "Research") == 1
