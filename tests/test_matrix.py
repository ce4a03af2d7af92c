"""The journey matrix: counts match the database, gaps are named, filters redraw it, scoping holds."""
import re

import pytest
from sqlalchemy import text

from fieldnotes.explore.cells import build
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.auth.models import User
from fieldnotes.studies.models import Role, Study, Touchpoint
from fieldnotes.visits.models import SiteVisit
from tests.factories import (add_member, make_observation, make_participant, make_study, make_user,
                             make_visit)


def term(model, study, name):
    return db.session.query(model).filter_by(study_id=study.id, name=name).one().id


@pytest.fixture
def fieldwork(app):
    """Two visits at two organisations, notes across touchpoints and roles, one unassigned, one deleted."""
    with app.app_context():
        owner, designer = make_user("owner@example.org"), make_user("dee@example.org", "Dee")
        study = make_study(owner, designer=[designer])
        halloran = make_visit(study, organisation="Halloran Regional Logistics")
        meridian = make_visit(study, organisation="Meridian Dental Supply")
        p1 = make_participant(study, [halloran], organisation="Halloran Regional Logistics")
        p2 = make_participant(study, [halloran], organisation="Halloran Regional Logistics")
        p3 = make_participant(study, [meridian], organisation="Meridian Dental Supply")
        use, purchase = term(Touchpoint, study, "Use"), term(Touchpoint, study, "Purchase")
        user_role, finance = term(Role, study, "End user"), term(Role, study, "Finance executive")
        plan = [(use, user_role, p1, halloran, "breakdown"), (use, user_role, p2, halloran, "workaround"),
                (use, user_role, p3, meridian, "delight"), (use, user_role, p1, halloran, "quote"),
                (purchase, finance, p3, meridian, "delight"), (None, None, None, None, "idea"),
                (use, None, p2, halloran, "observation")]
        for tp, role, person, visit, kind in plan:
            make_observation(study, owner, touchpoint_id=tp, role_id=role, participant_id=person.id,
                             visit_id=visit.id, kind=kind) if person else make_observation(study, owner, kind=kind)
        gone = make_observation(study, owner, touchpoint_id=purchase, role_id=user_role, kind="breakdown")
        gone.deleted_at = gone.updated_at
        db.session.commit()
        return {"study": study.id, "use": use, "purchase": purchase, "end_user": user_role, "finance": finance,
                "halloran": halloran.id, "meridian": meridian.id, "p3": p3.id, "owner": owner.id}


def direct_counts(study_id, account_id=None):
    """The same question asked in plain SQL, one cell at a time; with `account_id`, only that account's
    notes (the visit's account, or for a note on no visit its participant's)."""
    account = ("AND coalesce(v.organisation_id, CASE WHEN o.visit_id IS NULL THEN p.organisation_id END) = :a "
               if account_id is not None else "")
    rows = db.session.execute(text(
        "SELECT o.touchpoint_id, o.role_id, count(*), count(DISTINCT o.participant_id), "
        "count(DISTINCT coalesce(v.organisation, p.organisation)), "
        "sum(CASE WHEN o.kind IN ('breakdown', 'workaround') THEN 1 ELSE 0 END), "
        "sum(CASE WHEN o.kind = 'delight' THEN 1 ELSE 0 END) "
        "FROM observation o LEFT JOIN site_visit v ON v.id = o.visit_id "
        "LEFT JOIN participant p ON p.id = o.participant_id "
        f"WHERE o.study_id = :s AND o.deleted_at IS NULL {account}GROUP BY o.touchpoint_id, o.role_id"),
        {"s": study_id, "a": account_id})
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def matrix_counts(matrix):
    seen = {}
    for row in matrix["rows"]:
        for (tp_id, _, _), cell in zip(matrix["columns"], row["cells"]):
            if cell.notes:
                seen[(tp_id, row["id"])] = (cell.notes, cell.participants, cell.organisations, cell.pain,
                                            cell.delight)
    return seen


def account_of(visit_id):
    return db.session.get(SiteVisit, visit_id).organisation_id


def sign_in(client, email):
    response = client.post("/login", data={"email": email, "password": "quiet harbour lantern 42"})
    assert response.status_code in (302, 303)


