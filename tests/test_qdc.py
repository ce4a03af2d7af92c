"""The REFI-QDA codebook export (.qdc): valid against Codebook.xsd, read back into another study as the same tags."""
import io
import re
from xml.etree import ElementTree

from fieldnotes.extensions import db
from fieldnotes.studies.models import Tag
from tests.boards_world import make_insight
from tests.factories import make_study, make_user
from tests.test_qdpx import schema

NS = {"c": "urn:QDA-XML:codebook:1.0"}
TAGS = ["Payments / Late fees", "Payments / Paper invoices", "Paper", "re-keying"]


def build(app):
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana Field")
        study, other = make_study(ana), make_study(ana, name="Next year's study")
        db.session.add_all(Tag(study_id=study.id, name=name) for name in TAGS)
        db.session.add(Tag(study_id=other.id, name="PAPER"))
        db.session.commit()
        make_insight(study, "I type every order twice.", parent=make_insight(study, "Paper is the real system."))
        return study.id, other.id


def download_codebook(client, study_id):
    response = client.get(f"/studies/{study_id}/export/codebook.qdc")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".qdc")
    data = response.get_data()
    response.close()
    schema("Codebook.xsd").validate(io.BytesIO(data))
    return data


def test_the_codebook_has_the_projects_code_tree_with_stable_guids(app, client, auth):
    study_id, _ = build(app)
    auth.login()
    data = download_codebook(client, study_id)
    book = ElementTree.fromstring(data)
    groups = {code.get("name"): code for code in book.iterfind("c:Codes/c:Code", NS)}
    assert list(groups) == ["Touchpoints", "Roles", "Kinds", "Tags", "Insights"]
    assert [c.get("name") for c in groups["Touchpoints"]][:3] == ["Research", "Purchase", "Implementation"]
    tags = {c.get("name"): [g.get("name") for g in c.iterfind("c:Code", NS)] for c in groups["Tags"]}
    assert tags == {"Paper": [], "Payments": ["Late fees", "Paper invoices"], "re-keying": []}
    payments = groups["Tags"].find("c:Code[@name='Payments']", NS)
    assert payments.get("isCodable") == "false"  # no tag is called just "Payments"
    theme = groups["Insights"].find("c:Code", NS)
    assert [c.get("name") for c in theme.iterfind("c:Code", NS)] == ["I type every order twice."]
    guids = re.findall(rb'guid="([^"]+)"', data)
    again = re.findall(rb'guid="([^"]+)"', download_codebook(client, study_id))
    assert len(guids) == len(set(guids)) and guids == again


def test_a_codebook_exported_and_imported_into_another_study_gives_the_same_tags(app, client, auth):
    study_id, other_id = build(app)
    auth.login()
    data = download_codebook(client, study_id)
    preview = client.post(f"/studies/{other_id}/import/codebook",
                          data={"codebook": (io.BytesIO(data), "study.qdc")}, content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 new tags" in page and "1 tag the study has already" in page
    assert "“Touchpoints”: Fieldnotes’ touchpoints, which are not tags." in page
    names = re.findall(r'name="tag" value="([^"]+)"', page)
    confirm = client.post(f"/studies/{other_id}/import/codebook/confirm", data={"tag": names})
    assert confirm.status_code == 303
    with app.app_context():
        copied = db.session.scalars(db.select(Tag.name).where(Tag.study_id == other_id)).all()
    assert sorted(copied, key=str.casefold) == sorted(["PAPER", *TAGS[:2], "re-keying"], key=str.casefold)


def test_guids_are_uuid5_of_what_they_name_and_xml_never_carries_a_control_character():
    import uuid

    from fieldnotes.exports.refi_qda import FIELDNOTES, attrs, guid, text
    note = uuid.uuid4()
    assert guid("note", note) == str(uuid.uuid5(FIELDNOTES, f"note:{note}"))
    assert attrs(name='A "B" <c> & d\n', empty=None) == ' name="A &quot;B&quot; &lt;c&gt; &amp; d&#10;"'
    assert text("x\x00\x1by < z\ud800") == "xy &lt; z"
