"""The roster (issue 15): organisations and participants from CSV, every bad row shown, all or nothing."""
import io
import re

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.visits.models import Participant

ROSTER = """Organisation,Segment,Size,Region,Pseudonym,Role,Consent,Consent date,Shoe size
Halloran Regional Logistics,Logistics,250–999,North,P1 Finance,Finance executive,yes,2026-03-01,44
Halloran Regional Logistics,,,,P2 Clerk,end user,notes; quotes,2026-03-01,
Meridian Dental Supply,Dental,50–249,South,,,,,
Meridian Dental Supply,,,,P3 Buyer,,no,,
"""


def upload(client, study_id, text, name="roster.csv"):
    return client.post(f"/studies/{study_id}/import/roster",
                       data={"file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def counts(app, study_id):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m).where(m.study_id == study_id))
                     for m in (Organisation, Participant))


def test_a_roster_adds_accounts_and_participants_with_their_consent(app, client, study_id):
    response = upload(client, study_id, ROSTER)
    assert response.status_code == 303
    preview = client.get(response.headers["Location"]).text
    assert re.search(r"4 rows: 2 organisations\s+\(2 new\), 3 participants to add", preview)
    assert "Columns not read: Shoe size." in preview
    done = client.post(response.headers["Location"])
    assert done.status_code == 303
    assert "Roster imported: 2 new accounts, 3 participants added." in client.get(done.headers["Location"]).text
    with app.app_context():
        halloran = db.session.scalar(select(Organisation).filter_by(study_id=study_id, name="Halloran Regional Logistics"))
        assert (halloran.segment, halloran.size_band, halloran.region) == ("Logistics", "250–999", "North")
        people = {p.pseudonym: p for p in db.session.scalars(select(Participant).filter_by(study_id=study_id))}
        assert people["P1 Finance"].role.name == "Finance executive" and people["P1 Finance"].consented_uses == [
            "Notes", "Quotes", "Photos", "Audio recordings"]
        assert people["P2 Clerk"].consented_uses == ["Notes", "Quotes"] and people["P2 Clerk"].consent_given
        assert people["P3 Buyer"].consent_given is False and people["P3 Buyer"].organisation == "Meridian Dental Supply"
        assert {p.organisation_id for p in people.values()} == {
            halloran.id, people["P3 Buyer"].organisation_id} and people["P3 Buyer"].organisation_id is not None
    # The same roster again adds no one twice.
    again = upload(client, study_id, ROSTER)
    assert "3 already in the study and left as they are" in client.get(again.headers["Location"]).text
    client.post(again.headers["Location"])
    assert counts(app, study_id) == (2, 3)


@pytest.mark.parametrize("row, column, reason", [
    (",Logistics,,,P9,,,,", "Organisation", "Name the organisation."),
    ("Halloran,,huge,,,,,,", "Size", "A size is one of"),
    ("Halloran,,,,P9,Astronaut,,,", "Role", "“Astronaut” is not a role of this study"),
    ("Halloran,,,,P9,,maybe,,", "Consent", "“maybe” is not a use"),
    ("Halloran,,,,P9,,yes,12/03/2026,", "Consent date", "A date like 2026-03-12."),
    ("Halloran,,,,P9,,,2026-03-01,", "Consent date", "A consent date but no consent."),
    ("Halloran,,,,P1 Finance,,,,", "Pseudonym", "“P1 Finance” is also on line 2."),
    ("Halloran Regional Logistics,Dental,,,,,,,", "Segment", "is already “Logistics” here"),
    ("Halloran,,,,P\u202e9,,,,", "Pseudonym", "not allowed"),
])
def test_each_bad_row_is_named_with_its_line_and_nothing_is_written(app, client, study_id, row, column, reason):
    response = upload(client, study_id, ROSTER + row + "\n")
    preview = client.get(response.headers["Location"])
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", preview.text)
    assert [(line, col) for line, col, _ in cells] == [("6", column)] and reason in cells[0][2]
    assert "Import the roster" not in preview.text
    assert client.post(response.headers["Location"]).status_code == 422
    assert counts(app, study_id) == (0, 0)


def test_a_file_without_an_organisation_column_is_refused_at_upload(client, study_id):
    response = upload(client, study_id, "Pseudonym,Role\nP1,End user\n")
    assert response.status_code == 422 and "needs an “Organisation” column" in response.text
