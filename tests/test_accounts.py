"""Accounts (issue 15): visits and participants link to one account per name; the account page tells
its story over the viewer's studies only; the team merges near-duplicates and the merge is recorded."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation, OrganisationMerge
from fieldnotes.organisations.names import near
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import Participant, SiteVisit
from tests.accounts_world import HALLORAN, build_world, notes_on
from tests.factories import PASSWORD, make_participant, make_visit


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def sign_in(client, who):
    client.post("/logout")
    return client.post("/login", data={"email": f"{who}@example.org", "password": PASSWORD})


def text_of(html):
    """The page as words, tags dropped and spaces collapsed: what a reader sees."""
    return re.sub(r" ([,.:;])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_one_account_per_name_whoever_writes_the_visit(app, world):
    with app.app_context():
        accounts = db.session.scalars(select(Organisation).where(Organisation.study_id == world.onboarding)).all()
        assert [a.name for a in accounts] == [HALLORAN]  # "  Halloran … " is the same name once trimmed
        visits = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == world.onboarding)).all()
        assert {v.organisation_id for v in visits} == {world.account}
        assert {v.organisation for v in visits} == {HALLORAN}
        assert db.session.get(Participant, world.p1).organisation_id == world.account
        # Another study's Halloran is its own account; a participant with no organisation has none.
        assert world.renewals_account not in (None, world.account)
        nobody = make_participant(db.session.get(Study, world.onboarding), organisation="")
        assert nobody.organisation_id is None


@pytest.mark.parametrize("a, b, alike", [
    ("Halloran Regional Logistics", "Halloran Regional Logistics Ltd.", True),
    ("Halloran Regional Logistics", "halloran regional logistics", True),
    ("Halloran Regional Logistics", "Haloran Regional Logistics", True),
    ("Meridian GmbH", "Meridian", True),
    ("Acme UK", "Acme US", False),
    ("Acme", "Apex", False),
    ("Riverbend Credit Union", "Halloran Regional Logistics", False),
    ("Ltd", "Inc", False),
])
def test_near_duplicates_are_names_written_two_ways_not_different_customers(a, b, alike):
    assert near(a, b) is alike


def test_the_account_page_tells_the_story_over_time(client, world):
    sign_in(client, "ana")
    page = client.get(f"/studies/{world.onboarding}/accounts/{world.account}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "6 notes over 3 visits in 2 of your studies: Onboarding, Renewals." in words
    # The timeline: one row a visit, oldest first, the September one from the other study.
    assert words.index("12 March 2026") < words.index("2 June 2026") < words.index("1 September 2026")
    assert "2 · 2 pain · 0 delight" in words  # March at purchase
    # Purchase went from two breakdowns to a delight between the visits.
    assert "Purchase 2 1 −1 Better: −2 on 12 March 2026, +1 on 2 June 2026" in words
    assert "Never seen their finance executive at research, implementation, instruction, use or repurchase." in words
    assert "Never seen their technical expert at any stage." in words
    assert "Never seen their CIO at research, purchase, implementation, instruction, use or support." in words
    assert "P1 Finance Finance executive · Onboarding" in words and "P2 Clerk End user · Onboarding" in words
    assert "Moira Keane" not in page.text  # real names never on the account page
    assert "Finance waits on quotes 2 notes from this account" in words
    assert "CIO reviews the renewal." in words


def test_the_account_page_reads_only_studies_the_viewer_may_read(client, world):
    sign_in(client, "ana")
    page = client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text
    assert "A secret of another team." not in page and "Elsewhere" not in page
    sign_in(client, "dan")  # a designer of Onboarding only: Renewals is not his
    page = client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text
    assert "CIO reviews the renewal." not in page and "Renewals" not in page
    assert "5 notes over 2 visits in 1 of your studies" in text_of(page)
    assert client.get(f"/studies/{world.renewals}/accounts/{world.renewals_account}").status_code == 404
    # An account id of another study is no account of this one.
    assert client.get(f"/studies/{world.onboarding}/accounts/{world.elsewhere_account}").status_code == 404
    sign_in(client, "vic")  # viewers see boards, not raw notes
    assert client.get(f"/studies/{world.onboarding}/accounts/{world.account}").status_code == 403
    sign_in(client, "ola")
    assert client.get(f"/studies/{world.onboarding}/accounts/{world.account}").status_code == 404


def test_the_accounts_list_counts_each_accounts_fieldwork(client, world):
    sign_in(client, "ana")
    words = text_of(client.get(f"/studies/{world.onboarding}/accounts").text)
    assert f"{HALLORAN} 2 2 5" in words


def near_duplicates(app, world):
    with app.app_context():
        study = db.session.get(Study, world.onboarding)
        typo = make_visit(study, organisation="Haloran Regional Logistics Ltd", visited_on=date(2026, 7, 1))
        person = make_participant(study, [typo], pseudonym="P3 Buyer", organisation="Haloran Regional Logistics Ltd")
        return typo.organisation_id, typo.id, person.id


def test_the_team_confirms_a_suggested_merge_and_it_is_recorded(app, client, world):
    typo_account, typo_visit, typo_person = near_duplicates(app, world)
    sign_in(client, "ana")
    page = client.get(f"/studies/{world.onboarding}/accounts/merge").text
    assert f"Keep “{HALLORAN}”, merge “Haloran Regional Logistics Ltd” into it" in page
    with app.app_context():  # suggested, never merged by itself
        assert db.session.get(Organisation, typo_account) is not None
    response = client.post(f"/studies/{world.onboarding}/accounts/merge",
                           data={"kept_id": world.account, "removed_id": typo_account})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "merged into “Halloran Regional Logistics”: 1 visits, 1 participants and 0 notes moved." in page
    with app.app_context():
        assert db.session.get(Organisation, typo_account) is None
        visit, person = db.session.get(SiteVisit, typo_visit), db.session.get(Participant, typo_person)
        assert (visit.organisation_id, visit.organisation) == (world.account, HALLORAN)
        assert (person.organisation_id, person.organisation) == (world.account, HALLORAN)
        record = db.session.scalar(select(OrganisationMerge))
        assert (record.kept_name, record.merged_name, record.visits, record.participants) == (
            HALLORAN, "Haloran Regional Logistics Ltd", 1, 1)
        assert record.merged["visit_ids"] == [typo_visit] and record.merged["participant_ids"] == [typo_person]
    assert "No names look alike." in client.get(f"/studies/{world.onboarding}/accounts/merge").text


@pytest.mark.parametrize("who, pair, status", [
    ("ana", "same", 422), ("ana", "other study", 422), ("dan", "ok", 403), ("ola", "ok", 404)])
def test_a_merge_that_cannot_be_is_refused_and_moves_nothing(app, client, world, who, pair, status):
    typo_account, *_ = near_duplicates(app, world)
    removed = {"same": world.account, "other study": world.renewals_account, "ok": typo_account}[pair]
    sign_in(client, who)
    response = client.post(f"/studies/{world.onboarding}/accounts/merge",
                           data={"kept_id": world.account, "removed_id": removed})
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrganisationMerge)) == 0
        assert db.session.get(Organisation, typo_account) is not None
        assert db.session.get(Organisation, world.renewals_account) is not None


def test_renaming_an_account_renames_its_visits_and_a_taken_name_is_refused(app, client, world):
    typo_account, typo_visit, _ = near_duplicates(app, world)
    sign_in(client, "ana")
    url = f"/studies/{world.onboarding}/accounts/{typo_account}/edit"
    refused = client.post(url, data={"name": HALLORAN})
    assert refused.status_code == 422 and "Merge the two instead." in refused.text
    saved = client.post(url, data={"name": "Halloran North", "segment": "Logistics", "size_band": "250–999"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(SiteVisit, typo_visit).organisation == "Halloran North"
        assert db.session.get(Organisation, typo_account).size_band == "250–999"
    assert client.post(url, data={"name": "X", "size_band": "huge"}).status_code == 422


def test_browse_filters_by_account(client, world):
    sign_in(client, "ana")
    page = client.get(f"/studies/{world.onboarding}/notes?account={world.account}").text
    assert "Approves invoices twice, on paper." in page
    other = client.get(f"/studies/{world.onboarding}/notes?account={world.elsewhere_account}")
    assert other.status_code == 400 and "names an account that is not in this study" in other.text


def test_scripts_see_accounts_and_what_links_to_them(app, client, world):
    with app.app_context():
        account = db.session.get(Organisation, world.account)
        account.segment, account.region = "Logistics", "North"
        db.session.commit()
    sign_in(client, "ana")
    listed = client.get(f"/api/v1/studies/{world.onboarding}/accounts").json["accounts"]
    assert [(a["id"], a["name"], a["segment"]) for a in listed] == [(world.account, HALLORAN, "Logistics")]
    visits = client.get(f"/api/v1/studies/{world.onboarding}/visits").json["visits"]
    assert {v["organisation_id"] for v in visits} == {world.account}
    people = client.get(f"/api/v1/studies/{world.onboarding}/participants").json["participants"]
    assert {p["organisation_id"] for p in people} == {world.account}
    # The notes export carries the account's details beside its name.
    notes = client.get(f"/studies/{world.onboarding}/export/download?format=json&audience=team").json["notes"]
    assert {(n["organisation"], n["segment"], n["region"]) for n in notes} == {(HALLORAN, "Logistics", "North")}


def test_erasing_a_participant_takes_their_name_out_of_account_notes(app, client, world):
    with app.app_context():
        account = db.session.get(Organisation, world.account)
        account.notes = "Moira Keane (P1 Finance) signs off every renewal."
        db.session.commit()
    sign_in(client, "ana")
    url = f"/studies/{world.onboarding}/participants/{world.p1}/erase"
    assert "1 account note" in text_of(client.get(url).text)
    done = client.post(url, data={"notes": "keep", "confirm": "erase"})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Organisation, world.account).notes == "[participant] ([participant]) signs off every renewal."


def test_a_visit_links_to_its_account(client, world):
    sign_in(client, "ana")
    page = client.get(f"/studies/{world.onboarding}/visits/{world.march}").text
    assert f'href="/studies/{world.onboarding}/accounts/{world.account}">The account over time</a>' in page


def test_a_merge_is_undone_and_what_it_moved_moves_back(app, client, world):
    typo_account, typo_visit, typo_person = near_duplicates(app, world)
    with app.app_context():
        db.session.get(Organisation, typo_account).region = "North"
        db.session.commit()
    sign_in(client, "ana")
    client.post(f"/studies/{world.onboarding}/accounts/merge", data={"kept_id": world.account, "removed_id": typo_account})
    with app.app_context():
        record = db.session.scalar(select(OrganisationMerge)).id
    undone = client.post(f"/studies/{world.onboarding}/accounts/merges/{record}/undo")
    assert undone.status_code == 303
    page = client.get(undone.headers["Location"]).text
    assert "“Haloran Regional Logistics Ltd” is its own account again" in page and "· undone on" in page
    with app.app_context():
        again = db.session.scalar(select(Organisation).filter_by(name="Haloran Regional Logistics Ltd"))
        assert again.region == "North"
        visit, person = db.session.get(SiteVisit, typo_visit), db.session.get(Participant, typo_person)
        assert (visit.organisation_id, visit.organisation) == (again.id, "Haloran Regional Logistics Ltd")
        assert person.organisation_id == again.id
        assert db.session.get(SiteVisit, world.march).organisation_id == world.account  # the kept stay
    # Twice is refused, and says why.
    again_page = client.get(client.post(f"/studies/{world.onboarding}/accounts/merges/{record}/undo")
                            .headers["Location"]).text
    assert "Not undone: This merge was undone already." in again_page


def test_real_names_in_notes_are_masked_for_all_but_owners(app, client, world):
    with app.app_context():
        study = db.session.get(Study, world.onboarding)
        ana = db.session.scalar(select(User).filter_by(email="ana@example.org"))
        notes_on(study, ana, db.session.get(SiteVisit, world.june), None,
                 ("support", "end user", "quote", "Ask Moira Keane, she knows the renewal."))
        db.session.get(Organisation, world.account).notes = "Moira Keane is our sponsor."
        db.session.commit()
    sign_in(client, "dan")
    page = client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text
    assert "Moira Keane" not in page
    assert "Ask [finance executive], she knows the renewal." in page and "[finance executive] is our sponsor." in page
    sign_in(client, "ana")  # the owner sees what was written
    assert "Ask Moira Keane, she knows the renewal." in client.get(
        f"/studies/{world.onboarding}/accounts/{world.account}").text


def test_the_account_page_counts_match_a_recount_of_the_notes(app, client, world):
    """Notes on no visit belong to the account through their participant: a row of their own, in the totals
    and among the latest notes; the page's figures are those of a direct recount of the notes themselves."""
    from fieldnotes.observations.models import Observation
    from fieldnotes.studies.models import Role, Touchpoint
    from tests.factories import make_observations
    with app.app_context():
        study = db.session.get(Study, world.onboarding)
        ana = db.session.scalar(select(User).filter_by(email="ana@example.org"))
        stage = db.session.scalar(select(Touchpoint.id).filter_by(study_id=study.id, name="Support"))
        role = db.session.scalar(select(Role.id).filter_by(study_id=study.id, name="Finance executive"))
        other = make_participant(study, pseudonym="P9 Elsewhere", organisation="Riverbend Credit Union")
        make_observations(study, ana, [
            {"visit_id": None, "participant_id": person, "kind": kind, "text": text, "touchpoint_id": stage,
             "role_id": role}
            for person, kind, text in ((world.p1, "breakdown", "Phoned in: the portal logs her out."),
                                       (world.p1, "delight", "Phoned in: the new invoice view is clear."),
                                       (other.id, "breakdown", "Another customer's call."))])
        db.session.commit()
        people = select(Participant.id).where(Participant.organisation_id == world.account)
        visits = select(SiteVisit.id).where(SiteVisit.organisation_id.in_([world.account, world.renewals_account]))
        recount = db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.deleted_at.is_(None),
            Observation.visit_id.in_(visits)
            | (Observation.visit_id.is_(None) & Observation.participant_id.in_(people))))
    sign_in(client, "ana")
    words = text_of(client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text)
    assert recount == 8
    assert f"{recount} notes over 3 visits in 2 of your studies" in words
    # Its own row in the timeline: the two calls at support, one pain and one delight.
    assert "Not on a visit Onboarding – – – – – 2 · 1 pain · 1 delight – 2" in words
    assert "Support 2 1 −1 Seen on one visit (2 June 2026)" in words  # June's workaround and the calls
    assert "Phoned in: the portal logs her out." in words and "Phoned in: the new invoice view is clear." in words
    assert "Another customer's call." not in words
    sign_in(client, "dan")  # a designer sees the same counts of the one study he may read
    words = text_of(client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text)
    assert "7 notes over 2 visits in 1 of your studies" in words


@pytest.mark.parametrize("others_grouped", [0, 12])
def test_the_insights_an_account_supports_are_the_same_read_from_either_side(app, client, world, others_grouped):
    """The page reads the supported insights from the insights when their studies group fewer notes than
    the account holds, else from the account's notes: both give the same insights and counts."""
    from fieldnotes.insights.service import create_insight
    from tests.factories import make_observations
    with app.app_context():
        study = db.session.get(Study, world.onboarding)
        ana = db.session.scalar(select(User).filter_by(email="ana@example.org"))
        visit = make_visit(study, organisation="Riverbend Credit Union", visited_on=date(2026, 5, 5))
        other = make_observations(study, ana, [{"visit_id": visit.id, "kind": "observation", "text": f"Teller {n}."}
                                               for n in range(max(others_grouped, 1))])
        if others_grouped:  # 12 of another customer's notes grouped: more than Halloran's 6
            create_insight(study.id, ana.id, "Tellers queue at noon", [n.id for n in other])
        db.session.commit()
    sign_in(client, "ana")
    words = text_of(client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text)
    assert "Insights this account supports Finance waits on quotes 2 notes from this account Latest" in words
    assert "Tellers queue at noon" not in words
