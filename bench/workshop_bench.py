"""A workshop's moves and screens at the size of a real session: 600 notes, 30 phones (issue 16).

    .venv/bin/python bench/workshop_bench.py                  # SQLite file in a temp dir
    .venv/bin/python bench/workshop_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_workshops_bench

The PostgreSQL database must exist; its tables are dropped and made again. The notes come from
`flask seed-demo --notes 600` (texts from the demo sentence bank); 30 researchers join and are dealt
20 cards each, and 8 groups start the wall. Figures, p50 / p95 in ms:
- place, service: `service.place` + commit (the ORM path a phone's POST takes, without HTTP);
- place, DB-API floor: the same three writes (the workshop's number, the card, the move's row) in one
  transaction through plain sqlite3 / psycopg, with no ORM and no checks;
- POST …/cards: a phone's whole move through the test client (sign-in, checks, move, the answer with
  the phone's screen drawn);
- feed, phone / wall: GET …/feed?since=n-1 after a move (what every screen asks when poked), with
  the wall half full (300 cards) and full (600): the phone's (names and counts) and the TV's (every
  card's face, consent applied);
- wall floor: one plain SELECT of the placed cards with their notes' text (DB-API), what any wall
  must read at least.
"""
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.studies.models import Membership  # noqa: E402
from fieldnotes.studies.permissions import StudyRole  # noqa: E402
from fieldnotes.workshops import service  # noqa: E402
from fieldnotes.workshops.models import Card, Deal  # noqa: E402
from tests.factories import PASSWORD, make_user  # noqa: E402

NOTES, PHONES, GROUPS = 600, 30, 8
RUNS = int(os.environ.get("BENCH_RUNS", 60))


def percentiles(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def set_up(app):
    with app.app_context():
        study = large.find_large_study(NOTES)
        owner_id = study.memberships[0].user_id
        phones = []
        for index in range(PHONES):
            user = make_user(f"phone{index}@example.org", f"Phone {index}")
            db.session.add(Membership(study_id=study.id, user_id=user.id, role=StudyRole.RESEARCHER))
            phones.append(user.id)
        db.session.commit()
        notes = list(db.session.scalars(text("SELECT id FROM observation WHERE study_id = :s ORDER BY captured_at, id"),
                                        {"s": study.id}))
        notes = [n if isinstance(n, uuid.UUID) else uuid.UUID(str(n)) for n in notes]
        workshop = service.start(study.id, owner_id, "Bench", Deal.EVENLY, notes[:NOTES], {})
        for user_id in phones:
            service.join(workshop, user_id)
        service.deal(workshop, owner_id)
        db.session.commit()
        groups = []
        for user_id in phones[:GROUPS]:
            groups.append(service.place(workshop, user_id, next_card(workshop.id, user_id))[1].id)
        db.session.commit()
        return study.id, workshop.id, phones, groups


def next_card(workshop_id, user_id):
    return db.session.scalar(select(Card.observation_id).where(
        Card.workshop_id == workshop_id, Card.holder_id == user_id, Card.group_id.is_(None))
        .order_by(Card.position).limit(1))


def place_by_service(app, workshop_id, phones, groups, runs):
    times = []
    with app.app_context():
        study_id = study_of(workshop_id)
        for turn in range(runs):
            user_id = phones[turn % len(phones)]
            db.session.expunge_all()
            card = next_card(workshop_id, user_id)
            start = time.perf_counter()
            workshop = service.workshop_in(study_id, workshop_id)
            service.place(workshop, user_id, card, groups[turn % len(groups)])
            db.session.commit()
            times.append((time.perf_counter() - start) * 1000)
    return times


def study_of(workshop_id):
    return db.session.scalar(text("SELECT study_id FROM workshop WHERE id = :w"), {"w": workshop_id})


FLOOR_SQL = {
    "seq": "UPDATE workshop SET seq = seq + 1 WHERE id = {p} RETURNING seq",
    "card": ("UPDATE workshop_card SET group_id = {p}, holder_id = NULL, position = {p}, version = version + 1, "
             "moved_by = {p} WHERE workshop_id = {p} AND observation_id = {p}"),
    "move": ("INSERT INTO workshop_move (workshop_id, seq, user_id, kind, observation_id, data, at) "
             "VALUES ({p}, {p}, {p}, 'place', {p}, '{{}}', CURRENT_TIMESTAMP)"),
}


def floor_connection(url):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sqlite3.connect(parsed.database, isolation_level=None), "?", lambda u: u.hex
    import psycopg
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn), "%s", lambda u: u


