"""A study whose notes test every export rule: awkward text, consent given and refused, a real name, media."""
from fieldnotes.boards.models import Board, BoardItem
from fieldnotes.extensions import db
from fieldnotes.studies.models import Role, Touchpoint
from tests.boards_world import make_insight, media_entry, png, verified_media
from tests.factories import make_observations, make_participant, make_study, make_user, make_visit

REAL_NAME = "Wilhelmina Quarrington-Bleake"   # the owner's record only; in no export, in no format
AWKWARD = 'He said "no, never", then\nleft; Müller’s list'
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"
NO_QUOTES = "The approvals queue lives in a shared inbox nobody owns"   # P2 refused quotes
NO_CONSENT = "Prints every invoice and files them twice"                  # P3 gave no consent at all


def build(app):
    """Returns ids: study, board, users by role, participants, notes by name."""
    with app.app_context():
        owner = make_user("ana@example.org", "Ana Owner")
        team = {role: make_user(f"{role}@example.org", f"{role.title()} Person")
                for role in ("researcher", "designer", "viewer", "outsider")}
        study = make_study(owner, researcher=team["researcher"], designer=team["designer"], viewer=team["viewer"])
        term = {m.name: m.id for model in (Touchpoint, Role)
                for m in db.session.query(model).filter_by(study_id=study.id)}
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        p1 = make_participant(study, [visit], pseudonym="P1", real_name=REAL_NAME, role_id=term["End user"])
        p2 = make_participant(study, [visit], pseudonym="P2", consent_quotes=False)
        p3 = make_participant(study, [visit], pseudonym="P3", consent_given=False)
        photo = png("export")
        common = {"visit_id": visit.id, "touchpoint_id": term["Use"]}
        notes = dict(zip(("awkward", "formula", "no_quotes", "no_consent", "nobody"), make_observations(study, owner, [
            {**common, "kind": "quote", "text": f"{AWKWARD} ({REAL_NAME} keeps it)", "participant_id": p1.id,
             "tags": ["paper", "invoices"], "expected": "-1 day to pay", "media": [media_entry(photo)],
             "captured_at": "2026-03-12T09:00:00+00:00"},
            {**common, "text": FORMULA, "participant_id": p1.id, "captured_at": "2026-03-12T10:00:00+00:00"},
            {**common, "text": NO_QUOTES, "participant_id": p2.id, "touchpoint_id": term["Purchase"],
             "captured_at": "2026-03-12T11:00:00+00:00"},
            {**common, "text": NO_CONSENT, "participant_id": p3.id, "captured_at": "2026-03-12T12:00:00+00:00"},
            {**common, "text": "The depot wall chart of late payers", "no_person": True,
             "captured_at": "2026-03-12T13:00:00+00:00"},
        ])))
        verified_media(notes["awkward"], content=photo)
        theme = make_insight(study, "Money waits on paper")
        make_insight(study, f"{REAL_NAME} re-keys everything", [notes["awkward"]], parent=theme)
        board = Board(study_id=study.id, title="For the review")
        db.session.add(board)
        db.session.flush()
        db.session.add(BoardItem(board_id=board.id, insight_id=theme.id))
        db.session.commit()
        return {"study": study.id, "board": board.id, "touchpoint": term["Use"], "p1": p1.id, "p3": p3.id,
                "notes": {name: str(note.id) for name, note in notes.items()},
                "photo": str(notes["awkward"].media[0].id)}
