"""A study ready for a workshop: an owner (the facilitator), a designer, three researchers, a viewer,
an outsider; two visits with consenting participants, and one participant who gave no consent to quotes."""
from fieldnotes.extensions import db
from fieldnotes.studies.models import Role
from tests.boards_world import media_entry, png, verified_media
from tests.factories import PASSWORD, make_observations, make_participant, make_study, make_user, make_visit

PEOPLE = {"owner": "Olu Owner", "designer": "Dee Designer", "sam": "Sam Researcher", "kim": "Kim Researcher",
          "lee": "Lee Researcher", "viewer": "Vic Viewer", "outsider": "Oz Outsider"}
REAL_NAME = "Wilhelmina Quarrington-Bleake"


def email(who):
    return f"{who}@example.org"


def build(app):
    """Returns {"study": id, "users": {who: id}, "notes": {name: id}, "visits": [ids], "participants": {...}}."""
    with app.app_context():
        users = {who: make_user(email(who), name) for who, name in PEOPLE.items()}
        study = make_study(users["owner"], designer=users["designer"], viewer=users["viewer"],
                           researcher=[users["sam"], users["kim"], users["lee"]])
        roles = {r.name: r.id for r in db.session.query(Role).filter_by(study_id=study.id)}
        first, second = make_visit(study), make_visit(study, organisation="Brightwater Freight")
        ada = make_participant(study, [first], pseudonym="P1 Ada", role_id=roles["End user"])
        shy = make_participant(study, [second], pseudonym="P2 Shy", real_name=REAL_NAME, consent_quotes=False,
                               consent_photos=False, role_id=roles["CIO"],
                               organisation="Brightwater Freight")
        photo = png(7)
        specs = [("paper", first, ada, "Keeps a paper list of overdue invoices beside the keyboard.", []),
                 ("retype", first, ada, f"Retypes every order twice; {REAL_NAME} checks them.", []),
                 ("export", first, ada, "Exports to a spreadsheet to find late payers.", [media_entry(photo)]),
                 ("phone", first, ada, "Phones the depot to ask where a lorry is.", []),
                 ("secret", second, shy, "Says the dashboard is useless for planning.", [media_entry(png(8))]),
                 ("sticky", second, shy, "Sticky notes on the monitor hold passwords.", [])]
        notes = make_observations(study, users["sam"], [
            {"text": text, "visit_id": visit.id, "participant_id": person.id, "media": media,
             "captured_at": f"2026-03-12T10:{10 + index:02d}:00+00:00"}
            for index, (_name, visit, person, text, media) in enumerate(specs)])
        for note, (_name, _visit, _person, _text, media) in zip(notes, specs):
            if media:
                verified_media(note, content=photo)
        return {"study": study.id, "users": {who: u.id for who, u in users.items()},
                "notes": {spec[0]: str(note.id) for spec, note in zip(specs, notes)},
                "visits": [first.id, second.id], "participants": {"ada": ada.id, "shy": shy.id}}


def sign_in(app, who):
    client = app.test_client()
    response = client.post("/login", data={"email": email(who), "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client
