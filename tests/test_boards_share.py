"""Share links: hashed tokens, expiry, revocation, headers, consent and the privacy canary."""
import hashlib
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from fieldnotes.boards.models import Reaction, ShareLink
from fieldnotes.boards.reactions import PER_VISITOR
from fieldnotes.extensions import db
from tests.boards_world import CANARY, CANARY_PSEUDONYM, build
from tests.test_boards import item_ids, new_board, status


def board_with_evidence(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, second = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence",
                data={"pick": [f"note:{world['ok_note']}", f"media:{world['ok_media']}"]})
    client.post(f"{base}/items/{second}/evidence", data={"pick": [f"note:{world['refused_note']}"]})
    return world, base


def share(client, base, days=14):
    expires = (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
    response = client.post(f"{base}/shares", data={"expires_on": expires})
    assert response.status_code == 200, response.text
    return re.search(r'value="http://localhost(/share/[^"]+)"', response.text).group(1)


def test_share_page_without_an_account_shows_consented_evidence_only(app, client, auth):
    world, base = board_with_evidence(app, client, auth)
    link = share(client, base)
    auth.logout()
    visitor = app.test_client()
    for url in (link, f"{link}/present"):
        response = visitor.get(url)
        assert response.status_code == 200
        page = response.text
        assert "I re-key every order into the fuel sheet." in page and "Approvals wait for printouts." in page
        assert f"{link}/media/{world['ok_media']}" in page
        assert str(world["refused_media"]) not in page
        assert CANARY not in page and CANARY_PSEUDONYM not in page and "Wilhelmina" not in page
        assert '<meta name="robots" content="noindex">' in page
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex"
    assert status(visitor, f"{link}/media/{world['ok_media']}") == 200
    assert status(visitor, f"{link}/media/{world['refused_media']}") == 404  # not consented
    # Any other media of the study, even consented, is not reachable through this token.
    with app.app_context():
        db.session.execute(text("DELETE FROM evidence"))
        db.session.commit()
    assert status(visitor, f"{link}/media/{world['ok_media']}") == 404


def test_token_is_stored_hashed(app, client, auth):
    _, base = board_with_evidence(app, client, auth)
    token = share(client, base).rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64url
    with app.app_context():
        stored = db.session.scalar(select(ShareLink))
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        dump = " ".join(str(v) for row in db.session.execute(select(ShareLink.__table__)).all() for v in row)
        assert token not in dump


def test_expired_and_revoked_links_are_404_with_a_message(app, client, auth):
    _, base = board_with_evidence(app, client, auth)
    link = share(client, base)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(ShareLink))
        stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    gone = visitor.get(link)
    assert gone.status_code == 404 and "expired or was revoked" in gone.text
    assert gone.headers["Referrer-Policy"] == "no-referrer" and gone.headers["X-Robots-Tag"] == "noindex"

    second = share(client, base)
    assert visitor.get(second).status_code == 200
    with app.app_context():
        share_id = db.session.scalar(select(ShareLink.id).where(ShareLink.revoked_at.is_(None),
                                                                 ShareLink.expires_at > datetime.now(UTC)))
    assert client.post(f"{base}/shares/{share_id}/revoke").status_code == 303
    assert visitor.get(second).status_code == 404
    assert visitor.get(f"{second}/present").status_code == 404
    assert visitor.get("/share/not-a-token").status_code == 404


def test_expiry_is_chosen_within_90_days(app, client, auth):
    _, base = board_with_evidence(app, client, auth)
    too_late = (datetime.now(UTC).date() + timedelta(days=91)).isoformat()
    response = client.post(f"{base}/shares", data={"expires_on": too_late})
    assert response.status_code == 422 and "at most 90 days" in response.text
    assert client.post(f"{base}/shares", data={"expires_on": "2001-01-01"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ShareLink)) is None
    page = client.get(f"{base}/edit").text
    default = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    assert f'value="{default}"' in page


def test_share_visitors_react_by_typed_name_and_are_capped(app, client, auth):
    world, base = board_with_evidence(app, client, auth)
    link = share(client, base)
    visitor = app.test_client()
    response = visitor.post(f"{link}/reactions", data={"insight_id": world["first"], "kind": "question",
                                                       "comment": "Which systems?", "name": "Dana CFO"})
    assert response.status_code == 303
    assert "Dana CFO (share link)" in client.get(f"{base}/edit").text
    agree = {"insight_id": world["first"], "kind": "agree"}
    for _ in range(PER_VISITOR - 1):
        assert visitor.post(f"{link}/reactions", data=agree).status_code == 303
    assert visitor.post(f"{link}/reactions", data=agree).status_code == 429
    # The share link cannot react to an insight that is not on its board.
    stray = {"insight_id": world["stray"], "kind": "agree"}
    assert app.test_client().post(f"{link}/reactions", data=stray).status_code == 404
    with app.app_context():
        assert db.session.query(Reaction).count() == PER_VISITOR
