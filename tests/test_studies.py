"""Studies: creating and editing them, their journey, roles, tags and members."""
import pytest
from sqlalchemy import func, select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import ROLES, TOUCHPOINTS, Audience
from fieldnotes.studies.models import Membership, Role, Study, Tag, Touchpoint
from tests.factories import add_member, make_study, make_user
from tests.statements import statements_during


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


@pytest.fixture
def owned(app, auth):
    """Ana owns a study and is signed in; returns its id."""
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    auth.login()
    return study_id


def names(app, model, study_id):
    with app.app_context():
        terms = db.session.scalars(select(model).filter_by(study_id=study_id).order_by(model.position)).all()
        return [(t.name, t.retired) for t in terms]


# Creating and editing

def test_create_a_study(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    response = client.post("/studies/new", data={"name": "Renewals 🧭", "audience": "client",
                                                 "goal": "Why renewals stall"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Renewals 🧭" in page.text and "Why renewals stall" in page.text and "owner" in page.text
    with app.app_context():
        study = db.session.scalar(select(Study))
        assert (study.name, study.audience, study.status) == ("Renewals 🧭", Audience.CLIENT, "planning")


@pytest.mark.parametrize("form, field, message", [
    ({"name": "", "audience": "customer"}, "name", "Give the study a name."),
    ({"name": "   ", "audience": "customer"}, "name", "Give the study a name."),
    ({"name": "x" * 201, "audience": "customer"}, "name", "Length must be between 1 and 200."),
    ({"name": "Renewals", "audience": "martians"}, "audience",
     "Must be one of: consumer, customer, client, constituency."),
    ({"name": "Renewals"}, "audience", "Choose the audience."),
    ({"name": "Renewals", "audience": "customer", "status": "done"}, "status", "Must be one of:"),
    ({"name": "Renewals", "audience": "customer", "owner_id": "7"}, "owner_id", "Unknown field."),
])
def test_a_bad_study_is_refused_with_a_specific_message(app, client, auth, form, field, message):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    response = client.post("/studies/new", data=form)
    assert response.status_code == 422
    assert message in response.text
    if field in {"name", "audience"}:  # the fields the form shows
        assert f'id="{field}" name="{field}"' in response.text and 'aria-invalid="true"' in response.text
    assert count(app, Study) == 0 and count(app, Touchpoint) == 0


def test_edit_a_study(app, client, owned):
    response = client.post(f"/studies/{owned}/edit", data={"name": "Renamed", "goal": "New goal",
                                                          "status": "fieldwork"})
    assert response.status_code == 303 and response.headers["Location"] == f"/studies/{owned}"
    page = client.get(f"/studies/{owned}")
    assert "Renamed" in page.text and "fieldwork" in page.text
    with app.app_context():
        assert db.session.get(Study, owned).audience == Audience.CUSTOMER  # unchanged


def test_a_bad_edit_changes_nothing(app, client, owned):
    response = client.post(f"/studies/{owned}/edit", data={"name": "", "goal": "Changed", "status": "fieldwork"})
    assert response.status_code == 422 and "Give the study a name." in response.text
    response = client.post(f"/studies/{owned}/edit", data={"name": "x", "audience": "consumer"})
    assert response.status_code == 422 and "Unknown field." in response.text
    with app.app_context():
        study = db.session.get(Study, owned)
        assert (study.name, study.goal, study.status, study.audience) == (
            "Onboarding at mid-size accounts", "", "planning", Audience.CUSTOMER)


# The journey and roles

@pytest.mark.parametrize("audience", list(Audience))
def test_a_new_study_has_the_journey_in_order_and_its_audiences_roles(app, client, auth, audience):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    location = client.post("/studies/new", data={"name": "S", "audience": audience.value}).headers["Location"]
    study_id = int(location.rsplit("/", 1)[1])
    assert names(app, Touchpoint, study_id) == [(n, False) for n in TOUCHPOINTS]
    assert TOUCHPOINTS[:3] == ["Research", "Purchase", "Implementation"]
    assert names(app, Role, study_id) == [(n, False) for n in ROLES[audience]]
    page = client.get(location).text
    positions = [page.index(f"<li>{n}</li>") for n in TOUCHPOINTS]
    assert positions == sorted(positions)


def term_id(app, model, study_id, name):
    with app.app_context():
        return db.session.scalar(select(model.id).filter_by(study_id=study_id, name=name))


@pytest.mark.parametrize("kind, model, first, second", [
    ("touchpoints", Touchpoint, "Research", "Purchase"),
    ("roles", Role, "Finance executive", "Line-of-business executive"),
])
def test_rename_reorder_retire_and_restore_terms(app, client, owned, kind, model, first, second):
    url = f"/studies/{owned}/{kind}/{term_id(app, model, owned, first)}"
    response = client.post(url, data={"action": "rename", "name": "Discovery"})
    assert response.status_code == 303
    assert names(app, model, owned)[0] == ("Discovery", False)
    assert client.post(url, data={"action": "down"}).status_code == 303
    assert [n for n, _ in names(app, model, owned)][:2] == [second, "Discovery"]
    client.post(url, data={"action": "up"})
    client.post(url, data={"action": "up"})  # already first: stays
    assert [n for n, _ in names(app, model, owned)][:2] == ["Discovery", second]
    client.post(url, data={"action": "retire"})
    assert names(app, model, owned)[0] == ("Discovery", True)
    assert "Discovery" not in client.get(f"/studies/{owned}").text  # not offered any more
    assert "Discovery" in client.get(f"/studies/{owned}/journey").text
    client.post(url, data={"action": "restore"})
    assert names(app, model, owned)[0] == ("Discovery", False)


@pytest.mark.parametrize("kind, model, existing", [
    ("touchpoints", Touchpoint, "Purchase"), ("roles", Role, "End user")])
def test_duplicate_term_names_are_refused(app, client, owned, kind, model, existing):
    before = names(app, model, owned)
    response = client.post(f"/studies/{owned}/{kind}", data={"name": existing.upper()})
    assert response.status_code == 422 and f"There is already one called “{existing.upper()}”." in response.text
    other = term_id(app, model, owned, before[0][0])
    response = client.post(f"/studies/{owned}/{kind}/{other}", data={"action": "rename", "name": existing})
    assert response.status_code == 422 and "There is already one called" in response.text
    assert names(app, model, owned) == before
    response = client.post(f"/studies/{owned}/{kind}", data={"name": "Onboarding call"})
    assert response.status_code == 303
    assert names(app, model, owned) == before + [("Onboarding call", False)]


def test_term_changes_need_a_known_action_and_a_name(app, client, owned):
    url = f"/studies/{owned}/touchpoints/{term_id(app, Touchpoint, owned, 'Research')}"
    response = client.post(url, data={"action": "explode"})
    assert response.status_code == 422 and "Choose rename, up, down, retire or restore." in response.text
    response = client.post(url, data={"action": "rename", "name": "\u202eevil"})
    assert response.status_code == 422 and "U+202E" in response.text
    assert names(app, Touchpoint, owned)[0] == ("Research", False)


def test_a_term_of_another_study_is_not_found(app, client, owned):
    with app.app_context():
        other = make_study(make_user("bo@example.org"), name="Bo's study").id
    theirs = term_id(app, Touchpoint, other, "Research")
    response = client.post(f"/studies/{owned}/touchpoints/{theirs}", data={"action": "rename", "name": "Mine"})
    assert response.status_code == 404
    assert names(app, Touchpoint, other)[0] == ("Research", False)


# Tags

def test_add_tags_and_refuse_duplicates(app, client, owned):
    assert client.post(f"/studies/{owned}/tags", data={"name": "re-keying"}).status_code == 303
    response = client.post(f"/studies/{owned}/tags", data={"name": "Re-Keying"})
    assert response.status_code == 422 and "The tag “Re-Keying” already exists." in response.text
    response = client.post(f"/studies/{owned}/tags", data={"name": "t" * 61})
    assert response.status_code == 422 and "Length must be between 1 and 60." in response.text
    assert count(app, Tag) == 1
    assert "re-keying" in client.get(f"/studies/{owned}/tags").text


def test_researchers_and_designers_add_tags_viewers_cannot(app, client, auth):
    with app.app_context():
        users = {role: make_user(f"{role}@example.org") for role in ("researcher", "designer", "viewer")}
        study_id = make_study(**users).id
    for role in ("researcher", "designer", "viewer"):
        auth.login(f"{role}@example.org")
        response = client.post(f"/studies/{study_id}/tags", data={"name": f"from {role}"})
        assert response.status_code == (403 if role == "viewer" else 303)
        auth.logout()
    assert count(app, Tag) == 2


# Members

def member_id(app, study_id, email):
    with app.app_context():
        return db.session.scalar(select(Membership.id).join(Membership.user).where(
            Membership.study_id == study_id, User.email == email))


def role_of(app, study_id, email):
    with app.app_context():
        return db.session.scalar(select(Membership.role).join(Membership.user).where(
            Membership.study_id == study_id, User.email == email))


def test_add_an_existing_user(app, client, owned):
    with app.app_context():
        make_user("bo@example.org")
    response = client.post(f"/studies/{owned}/members", data={"email": "BO@example.org", "role": "designer"})
    assert response.status_code == 303
    assert role_of(app, owned, "bo@example.org") == "designer"
    assert "bo@example.org added as designer." in client.get(response.headers["Location"]).text
    response = client.post(f"/studies/{owned}/members", data={"email": "bo@example.org", "role": "viewer"})
    assert response.status_code == 422 and "bo@example.org is already a member of this study." in response.text
    assert role_of(app, owned, "bo@example.org") == "designer"


def test_add_an_unknown_email_makes_an_invite(app, client, owned):
    response = client.post(f"/studies/{owned}/members", data={"email": "new@example.org", "role": "viewer"})
    assert response.status_code == 201
    assert "/invite/" in response.text and "not shown again" in response.text
    assert role_of(app, owned, "new@example.org") == "viewer"
    assert "invited, not joined yet" in client.get(f"/studies/{owned}/members").text


def test_an_invite_for_a_long_email_is_not_a_crash(app, client, owned):
    # The local part (130 characters) is longer than a name may be.
    email = "a" * 130 + "@example.org"
    response = client.post(f"/studies/{owned}/members", data={"email": email, "role": "viewer"})
    assert response.status_code == 201
    assert role_of(app, owned, email) == "viewer"


@pytest.mark.parametrize("form, message", [
    ({"email": "not an email", "role": "viewer"}, "Enter an email address like ana@example.org."),
    ({"email": "bo@example.org", "role": "boss"}, "Must be one of: owner, researcher, designer, viewer."),
    ({"role": "viewer"}, "This is required: fill it in."),
])
def test_bad_member_forms_are_refused(app, client, owned, form, message):
    response = client.post(f"/studies/{owned}/members", data=form)
    assert response.status_code == 422 and message in response.text
    assert count(app, Membership) == 1 and count(app, User) == 1


def test_change_a_members_role(app, client, owned):
    with app.app_context():
        add_member(db.session.get(Study, owned), make_user("bo@example.org"), "viewer")
    url = f"/studies/{owned}/members/{member_id(app, owned, 'bo@example.org')}"
    assert client.post(url, data={"role": "researcher"}).status_code == 303
    assert role_of(app, owned, "bo@example.org") == "researcher"
    response = client.post(url, data={"role": "king"})
    assert response.status_code == 422 and "Must be one of" in response.text
    assert role_of(app, owned, "bo@example.org") == "researcher"


def test_the_last_owner_cannot_be_removed_or_demoted(app, client, owned):
    url = f"/studies/{owned}/members/{member_id(app, owned, 'ana@example.org')}"
    message = "A study needs at least one owner: make someone else owner first."
    response = client.post(url, data={"role": "viewer"})
    assert response.status_code == 422 and message in response.text
    response = client.post(url + "/remove")
    assert response.status_code == 422 and message in response.text
    assert role_of(app, owned, "ana@example.org") == "owner"
    # With a second owner, the first may step down.
    with app.app_context():
        add_member(db.session.get(Study, owned), make_user("bo@example.org"), "owner")
    assert client.post(url, data={"role": "researcher"}).status_code == 303
    assert role_of(app, owned, "ana@example.org") == "researcher"


def test_an_owner_who_steps_down_or_leaves_lands_on_a_page_they_may_see(app, client, owned):
    with app.app_context():
        add_member(db.session.get(Study, owned), make_user("bo@example.org"), "owner")
    mine = f"/studies/{owned}/members/{member_id(app, owned, 'ana@example.org')}"
    response = client.post(mine, data={"role": "designer"})
    assert response.headers["Location"] == f"/studies/{owned}"
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        db.session.scalar(select(Membership).filter_by(id=member_id(app, owned, "ana@example.org"))).role = "owner"
        db.session.commit()
    response = client.post(mine + "/remove")
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "ana@example.org removed from the study." in page.text


def test_remove_a_member(app, client, owned):
    with app.app_context():
        add_member(db.session.get(Study, owned), make_user("bo@example.org"), "researcher")
    response = client.post(f"/studies/{owned}/members/{member_id(app, owned, 'bo@example.org')}/remove")
    assert response.status_code == 303
    assert role_of(app, owned, "bo@example.org") is None
    assert count(app, User, email="bo@example.org") == 1  # the account stays


def test_a_membership_of_another_study_is_not_found(app, client, owned):
    with app.app_context():
        other = make_study(make_user("bo@example.org"), name="Bo's study").id
    theirs = member_id(app, other, "bo@example.org")
    assert client.post(f"/studies/{owned}/members/{theirs}", data={"role": "viewer"}).status_code == 404
    assert client.post(f"/studies/{owned}/members/{theirs}/remove").status_code == 404
    assert role_of(app, other, "bo@example.org") == "owner"


@pytest.mark.parametrize("role", ["researcher", "designer", "viewer"])
def test_only_owners_manage_members_and_settings(app, client, auth, role):
    with app.app_context():
        member = make_user("bo@example.org")
        study = make_study(**{role: member})
        study_id, owner_email = study.id, study.memberships[0].user.email
    auth.login("bo@example.org")
    owner_membership = member_id(app, study_id, owner_email)
    for method, url, data in [
        ("post", f"/studies/{study_id}/members", {"email": "eve@example.org", "role": "owner"}),
        ("post", f"/studies/{study_id}/members/{owner_membership}", {"role": "viewer"}),
        ("post", f"/studies/{study_id}/members/{owner_membership}/remove", {}),
        ("post", f"/studies/{study_id}/edit", {"name": "Mine now"}),
        ("post", f"/studies/{study_id}/touchpoints", {"name": "Mine"}),
        ("get", f"/studies/{study_id}/members", None),
    ]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403, url
        assert f"Your role in this study ({role}) does not allow this." in response.text
    assert role_of(app, study_id, owner_email) == "owner"
    assert count(app, User, email="eve@example.org") == 0


def test_non_members_see_no_study_at_all(app, client, auth):
    with app.app_context():
        make_user("eve@example.org")
        study_id = make_study(make_user("ana@example.org")).id
    auth.login("eve@example.org")
    assert client.get(f"/studies/{study_id}").status_code == 404
    assert client.post(f"/studies/{study_id}/members", data={"email": "eve@example.org",
                                                            "role": "owner"}).status_code == 404
    assert client.get(f"/studies/{study_id + 1}").status_code == 404  # the same as no study
    assert "Onboarding" not in client.get("/").text
    assert count(app, Membership) == 1


def test_every_page_names_a_members_studies_in_the_same_statements_however_many_they_are(app, client, auth):
    """The navigation lists every study of the signed-in user: its statements do not grow with their number."""
    with app.app_context():
        ana_id = make_user("ana@example.org").id
        make_study(db.session.get(User, ana_id), name="Alpha")
    auth.login()
    answers = []

    def statements_for_home():
        sent = statements_during(app, lambda: answers.append(client.get("/")), lambda statement: True)
        return len(sent)
    with_one = statements_for_home()
    with app.app_context():
        ana = db.session.get(User, ana_id)
        for name in ("Bravo", "Charlie", "Delta", "Echo", "Foxtrot"):
            make_study(ana, name=name)
    with_six = statements_for_home()
    page = answers[-1].get_data(as_text=True)
    assert all(name in page for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"))
    assert with_six == with_one


def test_every_page_s_header_names_the_user_from_the_sign_in_s_own_statement(app, client, auth):
    """The header shows who is signed in on every page: the name is read with the session, not by loading the
    account's whole row (its password hash included) in a statement of its own."""
    with app.app_context():
        make_study(make_user("ana@example.org", name="Ana Okafor"), name="Alpha")
    auth.login()
    answers = []
    reads = statements_during(app, lambda: answers.append(client.get("/")),
                              lambda statement: '"user"' in statement or " user" in statement)
    assert '>Ana Okafor</a>' in answers[0].get_data(as_text=True)
    assert len(reads) == 1 and "login_session" in reads[0], reads


def test_a_study_s_page_reads_the_member_s_role_and_the_study_in_one_statement(app, client, auth):
    """Every study page checks the signed-in member's role and names the study: one statement, with the
    navigation's list of their studies a second, where the study's own lazy load made three."""
    with app.app_context():
        study_id = make_study(make_user("ana@example.org"), name="Alpha").id
    auth.login()
    answers = []
    reads = statements_during(app, lambda: answers.append(client.get(f"/studies/{study_id}/notes")),
                              lambda statement: "FROM study" in statement or "FROM membership" in statement)
    assert answers[0].status_code == 200 and "Notes · Alpha" in answers[0].get_data(as_text=True)
    assert len(reads) == 2, reads
