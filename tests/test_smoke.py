from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from tests.factories import make_study, make_user


def test_owner_signs_in_and_sees_their_study(app, client, auth):
    with app.app_context():
        owner = make_user("ana@example.org")
        make_study(owner)
    assert auth.login().status_code == 303
    page = client.get("/")
    assert "Onboarding at mid-size accounts" in page.text


def test_creating_a_study_gives_it_the_default_journey(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    response = client.post("/studies/new", data={"name": "Renewals", "audience": "customer", "goal": ""})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Implementation" in page.text and "Finance executive" in page.text
    with app.app_context():
        study = db.session.scalar(select(Study))
        assert [t.name for t in study.touchpoints][:2] == ["Research", "Purchase"]
