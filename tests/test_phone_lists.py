"""Issue 12, the researcher on the phone: participants listed in natural order (P2 before P10) on
every page and answer that lists them, and a visit's researchers chosen only from members who may
capture (studies/permissions.py)."""
import re
from types import SimpleNamespace

import pytest

from fieldnotes.extensions import db
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.text import natural_key
from fieldnotes.visits.models import SiteVisit
from tests.factories import make_observations, make_participant, make_study, make_user, make_visit, note_data

# Made in this order on purpose: the database's own order (by text) would put P10 before P2.
MADE = ["P10", "P2", "p3 Clerk", "P1", "P21", "P9"]
NATURAL = ["P1", "P2", "p3 Clerk", "P9", "P10", "P21"]


@pytest.mark.parametrize("names, wanted", [
    (["P10", "P2", "P1"], ["P1", "P2", "P10"]),
    (["Site 10", "site 9", "Site 9b"], ["site 9", "Site 9b", "Site 10"]),
    (["B", "a", "A2", "a10"], ["a", "A2", "a10", "B"]),
    (["10", "9", "x"], ["9", "10", "x"]),
    (["", "P٣", "P3"], ["", "P3", "P٣"]),  # only ASCII digits are read as numbers
])
def test_natural_key_reads_numbers_as_numbers(names, wanted):
    assert sorted(names, key=natural_key) == wanted


@pytest.fixture
def crowd(app):
    with app.app_context():
        users = {role: make_user(f"{role}@example.org", name=f"{role.title()} Person")
                 for role in ("owner", "researcher", "designer", "viewer")}
        study = make_study(users["owner"], researcher=users["researcher"], designer=users["designer"],
                           viewer=users["viewer"])
        visit = make_visit(study, researchers=[users["researcher"]])
        people = {name: make_participant(study, visits=[visit], pseudonym=name).id for name in MADE}
        make_observations(study, users["researcher"], [
            note_data(study, text=f"Said by {name}", participant_id=people[name]) for name in MADE])
        return SimpleNamespace(study=study.id, visit=visit.id, users={r: u.id for r, u in users.items()})


def sign_in(auth, role):
    assert auth.login(f"{role}@example.org").status_code == 303


def in_page_order(html, names=MADE):
    """The names in the order the page shows them (each is found once, as a whole word)."""
    found = {name: re.search(rf">\s*{re.escape(name)}\s*<", html) for name in names}
    assert all(found.values()), {name: bool(at) for name, at in found.items()}
    return sorted(names, key=lambda name: found[name].start())


def test_visit_pages_list_participants_naturally(client, auth, crowd):
    sign_in(auth, "researcher")
    assert in_page_order(client.get(f"/studies/{crowd.study}/visits/{crowd.visit}").text) == NATURAL
    assert in_page_order(client.get(f"/studies/{crowd.study}/participants").text) == NATURAL
    form = client.get(f"/studies/{crowd.study}/visits/{crowd.visit}/edit").text
    assert in_page_order(form) == NATURAL


def test_capture_context_and_api_list_participants_naturally(client, auth, crowd):
    sign_in(auth, "researcher")
    context = client.get(f"/api/studies/{crowd.study}/context").get_json()
    assert [p["pseudonym"] for p in context["participants"]] == NATURAL


def test_browse_filter_lists_participants_naturally(client, auth, crowd):
    sign_in(auth, "designer")
    page = client.get(f"/studies/{crowd.study}/notes").text
    facet = page[page.index("<legend>Participant</legend>"):]
    assert in_page_order(facet) == NATURAL


def test_the_visit_form_offers_only_members_who_may_capture(client, auth, crowd):
    sign_in(auth, "owner")
    form = client.get(f"/studies/{crowd.study}/visits/new").text
    assert "Owner Person" in form and "Researcher Person" in form
    assert "Designer Person" not in form and "Viewer Person" not in form


@pytest.mark.parametrize("role", ["designer", "viewer"])
def test_a_member_who_may_not_capture_cannot_be_put_on_a_visit(app, client, auth, crowd, role):
    sign_in(auth, "owner")
    response = client.post(f"/studies/{crowd.study}/visits/{crowd.visit}/edit", data={
        "visited_on": "2026-03-12", "organisation": "Meridian Dental Supply",
        "researcher_ids": [crowd.users[role]]})
    assert response.status_code == 422
    assert "members who may capture notes" in response.text
    with app.app_context():
        assert [u.email for u in db.session.get(SiteVisit, crowd.visit).researchers] == ["researcher@example.org"]


def test_a_researcher_who_became_a_designer_stays_on_the_visit_they_went_on(app, client, auth, crowd):
    with app.app_context():
        membership = db.session.query(Membership).filter_by(
            study_id=crowd.study, user_id=crowd.users["researcher"]).one()
        membership.role = StudyRole.DESIGNER
        db.session.commit()
    sign_in(auth, "owner")
    form = client.get(f"/studies/{crowd.study}/visits/{crowd.visit}/edit").text
    assert f'value="{crowd.users["researcher"]}" checked' in form  # who went is kept
    assert "Researcher Person" not in client.get(f"/studies/{crowd.study}/visits/new").text
