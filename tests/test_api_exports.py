"""A script exports notes by the API with a personal access token: the page's files, filters and consent rule."""
import json

import pytest
from sqlalchemy import select

from fieldnotes.auth import access_tokens
from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from tests import exports_world
from tests.export_files import csv_rows
from tests.exports_world import AWKWARD, FORMULA, NO_CONSENT, NO_QUOTES, REAL_NAME


@pytest.fixture
def world(app):
    return exports_world.build(app)


def token_for(app, email, access="read"):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == email))
        _, token = access_tokens.create(owner, "nightly export", access, 30)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}


def export(client, world, fmt, headers, **query):
    return client.get(f"/api/v1/studies/{world['study']}/exports/notes.{fmt}", headers=headers, query_string=query)


def test_a_read_only_token_downloads_the_filtered_csv_and_the_json_for_outside_the_team(app, client, world):
    read_only = token_for(app, "ana@example.org")
    team = export(client, world, "csv", read_only, touchpoint=world["touchpoint"])
    assert team.status_code == 200 and team.mimetype == "text/csv"
    assert team.headers["Cache-Control"] == "no-store" and ".csv" in team.headers["Content-Disposition"]
    rows = csv_rows(team.data)
    assert rows[0][7] == "Text" and len(rows) == 5  # header, and the four notes at "Use"
    texts = [row[7] for row in rows[1:]]
    assert AWKWARD.split(" (")[0] in texts[0] and "'" + FORMULA in texts and NO_CONSENT in texts
    assert NO_QUOTES not in texts                     # captured at another touchpoint
    assert REAL_NAME not in team.data.decode("utf-8-sig")

    outside = export(client, world, "json", read_only, audience="outside")
    assert outside.status_code == 200 and outside.mimetype == "application/json"
    document = json.loads(outside.data)
    assert document["schema"] == "fieldnotes.notes/1" and document["audience"] == "outside"
    texts = [note["text"] for note in document["notes"]]
    assert NO_QUOTES not in texts and NO_CONSENT not in texts and "The depot wall chart of late payers" in texts
    assert {(line["from"], line["count"]) for line in document["left_out"]} == {("P2", 1), ("P3", 1)}
    assert REAL_NAME not in outside.text


def test_a_board_and_refusals_answer_as_the_document_says(app, client, world):
    designer = token_for(app, "designer@example.org", access="write")
    board = export(client, world, "json", designer, board=world["board"])
    assert [note["id"] for note in board.json["notes"]] == [world["notes"]["awkward"]]
    refused = export(client, world, "csv", designer, audience="outside")
    assert refused.status_code == 403 and "outside the team" in refused.json["description"]
    assert export(client, world, "csv", designer, board=999999).status_code == 404
    bad = export(client, world, "csv", designer, touchpoint="99999")
    assert bad.status_code == 422 and bad.json["errors"]["filters"]
    typo = export(client, world, "csv", designer, audiense="outside")
    assert typo.status_code == 422 and "audiense" in typo.json["errors"]
    outsider = token_for(app, "outsider@example.org")
    assert export(client, world, "csv", outsider).status_code == 404
    assert export(client, world, "csv", {}).status_code == 401
