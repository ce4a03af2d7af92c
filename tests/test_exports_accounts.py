"""Accounts in the exports (issue 15): every note says its account, and one customer's notes export alone."""
import json
from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Study
from fieldnotes.auth.models import User
from tests import exports_world
from tests.export_files import csv_rows, xlsx_rows
from tests.factories import make_observations, make_participant, make_study, make_user, make_visit
from tests.test_qdpx import NS, source_named, unpack
from tests.test_qdpx import download as download_project

HALLORAN, MERIDIAN = "Halloran Regional Logistics", "Meridian Dental Supply"


@pytest.fixture
def world(app, auth):
    """The exports world (five notes on a Halloran visit), with Halloran's details filled in, a Meridian
    visit with one note, and a Meridian person's note taken on no visit."""
    world = exports_world.build(app)
    with app.app_context():
        study, owner = db.session.get(Study, world["study"]), db.session.scalar(
            select(User).where(User.email == "ana@example.org"))
        halloran = db.session.scalar(select(Organisation).where(Organisation.study_id == study.id,
                                                                   Organisation.name == HALLORAN))
        halloran.segment, halloran.size_band, halloran.region = "Logistics", "250–999", "North of England"
        visit = make_visit(study, organisation=MERIDIAN, visited_on=date(2026, 4, 2))
        person = make_participant(study, [visit], pseudonym="P9", organisation=MERIDIAN)
        on_visit, off_visit = make_observations(study, owner, [
            {"visit_id": visit.id, "participant_id": person.id, "text": "Orders by fax on Fridays",
             "captured_at": "2026-04-02T09:00:00+00:00"},
            {"participant_id": person.id, "text": "Rang back to say the fax broke",
             "captured_at": "2026-04-09T09:00:00+00:00"}])
        db.session.commit()
        world.update(halloran=halloran.id, meridian=visit.organisation_id, meridian_notes={str(on_visit.id),
                                                                                            str(off_visit.id)})
    auth.login("ana@example.org")
    return world


def download(client, world, **params):
    response = client.get(f"/studies/{world['study']}/export/download?"
                          + urlencode({"format": "csv", "audience": "team", **params}))
    data = response.data
    response.close()
    return response, data


def by_note(rows):
    header = rows[0]
    return {row[header.index("Note id")]: dict(zip(header, row)) for row in rows[1:]}


def test_every_tabular_format_says_each_notes_account(client, world):
    _, data = download(client, world)
    notes = by_note(csv_rows(data))
    awkward = notes[world["notes"]["awkward"]]
    assert [awkward[c] for c in ("Organisation", "Account id", "Segment", "Size", "Region")] == [
        HALLORAN, str(world["halloran"]), "Logistics", "250–999", "North of England"]
    for note_id in world["meridian_notes"]:  # on Meridian's visit, and on no visit through P9
        assert (notes[note_id]["Organisation"], notes[note_id]["Account id"]) == (MERIDIAN, str(world["meridian"]))
    _, data = download(client, world, format="xlsx")
    assert by_note(xlsx_rows(data)[0]) == notes  # the same cells, as strings
    _, data = download(client, world, format="json")
    document = json.loads(data)
    json_notes = {n["id"]: n for n in document["notes"]}
    assert {k: json_notes[world["notes"]["awkward"]][k] for k in ("organisation", "account_id", "segment")} == {
        "organisation": HALLORAN, "account_id": str(world["halloran"]), "segment": "Logistics"}


def test_a_renamed_account_exports_under_its_new_name(app, client, world):
    with app.app_context():
        db.session.get(Organisation, world["meridian"]).name = "Meridian Dental"
        db.session.commit()
    _, data = download(client, world)
    notes = by_note(csv_rows(data))
    assert {notes[n]["Organisation"] for n in world["meridian_notes"]} == {"Meridian Dental"}


