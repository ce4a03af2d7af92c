"""Which account a phone's outbox belongs to: read once per push, bound on a device's first push."""
from datetime import timedelta

from sqlalchemy import bindparam, select, update

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict
from fieldnotes.extensions import db, upsert
from fieldnotes.sync.models import Device
from fieldnotes.writers import writer_turn

# last_seen_at is for people (which phones are in use), not for the protocol: an hour is precise enough,
# and it spares a write on almost every push.
SEEN_PRECISION = timedelta(hours=1)
NOT_YOURS = {"device_id": [
    "This phone's outbox belongs to another account: notes sent from it cannot be stored as yours. "
    "Sign in as the person who made them, or export them from the capture screen."]}


# Built once: every push reads it (issue 11).
_devices = Device.__table__
OWNER = select(_devices.c.user_id, _devices.c.last_seen_at).where(_devices.c.id == bindparam("device_id"))


def check_claim(user_id, claimed):
    """The phone names the account whose notes it sends; another account's session may not send them."""
    if claimed is not None and claimed != user_id:
        raise Conflict("These notes were made on this phone by another account. They are sent only when "
                       "that account is signed in here.", reason="other_account")


def owner_of(device_id, user_id):
    """The account the device belongs to; a device never seen becomes `user_id`'s. One read when known."""
    row = db.session.connection().execute(OWNER, {"device_id": device_id}).first()
    end_the_read()
    if row is None:
        return bind(device_id, user_id)
    if row.user_id == user_id and utcnow() - row.last_seen_at > SEEN_PRECISION:
        write(update(Device).where(Device.id == device_id).values(last_seen_at=utcnow()))
    return row.user_id


def end_the_read():
    """On SQLite a write transaction must begin with its write, so a read before it ends here. On PostgreSQL
    the read stays in the push's transaction: a ROLLBACK there is a round trip, and psycopg follows it with
    DEALLOCATE ALL (a second one), dropping the statements it had prepared (issue 11, session 6). A read
    takes no lock, and at READ COMMITTED each statement sees what it would see in a new transaction."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.rollback()


def bind(device_id, user_id):
    """Insert-or-nothing, then read: two accounts racing for one new device id get one owner."""
    now = utcnow()
    with writer_turn():
        db.session.execute(upsert(Device).values(id=device_id, user_id=user_id, first_seen_at=now,
                                                 last_seen_at=now).on_conflict_do_nothing())
        owner = db.session.scalar(select(Device.user_id).where(Device.id == device_id))
        db.session.commit()
    return owner


def write(statement):
    with writer_turn():
        db.session.execute(statement)
        db.session.commit()