def test_matrix_counts_match_a_direct_query(app, fieldwork):
    with app.app_context():
        matrix = build(fieldwork["study"])
        seen = matrix_counts(matrix)
        assert seen == direct_counts(fieldwork["study"])
        assert matrix["total"].notes == db.session.query(Observation).filter(
            Observation.deleted_at.is_(None)).count() == 7
    cell = seen[(fieldwork["use"], fieldwork["end_user"])]
    assert cell == (4, 3, 2, 2, 1)


def test_matrix_page_shows_numbers_gaps_and_links(app, client, fieldwork):
    sign_in(client, "dee@example.org")
    page = client.get(f"/studies/{fieldwork['study']}/journey-matrix").get_data(as_text=True)
    assert '<caption id="matrix-caption">' in page and 'scope="col"' in page and 'scope="row"' in page
    assert "4 notes" in page and "3 participants" in page and "2 organisations" in page
    assert "50% pain · 25% delight" in page  # two of four pain, one delight
    # Columns in journey order, then the unassigned column.
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)', page)
    assert headers[1:9] == ["Research", "Purchase", "Implementation", "Instruction", "Use", "Support",
                            "Repurchase", "Unassigned"]
    assert "No finance executive seen at repurchase" in page
    assert "No end user seen at purchase" in page  # its only note there was deleted
    assert "No finance executive seen at purchase" not in page
    link = (f'/studies/{fieldwork["study"]}/notes?touchpoint={fieldwork["use"]}&amp;role={fieldwork["end_user"]}')
    assert link in page
    assert f'/studies/{fieldwork["study"]}/notes?touchpoint=none&amp;role=none' in page
    assert "Legend" in page and "Mostly delight" in page


def test_filter_by_visit_or_organisation_redraws(app, client, fieldwork):
    sign_in(client, "dee@example.org")
    base = f"/studies/{fieldwork['study']}/journey-matrix"
    page = client.get(f"{base}?visit={fieldwork['meridian']}").get_data(as_text=True)
    assert "2 notes in all" in page and "4 notes" not in page
    assert f"role={fieldwork['end_user']}&amp;visit={fieldwork['meridian']}" in page  # links keep the filter
    page = client.get(f"{base}?organisation=Halloran+Regional+Logistics").get_data(as_text=True)
    assert "4 notes in all" in page and "No finance executive seen at purchase" in page
    with app.app_context():  # no visit: the note's organisation is its participant's
        make_observation(db.session.get(Study, fieldwork["study"]), db.session.get(User, fieldwork["owner"]),
                         participant_id=fieldwork["p3"], touchpoint_id=fieldwork["use"])
    page = client.get(f"{base}?organisation=Meridian+Dental+Supply").get_data(as_text=True)
    assert "3 notes in all" in page
    # A visit of another study, or nonsense, is ignored rather than shown as an empty matrix.
    page = client.get(f"{base}?visit=999999&visit=abc").get_data(as_text=True)
    assert "8 notes in all" in page


def test_account_filter_counts_match_a_direct_recount(app, fieldwork):
    """Per account, every cell equals the notes recounted in SQL: a visit's notes are its account's even when
    the participant belongs to another, and a note on no visit is its participant's account's."""
    with app.app_context():
        study, owner = db.session.get(Study, fieldwork["study"]), db.session.get(User, fieldwork["owner"])
        make_observation(study, owner, participant_id=fieldwork["p3"], touchpoint_id=fieldwork["use"],
                         kind="breakdown")  # no visit: Meridian's, through P3
        make_observation(study, owner, participant_id=fieldwork["p3"], visit_id=fieldwork["halloran"],
                         touchpoint_id=fieldwork["purchase"], role_id=fieldwork["finance"], kind="delight")
        halloran, meridian = account_of(fieldwork["halloran"]), account_of(fieldwork["meridian"])
        for account_id, notes in ((halloran, 5), (meridian, 3)):
            matrix = build(fieldwork["study"], (), [account_id])
            assert matrix_counts(matrix) == direct_counts(fieldwork["study"], account_id)
            assert matrix["total"].notes == notes
        both = build(fieldwork["study"], (), [halloran, meridian])
        assert both["total"].notes == 8  # all but the note on no visit and no participant
        assert build(fieldwork["study"], [fieldwork["meridian"]], [halloran])["total"].notes == 0


