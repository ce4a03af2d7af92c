"""CSV notes import: upload, map, preview every problem, import all or nothing, through the note write path."""
import io
import os
import re
import time

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.imports.models import ImportedRow
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study, Tag, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit
from tests.factories import add_member, make_user



@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["CSV_IMPORT_DIR"] = str(tmp_path / "uploads")


HEADER = "ID,Date,Stage,Role,Participant,Visit,Kind,Quote,Expected,Tags\n"
GOOD = HEADER + (
    "r1,2026-03-12 10:30,purchase,end user,P-Ada,Halloran Logistics 2026-03-12,quote,"
    "\"I print the invoice, then retype it\",A single screen,invoices; paper\n"
    "r2,2026-03-12T12:00:00+01:00,USE,End user,P-Ada,Halloran Logistics 2026-03-12,breakdown,"
    "=SUM(A1:A3) is how they total it,,spreadsheets\n"
)


def upload(client, study_id, content, name="notes.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(f"/studies/{study_id}/import/notes", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(response):
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def mapping_form(client, study_id, token):
    """The preview's form as the browser would send it: the guessed columns and every creation ticked."""
    page = client.get(f"/studies/{study_id}/import/notes/{token}").get_data(as_text=True)
    form = {"mapped": "1", "create": re.findall(r'name="create" type="checkbox" value="([^"]*)"', page),
            "offered": re.findall(r'name="offered" value="([^"]*)"', page)}
    for field, options in re.findall(r'<select id="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="(\d*)" selected', options)
        form[field] = chosen.group(1) if chosen else ""
    return form


def import_file(client, study_id, content, **changes):
    token = token_of(upload(client, study_id, content))
    form = mapping_form(client, study_id, token) | changes
    return client.post(f"/studies/{study_id}/import/notes/{token}", data=form)


def notes(app, study_id):
    with app.app_context():
        return db.session.scalars(select(Observation).where(Observation.study_id == study_id)
                                  .order_by(Observation.captured_at)).all()


def count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["plain", "bom"])
def test_a_file_becomes_notes_with_their_terms_created(app, client, study_id, bom):
    response = import_file(client, study_id, bom + GOOD)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/studies/{study_id}/notes")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 notes" in page and "0 rows were imported before" in page
    assert os.listdir(app.config["CSV_IMPORT_DIR"]) == []  # the uploaded file is not kept after import
    first, second = notes(app, study_id)
    with app.app_context():
        first, second = db.session.merge(first), db.session.merge(second)
        assert first.text == "I print the invoice, then retype it" and first.expected == "A single screen"
        assert str(first.kind) == "quote" and [t.name for t in first.tags] == ["invoices", "paper"]
        assert db.session.get(Participant, first.participant_id).pseudonym == "P-Ada"
        visit = db.session.get(SiteVisit, first.visit_id)
        assert (visit.organisation, visit.visited_on.isoformat()) == ("Halloran Logistics", "2026-03-12")
        assert first.captured_at.isoformat() == "2026-03-12T10:30:00+00:00"  # no offset: taken as UTC
        assert second.captured_at.isoformat() == "2026-03-12T11:00:00+00:00"
        # Formula-looking cells are words like any other: kept exactly.
        assert second.text == "=SUM(A1:A3) is how they total it"
        assert first.participant_id == second.participant_id and first.visit_id == second.visit_id
        # "purchase", "USE" and "end user" are the study's default terms in other letters: used, not created.
        assert db.session.get(Touchpoint, second.touchpoint_id).name == "Use"
        assert db.session.scalar(select(func.count()).select_from(Touchpoint)) == 7
        assert first.version == 1 and len(first.revisions) == 1


def test_a_semicolon_file_with_tabs_in_cells_is_read(app, client, study_id):
    content = "Quote;When;Tags\n\"Keeps a\tpaper list; always\";2026-03-01;lists\nCalls support;2026-03-02;\n"
    assert import_file(client, study_id, content).status_code == 303
    assert [n.text for n in notes(app, study_id)] == ["Keeps a\tpaper list; always", "Calls support"]


