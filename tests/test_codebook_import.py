"""Importing a REFI-QDA codebook into tags: another tool's hierarchy, a preview, and bad files refused whole."""
import uuid

import pytest

from fieldnotes.extensions import db
from fieldnotes.imports.codebook import MAX_BYTES
from fieldnotes.studies.models import Tag
from tests.factories import add_member, make_study, make_user


def code(name, *children, codable="true", guid=None):
    inner = "".join(children)
    return f'<Code guid="{guid or uuid.uuid4()}" name="{name}" isCodable="{codable}">{inner}</Code>'


def codebook(*codes, root="CodeBook", ns="urn:QDA-XML:codebook:1.0", prolog=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<{root} xmlns="{ns}" origin="NVivo">'
            f'<Codes>{"".join(codes)}</Codes></{root}>').encode()


# From MAXQDA or NVivo: a folder that is not codable, nesting, a GUID in braces, a description.
NVIVO = codebook(code("Payments", code("Late fees", "<Description>Paid after 30 days</Description>"),
                      code("Paper invoices", guid="{0A1B2C3D-0000-4000-8000-00000000ABCD}"), codable="false"),
                 code("Paper"), code("paper"))

BILLION_LAUGHS = ('<!DOCTYPE CodeBook [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
EXTERNAL = '<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.fixture
def world(app, auth):
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana Field")
        study = make_study(ana)
        db.session.add(Tag(study_id=study.id, name="PAPER"))
        add_member(study, make_user("vic@example.org"), "viewer")
        make_user("olga@example.org")
        db.session.commit()
        study_id = study.id
    auth.login()
    return study_id


def upload(client, study_id, data, name="codes.qdc"):
    """POST the file as a browser does (the body built here: the test client's own spools big files unclosed)."""
    body = (b'--b\r\nContent-Disposition: form-data; name="codebook"; filename="' + name.encode() +
            b'"\r\nContent-Type: application/xml\r\n\r\n' + data + b"\r\n--b--\r\n")
    return client.post(f"/studies/{study_id}/import/codebook", data=body,
                       content_type="multipart/form-data; boundary=b")


def tags_of(app, study_id):
    with app.app_context():
        return sorted(db.session.scalars(db.select(Tag.name).where(Tag.study_id == study_id)))


def test_a_codebook_from_another_tool_is_previewed_then_imported_as_parent_child_tags(app, client, world):
    page = client.get(f"/studies/{world}/import/codebook")
    assert page.status_code == 200 and b'type="file"' in page.data
    preview = upload(client, world, NVIVO)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 new tags" in text and "1 tag the study has already" in text
    assert tags_of(app, world) == ["PAPER"]  # a preview writes nothing
    confirm = client.post(f"/studies/{world}/import/codebook/confirm",
                          data={"tag": ["Payments / Late fees", "Payments / Paper invoices", "PAPER"]})
    assert confirm.status_code == 303 and confirm.headers["Location"].endswith(f"/studies/{world}/tags")
    assert tags_of(app, world) == ["PAPER", "Payments / Late fees", "Payments / Paper invoices"]
    again = client.post(f"/studies/{world}/import/codebook/confirm", data={"tag": ["payments / late FEES"]})
    assert again.status_code == 303 and len(tags_of(app, world)) == 3  # matched whatever the letters


BAD = [
    (b"<CodeBook><Codes>", "not well-formed XML"),
    (codebook(code("Paper"), prolog=BILLION_LAUGHS).replace(b'name="Paper"', b'name="&d;"'), "document type"),
    (codebook(code("Paper"), prolog=EXTERNAL).replace(b'name="Paper"', b'name="&secret;"'), "document type"),
    (codebook(code("Paper"), root="Project", ns="urn:QDA-XML:project:1.0"), "a REFI-QDA project"),
    (codebook(code("Paper"), root="Codebook"), "root element is &lt;{urn:QDA-XML:codebook:1.0}Codebook&gt;"),
    (codebook(code("Paper"), ns="urn:other"), "root element"),
    (codebook(code("Paper", guid="not-a-guid")), "Code “Paper”: its guid is missing or not a GUID."),
    (codebook(code("Paper", code("Late", codable="maybe"))), "Code “Paper” &gt; “Late”: isCodable must be"),
    (codebook(code("x" * 61)), "Length must be between 1 and 60."),
    (codebook(code("Bad\u202eName")), "characters that are not allowed: U+202E"),
    (codebook(), "&lt;Codes&gt; must hold at least one &lt;Code&gt;"),
    (b" " * (MAX_BYTES + 1), "larger than 1024 KB"),
    (b"", "The file is empty."),
]


def test_a_bad_codebook_gets_a_clear_error_and_changes_nothing(app, client, world):
    # One app for every case (each is one request): an app per case would cost a second each.
    for data, message in BAD:
        response = upload(client, world, data)
        assert (response.status_code, message in response.get_data(as_text=True)) == (422, True), message
    assert tags_of(app, world) == ["PAPER"]


def test_a_confirmed_list_with_one_bad_name_adds_none_of_them(app, client, world):
    response = client.post(f"/studies/{world}/import/codebook/confirm", data={"tag": ["Good one", "y" * 61]})
    assert response.status_code == 422 and "Length must be between 1 and 60." in response.get_data(as_text=True)
    assert tags_of(app, world) == ["PAPER"]


def test_only_members_who_manage_tags_may_import(app, client, auth, world):
    auth.logout()
    for email, status in (("olga@example.org", 404), ("vic@example.org", 403)):
        auth.login(email)
        assert client.get(f"/studies/{world}/import/codebook").status_code == status
        assert upload(client, world, NVIVO).status_code == status
        assert client.post(f"/studies/{world}/import/codebook/confirm", data={"tag": ["x"]}).status_code == status
        auth.logout()
    assert tags_of(app, world) == ["PAPER"]


def test_flask_import_codebook_previews_with_dry_run_then_imports(app, world, tmp_path):
    path = tmp_path / "codes.qdc"
    path.write_bytes(NVIVO)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "codebook", str(world), str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Would add 2 tags" in dry.output and tags_of(app, world) == ["PAPER"]
    done = runner.invoke(args=["import", "codebook", str(world), str(path)])
    assert done.exit_code == 0 and "Added 2 tags" in done.output and len(tags_of(app, world)) == 3
    path.write_bytes(codebook(code("Paper", guid="nope")))
    bad = runner.invoke(args=["import", "codebook", str(world), str(path)])
    assert bad.exit_code == 1 and "its guid is missing or not a GUID" in bad.output
