"""The rows a push of new notes writes, checked against expectations built from what the phone sent.

The bulk path (sync/new_notes.py, observations/changes.write_new_notes) writes notes, revisions,
tag links, media and processed mutations without ORM objects: these tests pin every row and
value, and that the statements a push takes do not grow with the number of notes in it.
"""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import Attachment, ChangeStream, Observation, Revision, observation_tag
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.sync.models import ProcessedMutation
from tests.factories import make_participant, make_study, make_user, make_visit, note_mutation
from tests.statements import statements_during

DEVICE = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
CAPTURED = datetime(2026, 3, 12, 10, 15, tzinfo=UTC)


@pytest.fixture
def field(app, auth):
    """Ana's study with a visit, a participant and the tag "Paper"; she is signed in."""
    with app.app_context():
        study = make_study(make_user("ana@example.org", name="Ana"))
        visit = make_visit(study)
        participant = make_participant(study, visits=[visit])
        db.session.add(Tag(study_id=study.id, name="Paper"))
        db.session.commit()
        ids = {"study": study.id, "visit": visit.id, "participant": participant.id,
               "touchpoint": study.touchpoints[1].id, "role": study.roles[0].id,
               "author": db.session.scalar(select(User.id).where(User.email == "ana@example.org"))}
    auth.login()
    return ids


def push(client, mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": mutations})
    assert response.status_code == 200, response.json
    return response.json["results"]


def realistic(field, i, entity_id=None, **data):
    return note_mutation(field["study"], entity_id=entity_id, **{
        "kind": "quote", "text": f"Retypes invoice {i} from the PDF.", "touchpoint_id": field["touchpoint"],
        "role_id": field["role"], "participant_id": field["participant"], "visit_id": field["visit"],
        "captured_at": (CAPTURED + timedelta(minutes=i)).isoformat(), **data})


def test_every_row_of_a_push_of_new_notes_is_what_the_phone_sent(app, client, field):
    photo = {"id": str(uuid.uuid4()), "slot": "photo", "sha256": "c" * 64, "size": 10, "mime": "image/jpeg"}
    # Entity ids in sending order: the server writes a batch sorted by them (sync/push.py).
    sent = [realistic(field, 0, entity_id=str(uuid.UUID(int=1)), tags=["paper", "Waits for IT"], media=[photo]),
            realistic(field, 1, entity_id=str(uuid.UUID(int=2)), tags=["WAITS FOR it", "Paper", "paper"],
                      expected="One screen.", no_person=True),
            note_mutation(field["study"], entity_id=str(uuid.UUID(int=3)), text="Bare.",
                          captured_at="2031-01-01T00:00:00+00:00")]
    began = datetime.now(UTC)

    results = push(client, sent)

    assert [r["status"] for r in results] == ["applied"] * 3
    seqs = [r["seq"] for r in results]
    assert sorted(seqs) == list(range(min(seqs), min(seqs) + 3)) and {r["version"] for r in results} == {1}
    ids = [uuid.UUID(m["entity_id"]) for m in sent]
    with app.app_context():
        tags = {t.id: t.name for t in db.session.scalars(select(Tag).where(Tag.study_id == field["study"]))}
        assert sorted(tags.values()) == ["Paper", "Waits for IT"]  # one new tag, in its first spelling

        notes = {n.id: n for n in db.session.scalars(select(Observation))}
        assert set(notes) == set(ids)
        for mutation, note_id, seq in zip(sent, ids, seqs):
            note, data = notes[note_id], mutation["data"]
            assert (note.study_id, note.author_id, str(note.kind), note.text, note.expected) == (
                field["study"], field["author"], data["kind"], data["text"], data["expected"])
            assert (note.touchpoint_id, note.role_id, note.participant_id, note.visit_id) == (
                data["touchpoint_id"], data["role_id"], data["participant_id"], data["visit_id"])
            assert (note.version, note.seq, note.deleted_at) == (1, seq, None)
            assert note.created_by_device == uuid.UUID(DEVICE)
            assert note.no_person is data.get("no_person", False)
            assert note.captured_at.replace(tzinfo=UTC) == datetime.fromisoformat(data["captured_at"])
            assert note.received_at == note.updated_at
            assert began <= note.received_at.replace(tzinfo=UTC) <= datetime.now(UTC)
        assert [notes[i].client_time_suspect for i in ids] == [False, False, True]  # 2031: a wrong clock

        links = {(row.observation_id, tags[row.tag_id]) for row in db.session.execute(select(observation_tag))}
        assert links == {(ids[0], "Paper"), (ids[0], "Waits for IT"), (ids[1], "Paper"), (ids[1], "Waits for IT")}

        [media] = db.session.scalars(select(Attachment)).all()
        assert (str(media.id), media.observation_id, str(media.slot), media.sha256, media.size, media.mime) == (
            photo["id"], ids[0], "photo", photo["sha256"], 10, "image/jpeg")
        assert (media.offset, str(media.status)) == (0, "pending")

        revisions = {r.observation_id: r for r in db.session.scalars(select(Revision))}
        assert set(revisions) == set(ids)
        for mutation, note_id in zip(sent, ids):
            revision, data = revisions[note_id], mutation["data"]
            assert (revision.version, str(revision.kind), revision.author_id, revision.device_id) == (
                1, "edit", field["author"], uuid.UUID(DEVICE))
            expected = {key: data.get(key, False) for key in (
                "study_id", "kind", "text", "expected", "touchpoint_id", "role_id", "participant_id", "visit_id",
                "no_person", "tags", "media")}
            assert revision.data == {**expected, "captured_at": data["captured_at"]}

        processed = {p.mutation_id: p for p in db.session.scalars(select(ProcessedMutation))}
        for mutation, result in zip(sent, results):
            row = processed[uuid.UUID(mutation["mutation_id"])]
            assert (str(row.entity_id), row.user_id, row.counter_at, row.result) == (
                mutation["entity_id"], field["author"], result["seq"], result)


# What an array literal or a JSON document must escape: quotes, backslashes, braces, commas, NULL spelled out,
# line breaks, tabs, accents, right-to-left script, emoji (the bulk path carries them as one JSON document).
AWKWARD = ['She said "no", then {quietly} \\ left.', "NULL", "", "line one\nline two\ttabbed",
           "Zoë's café, 30 % off", "مرحبا بالعالم", "Printer jam again 🖨️🔥", '{"json": [1, 2]}', "back\\slash\\"]


def test_awkward_words_and_tags_are_stored_exactly_as_the_phone_sent_them(app, client, field):
    sent = [realistic(field, i, text=text or "(empty expected)", expected=text or None,
                      tags=[f"tag, {i}", 'quote " tag'] if i % 2 else ["{braces}", "NULL"])
            for i, text in enumerate(AWKWARD)]

    assert {r["status"] for r in push(client, sent)} == {"applied"}

    with app.app_context():
        notes = {str(n.id): n for n in db.session.scalars(select(Observation))}
        revisions = {str(r.observation_id): r.data for r in db.session.scalars(select(Revision))}
        for mutation in sent:
            note, data = notes[mutation["entity_id"]], mutation["data"]
            assert (note.text, note.expected) == (data["text"], data["expected"])
            assert revisions[mutation["entity_id"]]["text"] == data["text"]
            assert sorted(t.name for t in note.tags) == sorted(data["tags"])


def statements_of(app, client, mutations):
    with app.app_context():
        engine = db.engine
    statements = []
    count = lambda *args: statements.append(1)  # noqa: E731 (a listener that only counts)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert {r["status"] for r in push(client, mutations)} == {"applied"}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_a_push_takes_as_many_statements_for_200_new_notes_as_for_5(app, client, field):
    with app.app_context():
        other = make_study(db.session.get(User, field["author"]), name="Second study")
        touchpoints = list(db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == field["study"])))
        roles = list(db.session.scalars(select(Role.id).where(Role.study_id == field["study"])))
        other_id = other.id

    def batch(count, first):
        return [realistic(field, first + i, touchpoint_id=touchpoints[i % len(touchpoints)],
                          role_id=roles[i % len(roles)], tags=[f"Tag {i % 7}", "paper"]) for i in range(count)]

    statements_of(app, client, batch(7, 0))  # the first push makes the counter row and the tags: not measured
    small = statements_of(app, client, batch(5, 100))
    large = statements_of(app, client, batch(200, 200))
    assert large == small, (small, large)
    # and a batch naming two studies reads each one's ids once, not per note
    both = batch(100, 500) + [note_mutation(other_id, text=f"Other {i}") for i in range(100)]
    assert statements_of(app, client, both) <= small + 4


