"""The demo board: insights with consented evidence, and the viewer can open it."""
from markupsafe import escape
from sqlalchemy import select

from fieldnotes.visits.consent import consent_problem, use_of
from fieldnotes.boards.models import Board, Evidence
from fieldnotes.demo import data
from fieldnotes.extensions import db
from fieldnotes.visits.models import Participant


def test_demo_has_a_board_with_consented_evidence_that_the_viewer_sees(app, client, auth):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        board = db.session.scalar(select(Board))
        assert len(board.items) == 5 and board.narrative
        evidence = db.session.scalars(select(Evidence)).all()
        assert {use_of(e.attachment) for e in evidence} >= {"quote", "photo"}
        for piece in evidence:
            participant = db.session.get(Participant, piece.observation.participant_id) \
                if piece.observation.participant_id else None
            assert consent_problem(use_of(piece.attachment), participant, piece.observation.no_person) is None
        url = f"/studies/{board.study_id}/boards/{board.id}"
        statements = [item.insight.statement for item in board.items]
        hidden = [p.pseudonym for p in db.session.scalars(select(Participant))]
        real_names = [p.real_name for p in db.session.scalars(select(Participant)) if p.real_name]
    auth.login(data.ACCOUNTS["viewer"]["email"], data.PASSWORD)
    page = client.get(url).text
    assert all(str(escape(s)) in page for s in statements)
    assert not any(name in page for name in real_names + hidden)
    assert client.get(f"{url}/present").status_code == 200
