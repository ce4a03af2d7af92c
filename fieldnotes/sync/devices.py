"""Which account a phone's outbox belongs to: read once per push, bound on a device's first push."""
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import g, request
from sqlalchemy import bindparam, select, update

from fieldnotes.auth import service
from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict
from fieldnotes.extensions import db, upsert
from fieldnotes.forms import parsed_json
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
    """The account the device belongs to; a device never seen becomes `user_id`'s. One read when known,
    none of its own when the sign-in read it (SIGNED_IN_PUSH below)."""
    owner, last_seen_at = read_along(device_id, user_id) or read_owner(device_id)
    end_the_read()
    if owner is None:
        return bind(device_id, user_id)
    if owner == user_id and utcnow() - last_seen_at > SEEN_PRECISION:
        write(update(Device).where(Device.id == device_id).values(last_seen_at=utcnow()))
    return owner


def read_owner(device_id):
    """(owner, last seen), both None for a device never seen."""
    row = db.session.connection().execute(OWNER, {"device_id": device_id}).first()
    return (None, None) if row is None else (row.user_id, row.last_seen_at)


class DeviceRead(NamedTuple):
    """The device as the push's sign-in read it: owner None when the device is unknown."""
    device_id: uuid.UUID
    user_id: int  # the account that signed in
    owner: int | None
    last_seen_at: datetime | None


def read_along(device_id, user_id):
    """(owner, last seen) as the sign-in read them, when it read this device for this account; else None."""
    read = g.pop("push_device", None)
    if read is None or (read.device_id, read.user_id) != (device_id, user_id):
        return None
    return read.owner, read.last_seen_at


# The device's owner read in the sign-in's statement (auth/service.py SIGNED_IN_WITH): one round trip of
# every push fewer (issue 11, session 8). An outer join on the device's key: an unknown device leaves the
# session's row as it is, one row, and the push binds it as before.
SIGNED_IN_PUSH = (service.SESSION_ROW
                  .add_columns(_devices.c.user_id.label("device_owner"), _devices.c.last_seen_at)
                  .outerjoin(_devices, _devices.c.id == bindparam("device_id")))


def push_params():
    """The device the push's body names, when it names one (else the sign-in reads alone and owner_of
    reads as before). The view checks and validates the body (forms.json_body, BatchSchema): this only
    picks the key to join on, and owner_of uses what was read only for the device id the view was given."""
    g.push_named_device = device_in(request)
    return None if g.push_named_device is None else {"device_id": g.push_named_device}


def device_in(push_request):
    if not push_request.is_json:
        return None
    try:
        body = parsed_json()  # kept for the view's json_body: the body is parsed once
    except ValueError:
        return None
    device_id = body.get("device_id") if isinstance(body, dict) else None
    try:
        return uuid.UUID(device_id) if isinstance(device_id, str) else None
    except ValueError:
        return None


def keep_push_read(row):
    """Called right after push_params, once the row signs in."""
    g.push_device = DeviceRead(g.pop("push_named_device"), row.user_id, row.device_owner, row.last_seen_at)


service.SIGNED_IN_WITH["sync.push"] = service.ReadAlong(SIGNED_IN_PUSH, push_params, keep_push_read)


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
