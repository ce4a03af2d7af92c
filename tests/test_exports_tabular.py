"""Notes out as CSV, XLSX and JSON: what a researcher opens in a spreadsheet or a script (issue 10)."""
import json
from urllib.parse import urlencode
from pathlib import Path

import pytest

from tests import exports_world
from tests.export_files import csv_rows, xlsx_rows
from tests.exports_world import AWKWARD, FORMULA

HEADER = ["Time", "Visit", "Organisation", "Participant", "Role", "Touchpoint", "Kind", "Text",
          "What they expected", "Tags", "Insights", "Media files", "Author", "Version", "Note id",
          "Highlight of", "Highlight characters", "Highlight audio (ms)", "Segment", "Size", "Region",
          "Account id"]
SCHEMA = json.loads((Path(__file__).parent.parent / "docs/schemas/notes-v1.schema.json").read_text())


@pytest.fixture
def world(app, auth):
    world = exports_world.build(app)
    auth.login("ana@example.org")
    return world


def download(client, world, query="", **params):
    params = urlencode({"format": "csv", "audience": "team", **params})
    response = client.get(f"/studies/{world['study']}/export/download?{params}&{query}")
    data = response.data
    response.close()
    return response, data


def test_csv_opens_in_a_spreadsheet_with_every_awkward_cell_intact_and_no_formula(client, world):
    response, data = download(client, world)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="onboarding-at-mid-size-accounts-notes-20')
    assert data.split(b"\n")[0].endswith(b"\r")  # RFC 4180 line ends
    rows = csv_rows(data)
    assert rows[0] == HEADER
    by_id = {row[14]: dict(zip(HEADER, row)) for row in rows[1:]}
    first = by_id[world["notes"]["awkward"]]
    assert first["Text"].startswith(AWKWARD)  # commas, quotes and a newline survive the quoting
    assert first["What they expected"] == "'-1 day to pay"
    assert first["Tags"] == "invoices; paper"
    assert first["Insights"] == "Money waits on paper / [end user] re-keys everything"
    assert first["Media files"] == f"{world['photo']}.png"
    assert [first[c] for c in ("Participant", "Role", "Touchpoint", "Kind")] == ["P1", "End user", "Use", "quote"]
    assert first["Time"] == "2026-03-12T09:00:00+00:00" and first["Author"] == "Ana Owner" and first["Version"] == "1"
    assert by_id[world["notes"]["formula"]]["Text"] == "'" + FORMULA
    assert [row[14] for row in rows[1:]] == list(world["notes"].values())  # oldest first


def test_xlsx_holds_the_same_rows_as_strings_under_a_frozen_header(client, world):
    response, data = download(client, world, format="xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    rows, frozen = xlsx_rows(data)
    assert frozen
    _, csv_data = download(client, world)
    assert rows == [row + [""] * (len(HEADER) - len(row)) for row in csv_rows(csv_data)]


def conforms(value, schema, where="$"):
    """The JSON Schema keywords docs/schemas/notes-v1.schema.json uses, checked by hand (no new dependency)."""
    types = {"object": dict, "array": list, "string": str, "integer": int}
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "type" in schema:
        assert isinstance(value, types[schema["type"]]) and not isinstance(value, bool), where
    if isinstance(value, dict):
        assert set(schema["required"]) <= set(value), where
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(schema["properties"]), where
        for key, item in value.items():
            conforms(item, schema["properties"][key], f"{where}.{key}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            conforms(item, schema["items"], f"{where}[{index}]")


def test_json_follows_its_published_schema(client, world):
    response, data = download(client, world, format="json", audience="outside")
    assert response.status_code == 200
    document = json.loads(data)
    conforms(document, SCHEMA)
    assert document["schema"] == "fieldnotes.notes/1" and document["audience"] == "outside"
    note = document["notes"][0]
    assert note["tags"] == ["invoices", "paper"] and note["text"].startswith(AWKWARD)
    assert note["media"] == [{"file": f"{world['photo']}.png", "use": "photo", "mime": "image/png"}]
    with pytest.raises(AssertionError):  # the checker can fail: a note with a field the schema does not have
        conforms({**document, "notes": [{**note, "real_name": "x"}]}, SCHEMA)


def test_a_browse_filter_and_a_board_narrow_the_export(client, world):
    browse = client.get(f"/studies/{world['study']}/notes?touchpoint={world['touchpoint']}").text
    assert f'/studies/{world["study"]}/export?touchpoint={world["touchpoint"]}' in browse  # "Export these notes"
    page = client.get(f"/studies/{world['study']}/export?touchpoint={world['touchpoint']}").text
    assert "<strong>4 notes</strong>" in page and f'name="touchpoint" value="{world["touchpoint"]}"' in page
    _, data = download(client, world, touchpoint=world["touchpoint"])
    assert {row[5] for row in csv_rows(data)[1:]} == {"Use"} and len(csv_rows(data)) == 5
    board = client.get(f"/studies/{world['study']}/boards/{world['board']}").text
    assert f"/studies/{world['study']}/export?board={world['board']}" in board  # "Export this board"
    _, data = download(client, world, board=world["board"])
    assert [row[14] for row in csv_rows(data)[1:]] == [world["notes"]["awkward"]]


@pytest.mark.parametrize("query", ["tag=999999", "from=yesterday", "board=abc"])
def test_a_bad_filter_is_refused_with_a_reason(client, world, query):
    response, data = download(client, world, query)
    assert response.status_code == 400
    assert b"Time,Visit" not in data


def test_who_may_export_what(app, client, auth, world):
    url = f"/studies/{world['study']}/export/download"
    expected = {"outsider": (404, 404), "viewer": (403, 403), "designer": (200, 403), "researcher": (200, 200)}
    for who, (team, outside) in expected.items():
        auth.logout()
        auth.login(f"{who}@example.org")
        for audience, status in (("team", team), ("outside", outside)):
            response = client.get(url, query_string={"format": "csv", "audience": audience})
            response.close()
            assert response.status_code == status, (who, audience)
    assert client.get(f"/studies/{world['study']}/export?board=999999").status_code == 404  # no such board


def test_the_cli_writes_each_format_and_reports_what_consent_left_out(app, world, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "notes.csv"
    result = runner.invoke(args=["export", "notes", "--study", str(world["study"]), "--audience", "outside",
                                 "--filter", f"touchpoint={world['touchpoint']}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Left out: 1 note from P3: the participant has not given consent" in result.stderr
    assert [row[3] for row in csv_rows(out.read_bytes())[1:]] == ["P1", "P1", ""]
    result = runner.invoke(args=["export", "notes", "--study", str(world["study"]), "--format", "json",
                                 "--board", str(world["board"]), "--out", "-"])
    assert [n["id"] for n in json.loads(result.stdout)["notes"]] == [world["notes"]["awkward"]]
    out = tmp_path / "notes.xlsx"
    result = runner.invoke(args=["export", "notes", "--study", str(world["study"]), "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0 and len(xlsx_rows(out.read_bytes())[0]) == 6
    result = runner.invoke(args=["export", "notes", "--study", str(world["study"]), "--board", "999999",
                                 "--out", str(tmp_path / "none.csv")])
    assert result.exit_code != 0 and "No such board" in result.output
    assert not (tmp_path / "none.csv").exists()
