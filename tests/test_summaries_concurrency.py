"""Counts kept on write stay right with writers in parallel: phones pushing new notes, racing edits
and deletes of the same notes, designers tagging and editing them, all at once; then a recount. And the filtered
counts a designer browsing meanwhile kept a while (explore/facet_cache.py) are then what counting the notes finds."""
import threading
import uuid

from sqlalchemy import select, text

from fieldnotes.explore import facet_cache, facets
from fieldnotes.extensions import db
from fieldnotes.observations import summaries, tags_on_row
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Role, Touchpoint
from tests.factories import PASSWORD, make_study, make_user, note_mutation
from tests.test_summaries import kept_a_while, photo, plain

WRITERS, NEW_NOTES, SHARED = 6, 24, 12


def signed_in_client(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 303
    return client


def writer(app, study, shared, number, failures):
    """A phone's pushes and a designer's edits, over notes every other writer is changing too."""
    client = signed_in_client(app)
    device = str(uuid.uuid4())
    tp, roles = study["touchpoints"], study["roles"]
    kinds = ["quote", "breakdown", "delight", "workaround"]
    new = [note_mutation(study["id"], kind=kinds[(number + i) % 4], touchpoint_id=tp[(number + i) % len(tp)],
                         role_id=roles[i % len(roles)], tags=[f"phone {number}", "shared"][: 1 + i % 2],
                         media=[photo()] if i % 3 == 0 else [])
           for i in range(NEW_NOTES)]
    racing = [note_mutation(study["id"], op="update", entity_id=note_id, base_version=1,
                            kind=kinds[number % 4], touchpoint_id=tp[number % len(tp)],
                            tags=[f"phone {number}"]) for note_id in shared]
    steps = [("push", new[:12]), ("push", racing[:6]), ("bulk", "add-tag"), ("push", new[12:]),
             ("edit", shared[number % SHARED]), ("push", racing[6:]), ("bulk", "remove-tag"),
             ("push", [note_mutation(study["id"], op="delete", entity_id=shared[(number * 5) % SHARED],
                                     base_version=2)])]
    for action, what in steps:
        if action == "push":
            response = client.post("/api/sync/push", json={"device_id": device, "mutations": what})
        elif action == "bulk":
            response = client.post(f"/studies/{study['id']}/notes/bulk", data={
                "note_ids": shared, "action": what, "tag": "shared"})
        else:
            version = version_of(app, what)
            response = client.post(f"/studies/{study['id']}/notes/{what}/edit", data={
                "kind": "idea", "touchpoint_id": "", "role_id": str(roles[0]), "base_version": str(version)})
        if response.status_code >= 500 or (action == "push" and response.status_code != 200):
            failures.append((action, response.status_code, response.get_data(as_text=True)[:300]))


def browser(app, study_id, done, failures):
    """A designer browsing filtered pages while the others write: each view keeps its counts a while."""
    client = signed_in_client(app)
    with app.app_context():
        queries = [f.params() for f in kept_a_while(study_id)]
    while not done.is_set():
        for query in queries:
            response = client.get(f"/studies/{study_id}/notes", query_string=query)
            if response.status_code != 200:
                failures.append(("browse", response.status_code, response.get_data(as_text=True)[:300]))


def while_browsing(app, study_id, failures, threads):
    """Run `threads` to their end while a designer browses the study (browser), then stop browsing."""
    done = threading.Event()
    reading = threading.Thread(target=browser, args=(app, study_id, done, failures))
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reading.join()


def assert_kept_a_while_right(app, study_id):
    with app.app_context():
        dialect = db.engine.dialect.name
        for filters in kept_a_while(study_id):
            assert plain(facets.counted(filters, dialect)) == plain(facets.matched_counts(
                filters, dialect, facets.organisations(study_id))), filters
        db.session.remove()


def version_of(app, note_id):
    with app.app_context():
        version = db.session.scalar(select(Observation.version).where(Observation.id == uuid.UUID(note_id)))
        db.session.remove()
        return version


def test_parallel_writers_leave_counts_a_recount_finds(app):
    with app.app_context():
        study = make_study(make_user("ana@example.org", name="Ana"))
        world = {"id": study.id,
                 "touchpoints": db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study.id)).all(),
                 "roles": db.session.scalars(select(Role.id).where(Role.study_id == study.id)).all()}
    client = signed_in_client(app)
    shared = [note_mutation(world["id"], kind="observation", tags=["shared"]) for _ in range(SHARED)]
    response = client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": shared})
    assert {r["status"] for r in response.json["results"]} == {"applied"}
    shared_ids = [m["entity_id"] for m in shared]

    failures = []
    writers = [threading.Thread(target=writer, args=(app, world, shared_ids, n, failures)) for n in range(WRITERS)]
    while_browsing(app, world["id"], failures, writers)
    assert failures == []
    assert_kept_a_while_right(app, world["id"])
    with app.app_context():
        stored, recounted = summaries.stored(world["id"]), summaries.recount(world["id"])
        assert stored == recounted
        if db.engine.dialect.name == "postgresql":  # two writers' tags on one note: both on its row
            assert db.session.scalars(text(tags_on_row.DIFFERING)).all() == []
        notes = sum(n for n, _, _ in stored[0].values())
        assert notes == db.session.scalar(select(db.func.count()).select_from(Observation).where(
            Observation.study_id == world["id"], Observation.deleted_at.is_(None)))
        assert notes >= WRITERS * NEW_NOTES  # every phone's new notes are there, and counted
        assert stored[1].get((world["id"], "attention", ""), 0) > 0  # racing edits lost, kept as conflicts


def test_counts_kept_a_while_stay_right_while_phones_push_new_notes(app, monkeypatch):
    """A field day: phones push new notes while a designer browses searches and filters. Each view after a push
    counts only the notes written since and adds them; at the end, the counts are what counting the notes finds."""
    with app.app_context():
        study = make_study(make_user("ana@example.org", name="Ana"))
        world = {"id": study.id,
                 "touchpoints": db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study.id)).all(),
                 "roles": db.session.scalars(select(Role.id).where(Role.study_id == study.id)).all()}
    brought_up_to_date = []
    adding = facet_cache.added
    monkeypatch.setattr(facet_cache, "added", lambda *a: brought_up_to_date.append(1) or adding(*a))

    def phone(number, batches=4):
        client, device = signed_in_client(app), str(uuid.uuid4())
        for batch in range(batches):
            notes = [note_mutation(world["id"], kind=["quote", "breakdown", "idea"][(number + i) % 3],
                                   text=f"Invoice queue note {batch}-{i}",
                                   tags=[f"phone {number}", "shared"][: 1 + i % 2]) for i in range(6)]
            response = client.post("/api/sync/push", json={"device_id": device, "mutations": notes})
            if response.status_code != 200:
                failures.append(("push", response.status_code))

    failures = []
    while_browsing(app, world["id"], failures, [threading.Thread(target=phone, args=(n,)) for n in range(WRITERS)])
    phone(WRITERS, batches=1)  # and one more push: the counts kept meanwhile are brought up to date below
    assert failures == []
    assert_kept_a_while_right(app, world["id"])
    assert brought_up_to_date  # counting only the newer notes, from counts kept while the phones pushed
