"""Two people saving the same tag or touchpoint name at once, in the same or other letters: one row
is kept; a form that loses gets a clear 422, never a 500, and a phone that loses gets the winner's row."""
import re
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from fieldnotes.errors import Refused
from fieldnotes.explore import tagging
from fieldnotes.extensions import db
from fieldnotes.observations.service import tag_named
from fieldnotes.studies import service
from fieldnotes.studies.models import Role, Study, Tag, Touchpoint
from tests.factories import make_study, make_user


@pytest.fixture
def study_id(app, auth):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    auth.login()
    return study_id


@pytest.fixture
def check_passes(monkeypatch):
    """The moment of the race: the name was free when checked, and is taken when written."""
    monkeypatch.setattr(service, "term_named", lambda *args, **kwargs: None)


def count(app, model, name):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(model.name == name))


def test_a_tag_saved_twice_at_once_is_refused_the_second_time(app, client, study_id, check_passes):
    assert client.post(f"/studies/{study_id}/tags", data={"name": "re-keying"}).status_code == 303
    response = client.post(f"/studies/{study_id}/tags", data={"name": "re-keying"})
    assert response.status_code == 422
    assert "The tag “re-keying” already exists." in response.text
    assert count(app, Tag, "re-keying") == 1


def test_a_touchpoint_added_twice_at_once_is_refused_the_second_time(app, client, study_id, check_passes):
    response = client.post(f"/studies/{study_id}/touchpoints", data={"name": "Research"})
    assert response.status_code == 422
    assert "There is already one called “Research”." in response.text
    assert count(app, Touchpoint, "Research") == 1


# Many writers at once, each naming the same thing in other letters. The barrier holds every writer
# just before its INSERT, after its "is it there yet?" read: the moment of the race, for all of them.
RACERS = 6
BILLING = ["billing", "Billing", "BILLING", "bILLING", "BiLLiNG", "billinG"]


@contextmanager
def all_at_the_insert(app, table, racers=RACERS):
    """Every racer's first INSERT INTO `table` waits until all racers are at theirs."""
    barrier, waited = threading.Barrier(racers, timeout=60), threading.local()  # the timeout only ends a hang
    into = re.compile(rf'\s*INSERT INTO "?{table}"? ', re.IGNORECASE)

    def hold(conn, cursor, statement, parameters, context, executemany):
        if into.match(statement) and not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def race(app, study_id, write, names):
    """Run write(study, name) for each name in its own thread and transaction; their outcomes, in order."""
    outcomes = [None] * len(names)

    def writer(i, name):
        with app.app_context():
            try:
                made = write(db.session.get(Study, study_id), name)
                db.session.commit()
                outcomes[i] = ("saved", made.id)
            except Refused as refusal:
                db.session.rollback()
                outcomes[i] = ("refused", refusal.description)
            except Exception as error:  # reported, so a 500 shows as a failed assertion, not a hang
                db.session.rollback()
                outcomes[i] = ("error", repr(error))

    threads = [threading.Thread(target=writer, args=(i, name)) for i, name in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def rows(app, model, study_id):
    with app.app_context():
        return db.session.execute(select(model.id, model.name).where(model.study_id == study_id)).all()


def test_phones_naming_one_tag_in_other_letters_at_once_share_one_tag(app, study_id):
    """Sync and the bulk form take the existing tag (insert-or-nothing, then read): all end on one row."""
    with all_at_the_insert(app, "tag"):
        outcomes = race(app, study_id, lambda study, name: tag_named(study.id, name), BILLING)
    [(tag_id, _)] = rows(app, Tag, study_id)
    assert outcomes == [("saved", tag_id)] * RACERS


def test_a_tag_added_in_other_letters_on_many_forms_at_once_is_added_once(app, study_id):
    with all_at_the_insert(app, "tag"):
        outcomes = race(app, study_id, service.add_tag, BILLING)
    [(tag_id, name)] = rows(app, Tag, study_id)
    assert sorted(outcomes) == [("refused", f"The tag “{n}” already exists.") for n in sorted(BILLING)
                                if n != name] + [("saved", tag_id)]


@pytest.mark.parametrize("model", [Touchpoint, Role])
def test_a_term_added_in_other_letters_at_once_is_added_once(app, study_id, model):
    before = rows(app, model, study_id)
    names = ["Field service", "FIELD SERVICE", "field service", "Field Service"]
    with all_at_the_insert(app, model.__tablename__, racers=len(names)):
        outcomes = race(app, study_id, lambda study, name: service.add_term(model, study, name), names)
    added = [row for row in rows(app, model, study_id) if row not in before]
    assert [name for _, name in added] in [[n] for n in names]
    assert sorted(o[0] for o in outcomes) == ["refused"] * (len(names) - 1) + ["saved"]


def test_a_tag_renamed_onto_one_just_saved_in_other_letters_is_refused(app, client, study_id, monkeypatch):
    """The rename checked before "Écran" was saved: the database's key decides, and the form says so."""
    for name in ("Écran", "Screen"):
        assert client.post(f"/studies/{study_id}/tags", data={"name": name}).status_code == 303
    with app.app_context():
        screen = db.session.scalar(select(Tag.id).where(Tag.study_id == study_id, Tag.name == "Screen"))
    monkeypatch.setattr(tagging, "find_tag", lambda *args: None)
    response = client.post(f"/studies/{study_id}/tags/{screen}/rename", data={"name": "ÉCRAN"})
    assert response.status_code == 422
    assert "There is already a tag “ÉCRAN”: merge “Screen” into it instead." in response.text
    assert [name for _, name in sorted(rows(app, Tag, study_id))] == ["Écran", "Screen"]
