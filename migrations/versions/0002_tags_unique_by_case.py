"""Tags, touchpoints and roles unique by letter case (issue 9)

Before, only the exact name was unique per study, so racing writers on PostgreSQL
could store "Billing", "billing" and "BILLING" as three tags. Now each row keeps
its name's key (studies.models.name_key: casefolded, accents composed one way),
unique per study on both databases.

Names that are one name in other letters are first merged into the oldest row
(lowest id): a tag's notes move to it (no note gets it twice) with a "merge" in
the tag history; notes and participants on a touchpoint or role are repointed.
Every live note that changed becomes a new version with a new change number
(taken under the counter's lock, as observations/changes.py does) and a
revision, so phones pull it. The merge is not undone by downgrade, which drops
only the key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

"""
import secrets
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from fieldnotes.extensions import UTCDateTime
# The app's own rule, not a copy: the keys written here must be the ones the app looks names up by.
# (If the rule ever changes, a later migration recomputes the keys.)
from fieldnotes.studies.models import name_key


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NAME_LENGTHS = {"tag": 60, "touchpoint": 80, "role": 80}

# The tables as they are at this revision (the models may have moved on since).
observation = sa.table(
    "observation", sa.column("id", sa.Uuid()), sa.column("study_id"), sa.column("kind"), sa.column("text"),
    sa.column("expected"), sa.column("touchpoint_id"), sa.column("role_id"), sa.column("participant_id"),
    sa.column("visit_id"), sa.column("captured_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
    sa.column("deleted_at", UTCDateTime()), sa.column("version"), sa.column("seq"))
observation_tag = sa.table("observation_tag", sa.column("observation_id", sa.Uuid()), sa.column("tag_id"))
attachment = sa.table("attachment", sa.column("id", sa.Uuid()), sa.column("observation_id", sa.Uuid()),
                      sa.column("slot"), sa.column("sha256"), sa.column("size"), sa.column("mime"),
                      sa.column("created_at", UTCDateTime()))
revision_table = sa.table("revision", sa.column("observation_id", sa.Uuid()), sa.column("version"),
                          sa.column("data", sa.JSON()), sa.column("author_id"), sa.column("device_id", sa.Uuid()),
                          sa.column("kind"), sa.column("created_at", UTCDateTime()))
tag_event = sa.table("tag_event", sa.column("study_id"), sa.column("action"), sa.column("old_name"),
                     sa.column("new_name"), sa.column("notes"), sa.column("user_id"),
                     sa.column("created_at", UTCDateTime()))
participant = sa.table("participant", sa.column("role_id"))
sync_state = sa.table("sync_state", sa.column("id"), sa.column("epoch"), sa.column("counter"))


def named(table):
    return sa.table(table, sa.column("id"), sa.column("study_id"), sa.column("name"), sa.column("name_key"),
                    *([sa.column("retired")] if table != "tag" else []))


def upgrade():
    bind = op.get_bind()
    take_counter(bind, sync_state.c.counter)  # first, as every writer of notes does
    changed = set()
    for table, length in NAME_LENGTHS.items():
        add_key(bind, table, length)
        for survivor, duplicates in same_names(bind, table):
            merge = merge_tags if table == "tag" else merge_terms
            changed |= merge(bind, table, survivor, duplicates)
        if bind.dialect.name != "sqlite":
            op.alter_column(table, "name_key", nullable=False)
        op.create_index(f"uq_{table}_study_id_name_key", table, ["study_id", "name_key"], unique=True)
    new_versions(bind, sorted(changed))


def downgrade():
    for table in NAME_LENGTHS:
        op.drop_index(f"uq_{table}_study_id_name_key", table_name=table)
        # A plain DROP COLUMN on SQLite too (3.35+): a batch rebuild would drop the table, and with
        # foreign keys on that deletes every note's tags and empties their touchpoints and roles.
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN name_key')


def add_key(bind, table, length):
    """The key column, filled from every name.

    SQLite cannot make an added column NOT NULL afterwards without rebuilding the table (see
    downgrade), so there it is added NOT NULL with an empty default that the app never relies on:
    every row gets its key here, and the app always writes one.
    """
    on_sqlite = bind.dialect.name == "sqlite"
    op.add_column(table, sa.Column("name_key", sa.String(4 * length), nullable=not on_sqlite,
                                   server_default="" if on_sqlite else None))
    rows = named(table)
    keys = [{"row_id": row.id, "key": name_key(row.name)} for row in bind.execute(sa.select(rows.c.id, rows.c.name))]
    if keys:
        bind.execute(rows.update().where(rows.c.id == sa.bindparam("row_id")).values(name_key=sa.bindparam("key")),
                      keys)


def same_names(bind, table):
    """Each group of rows that are one name in other letters: (the oldest row, the others)."""
    rows = named(table)
    groups = {}
    for row in bind.execute(sa.select(rows).order_by(rows.c.id)):
        groups.setdefault((row.study_id, row.name_key), []).append(row)
    return [(group[0], group[1:]) for group in groups.values() if len(group) > 1]


def live_notes(bind, condition, *joins):
    query = sa.select(observation.c.id).where(condition, observation.c.deleted_at.is_(None))
    for table, on in joins:
        query = query.join_from(observation, table, on)
    return set(bind.scalars(query))


def merge_tags(bind, table, survivor, duplicates):
    """Move the duplicates' notes to the survivor (a note that has both keeps one), record it, drop them."""
    changed, tags = set(), named(table)
    has_survivor = sa.select(observation_tag.c.observation_id).where(observation_tag.c.tag_id == survivor.id)
    for duplicate in duplicates:
        moved = live_notes(bind, observation_tag.c.tag_id == duplicate.id,
                           (observation_tag, observation_tag.c.observation_id == observation.c.id))
        bind.execute(observation_tag.delete().where(observation_tag.c.tag_id == duplicate.id,
                                                    observation_tag.c.observation_id.in_(has_survivor)))
        bind.execute(observation_tag.update().where(observation_tag.c.tag_id == duplicate.id)
                     .values(tag_id=survivor.id))
        bind.execute(tag_event.insert().values(study_id=survivor.study_id, action="merge", old_name=duplicate.name,
                                               new_name=survivor.name, notes=len(moved), user_id=None,
                                               created_at=datetime.now(UTC)))
        bind.execute(tags.delete().where(tags.c.id == duplicate.id))
        changed |= moved
    return changed


def merge_terms(bind, table, survivor, duplicates):
    """Repoint notes (and, for roles, participants) to the survivor, which stays offered if any was; drop them."""
    rows, ids = named(table), [d.id for d in duplicates]
    column = observation.c[f"{table}_id"]
    changed = live_notes(bind, column.in_(ids))
    bind.execute(observation.update().where(column.in_(ids)).values({column: survivor.id}))
    if table == "role":
        bind.execute(participant.update().where(participant.c.role_id.in_(ids)).values(role_id=survivor.id))
    if survivor.retired and not all(d.retired for d in duplicates):
        bind.execute(rows.update().where(rows.c.id == survivor.id).values(retired=False))
    bind.execute(rows.delete().where(rows.c.id.in_(ids)))
    return changed


def take_counter(bind, value):
    return bind.scalar(sync_state.update().where(sync_state.c.id == 1).values(counter=value)
                       .returning(sync_state.c.counter))


def new_versions(bind, note_ids):
    """Each changed note, in id order, as its next version with the next change number and a revision."""
    if not note_ids:
        return
    last = take_counter(bind, sync_state.c.counter + len(note_ids))
    if last is None:  # never numbered through the counter: start it past every note's number
        highest = bind.scalar(sa.select(sa.func.coalesce(sa.func.max(observation.c.seq), 0)))
        bind.execute(sync_state.insert().values(id=1, epoch=secrets.token_hex(8), counter=highest))
        last = take_counter(bind, sync_state.c.counter + len(note_ids))
    now = datetime.now(UTC)
    for note_id, seq in zip(note_ids, range(last - len(note_ids) + 1, last + 1)):
        version = bind.scalar(observation.update().where(observation.c.id == note_id)
                              .values(version=observation.c.version + 1, seq=seq, updated_at=now)
                              .returning(observation.c.version))
        bind.execute(revision_table.insert().values(observation_id=note_id, version=version,
                                                    data=note_content(bind, note_id), author_id=None,
                                                    device_id=None, kind="edit", created_at=now))


def note_content(bind, note_id):
    """The note as observations.content.note_content gives it: what a revision keeps."""
    fields = ("study_id", "kind", "text", "expected", "touchpoint_id", "role_id", "participant_id", "visit_id")
    note = bind.execute(sa.select(*(observation.c[f] for f in fields), observation.c.captured_at)
                        .where(observation.c.id == note_id)).one()
    tags = named("tag")
    data = {f: getattr(note, f) for f in fields}
    data["tags"] = sorted(bind.scalars(sa.select(tags.c.name).join_from(
        observation_tag, tags, observation_tag.c.tag_id == tags.c.id).where(observation_tag.c.observation_id == note_id)))
    data["captured_at"] = note.captured_at.astimezone(UTC).isoformat()
    data["media"] = [{"id": str(m.id), "slot": m.slot, "sha256": m.sha256, "size": m.size, "mime": m.mime}
                     for m in bind.execute(sa.select(attachment).where(attachment.c.observation_id == note_id)
                                           .order_by(attachment.c.created_at))]
    return data