def test_every_bad_row_is_listed_with_line_and_column_and_nothing_is_written(app, client, study_id):
    content = ("Quote,Date,Kind\n"
               "Fine note,2026-03-12,quote\n"
               ",2026-03-12,quote\n"
               "\"A note\nover two lines\",12/03/2026,quote\n"
               "Another,2026-03-12,complaint\n"
               + "Too long " * 2000 + ",2026-03-12,\n"
               "Reads \u202eright to left,2026-03-12,\n"
               "In UTC it is the year 10000,9999-12-31T23:59:59-05:00,\n")
    token = token_of(upload(client, study_id, content))
    page = client.get(f"/studies/{study_id}/import/notes/{token}").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert [(line, column) for line, column, _ in rows] == [
        ("3", "Quote"), ("4", "Date"), ("6", "Kind"), ("7", "Quote"), ("8", "Quote"), ("9", "Date")]
    reasons = [reason for _, _, reason in rows]
    assert "Empty text" in reasons[0] and "12/03/2026" in reasons[1] and "complaint" in reasons[2]
    assert "17,999 characters; at most 10,000" in reasons[3] and "U+202E" in reasons[4]
    assert "Import " not in re.sub(r"Import notes", "", page)  # no import button while any row is bad
    response = client.post(f"/studies/{study_id}/import/notes/{token}", data=mapping_form(client, study_id, token))
    assert response.status_code == 422
    assert notes(app, study_id) == [] and count(app, Tag) == 0


def test_unknown_terms_are_offered_and_a_declined_one_makes_its_rows_errors(app, client, study_id):
    content = "Quote,Stage,Participant,Date\nWaits for the courier,Delivery,P-Bo,2026-03-12\nFine,use,,2026-03-12\n"
    token = token_of(upload(client, study_id, content))
    form = mapping_form(client, study_id, token)
    assert sorted(form["create"]) == ["participant:P-Bo", "touchpoint:Delivery"]
    declined = form | {"create": ["participant:P-Bo"]}
    page = client.get(f"/studies/{study_id}/import/notes/{token}", query_string=declined).get_data(as_text=True)
    assert "Unknown touchpoint &#39;Delivery&#39;, not chosen to be created." in page
    assert client.post(f"/studies/{study_id}/import/notes/{token}", data=declined).status_code == 422
    assert count(app, Touchpoint, name="Delivery") == 0 and count(app, Participant) == 0
    assert client.post(f"/studies/{study_id}/import/notes/{token}", data=form).status_code == 303
    assert count(app, Touchpoint, name="Delivery") == 1 and count(app, Participant, pseudonym="P-Bo") == 1
    assert len(notes(app, study_id)) == 2


def test_importing_again_with_a_key_skips_what_came_before(app, client, study_id):
    assert import_file(client, study_id, GOOD).status_code == 303
    more = GOOD + "r3,2026-03-13,use,,,,,A third note,,\n"
    response = import_file(client, study_id, more)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 1 note. 2 rows were imported before (same key) and were skipped." in page
    assert len(notes(app, study_id)) == 3 and count(app, ImportedRow) == 3


def test_without_a_key_the_preview_warns_of_duplicates_and_a_repeated_key_is_an_error(app, client, study_id):
    token = token_of(upload(client, study_id, "Quote,Date\nOne,2026-03-12\n"))
    assert "importing this file again will add its notes again" in \
        client.get(f"/studies/{study_id}/import/notes/{token}").get_data(as_text=True)
    token = token_of(upload(client, study_id, "ID,Quote,Date\na,One,2026-03-12\na,Two,2026-03-12\n"))
    page = client.get(f"/studies/{study_id}/import/notes/{token}").get_data(as_text=True)
    assert "Key &#39;a&#39; repeats line 2." in page


