"""Who sees what in an export: consent for outside the team, real names never, erased words gone (issue 10)."""
import json

import pytest

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import KEEP, erase_participant
from tests import exports_world
from tests.boards_world import media_entry, png, verified_media
from tests.export_files import csv_rows, xlsx_rows, xlsx_text
from tests.exports_world import AWKWARD, NO_CONSENT, NO_QUOTES, REAL_NAME
from tests.factories import make_observation, make_participant


@pytest.fixture
def world(app, auth):
    world = exports_world.build(app)
    auth.login("ana@example.org")
    return world


def download(client, world, fmt, audience):
    response = client.get(f"/studies/{world['study']}/export/download",
                          query_string={"format": fmt, "audience": audience})
    assert response.status_code == 200
    data = response.data
    response.close()
    return data


def test_outside_the_team_leaves_out_unconsented_words_and_says_so_before_the_download(client, world):
    page = client.get(f"/studies/{world['study']}/export").text
    assert ("1 note from P2: the participant did not consent to quotes, so consent does not cover use outside "
            "the team") in page
    assert "1 note from P3: the participant has not given consent" in page
    outside = download(client, world, "csv", "outside").decode("utf-8-sig")
    assert NO_QUOTES not in outside and NO_CONSENT not in outside
    assert AWKWARD.split("\n")[0].replace('"', '""') in outside  # P1 agreed to everything
    assert "The depot wall chart" in outside                      # marked as no person's words
    team = download(client, world, "csv", "team").decode("utf-8-sig")
    assert NO_QUOTES in team and NO_CONSENT in team
    report = json.loads(download(client, world, "json", "outside"))["left_out"]
    assert {(line["from"], line["what"], line["count"]) for line in report} == {("P2", "notes", 1), ("P3", "notes", 1)}


def test_a_photo_goes_only_where_its_participant_agreed_to_photos(app, client, world):
    with app.app_context():
        study = db.session.get(Study, world["study"])
        shy = make_participant(study, pseudonym="P4", consent_photos=False)
        photo = png("shy")
        note = make_observation(study, study.memberships[0].user, text="Shows the cabinet of carbon copies",
                                participant_id=shy.id, media=[media_entry(photo)])
        verified_media(note, content=photo)
        note_id, photo_id = str(note.id), str(note.media[0].id)
    rows = {row[14]: row for row in csv_rows(download(client, world, "csv", "outside"))[1:]}
    assert rows[note_id][7] == "Shows the cabinet of carbon copies" and rows[note_id][11] == ""
    team = {row[14]: row for row in csv_rows(download(client, world, "csv", "team"))[1:]}
    assert team[note_id][11] == f"{photo_id}.png"
    assert "1 photo from P4: the participant did not consent to photos" in client.get(
        f"/studies/{world['study']}/export").text


def test_no_real_name_leaves_in_any_format_for_any_audience(client, world):
    for audience in ("team", "outside"):
        for fmt in ("csv", "json", "xlsx"):
            data = download(client, world, fmt, audience)
            found = xlsx_text(data) if fmt == "xlsx" else data
            assert REAL_NAME.encode() not in found and b"Quarrington" not in found, (fmt, audience)
            assert b"[end user] keeps it" in found, (fmt, audience)  # masked by role, the rest kept


def test_an_erased_participants_words_are_in_no_export(app, client, world):
    with app.app_context():
        erasure = erase_participant(db.session.get(Participant, world["p1"]), notes=KEEP)
        db.session.commit()
        erasure.finish()
    for fmt in ("csv", "json", "xlsx"):
        data = download(client, world, fmt, "team")
        found = xlsx_text(data) if fmt == "xlsx" else data
        assert b"never" not in found and b"HYPERLINK" not in found, fmt
        assert b"[Removed: the participant was erased.]" in found, fmt
    rows, _ = xlsx_rows(download(client, world, "xlsx", "team"))
    assert "P1" not in [row[3] for row in rows]
