"""The REFI-QDA project export (.qdpx): valid against Project.xsd, every note coded, consent and names kept."""
import io
import zipfile
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import xmlschema

from fieldnotes.extensions import db
from fieldnotes.studies.models import Role, Touchpoint
from tests.boards_world import make_insight, media_entry, png, verified_media
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit

SCHEMAS = Path(__file__).parent / "data" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}
REAL_NAME = "Wilhelmina Quarrington-Bleake"
AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(200))


@cache
def schema(name):
    return xmlschema.XMLSchema(str(SCHEMAS / name))


def build(app):
    """Ana's study: P1 consents to everything, P2 (whose real name a note mentions) to notes only."""
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana Field")
        study = make_study(ana, designer=make_user("dee@example.org", name="Dee Signer"))
        make_user("olga@example.org", name="Olga Outsider")
        term = {m.name: m.id for model in (Touchpoint, Role)
                for m in db.session.query(model).filter_by(study_id=study.id)}
        visit = make_visit(study)
        p1 = make_participant(study, [visit], pseudonym="P1", role_id=term["End user"])
        p2 = make_participant(study, [visit], pseudonym="P2", real_name=REAL_NAME, role_id=term["Finance executive"],
                              consent_quotes=False, consent_photos=False)
        photo, refused_photo, office = png("p1"), png("p2"), png("office")
        quote = make_observation(study, ana, kind="quote", text="I re-key every order into the fuel sheet.",
                                 participant_id=p1.id, visit_id=visit.id, touchpoint_id=term["Use"],
                                 role_id=term["End user"], tags=["Payments / Late fees", "paper"],
                                 media=[media_entry(photo), media_entry(AUDIO, "audio", "audio/mpeg")])
        refused = make_observation(study, ana, kind="breakdown", text=f"{REAL_NAME} waits days for a signature.",
                                   participant_id=p2.id, visit_id=visit.id, touchpoint_id=term["Purchase"],
                                   role_id=term["Finance executive"], media=[media_entry(refused_photo)])
        whiteboard = make_observation(study, ana, kind="artifact", text="Whiteboard of overdue approvals.",
                                      visit_id=visit.id, touchpoint_id=term["Support"], no_person=True,
                                      media=[media_entry(office)])
        verified_media(quote, content=photo)
        verified_media(quote, "audio", AUDIO)
        verified_media(refused, content=refused_photo)
        verified_media(whiteboard, content=office)
        theme = make_insight(study, "Paper is the real system.")
        make_insight(study, "I type every order twice.", [quote, refused], parent=theme)
        return {"study": study.id, "quote": quote.id, "refused": refused.id, "whiteboard": whiteboard.id,
                "p1": p1.id, "p2": p2.id, "photo": photo, "office": office, "account": visit.organisation_id}


def download(client, study_id, audience="team"):
    response = client.get(f"/studies/{study_id}/export/project.qdpx?audience={audience}")
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Content-Disposition"].endswith(".qdpx")
    data = response.get_data()
    response.close()
    return data


