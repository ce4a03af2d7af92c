"""flask seed-demo: what it creates, that it can be run again, and that the demo logins work."""
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.auth.models import User
from fieldnotes.auth.passwords import password_problems
from fieldnotes.demo import data
from fieldnotes.extensions import db
from fieldnotes.studies.models import Membership, Study, Tag
from fieldnotes.visits.models import Participant, SiteVisit
from tests.conftest import TEST_CONFIG
from tests.factories import make_user


def seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def row_counts():
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_seed_demo_creates_a_study_that_looks_like_real_fieldwork(app):
    output = seed(app)
    with app.app_context():
        study = db.session.scalar(select(Study))
        assert (study.name, study.audience, study.status) == ("Onboarding at mid-size accounts", "customer",
                                                              "fieldwork")
        assert len(study.goal) > 100
        roles = {m.user.email: m.role for m in db.session.scalars(select(Membership))}
        assert roles == {f"{role}@demo.fieldnotes.test": role for role in ("owner", "researcher", "designer",
                                                                           "viewer")}
        visits = db.session.scalars(SiteVisit.of_study(study.id)).all()
        assert len({v.organisation for v in visits}) == 3
        assert all(v.researchers and v.participants and len(v.summary) > 100 for v in visits)
        participants = db.session.scalars(select(Participant)).all()
        assert {p.role.name for p in participants} == {r.name for r in study.roles}  # all six roles
        assert all(p.consent_given and p.consent_on and p.consent_notes for p in participants)
        assert [p.pseudonym for p in participants if not p.consent_photos] == ["P8 AP specialist"]
        assert all(p.pseudonym.startswith("P") and p.organisation for p in participants)
        tags = set(db.session.scalars(select(Tag.name)))
        assert {"re-keying", "spreadsheet workaround", "approval delays"} <= tags
        text = " ".join([study.goal] + [v.summary for v in visits]).lower()
        assert "lorem" not in text and "ipsum" not in text
    assert "http://127.0.0.1:5000" in output and data.PASSWORD in output
    for account in data.ACCOUNTS.values():
        assert account["email"] in output


def test_seed_demo_run_twice_changes_nothing(app):
    seed(app)
    with app.app_context():
        before = row_counts()
    output = seed(app)
    assert "already there; nothing changed" in output and data.PASSWORD in output
    with app.app_context():
        assert row_counts() == before
        assert before["site_visit"] == 3 and before["participant"] == 9 and before["user"] == 4


def test_every_demo_account_signs_in_with_the_printed_password(app, client, auth):
    seed(app)
    for role, account in data.ACCOUNTS.items():
        assert password_problems(data.PASSWORD, account["email"], account["name"]) == []
        assert auth.login(account["email"], data.PASSWORD).status_code == 303, role
        assert "Onboarding at mid-size accounts" in client.get("/").text
        auth.logout()


def test_demo_real_names_reach_the_owner_only(app, client, auth):
    seed(app)
    with app.app_context():
        study_id = db.session.scalar(select(Study.id))
    real_names = [p["real_name"] for v in data.VISITS for p in v["participants"] if p.get("real_name")]
    auth.login("owner@demo.fieldnotes.test", data.PASSWORD)
    assert all(name in client.get(f"/studies/{study_id}/participants").text for name in real_names)
    auth.logout()
    auth.login("researcher@demo.fieldnotes.test", data.PASSWORD)
    page = client.get(f"/studies/{study_id}/participants").text
    assert "P8 AP specialist" in page and "<strong>not</strong> photos" in page
    assert not any(name in page for name in real_names)
    visits = client.get(f"/studies/{study_id}/visits").text
    newest, oldest = data.VISITS[-1]["organisation"], data.VISITS[0]["organisation"]
    assert visits.index(newest) < visits.index(oldest)


def test_seed_demo_keeps_existing_accounts(app):
    with app.app_context():
        make_user("owner@demo.fieldnotes.test", name="Someone Already Here")
    seed(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
        owner = db.session.scalar(User.by_email("owner@demo.fieldnotes.test"))
        assert owner.name == "Someone Already Here"
        owners = [m.user_id for m in db.session.scalar(select(Study)).memberships if m.role == "owner"]
        assert owners == [owner.id]


def test_seed_demo_on_a_database_without_tables_says_what_to_do(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}"})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "db upgrade" in result.output and "site_visit" in result.output
    with app.app_context():
        db.engine.dispose()
