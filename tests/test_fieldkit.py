"""The visit kit (issue 15): a study's brief, a visit's plan, the phone's role guide, the interpretation
session and its outcome on the visit, overdue sessions on the study home, erasure of what the kit holds."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import InterpretationSession, Mark, NoteMark, RoleFocus, StudyBrief, VisitPlan
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Study
from tests.conftest import AuthActions
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit


def words(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def kit(app):
    """A customer study: Ana owns it, Rosa researches, Dev designs, Vic views; one visit with two notes."""
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana")
        rosa = make_user("rosa@example.org", name="Rosa")
        dev = make_user("dev@example.org", name="Dev")
        vic = make_user("vic@example.org", name="Vic")
        study = make_study(ana, researcher=rosa, designer=dev, viewer=vic)
        roles = {r.name: r.id for r in study.roles}
        visit = make_visit(study, visited_on=date.today())
        clerk = make_participant(study, visits=[visit], pseudonym="P1", role_id=roles["End user"],
                                 real_name="Janet Ellery", consent_audio=False)
        notes = [make_observation(study, rosa, visit_id=visit.id, participant_id=clerk.id, text=text,
                                  captured_at=f"2026-03-12T10:{minute:02d}:00+00:00")
                 for minute, text in ((5, "Keeps a paper list of overdue invoices"),
                                      (9, "Janet Ellery re-keys every total into a spreadsheet"))]
        return {"study": study.id, "visit": visit.id, "clerk": clerk.id, "roles": roles,
                "notes": [str(n.id) for n in notes], "touchpoints": {t.name: t.id for t in study.touchpoints}}


def as_user(app, email):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 303
    return client


# --- the brief ---

def test_a_new_studys_brief_proposes_questions_for_each_role_from_the_domain(app, kit):
    page = words(as_user(app, "rosa@example.org").get(f"/studies/{kit['study']}/brief").text)
    assert "Proposed from the study’s audience and roles" in page
    for role in ("Finance executive", "Line-of-business executive", "Departmental manager", "End user", "CIO",
                 "Technical expert"):
        assert f"{role} (proposed)" in page
    assert "Walk me through the last invoice or renewal you approved." in page  # the finance executive's
    assert "Workarounds: sticky notes, paper lists" in page  # what to watch for in an end user
    assert "Pain concentrates at implementation and support" in page  # the customer audience's hypotheses


def test_a_consumer_study_gets_general_questions_for_roles_the_domain_does_not_name(app):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org"), audience=Audience.CONSUMER).id
    page = words(as_user(app, "ana@example.org").get(f"/studies/{study_id}/brief").text)
    assert "Shopper (proposed)" in page and "What matters most to you in this?" in page
    assert "how people choose, use and live with the product" in page


def test_a_designer_edits_the_brief_and_every_role_keeps_what_was_shown(app, kit):
    client = as_user(app, "dev@example.org")
    form = words(client.get(f"/studies/{kit['study']}/brief/edit").text)
    assert "Questions to ask" in form
    end_user = kit["roles"]["End user"]
    data = {"goal": "Why month end takes three days", "hypotheses": "Re-keying is the pain\nManagers do not see it"}
    for role_id in kit["roles"].values():
        data[f"questions_{role_id}"], data[f"watch_{role_id}"] = "Same as proposed", ""
    data[f"questions_{end_user}"] = "Show me month end.\n\nWhat do you copy by hand?"
    data[f"watch_{end_user}"] = "Spreadsheets"
    response = client.post(f"/studies/{kit['study']}/brief/edit", data=data)
    assert response.status_code == 303
    page = words(client.get(f"/studies/{kit['study']}/brief").text)
    assert "Why month end takes three days" in page and "(proposed)" not in page
    with app.app_context():
        focus = db.session.get(RoleFocus, end_user)
        assert focus.questions == "Show me month end.\n\nWhat do you copy by hand?"
        assert db.session.get(StudyBrief, kit["study"]).hypotheses == "Re-keying is the pain\nManagers do not see it"


def test_a_brief_too_long_is_refused_with_the_field_named_and_nothing_saved(app, kit):
    client = as_user(app, "ana@example.org")
    response = client.post(f"/studies/{kit['study']}/brief/edit", data={"goal": "x" * 10_001})
    assert response.status_code == 422
    assert "Use at most 10000 characters." in response.text
    with app.app_context():
        assert db.session.get(StudyBrief, kit["study"]) is None


def test_researchers_read_the_brief_but_only_owners_and_designers_edit_it(app, kit):
    client = as_user(app, "rosa@example.org")
    assert "Edit the brief" not in client.get(f"/studies/{kit['study']}/brief").text
    assert client.post(f"/studies/{kit['study']}/brief/edit", data={"goal": "mine"}).status_code == 403


# --- the plan ---

def test_a_researcher_plans_a_visit_and_the_visit_page_shows_it(app, kit):
    client = as_user(app, "rosa@example.org")
    response = client.post(f"/studies/{kit['study']}/visits/{kit['visit']}/plan", data={
        "who": "The accounts clerk who runs month end", "learn": "How totals reach the ledger\nWho checks them",
        "role_ids": [kit["roles"]["End user"], kit["roles"]["Departmental manager"]],
        "touchpoint_ids": [kit["touchpoints"]["Use"]]})
    assert response.status_code == 303
    page = words(client.get(f"/studies/{kit['study']}/visits/{kit['visit']}").text)
    assert "Whom we hope to see The accounts clerk who runs month end" in page
    assert "Roles Departmental manager, End user" in page  # in the study's order
    assert "Journey stages Use" in page
    assert "How totals reach the ledger" in page and "Who checks them" in page


def test_a_plan_naming_another_studys_role_is_refused_and_nothing_saved(app, kit):
    with app.app_context():
        other = make_study(make_user("olga@example.org"))
        foreign = other.roles[0].id
    client = as_user(app, "rosa@example.org")
    response = client.post(f"/studies/{kit['study']}/visits/{kit['visit']}/plan",
                           data={"learn": "Anything", "role_ids": [foreign]})
    assert response.status_code == 422
    assert "Choose roles from this study" in response.text
    with app.app_context():
        assert db.session.get(VisitPlan, kit["visit"]) is None


# --- the phone's role guide ---

def test_the_phone_context_carries_the_guide_with_real_names_masked(app, kit):
    client = as_user(app, "rosa@example.org")
    client.post(f"/studies/{kit['study']}/visits/{kit['visit']}/plan",
                data={"who": "Janet Ellery and her manager", "learn": "Ask Janet Ellery about month end"})
    context = client.get(f"/api/studies/{kit['study']}/context").get_json()
    guide = context["guide"]
    end_user = guide["roles"][str(kit["roles"]["End user"])]
    assert end_user["name"] == "End user"
    assert "Show me the last time you did this task, start to finish." in end_user["questions"]
    plan = guide["plans"][str(kit["visit"])]
    assert plan["who"] == "[end user] and her manager"
    assert plan["learn"] == ["Ask [end user] about month end"]
    assert "Janet" not in str(context)
    [clerk] = context["participants"]
    assert (clerk["consent_notes"], clerk["consent_audio"]) == (True, False)  # the guide says what was agreed


# --- the interpretation session ---

def mark(client, kit, note, value, context="", json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/studies/{kit['study']}/visits/{kit['visit']}/interpretation/marks",
                       data={"note_id": note, "mark": value, "context": context}, headers=headers)


def test_the_team_marks_notes_adds_context_and_closes_the_session_kept_on_the_visit(app, kit):
    client = as_user(app, "dev@example.org")
    base = f"/studies/{kit['study']}/visits/{kit['visit']}/interpretation"
    assert "Start the session" in client.get(base).text
    assert client.post(f"{base}/start").status_code == 303
    assert client.post(f"{base}/start").status_code == 303  # a second start finds the first
    screen = words(client.get(base).text)
    assert screen.index("Keeps a paper list") < screen.index("re-keys every total")  # in capture order
    assert "[end user] re-keys every total" in screen and "Janet" not in screen  # shown to a room
    first, second = kit["notes"]
    assert mark(client, kit, first, "key").get_json() == {"note_id": first, "mark": "key", "context": ""}
    answer = mark(client, kit, second, "candidate", "Her manager was watching; she was embarrassed").get_json()
    assert answer["context"] == "Her manager was watching; she was embarrassed"
    assert mark(client, kit, first, "question", json=False).status_code == 303  # the plain form, no script

    with app.app_context():
        session_id = db.session.scalar(select(InterpretationSession)).id
        outsider = make_user("extra@example.org").id  # not a member: cannot be named as present
    response = client.post(f"{base}/close", data={"summary": "Re-keying is the pain.", "attendee_ids": [outsider]})
    assert response.status_code == 422 and "Choose who took part from the members" in response.text
    response = client.post(f"{base}/close", data={"summary": "Re-keying is the pain."})
    assert response.status_code == 422 and "Tick who took part" in response.text

    with app.app_context():
        ids = [db.session.scalar(select(User.id).filter_by(email=e)) for e in ("dev@example.org", "rosa@example.org")]
    response = client.post(f"{base}/close", data={"summary": "Re-keying is the pain.", "attendee_ids": ids})
    assert response.status_code == 303
    visit_page = words(client.get(response.headers["Location"]).text)
    assert "2 notes walked through" in visit_page and "0 key" in visit_page
    assert "1 questions" in visit_page and "1 insight candidates" in visit_page
    assert "Present: Dev, Rosa." in visit_page and "Re-keying is the pain." in visit_page
    with app.app_context():
        session = db.session.get(InterpretationSession, session_id)
        assert session.closed and (session.key_count, session.question_count, session.candidate_count) == (0, 1, 1)

    closed_screen = words(client.get(base).text)
    assert "closed" in closed_screen and "Close the session" not in closed_screen and "Mark note" not in closed_screen
    assert "Insight candidate" in closed_screen
    assert "Context: Her manager was watching; she was embarrassed" in closed_screen

    # Closed: its outcome is kept as it was.
    refused = mark(client, kit, first, "key")
    assert refused.status_code == 409 and "This session is closed" in refused.get_json()["description"]
    with app.app_context():
        assert {str(m.observation_id): m.mark for m in db.session.scalars(select(NoteMark))} == {
            first: Mark.QUESTION, second: Mark.CANDIDATE}


def test_bad_marks_are_refused_with_a_reason_and_nothing_written(app, kit):
    client = as_user(app, "rosa@example.org")
    base = f"/studies/{kit['study']}/visits/{kit['visit']}/interpretation"
    assert mark(client, kit, kit["notes"][0], "key").status_code == 404  # not started yet
    client.post(f"{base}/start")
    bad = mark(client, kit, kit["notes"][0], "important")
    assert bad.status_code == 422 and bad.get_json()["errors"]["mark"] == [
        "Mark a note as key, question or insight candidate, or clear its mark."]
    assert mark(client, kit, kit["notes"][0], "key", "x" * 2001).status_code == 422
    assert mark(client, kit, kit["notes"][0], "key", "bidi \u202e trick").status_code == 422
    assert mark(client, kit, "not-a-note", "key").status_code == 404
    with app.app_context():
        study = db.session.get(Study, kit["study"])
        rosa = db.session.scalar(select(User).filter_by(email="rosa@example.org"))
        elsewhere = make_observation(study, rosa, visit_id=make_visit(study, organisation="Elsewhere").id)
    assert mark(client, kit, str(elsewhere.id), "key").status_code == 404  # another visit's note
    plain = mark(client, kit, kit["notes"][0], "important", json=False)
    assert plain.status_code == 422 and "Mark a note as key, question or insight candidate" in plain.text
    with app.app_context():
        assert db.session.scalars(select(NoteMark)).all() == []


# --- overdue sessions on the study home ---

def test_the_study_home_lists_visits_whose_session_is_overdue(app, kit):
    with app.app_context():
        study = db.session.get(Study, kit["study"])
        make_visit(study, organisation="Brightwater Freight", visited_on=date.today() - timedelta(days=4))
        make_visit(study, organisation="Corran Mills", visited_on=date.today() - timedelta(days=1))
        closed = make_visit(study, organisation="Dunmore Foods", visited_on=date.today() - timedelta(days=9))
        db.session.add(InterpretationSession(visit_id=closed.id, study_id=study.id,
                                             closed_at=utcnow()))
        db.session.commit()
    page = words(as_user(app, "rosa@example.org").get(f"/studies/{kit['study']}").text)
    assert "Interpretation sessions overdue" in page
    assert "Brightwater Freight" in page and "no session yet" in page
    assert "Corran Mills" not in page  # still within two days
    assert "Dunmore Foods" not in page  # closed
    # A viewer sees boards, not fieldwork: no panel.
    assert "Interpretation sessions overdue" not in as_user(app, "vic@example.org").get(f"/studies/{kit['study']}").text


def test_a_session_is_due_48_hours_after_the_visit_day_ends():
    from datetime import UTC, datetime

    from fieldnotes.fieldkit.sessions import due_by
    assert due_by(date(2026, 3, 9)) == datetime(2026, 3, 12, 0, 0, tzinfo=UTC)


# --- erasure ---

def test_erasing_a_participant_removes_the_context_added_to_their_notes_and_their_name(app, kit):
    client = as_user(app, "ana@example.org")
    base = f"/studies/{kit['study']}/visits/{kit['visit']}/interpretation"
    client.post(f"{base}/start")
    mark(client, kit, kit["notes"][0], "key", "She keeps it because the system loses invoices")
    client.post(f"/studies/{kit['study']}/visits/{kit['visit']}/plan", data={"who": "P1 and her manager"})
    erase_page = words(client.get(f"/studies/{kit['study']}/participants/{kit['clerk']}/erase").text)
    assert "The context the team added to 1 note of theirs in interpretation sessions" in erase_page
    assert "their name in 1 brief, plan or session text" in erase_page
    response = client.post(f"/studies/{kit['study']}/participants/{kit['clerk']}/erase",
                           data={"confirm": "erase", "notes": "keep"})
    assert response.status_code == 303
    with app.app_context():
        [kept] = db.session.scalars(select(NoteMark)).all()
        assert (kept.mark, kept.context) == (Mark.KEY, "")
        assert db.session.get(VisitPlan, kit["visit"]).who == "[participant] and her manager"


# --- the kit out of the app ---

def test_the_brief_downloads_as_markdown_with_real_names_masked(app, kit):
    client = as_user(app, "ana@example.org")  # an owner sees real names on pages, never in a file
    data = {"goal": "Learn what Janet Ellery's team re-keys", "hypotheses": "Re-keying costs a day",
            f"questions_{kit['roles']['End user']}": "Show me the last time you did this task, start to finish."}
    client.post(f"/studies/{kit['study']}/brief/edit", data=data)
    response = client.get(f"/studies/{kit['study']}/brief.md")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    text = response.text
    assert text.startswith("# Brief: ") and "Learn what [end user]'s team re-keys" in text and "Janet" not in text
    assert "## End user" in text and "- Show me the last time you did this task, start to finish." in text
    assert "- Re-keying costs a day" in text


def test_the_sessions_csv_has_one_row_per_visit_with_the_outcome_and_no_formulas(app, kit):
    client = as_user(app, "rosa@example.org")
    base = f"/studies/{kit['study']}/visits/{kit['visit']}/interpretation"
    client.post(f"{base}/start")
    mark(client, kit, kit["notes"][0], "key")
    with app.app_context():
        rosa = db.session.scalar(select(User.id).filter_by(email="rosa@example.org"))
    client.post(f"{base}/close", data={"attendee_ids": [rosa], "summary": "=HYPERLINK(\"x\") Janet Ellery"})
    response = client.get(f"/studies/{kit['study']}/interpretation-sessions.csv")
    assert response.status_code == 200
    import csv
    rows = list(csv.DictReader(response.text.lstrip("\ufeff").splitlines()))
    [row] = rows
    assert (row["status"], row["present"], row["notes"], row["key"], row["questions"]) == (
        "closed", "Rosa", "2", "1", "0")
    assert row["summary"] == "'=HYPERLINK(\"x\") [end user]"


def test_the_overdue_panel_shows_the_oldest_ten_and_says_how_many_more_and_none_once_closed(app, kit):
    with app.app_context():
        study = db.session.get(Study, kit["study"])
        for i in range(12):
            make_visit(study, organisation=f"Organisation {i:02d}", visited_on=date(2026, 1, 1) + timedelta(days=i))
    client = as_user(app, "ana@example.org")
    page = words(client.get(f"/studies/{kit['study']}").text)
    assert "Organisation 00" in page and "Organisation 09" in page and "Organisation 10" not in page
    assert "And 2 more: all site visits" in page
    with app.app_context():
        from fieldnotes.studies.models import StudyStatus
        db.session.get(Study, kit["study"]).status = StudyStatus.CLOSED
        db.session.commit()
    assert "Interpretation sessions overdue" not in client.get(f"/studies/{kit['study']}").text


@pytest.mark.parametrize("now, overdue", [("2026-03-11T23:59:59", False), ("2026-03-12T00:00:00", False),
                                          ("2026-03-12T00:00:01", True), ("2026-03-13T12:00:00", True)])
def test_a_visit_on_the_9th_is_overdue_only_after_midnight_starting_the_12th(app, now, overdue):
    from datetime import UTC, datetime

    from fieldnotes.fieldkit.sessions import overdue_visits
    with app.app_context():
        study = make_study(make_user("ana@example.org"))
        make_visit(study, visited_on=date(2026, 3, 9))
        found, total = overdue_visits(study.id, datetime.fromisoformat(now).replace(tzinfo=UTC))
        assert (bool(found), total) == (overdue, int(overdue))