def unpack(data):
    """{entry name: bytes} and the parsed project.qde, after checking it against Project.xsd."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    schema("Project.xsd").validate(io.BytesIO(entries["project.qde"]))
    return entries, ElementTree.fromstring(entries["project.qde"])


def codes_by_name(project):
    return {code.get("name"): code.get("guid") for code in project.iter(f"{{{NS['q']}}}Code")}


def coded_with(source):
    return {ref.get("targetGUID") for ref in source.iterfind(".//q:Coding/q:CodeRef", NS)}


def source_named(project, element, note_id):
    [source] = [s for s in project.iterfind(f"q:Sources/q:{element}", NS) if f"({str(note_id)[:8]})" in s.get("name")]
    return source


def test_the_team_project_is_valid_and_codes_each_note_with_its_terms(app, client, auth):
    world = build(app)
    auth.login()
    entries, project = unpack(download(client, world["study"]))
    codes = codes_by_name(project)
    groups = [code.get("name") for code in project.iterfind("q:CodeBook/q:Codes/q:Code", NS)]
    assert groups == ["Touchpoints", "Roles", "Kinds", "Tags", "Insights"]
    assert {"Use", "Purchase", "End user", "Finance executive", "Quote", "paper", "Late fees"} <= set(codes)
    payments = project.find("q:CodeBook/q:Codes/q:Code[@name='Tags']/q:Code[@name='Payments']", NS)
    assert [c.get("name") for c in payments.iterfind("q:Code", NS)] == ["Late fees"]
    theme = project.find("q:CodeBook/q:Codes/q:Code[@name='Insights']/q:Code[@name='Paper is the real system.']", NS)
    assert [c.get("name") for c in theme.iterfind("q:Code", NS)] == ["I type every order twice."]

    quote = source_named(project, "TextSource", world["quote"])
    assert coded_with(quote) == {codes[n] for n in ("Use", "End user", "Quote", "paper", "Late fees",
                                                    "I type every order twice.")}
    selection = quote.find("q:PlainTextSelection", NS)
    words = entries[f"sources/{quote.get('guid')}.txt"].decode()
    assert words == "I re-key every order into the fuel sheet."
    assert (selection.get("startPosition"), selection.get("endPosition")) == ("0", str(len(words)))
    assert quote.get("plainTextPath") == f"internal://{quote.get('guid')}.txt"

    photo = source_named(project, "PictureSource", world["quote"])
    assert entries["sources/" + photo.get("path").removeprefix("internal://")] == world["photo"]
    assert coded_with(photo) == coded_with(quote)
    audio = source_named(project, "AudioSource", world["quote"])
    assert entries["sources/" + audio.get("path").removeprefix("internal://")] == AUDIO

    cases = {case.get("name"): case for case in project.iterfind("q:Cases/q:Case", NS)}
    assert set(cases) == {"P1", "P2", "Halloran Regional Logistics"}  # the people, and the visit's account
    variables = {v.get("guid"): v.get("name") for v in project.iterfind("q:Variables/q:Variable", NS)}
    p1 = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.findtext("q:TextValue", namespaces=NS)
          for v in cases["P1"].iterfind("q:VariableValue", NS)}
    assert p1 == {"Role": "End user", "Organisation": "Halloran Regional Logistics",
                  "Consent": "Notes, Quotes, Photos, Audio recordings", "Segment": "", "Size": "", "Region": "",
                  "Account id": str(world["account"])}
    assert {r.get("targetGUID") for r in cases["P1"].iterfind("q:SourceRef", NS)} == {
        quote.get("guid"), photo.get("guid"), audio.get("guid")}
    whiteboard = source_named(project, "TextSource", world["whiteboard"])
    in_cases = {name: {r.get("targetGUID") for r in case.iterfind("q:SourceRef", NS)} for name, case in cases.items()}
    assert [name for name, refs in in_cases.items() if whiteboard.get("guid") in refs] == [
        "Halloran Regional Logistics"]  # no person: in no participant's Case, in its visit's account's

    users = {user.get("name") for user in project.iterfind("q:Users/q:User", NS)}
    assert users == {"Ana Field", "Dee Signer"}
    everything = b"".join(entries.values())
    assert b"@example.org" not in everything
    refused = entries[f"sources/{source_named(project, 'TextSource', world['refused']).get('guid')}.txt"].decode()
    assert refused == "[finance executive] waits days for a signature."
    assert REAL_NAME.encode() not in everything and b"Quarrington" not in everything


def test_outside_the_team_only_consented_words_photos_and_audio_leave(app, client, auth):
    world = build(app)
    auth.login()
    entries, project = unpack(download(client, world["study"], "outside"))
    names = " ".join(s.get("name") for s in project.find("q:Sources", NS))
    assert str(world["refused"])[:8] not in names  # P2 consented to neither quotes nor photos
    assert b"waits days for a signature" not in b"".join(entries.values())
    source_named(project, "TextSource", world["quote"])
    source_named(project, "PictureSource", world["quote"])
    assert entries["sources/" + source_named(project, "PictureSource", world["whiteboard"]).get("path")
                   .removeprefix("internal://")] == world["office"]  # no person's image: shown
    assert len([n for n in entries if n.startswith("sources/")]) == 5  # P1: words, photo, audio; the whiteboard: 2
    about = project.findtext("q:Description", namespaces=NS)
    assert "1 note: the participant did not consent to quotes" in about
    assert "1 photo: left out with its note" in about


def test_exporting_again_gives_the_same_guids(app, client, auth):
    world = build(app)
    auth.login()
    first, second = (unpack(download(client, world["study"]))[1] for _ in range(2))
    guids = [[e.get("guid") for e in project.iter() if e.get("guid")] for project in (first, second)]
    assert guids[0] == guids[1] and len(guids[0]) > 20


def test_only_members_who_see_notes_may_export(app, client, auth):
    world = build(app)
    auth.login("olga@example.org")
    for path in ("project.qdpx", "codebook.qdc"):
        response = client.get(f"/studies/{world['study']}/exports/{path}")
        assert response.status_code == 404
    auth.logout()
    auth.login()
    response = client.get(f"/studies/{world['study']}/export/project.qdpx?audience=everyone")
    assert response.status_code == 422 and b"Choose team" in response.data


def test_flask_export_qdpx_writes_the_same_project(app, tmp_path):
    world = build(app)
    target = tmp_path / "out" / "study.qdpx"
    result = app.test_cli_runner().invoke(args=["export", "qdpx", str(world["study"]), str(target),
                                                "--audience", "outside"])
    assert result.exit_code == 0, result.output
    assert "Left out: 1 note: the participant did not consent to quotes" in result.output
    entries, project = unpack(target.read_bytes())
    assert project.get("name") == "Onboarding at mid-size accounts"
    missing = app.test_cli_runner().invoke(args=["export", "qdpx", "999", str(target)])
    assert missing.exit_code != 0 and "There is no study 999." in missing.output
