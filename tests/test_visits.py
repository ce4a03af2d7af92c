"""Site visits and participants through their HTML pages: forms, checks, privacy, permissions, erasure."""
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import Participant, SiteVisit
from tests.factories import make_participant, make_study, make_user, make_visit

REAL_NAME = "Zebedee Quartermaine"  # a canary: must never reach anyone but owners


@pytest.fixture
def team(app):
    """A study with one member per role, plus a second study (B) none of them is in."""
    with app.app_context():
        users = {role: make_user(f"{role}@example.org", name=f"{role.title()} Person")
                 for role in ("owner", "researcher", "designer", "viewer", "outsider")}
        study = make_study(users["owner"], researcher=users["researcher"], designer=users["designer"],
                           viewer=users["viewer"])
        other = make_study(users["outsider"], name="Renewals at enterprise accounts")
        visit = make_visit(study, researchers=[users["researcher"]])
        person = make_participant(study, visits=[visit], pseudonym="P1 Finance lead", real_name=REAL_NAME,
                                  role=study.roles[0])
        other_visit = make_visit(other, organisation="Elsewhere Ltd")
        other_person = make_participant(other, visits=[other_visit], pseudonym="Q1 Outsider")
        return SimpleNamespace(
            study=study.id, other=other.id, visit=visit.id, participant=person.id,
            other_visit=other_visit.id, other_participant=other_person.id,
            role=study.roles[1].id, other_role=other.roles[1].id,
            users={role: u.id for role, u in users.items()})


def sign_in(auth, role):
    assert auth.login(f"{role}@example.org").status_code == 303


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def visit_form(**overrides):
    return {"visited_on": "2026-03-12", "organisation": "Meridian Dental Supply",
            "place": "Purchasing team, head office", "summary": "Vendor records kept twice.", **overrides}


def participant_form(**overrides):
    return {"pseudonym": "P2 AP clerk", "organisation": "Meridian Dental Supply", "consent_given": "true",
            "consent_on": "2026-03-12", "consent_notes": "true", "consent_quotes": "true",
            "consent_audio": "true", **overrides}


# Visits

def test_researcher_records_a_visit_and_sees_it(app, client, auth, team):
    sign_in(auth, "researcher")
    form = client.get(f"/studies/{team.study}/visits/new")
    assert form.status_code == 200
    for label in ('<label for="visited_on">Date</label>', "<legend>Researchers</legend>", "Save visit",
                  "Owner Person", "P1 Finance lead"):
        assert label in form.text
    response = client.post(f"/studies/{team.study}/visits/new", data=visit_form(
        researcher_ids=[team.users["researcher"], team.users["owner"]], participant_ids=[team.participant]))
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Meridian Dental Supply" in page.text and "12 March 2026" in page.text
    assert "Owner Person, Researcher Person" in page.text and "P1 Finance lead" in page.text
    assert "Add participant to this visit" in page.text
    with app.app_context():
        visit = db.session.scalar(select(SiteVisit).where(SiteVisit.organisation == "Meridian Dental Supply"))
        assert visit.visited_on == date(2026, 3, 12) and visit.summary == "Vendor records kept twice."
        assert {u.email for u in visit.researchers} == {"researcher@example.org", "owner@example.org"}
        assert [p.pseudonym for p in visit.participants] == ["P1 Finance lead"]


def test_visits_are_listed_newest_first_with_people(app, client, auth, team):
    with app.app_context():
        make_visit(db.session.get(Study, team.study), organisation="Riverbend Credit Union",
                   visited_on=date(2026, 4, 2))
    sign_in(auth, "designer")
    page = client.get(f"/studies/{team.study}/visits").text
    assert page.index("Riverbend Credit Union") < page.index("Halloran Regional Logistics")
    assert "2 April 2026" in page and "12 March 2026" in page
    assert "Researcher Person" in page and "1 participant" in page and "0 participants" in page
    assert "New visit" not in page  # designers read fieldwork, they do not record it


def test_editing_a_visit_replaces_its_fields_and_people(app, client, auth, team):
    with app.app_context():
        second = make_participant(db.session.get(Study, team.study), pseudonym="P2 AP clerk").id
    sign_in(auth, "owner")
    form = client.get(f"/studies/{team.study}/visits/{team.visit}/edit").text
    assert ' selected>Halloran Regional Logistics</option>' in form and 'value="2026-03-12"' in form
    assert f'value="{team.users["researcher"]}" checked' in form
    response = client.post(f"/studies/{team.study}/visits/{team.visit}/edit", data=visit_form(
        organisation="Halloran Logistics", visited_on="2026-03-13", participant_ids=[second]))
    assert response.headers["Location"] == f"/studies/{team.study}/visits/{team.visit}"
    with app.app_context():
        visit = db.session.get(SiteVisit, team.visit)
        assert (visit.organisation, visit.visited_on) == ("Halloran Logistics", date(2026, 3, 13))
        assert visit.researchers == [] and [p.id for p in visit.participants] == [second]