def place_by_dbapi(url, app, workshop_id, phones, groups, runs):
    """The same writes as a move, in plain SQL: the floor any implementation pays."""
    with app.app_context():
        cards = {user_id: list(db.session.scalars(select(Card.observation_id).where(
            Card.workshop_id == workshop_id, Card.holder_id == user_id, Card.group_id.is_(None))
            .order_by(Card.position))) for user_id in phones}
    connection, p, uid = floor_connection(url)
    sql = {key: statement.format(p=p) for key, statement in FLOOR_SQL.items()}
    times = []
    for turn in range(runs):
        user_id = phones[turn % len(phones)]
        card = cards[user_id].pop(0)
        start = time.perf_counter()
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        cursor.execute(sql["seq"], (workshop_id,))
        seq = cursor.fetchone()[0]
        cursor.execute(sql["card"], (groups[turn % len(groups)], 1000 + turn, user_id, workshop_id, uid(card)))
        cursor.execute(sql["move"], (workshop_id, seq, user_id, uid(card)))
        cursor.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    connection.close()
    return times


def wall_floor(url, workshop_id, runs):
    connection, p, _ = floor_connection(url)
    query = ("SELECT c.group_id, c.position, o.id, o.text FROM workshop_card c JOIN observation o "
             f"ON o.id = c.observation_id WHERE c.workshop_id = {p} AND c.group_id IS NOT NULL "
             "ORDER BY c.group_id, c.position")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        cursor = connection.cursor()
        rows = cursor.execute(query, (workshop_id,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    connection.close()
    return times, len(rows)


def http_moves(app, study_id, workshop_id, phones, groups, runs):
    clients = {}
    times = []
    base = f"/studies/{study_id}/workshops/{workshop_id}"
    for turn in range(runs):
        user_id = phones[turn % len(phones)]
        client = clients.get(user_id)
        if client is None:
            client = clients[user_id] = app.test_client()
            index = phones.index(user_id)
            assert client.post("/login", data={"email": f"phone{index}@example.org",
                                               "password": PASSWORD}).status_code == 303
        with app.app_context():
            card = next_card(workshop_id, user_id)
        start = time.perf_counter()
        answer = client.post(f"{base}/cards", json={"card": str(card), "action": "place",
                                                    "group": groups[turn % len(groups)]})
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return times, clients


def feed_reads(client, study_id, workshop_id, view, runs):
    base = f"/api/studies/{study_id}/workshops/{workshop_id}/feed"
    seq = client.get(f"{base}?since=0&view={view}").get_json()["seq"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = client.get(f"{base}?since={seq - 1}&view={view}")
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200 and "html" in answer.get_json()
    return times


def fill_wall(app, workshop_id, phones, groups, until):
    with app.app_context():
        placed = db.session.scalar(text("SELECT count(*) FROM workshop_card WHERE workshop_id = :w "
                                        "AND group_id IS NOT NULL"), {"w": workshop_id})
        turn = 0
        while placed < until:
            user_id = phones[turn % len(phones)]
            card = next_card(workshop_id, user_id)
            turn += 1
            if card is None:
                continue
            workshop = service.workshop_in(study_of(workshop_id), workshop_id)
            service.place(workshop, user_id, card, groups[turn % len(groups)])
            placed += 1
        db.session.commit()


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
    assert result.exit_code == 0, (result.output, result.exception)
    study_id, workshop_id, phones, groups = set_up(app)
    figures = {}
    figures["place, service + commit"] = percentiles(place_by_service(app, workshop_id, phones, groups, RUNS))
    figures["place, DB-API floor (3 writes, 1 transaction)"] = percentiles(
        place_by_dbapi(url, app, workshop_id, phones, groups, RUNS))
    times, clients = http_moves(app, study_id, workshop_id, phones, groups, RUNS)
    figures["POST .../cards (a phone's move, answer drawn)"] = percentiles(times)
    reader = next(iter(clients.values()))
    for until in (300, 600 - PHONES):  # half the wall, then all but a card a hand
        fill_wall(app, workshop_id, phones, groups, until)
        figures[f"feed, phone view ({until} cards on the wall)"] = percentiles(
            feed_reads(reader, study_id, workshop_id, "phone", RUNS))
        figures[f"feed, wall view ({until} cards on the wall)"] = percentiles(
            feed_reads(reader, study_id, workshop_id, "wall", max(10, RUNS // 3)))
        floor, rows = wall_floor(url, workshop_id, RUNS)
        figures[f"wall floor: SELECT {rows} placed cards + text (DB-API)"] = percentiles(floor)
    dialect = make_url(url).get_backend_name()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end; {NOTES} notes, {PHONES} phones, {RUNS} runs")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
