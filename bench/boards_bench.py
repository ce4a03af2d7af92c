"""A 20-insight board page (issue 5): server time through Flask's test client, on SQLite or PostgreSQL.

    .venv/bin/python bench/boards_bench.py                   # SQLite file in a temp dir
    .venv/bin/python bench/boards_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_boards_bench

The PostgreSQL database must exist; its tables are dropped and made again. The study has
INSIGHTS insights (20) of NOTES_EACH notes (25) from 12 participants at 3 organisations, every
note with a verified photo; the board holds all of them, each with 2 quotes and 1 photo picked,
and 40 reactions. Each figure is p50/p95 in ms over RUNS requests after warm-ups.
"""
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.boards.builder import token_digest  # noqa: E402
from fieldnotes.boards.models import Board, BoardItem, Evidence, Reaction, ReactionKind, ShareLink  # noqa: E402
from fieldnotes.auth.models import utcnow  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import MediaStatus  # noqa: E402
from tests.boards_world import make_insight, media_entry, png  # noqa: E402
from tests.factories import (PASSWORD, make_observations, make_participant, make_study,  # noqa: E402
                             make_user, make_visit)

INSIGHTS = int(os.environ.get("BENCH_INSIGHTS", 20))
NOTES_EACH = int(os.environ.get("BENCH_NOTES_EACH", 25))
RUNS = int(os.environ.get("BENCH_RUNS", 50))


def timed(fn, runs=RUNS, warm=3):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def seed():
    owner = make_user("owner@example.org", "Olu Owner")
    study = make_study(owner)
    touchpoints, roles = [t.id for t in study.touchpoints], [r.id for r in study.roles]
    visits = [make_visit(study, organisation=f"Organisation {i}") for i in range(3)]
    people = [make_participant(study, [visits[i % 3]], pseudonym=f"P{i}", role_id=roles[i % len(roles)],
                               organisation=visits[i % 3].organisation) for i in range(12)]
    photo = png("bench")
    made = []
    for i in range(INSIGHTS):
        notes = make_observations(study, owner, [
            {"kind": "quote", "text": f"Insight {i}, note {n}: I re-key every order into the sheet.",
             "participant_id": people[(i + n) % 12].id, "visit_id": visits[(i + n) % 3].id,
             "touchpoint_id": touchpoints[(i + n) % len(touchpoints)], "role_id": roles[(i + n) % len(roles)],
             "media": [media_entry(photo)]} for n in range(NOTES_EACH)])
        for note in notes:
            for attachment in note.media:
                attachment.status, attachment.offset = MediaStatus.VERIFIED, attachment.size
        made.append((make_insight(study, f"Insight {i}: I do the same work twice.", notes, position=i), notes))
    # After the notes: a push batch manages its own transaction.
    board = Board(study_id=study.id, title="Twenty insights", narrative="For the benchmark.", created_by=owner.id)
    db.session.add(board)
    db.session.flush()
    for i, (insight, notes) in enumerate(made):
        item = BoardItem(insight_id=insight.id, position=i + 1)
        board.items.append(item)
        item.evidence = [Evidence(observation_id=notes[0].id, position=1),
                         Evidence(observation_id=notes[1].id, position=2),
                         Evidence(observation_id=notes[2].id, attachment_id=notes[2].media[0].id, position=3)]
        for r in range(2):
            db.session.add(Reaction(board_id=board.id, insight_id=insight.id, user_id=owner.id, visitor_key="user:1",
                                    kind=ReactionKind.AGREE, comment="Seen it too." if r else ""))
    token = "bench-" + uuid.uuid4().hex
    db.session.add(ShareLink(board=board, token_hash=token_digest(token), created_by=owner.id,
                             expires_at=utcnow().replace(year=utcnow().year + 1)))
    db.session.commit()
    return study.id, board.id, token


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        study_id, board_id, token = seed()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": "owner@example.org", "password": PASSWORD}).status_code == 303
    base = f"/studies/{study_id}/boards/{board_id}"
    page = client.get(base).text
    assert page.count('class="board-insight"') == INSIGHTS and page.count("<img") == INSIGHTS
    figures = {"board page": timed(lambda: client.get(base)),
               "board page, board order": timed(lambda: client.get(f"{base}?order=board")),
               "presentation": timed(lambda: client.get(f"{base}/present")),
               "builder (with reactions)": timed(lambda: client.get(f"{base}/edit")),
               "share page (no account)": timed(lambda: app.test_client().get(f"/share/{token}"))}
    dialect = url.split(":")[0].split("+")[0]
    print(f"{dialect}: {INSIGHTS} insights x {NOTES_EACH} notes, 3 pieces of evidence each, {RUNS} runs")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