@pytest.mark.parametrize("field, value, message", [
    ("visited_on", None, "Enter the date of the visit."),
    ("visited_on", "2026-02-30", "Enter a real date, as YYYY-MM-DD."),
    ("visited_on", "12/03/2026", "Enter a real date, as YYYY-MM-DD."),
    ("visited_on", "0026-03-12", "Check the year of the visit."),
    ("organisation", "x" * 201, "Use at most 200 characters."),
    ("organisation", "Acme\x00", "Contains characters that are not allowed: U+0000."),
    ("researcher_ids", "abc", "Not a valid choice."),
    ("participant_ids", "99999999999999999999", "Not a valid choice."),
])
def test_a_bad_visit_form_says_what_is_wrong_and_writes_nothing(app, client, auth, team, field, value, message):
    sign_in(auth, "researcher")
    before = count(app, SiteVisit)
    data = visit_form(**{field: value}) if value is not None else {k: v for k, v in visit_form().items() if k != field}
    response = client.post(f"/studies/{team.study}/visits/new", data=data)
    assert response.status_code == 422
    assert message in response.text
    if field in ("visited_on", "organisation"):  # the message is tied to its input
        assert f'aria-describedby="{field}-error"' in response.text or f'{field}-hint {field}-error' in response.text
        assert f'id="{field}-error"' in response.text
    assert count(app, SiteVisit) == before


@pytest.mark.parametrize("field, message", [
    ("researcher_ids", "Choose researchers from the members of this study."),
    ("participant_ids", "Choose participants from this study."),
])
def test_people_from_another_study_cannot_be_put_on_a_visit(app, client, auth, team, field, message):
    sign_in(auth, "owner")
    other_id = team.users["outsider"] if field == "researcher_ids" else team.other_participant
    response = client.post(f"/studies/{team.study}/visits/{team.visit}/edit",
                           data=visit_form(**{field: [other_id]}))
    assert response.status_code == 422 and message in response.text
    assert 'aria-describedby="' + field + '-hint ' + field + '-error"' in response.text
    with app.app_context():
        visit = db.session.get(SiteVisit, team.visit)
        assert visit.organisation == "Halloran Regional Logistics"
        assert [u.email for u in visit.researchers] == ["researcher@example.org"]
        assert [p.pseudonym for p in visit.participants] == ["P1 Finance lead"]


# Participants