def test_imported_notes_reach_phones_and_search(app, client, study_id):
    assert import_file(client, study_id, GOOD).status_code == 303
    pulled = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": ""}).json["changes"]
    assert sorted(c["data"]["text"] for c in pulled) == ["=SUM(A1:A3) is how they total it",
                                                         "I print the invoice, then retype it"]
    page = client.get(f"/studies/{study_id}/notes", query_string={"q": "retype"}).get_data(as_text=True)
    assert "I print the invoice, then <mark>retype</mark> it" in page and "=SUM(A1:A3)" not in page


@pytest.mark.parametrize("content, message", [
    ("Quote\nCafé".encode("utf-16"), "UTF-16"),
    (b"Quote,Date\nOK,2026-03-12\nCaf\xe9,2026-03-12\n", "Line 3 is not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
    (b"Quote,Date\nOK,2026-03-12\n\"unterminated,2026-03-12\n", "Line 3"),
    (b"Quote,Date\nOK,2026-03-12\nOne,Two,Three\n", "Line 3 has 3 cells but the header has 2"),
    (b"Quote,Date\n", "no notes"),
], ids=["utf16", "latin1", "binary", "unterminated-quote", "ragged", "header-only"])
def test_files_that_cannot_be_read_are_refused_with_the_line(app, client, study_id, content, message):
    response = upload(client, study_id, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert notes(app, study_id) == []


def test_a_file_over_the_limit_is_refused(app, client, study_id):
    app.config["CSV_IMPORT_MAX_BYTES"] = 1024
    response = upload(client, study_id, "Quote\n" + "x" * 2000 + "\n")
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 4096  # past what the server reads of any request
    response = upload(client, study_id, "Quote\n" + "x" * 8000 + "\n")
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    assert notes(app, study_id) == []


def test_only_owners_import_and_uploads_stay_with_their_uploader(app, client, auth, study_id):
    token = token_of(upload(client, study_id, GOOD))
    with app.app_context():
        study = db.session.get(Study, study_id)
        add_member(study, make_user("rui@example.org"), "researcher")
        other = make_user("olu@example.org")
    auth.logout()
    auth.login("rui@example.org")
    assert client.get(f"/studies/{study_id}/import/notes").status_code == 403
    auth.logout()
    auth.login("olu@example.org")
    assert client.get(f"/studies/{study_id}/import/notes/{token}").status_code == 404
    with app.app_context():
        add_member(db.session.get(Study, study_id), db.session.merge(other), "owner")
    # Another owner of the same study still cannot reach Ana's upload.
    assert client.get(f"/studies/{study_id}/import/notes/{token}").status_code == 404
    assert client.get(f"/studies/{study_id}/import/notes/not-a-token").status_code == 404


def test_an_upload_left_for_an_hour_is_gone(app, client, study_id):
    token = token_of(upload(client, study_id, GOOD))
    [held] = [p for p in os.listdir(app.config["CSV_IMPORT_DIR"]) if token in p]
    an_hour_ago = time.time() - 3601
    os.utime(os.path.join(app.config["CSV_IMPORT_DIR"], held), (an_hour_ago, an_hour_ago))
    response = client.get(f"/studies/{study_id}/import/notes/{token}")
    assert response.status_code == 404 and "upload the file again" in response.get_data(as_text=True)
    assert os.listdir(app.config["CSV_IMPORT_DIR"]) == []


def test_the_command_imports_all_or_nothing(app, tmp_path, study_id):
    path = tmp_path / "notes.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import", "notes", "--study", str(study_id), str(path), "--map", "text=Quote"])
    assert refused.exit_code == 1 and "Unknown participant 'P-Ada'" in refused.output
    assert notes(app, study_id) == []
    args = ["import", "notes", "--study", str(study_id), str(path), "--map", "text=Quote,touchpoint=Stage",
            "--key", "ID", "--create-missing"]
    done = runner.invoke(args=args)
    assert done.exit_code == 0, done.output
    assert "Imported 2 notes" in done.output
    again = runner.invoke(args=args)
    assert "Imported 0 notes" in again.output and "skipped 2" in again.output
    assert len(notes(app, study_id)) == 2
