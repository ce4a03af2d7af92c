"""Highlights in the exports: CSV, XLSX and JSON rows say a note is a highlight and of which note; a
REFI-QDA project holds each as a coded selection of its source's text, valid against Project.xsd."""
import json
import re


from fieldnotes.extensions import db
from fieldnotes.highlights.service import make_highlight
from fieldnotes.observations.models import Kind, Observation
from fieldnotes.studies.models import Touchpoint
from tests.export_files import csv_rows
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit
from tests.test_exports_tabular import SCHEMA, conforms
from tests.test_qdpx import NS, REAL_NAME, codes_by_name, coded_with, download, source_named, unpack

LONG = f"Met at the depot. {REAL_NAME} said: I re-key every order into the fuel sheet. Then we walked the yard."
SPAN = "I re-key every order into the fuel sheet."
P1_LONG = "Started late. The paper tray is the real inbox, she said. We left at four."


def build(app):
    """P1 consents to everything, P2 to nothing but notes; each has a long note with a highlight."""
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana Field")
        study = make_study(ana)
        visit = make_visit(study)
        p1 = make_participant(study, [visit], pseudonym="P1")
        p2 = make_participant(study, [visit], pseudonym="P2", real_name=REAL_NAME, consent_quotes=False)
        support = db.session.query(Touchpoint).filter_by(study_id=study.id, name="Support").one().id
        source = make_observation(study, ana, text=LONG, participant_id=p2.id, visit_id=visit.id)
        p1_source = make_observation(study, ana, text=P1_LONG, participant_id=p1.id, visit_id=visit.id)
        fields = {"kind": Kind.QUOTE, "touchpoint_id": support, "role_id": None, "tags": ["paper"]}
        start = LONG.index(SPAN)
        refused = make_highlight(source, start, start + len(SPAN), fields, ana.id, from_form=False)
        words = "The paper tray is the real inbox"
        start = P1_LONG.index(words)
        kept = make_highlight(p1_source, start, start + len(words), fields, ana.id, from_form=False)
        db.session.commit()
        return {"study": study.id, "source": source.id, "p1_source": p1_source.id,
                "refused": refused.observation_id, "kept": kept.observation_id}


def export(client, world, fmt, audience="team"):
    response = client.get(f"/studies/{world['study']}/export/download?format={fmt}&audience={audience}")
    assert response.status_code == 200
    data = response.get_data()
    response.close()
    return data


def test_csv_and_json_rows_say_which_note_a_highlight_is_of_and_where(app, client, auth):
    world = build(app)
    auth.login()
    rows = csv_rows(export(client, world, "csv"))
    header, body = rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]
    at = header.index("Highlight of")  # after the note's own columns, before the account's
    assert header[at:at + 3] == ["Highlight of", "Highlight characters", "Highlight audio (ms)"]
    assert header.index("Note id") < at
    by_id = {row["Note id"]: row for row in body}
    highlight = by_id[str(world["kept"])]
    start = P1_LONG.index("The paper tray")
    assert (highlight["Highlight of"], highlight["Highlight characters"], highlight["Highlight audio (ms)"]) == (
        str(world["p1_source"]), f"{start}-{start + len('The paper tray is the real inbox')}", "")
    assert highlight["Text"] == "The paper tray is the real inbox"
    assert (by_id[str(world["p1_source"])]["Highlight of"], by_id[str(world["p1_source"])]["Highlight characters"]) == ("", "")
    document = json.loads(export(client, world, "json"))
    conforms(document, SCHEMA)
    pattern = SCHEMA["properties"]["notes"]["items"]["properties"]["highlight_span"]["pattern"]
    assert all(re.fullmatch(pattern, note["highlight_span"]) for note in document["notes"])
    notes = {note["id"]: note for note in document["notes"]}
    assert notes[str(world["refused"])]["highlight_of"] == str(world["source"])
    # Outside the team P2's words go nowhere: neither the long note nor its highlight.
    outside = json.loads(export(client, world, "json", "outside"))
    assert {note["id"] for note in outside["notes"]} == {str(world["p1_source"]), str(world["kept"])}


def test_a_stale_highlight_says_so_in_its_row(app, client, auth):
    world = build(app)
    with app.app_context():
        source = db.session.get(Observation, world["p1_source"])
        source.text = "Started late. The tray is the inbox, she said."
        db.session.commit()
    auth.login()
    rows = csv_rows(export(client, world, "csv"))
    row = [dict(zip(rows[0], r)) for r in rows[1:] if r[rows[0].index("Note id")] == str(world["kept"])][0]
    assert row["Highlight characters"].endswith("(source edited since)")


def test_the_project_holds_each_highlight_as_a_coded_selection_of_its_source(app, client, auth):
    world = build(app)
    auth.login()
    entries, project = unpack(download(client, world["study"]))
    codes = codes_by_name(project)
    source = source_named(project, "TextSource", world["source"])
    words = entries[f"sources/{source.get('guid')}.txt"].decode()
    assert REAL_NAME not in words  # masked, and the span's offsets are in the masked words
    whole, span = source.findall("q:PlainTextSelection", NS)
    assert (whole.get("startPosition"), whole.get("endPosition")) == ("0", str(len(words)))
    assert words[int(span.get("startPosition")):int(span.get("endPosition"))] == SPAN
    assert coded_with(span) == {codes["Quote"], codes["Support"], codes["paper"]}
    # A highlight is a selection, not a second copy of the words as a source of its own.
    names = " ".join(s.get("name") for s in project.find("q:Sources", NS))
    assert str(world["refused"])[:8] not in names and str(world["kept"])[:8] not in names
    assert len(list(project.iterfind("q:Sources/q:TextSource", NS))) == 2


def test_outside_the_team_a_refused_source_takes_its_highlight_with_it(app, client, auth):
    world = build(app)
    auth.login()
    entries, project = unpack(download(client, world["study"], "outside"))
    names = " ".join(s.get("name") for s in project.find("q:Sources", NS))
    assert str(world["source"])[:8] not in names and str(world["refused"])[:8] not in names
    assert b"re-key every order" not in b"".join(entries.values())
    kept = source_named(project, "TextSource", world["p1_source"])
    assert len(kept.findall("q:PlainTextSelection", NS)) == 2
    assert "2 notes: the participant did not consent to quotes" in project.findtext("q:Description", namespaces=NS)


def test_a_highlight_whose_source_lost_its_words_is_a_source_of_its_own(app, client, auth):
    world = build(app)
    with app.app_context():
        db.session.get(Observation, world["p1_source"]).text = "Rewritten entirely."
        db.session.commit()
    auth.login()
    entries, project = unpack(download(client, world["study"]))
    own = source_named(project, "TextSource", world["kept"])
    assert entries[f"sources/{own.get('guid')}.txt"].decode() == "The paper tray is the real inbox"