def test_owner_records_a_participant_with_consent(app, client, auth, team):
    sign_in(auth, "owner")
    form = client.get(f"/studies/{team.study}/participants/new").text
    for label in ("Pseudonym", "Role", "Real name (private)", "Consent given", "Consent date",
                  "<legend>Consent covers</legend>", "Audio recordings", "Save participant"):
        assert label in form
    response = client.post(f"/studies/{team.study}/participants/new",
                           data=participant_form(role_id=team.role, real_name="Kieran Doyle"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "P2 AP clerk" in page and "Line-of-business executive" in page and "Kieran Doyle" in page
    assert "covers notes, quotes, audio recordings" in page and "<strong>not</strong> photos" in page
    with app.app_context():
        p = db.session.scalar(select(Participant).where(Participant.pseudonym == "P2 AP clerk"))
        assert (p.role_id, p.real_name, p.consent_on) == (team.role, "Kieran Doyle", date(2026, 3, 12))
        assert (p.consent_notes, p.consent_quotes, p.consent_photos, p.consent_audio) == (True, True, False, True)
        assert p.visits == []


def test_a_participant_added_from_a_visit_joins_it(app, client, auth, team):
    sign_in(auth, "researcher")
    visit_page = client.get(f"/studies/{team.study}/visits/{team.visit}").text
    link = f"/studies/{team.study}/participants/new?visit_id={team.visit}"
    assert f'href="{link}"' in visit_page
    form = client.get(link).text
    assert f'name="visit_id" value="{team.visit}"' in form
    assert 'value="Halloran Regional Logistics"' in form  # the visit's organisation, prefilled
    response = client.post(f"/studies/{team.study}/participants/new",
                           data=participant_form(visit_id=team.visit))
    assert response.headers["Location"] == f"/studies/{team.study}/visits/{team.visit}"
    assert "P2 AP clerk" in client.get(response.headers["Location"]).text
    with app.app_context():
        visit = db.session.get(SiteVisit, team.visit)
        assert [p.pseudonym for p in visit.participants] == ["P1 Finance lead", "P2 AP clerk"]


def test_editing_a_participant_changes_consent(app, client, auth, team):
    sign_in(auth, "owner")
    form = client.get(f"/studies/{team.study}/participants/{team.participant}/edit").text
    assert 'value="P1 Finance lead"' in form and f'value="{REAL_NAME}"' in form
    response = client.post(f"/studies/{team.study}/participants/{team.participant}/edit",
                           data={"pseudonym": "P1 Finance lead", "organisation": "Halloran"})
    assert response.status_code == 303
    assert "No consent recorded" in client.get(f"/studies/{team.study}/participants").text
    with app.app_context():
        p = db.session.get(Participant, team.participant)
        assert (p.consent_given, p.consent_photos, p.real_name, p.role_id) == (False, False, None, None)


def test_a_retired_role_stays_on_its_participant_but_is_not_offered(app, client, auth, team):
    with app.app_context():
        retired = db.session.get(Participant, team.participant).role
        retired.retired = True
        db.session.commit()
        retired_id, name = retired.id, retired.name
    sign_in(auth, "researcher")
    assert name not in client.get(f"/studies/{team.study}/participants/new").text
    assert f"{name} (retired)" in client.get(f"/studies/{team.study}/participants/{team.participant}/edit").text
    edit = client.post(f"/studies/{team.study}/participants/{team.participant}/edit",
                       data=participant_form(pseudonym="P1 Finance lead", role_id=retired_id))
    assert edit.status_code == 303
    new = client.post(f"/studies/{team.study}/participants/new", data=participant_form(role_id=retired_id))
    assert new.status_code == 422 and "Choose one of this study’s roles." in new.text


@pytest.mark.parametrize("overrides, field, message", [
    ({"pseudonym": ""}, "pseudonym", "Enter a pseudonym"),
    ({"pseudonym": "p1 finance LEAD"}, "pseudonym", "Another participant in this study is already called"),
    ({"pseudonym": "P" * 81}, "pseudonym", "Use at most 80 characters."),
    ({"consent_on": "2026-02-30"}, "consent_on", "Enter a real date, as YYYY-MM-DD."),
    ({"consent_on": "2999-01-01"}, "consent_on", "Consent cannot be dated in the future."),
    ({"consent_given": ""}, "consent_given", "Tick “Consent given” as well as what it covers."),
    ({"role_id": "other"}, "role_id", "Choose one of this study’s roles."),
    ({"visit_id": "other"}, "visit_id", "That visit is not part of this study."),
])
def test_a_bad_participant_form_says_what_is_wrong_and_writes_nothing(
        app, client, auth, team, overrides, field, message):
    replace = {"other": {"role_id": team.other_role, "visit_id": team.other_visit}.get(field)}
    data = participant_form(**{k: replace.get(v, v) for k, v in overrides.items()})
    sign_in(auth, "researcher")
    before = count(app, Participant)
    response = client.post(f"/studies/{team.study}/participants/new", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text or field == "visit_id"  # visit_id is a hidden field
    assert count(app, Participant) == before
    with app.app_context():
        assert len(db.session.get(SiteVisit, team.other_visit).participants) == 1


def test_a_pseudonym_taken_in_a_race_is_a_field_error_not_a_500(app, client, auth, team, monkeypatch):
    import fieldnotes.visits.service as service
    monkeypatch.setattr(service, "check_participant", lambda *args, **kw: None)  # as if both checked at once
    sign_in(auth, "researcher")
    response = client.post(f"/studies/{team.study}/participants/new",
                           data=participant_form(pseudonym="P1 Finance lead"))
    assert response.status_code == 422
    assert "Another participant in this study is already called “P1 Finance lead”." in response.text
    assert count(app, Participant) == 2


def test_a_visit_from_another_study_is_not_offered(client, auth, team):
    sign_in(auth, "owner")
    for visit_id in (team.other_visit, 2_147_483_647, "99999999999999999999", "x"):
        assert client.get(f"/studies/{team.study}/participants/new?visit_id={visit_id}").status_code == 404


# Real names

@pytest.mark.parametrize("role", ["researcher", "designer"])
def test_real_names_are_shown_to_owners_only(client, auth, team, role):
    pages = [f"/studies/{team.study}/participants", f"/studies/{team.study}/participants/{team.participant}",
             f"/studies/{team.study}/visits/{team.visit}", f"/studies/{team.study}/visits"]
    sign_in(auth, "owner")
    assert all(REAL_NAME in client.get(url).text for url in pages[:3])
    auth.logout()
    sign_in(auth, role)
    if role == "researcher":
        pages += [f"/studies/{team.study}/participants/{team.participant}/edit",
                  f"/studies/{team.study}/participants/new", f"/studies/{team.study}/visits/{team.visit}/edit"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert REAL_NAME not in response.text and "Real name" not in response.text, url
    assert "Erase participant" not in client.get(pages[1]).text


def test_a_researcher_edit_keeps_the_real_name_and_cannot_set_one(app, client, auth, team):
    sign_in(auth, "researcher")
    url = f"/studies/{team.study}/participants/{team.participant}/edit"
    assert client.post(url, data=participant_form(pseudonym="P1 Finance lead")).status_code == 303
    response = client.post(url, data=participant_form(pseudonym="P1 Finance lead", real_name="Someone Else"))
    assert response.status_code == 422 and "Unknown field" in response.text
    assert "Someone Else" not in response.text
    with app.app_context():
        assert db.session.get(Participant, team.participant).real_name == REAL_NAME


# Permissions

def fieldwork_pages(team, study=None, visit=None, participant=None):
    s, v, p = study or team.study, visit or team.visit, participant or team.participant
    return {
        "read": [f"/studies/{s}/visits", f"/studies/{s}/visits/{v}", f"/studies/{s}/participants",
                 f"/studies/{s}/participants/{p}"],
        "write": [f"/studies/{s}/visits/new", f"/studies/{s}/visits/{v}/edit", f"/studies/{s}/participants/new",
                  f"/studies/{s}/participants/{p}/edit"],
        "erase": [f"/studies/{s}/participants/{p}/erase"],
    }


@pytest.mark.parametrize("role, allowed", [
    ("owner", {"read", "write", "erase"}), ("researcher", {"read", "write"}),
    ("designer", {"read"}), ("viewer", set()), ("outsider", None)])
def test_who_may_see_and_change_fieldwork(app, client, auth, team, role, allowed):
    sign_in(auth, role)
    for kind, urls in fieldwork_pages(team).items():
        expected = 404 if allowed is None else 200 if kind in allowed else 403
        for url in urls:
            assert client.get(url).status_code == expected, url
            if kind != "read" and expected != 200:
                assert client.post(url, data={**visit_form(), **participant_form(), "confirm": "erase"}
                                   ).status_code == expected, url
    assert count(app, SiteVisit) == 2 and count(app, Participant) == 2


def test_ids_from_another_study_answer_404_to_a_designer(app, client, auth, team):
    """A designer of study A guessing study B's ids, under A's URLs or B's, learns nothing."""
    sign_in(auth, "designer")
    a, b, visit, person = team.study, team.other, team.other_visit, team.other_participant
    for url in (f"/studies/{a}/visits/{visit}", f"/studies/{a}/participants/{person}",
                f"/studies/{b}/visits", f"/studies/{b}/visits/{visit}", f"/studies/{b}/visits/{visit}/edit",
                f"/studies/{b}/participants", f"/studies/{b}/participants/{person}",
                f"/studies/{b}/participants/{person}/edit", f"/studies/{b}/participants/{person}/erase"):
        assert client.get(url).status_code == 404, url


def test_ids_from_another_study_cannot_be_edited_or_erased(app, client, auth, team):
    sign_in(auth, "owner")
    pages = fieldwork_pages(team, visit=team.other_visit, participant=team.other_participant)
    for url in pages["write"][1::2] + pages["erase"]:
        assert client.post(url, data={**visit_form(), **participant_form(), "confirm": "erase"}).status_code == 404
    with app.app_context():
        assert db.session.get(SiteVisit, team.other_visit).organisation == "Elsewhere Ltd"
        assert db.session.get(Participant, team.other_participant).pseudonym == "Q1 Outsider"


# Erasure

def rows_naming(*names):
    """Every table row, in every table, that contains one of `names`."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            if any(name in " ".join(map(str, row)) for name in names):
                found.append((table.name, tuple(row)))
    return found


def test_erasing_a_participant_leaves_no_row_naming_them(app, client, auth, team):
    sign_in(auth, "owner")
    page = client.get(f"/studies/{team.study}/participants/{team.participant}").text
    erase_url = f"/studies/{team.study}/participants/{team.participant}/erase"
    assert f'href="{erase_url}"' in page
    confirm = client.get(erase_url)
    assert "cannot be undone" in confirm.text and "1 site visit" in confirm.text
    assert client.post(erase_url).status_code == 422  # no confirming button pressed: nothing happens
    with app.app_context():
        assert rows_naming("P1 Finance lead", REAL_NAME)
    response = client.post(erase_url, data={"confirm": "erase"})
    assert response.headers["Location"] == f"/studies/{team.study}/participants"
    assert "P1 Finance lead" not in client.get(response.headers["Location"]).text
    with app.app_context():
        assert rows_naming("P1 Finance lead", REAL_NAME) == []
        assert db.session.get(SiteVisit, team.visit).participants == []
        assert db.session.get(Participant, team.other_participant) is not None
    assert client.get(f"/studies/{team.study}/participants/{team.participant}").status_code == 404
