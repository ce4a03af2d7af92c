"""An erasure survives going back in time: a backup taken before it, restored, does not bring the person back.

Each test does what a team and an operator do: erase on the participant's page, then `flask restore` (or a
restore by hand and the next daily `flask housekeeping`), and looks where the person could reappear.
"""
import json

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import Participant
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user
from tests.restore_support import by_hand_backup, by_hand_restore, run_command

REAL_NAME = "Wilhelmina Quarrington-Bleake"
WORDS = "Wilhelmina keeps a paper tray of invoices waiting for a signature."


def team_with_participant(app):
    """An owner, a participant with a real name, and a note in their words; returns their ids."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner)
        person = make_participant(study, pseudonym="P7 Wilhelmina", real_name=REAL_NAME, consent_given=True,
                                  consent_notes=True, consent_quotes=True)
        note = make_observation(study, owner, text=WORDS, participant_id=person.id)
        return {"study": study.id, "participant": person.id, "note": note.id}


def erase_on_the_page(client, world, notes="keep"):
    client.post("/login", data={"email": "owner@example.org", "password": PASSWORD})
    response = client.post(f"/studies/{world['study']}/participants/{world['participant']}/erase",
                           data={"confirm": "erase", "notes": notes})
    assert response.status_code == 303, response.text
    return response


def participants_page(client, world):
    client.post("/login", data={"email": "owner@example.org", "password": PASSWORD})  # a restore may end sessions
    return client.get(f"/studies/{world['study']}/participants").text


def note_text(app, world):
    with app.app_context():
        note = db.session.get(Observation, world["note"])
        return None if note is None or note.deleted_at is not None else note.text


def test_flask_restore_of_a_backup_older_than_an_erasure_erases_them_again(app, client, tmp_path):
    world = team_with_participant(app)
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    erase_on_the_page(client, world, notes="keep")
    assert "P7 Wilhelmina" not in participants_page(client, world)

    result = run_command(app, "restore", str(tmp_path / "nightly"), "--yes")

    assert result.exit_code == 0, result.output
    assert "Erased again 1 participant whom the backup held" in result.output
    page = participants_page(client, world)
    assert "P7 Wilhelmina" not in page and REAL_NAME not in page
    with app.app_context():
        assert db.session.get(Participant, world["participant"]) is None
    assert note_text(app, world) is not None and "Wilhelmina" not in note_text(app, world)  # kept, without them
    search = client.get(f"/studies/{world['study']}/notes", query_string={"q": "Wilhelmina"})
    assert search.status_code == 200 and "paper tray" not in search.text


def test_the_teams_choice_to_delete_their_notes_holds_after_a_restore(app, client, tmp_path):
    world = team_with_participant(app)
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    erase_on_the_page(client, world, notes="delete")

    assert run_command(app, "restore", str(tmp_path / "nightly"), "--yes").exit_code == 0

    assert note_text(app, world) is None


def test_a_restore_by_hand_is_caught_by_the_next_housekeeping(app, client, tmp_path):
    world = team_with_participant(app)
    by_hand_backup(app, tmp_path / "copy.db")
    erase_on_the_page(client, world)
    by_hand_restore(app, tmp_path / "copy.db")
    assert "P7 Wilhelmina" in participants_page(client, world)  # back, until the daily sweep

    result = run_command(app, "housekeeping")

    assert "erased participants a restore brought back: 1" in result.output
    assert "P7 Wilhelmina" not in participants_page(client, world)
    assert "Wilhelmina" not in note_text(app, world)
    assert "erased participants a restore brought back: 0" in run_command(app, "housekeeping").output


def test_a_new_participant_who_got_an_erased_ones_id_back_is_never_touched(app, client, tmp_path):
    with app.app_context():
        study = make_study(make_user("owner@example.org", "Olu Owner"))
        study_id = study.id
    by_hand_backup(app, tmp_path / "before-them.db")  # before the participant existed
    with app.app_context():
        erased_id = make_participant(db.session.get(Study, study_id), pseudonym="P7 Wilhelmina").id
    erase_on_the_page(client, {"study": study_id, "participant": erased_id})
    by_hand_restore(app, tmp_path / "before-them.db")
    with app.app_context():  # the database hands the free id out again, to someone else
        newcomer = make_participant(db.session.get(Study, study_id), pseudonym="P7 Nadia", real_name="Nadia Okafor")
        assert newcomer.id == erased_id

    result = run_command(app, "housekeeping")

    assert "erased participants a restore brought back: 0" in result.output
    assert "P7 Nadia" in participants_page(client, {"study": study_id})
    [line] = (tmp_path / "erasures.jsonl").read_text().splitlines()
    assert json.loads(line)["participant_id"] == erased_id


def test_the_ledger_names_nobody_and_a_backup_carries_it_to_a_rebuilt_server(app, client, tmp_path):
    world = team_with_participant(app)
    erase_on_the_page(client, world)
    assert run_command(app, "backup", str(tmp_path / "after")).exit_code == 0
    ledger = (tmp_path / "erasures.jsonl").read_text()
    assert "Wilhelmina" not in ledger and "P7" not in ledger and REAL_NAME not in ledger
    assert (tmp_path / "after" / "erasures.jsonl").read_text() == ledger

    (tmp_path / "erasures.jsonl").unlink()  # a server rebuilt from its backups alone
    assert run_command(app, "restore", str(tmp_path / "after"), "--yes").exit_code == 0

    assert (tmp_path / "erasures.jsonl").read_text() == ledger


def test_a_torn_last_line_is_skipped_and_the_rest_still_erase(app, client, tmp_path):
    world = team_with_participant(app)
    by_hand_backup(app, tmp_path / "copy.db")
    erase_on_the_page(client, world)
    with open(tmp_path / "erasures.jsonl", "a") as ledger:
        ledger.write('{"study_id": 1, "partic')  # the power went mid-append
    by_hand_restore(app, tmp_path / "copy.db")

    result = run_command(app, "housekeeping")

    assert "erased participants a restore brought back: 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(Participant).where(Participant.id == world["participant"])) is None