def test_a_phones_push_of_new_notes_writes_each_note_once_numbered_and_counted(app, client, field):
    """A push of only new notes (a phone's usual one) writes its rows in one statement that also takes the change
    number and adds the study's counts: no second write of a note to number it, no statement of its own for the
    counts. The numbers are those answered, in a row the next pull starts from, and the counts match a recount."""
    push(client, [realistic(field, 0)])  # the counter's row and the summaries' rows exist: not measured
    postgresql = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    sent = [realistic(field, i, tags=["Paper", "paper"]) for i in range(1, 6)]  # a tag the study has
    results = []
    writes = statements_during(app, lambda: results.extend(push(client, sent)),
                               lambda s: s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH", "DELETE")))

    assert [r["status"] for r in results] == ["applied"] * 5
    if postgresql:
        assert len(writes) == 1, writes
        assert "UPDATE observation" not in writes[0] and "UPDATE processed_mutation" not in writes[0]
    with app.app_context():
        seqs = {str(n.id): n.seq for n in db.session.scalars(select(Observation))}
        marks = {str(p.mutation_id): (p.counter_at, p.result["seq"]) for p in db.session.scalars(
            select(ProcessedMutation))}
        counter = db.session.scalar(select(ChangeStream.counter))
        assert summaries.stored(field["study"]) == summaries.recount(field["study"])
    assert [seqs[m["entity_id"]] for m in sent] == [r["seq"] for r in results]
    assert [marks[m["mutation_id"]] for m in sent] == [(r["seq"], r["seq"]) for r in results]
    assert sorted(r["seq"] for r in results) == list(range(counter - 4, counter + 1))