def test_matrix_filters_by_account_and_old_organisation_links_still_work(app, client, fieldwork):
    with app.app_context():
        halloran = account_of(fieldwork["halloran"])
        other = make_study(make_user("ola@example.org"), name="Another study")
        elsewhere = make_visit(other, organisation="Halloran Regional Logistics").organisation_id
    sign_in(client, "dee@example.org")
    base = f"/studies/{fieldwork['study']}/journey-matrix"
    page = client.get(f"{base}?account={halloran}").get_data(as_text=True)
    assert "4 notes in all" in page and "(filtered: Halloran Regional Logistics)" in page
    assert f'id="account-{halloran}" name="account" type="checkbox" value="{halloran}" checked' in page
    assert '<label for="account-' in page and ">Meridian Dental Supply</label>" in page
    # A cell's link opens browse filtered to the same account.
    assert (f"notes?touchpoint={fieldwork['use']}&amp;role={fieldwork['end_user']}&amp;account={halloran}"
            in page)
    browse = client.get(f"/studies/{fieldwork['study']}/notes?touchpoint={fieldwork['use']}"
                        f"&role={fieldwork['end_user']}&account={halloran}")
    assert browse.status_code == 200
    old = client.get(f"{base}?organisation=Halloran+Regional+Logistics").get_data(as_text=True)
    assert "4 notes in all" in old and f"&amp;account={halloran}" in old  # the old link, mapped to the account
    # Another study's account (the same name), an unknown id or nonsense: ignored, the whole study shown.
    for asked in (elsewhere, 999999, "abc", "²"):
        assert "7 notes in all" in client.get(f"{base}?account={asked}").get_data(as_text=True)


def test_retired_terms_show_only_when_notes_use_them(app, client, fieldwork):
    with app.app_context():
        db.session.get(Role, fieldwork["finance"]).retired = True
        cio = db.session.query(Role).filter_by(study_id=fieldwork["study"], name="CIO").one()
        cio.retired = True
        db.session.commit()
    sign_in(client, "dee@example.org")
    page = client.get(f"/studies/{fieldwork['study']}/journey-matrix").get_data(as_text=True)
    assert "Finance executive <span class=\"meta\">(retired)</span>" in page
    assert ">CIO<" not in page and "No CIO seen" not in page
    assert "No finance executive seen" not in page  # a retired role is nobody to visit next


def test_matrix_is_scoped_and_permissioned(app, client, fieldwork):
    with app.app_context():
        other_owner = make_user("other@example.org")
        viewer = make_user("vic@example.org")
        other = make_study(other_owner, name="Another study", designer=[make_user("odd@example.org")])
        make_observation(other, other_owner, kind="breakdown")
        add_member(db.session.get(type(other), fieldwork["study"]), viewer, "viewer")
        other_id = other.id
    sign_in(client, "dee@example.org")
    assert client.get(f"/studies/{other_id}/journey-matrix").status_code == 404
    page = client.get(f"/studies/{fieldwork['study']}/journey-matrix").get_data(as_text=True)
    assert "7 notes in all" in page
    client.post("/logout")
    sign_in(client, "vic@example.org")
    assert client.get(f"/studies/{fieldwork['study']}/journey-matrix").status_code == 403
    client.post("/logout")
    sign_in(client, "odd@example.org")
    page = client.get(f"/studies/{other_id}/journey-matrix").get_data(as_text=True)
    assert "1 note in all" in page


def test_study_page_links_the_matrix_for_note_readers(app, client, fieldwork):
    sign_in(client, "dee@example.org")
    page = client.get(f"/studies/{fieldwork['study']}").get_data(as_text=True)
    assert f'href="/studies/{fieldwork["study"]}/journey-matrix"' in page


def test_a_study_without_notes_says_no_notes_yet_not_42_gaps(app, client):
    with app.app_context():
        study_id = make_study(make_user("new@example.org")).id
    sign_in(client, "new@example.org")
    page = " ".join(client.get(f"/studies/{study_id}/journey-matrix").get_data(as_text=True).split())
    assert "No notes yet" in page and "(6 roles by 7 touchpoints)" in page
    assert "Coverage gaps" not in page and "<table" not in page and "Unassigned" not in page