def test_one_accounts_notes_export_alone_in_every_format(app, client, world):
    _, data = download(client, world, account=world["meridian"])
    assert set(by_note(csv_rows(data))) == world["meridian_notes"]
    _, data = download(client, world, account=world["meridian"], format="xlsx")
    assert set(by_note(xlsx_rows(data)[0])) == world["meridian_notes"]
    _, data = download(client, world, account=world["meridian"], format="json")
    document = json.loads(data)
    assert {n["id"] for n in document["notes"]} == world["meridian_notes"]
    assert document["scope"] == "the notes under your filter"
    _, data = download(client, world, account=world["halloran"], audience="outside")
    kept = set(by_note(csv_rows(data)))  # consent still decides within one account
    assert world["notes"]["awkward"] in kept and world["notes"]["no_consent"] not in kept
    assert not kept & world["meridian_notes"]


def test_the_export_page_offers_the_accounts_and_carries_the_choice_to_the_download(client, world):
    page = client.get(f"/studies/{world['study']}/export").text
    assert '<label for="export-account">Account</label>' in page
    assert f'<option value="{world["meridian"]}">{MERIDIAN}</option>' in page
    page = client.get(f"/studies/{world['study']}/export?account={world['meridian']}&kind=observation").text
    assert "<strong>2 notes</strong>" in page
    assert f'<option value="{world["meridian"]}" selected>{MERIDIAN}</option>' in page
    assert f'<input type="hidden" name="account" value="{world["meridian"]}">' in page  # into the download
    assert '<input type="hidden" name="kind" value="observation">' in page  # other filters kept on a change


def test_another_studys_account_is_refused_in_words(app, client, world):
    with app.app_context():
        other = make_study(make_user("ola@example.org"), name="Elsewhere")
        theirs = make_visit(other, organisation=MERIDIAN).organisation_id
    response, data = download(client, world, account=theirs)
    assert response.status_code == 400 and b"Time,Visit" not in data
    assert "names an account that is not in this study" in client.get(
        f"/studies/{world['study']}/export?account={theirs}").text


def test_the_cli_exports_one_account(app, world, tmp_path):
    out = tmp_path / "meridian.csv"
    result = app.test_cli_runner().invoke(args=[
        "export", "notes", "--study", str(world["study"]), "--filter", f"account={world['meridian']}",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert set(by_note(csv_rows(out.read_bytes()))) == world["meridian_notes"]


def test_the_qda_project_has_each_account_as_a_case_with_its_id_even_for_notes_with_no_participant(client, world):
    """A note on Halloran's visit with no participant (the depot wall chart) used to be in no Case, so its
    account was lost; every account is a Case now, holding its visits' notes, and every Case says its id."""
    entries, project = unpack(download_project(client, world["study"]))  # checked against Project.xsd
    cases = {case.get("name"): case for case in project.iterfind("q:Cases/q:Case", NS)}
    variables = {v.get("guid"): v.get("name") for v in project.iterfind("q:Variables/q:Variable", NS)}

    def values(case):
        return {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.findtext("q:TextValue", "", NS)
                for v in case.iterfind("q:VariableValue", NS)}

    def sources(case):
        return {ref.get("targetGUID") for ref in case.iterfind("q:SourceRef", NS)}

    assert values(cases[HALLORAN]) == {"Organisation": HALLORAN, "Segment": "Logistics", "Size": "250–999",
                                       "Region": "North of England", "Account id": str(world["halloran"])}
    assert values(cases[MERIDIAN])["Account id"] == str(world["meridian"])
    assert values(cases["P1"])["Account id"] == str(world["halloran"])
    assert values(cases["P9"])["Account id"] == str(world["meridian"])
    wall_chart = source_named(project, "TextSource", world["notes"]["nobody"]).get("guid")
    assert wall_chart in sources(cases[HALLORAN])
    assert all(wall_chart not in sources(case) for name, case in cases.items() if name != HALLORAN)
    meridian = {source_named(project, "TextSource", note).get("guid") for note in world["meridian_notes"]}
    assert sources(cases[MERIDIAN]) == meridian == sources(cases["P9"])  # on its visit, and through P9 off it
    assert not meridian & sources(cases[HALLORAN])
