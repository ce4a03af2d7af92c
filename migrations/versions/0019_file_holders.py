"""Indexes for "does any row still hold this file?": attachment.stored_sha256 and recording.sha256

Erasing a person and the daily housekeeping ask, per 500 digests, whether any row names a file before
deleting it (observations/storage.py held()). attachment.sha256 had an index; the digest of a re-encoded
photo (stored_sha256) and an interview's own file (recording.sha256) did not, so each question scanned
both tables. On PostgreSQL the indexes are built CONCURRENTLY, outside the migration's transaction, so
phones keep pushing while a large attachment table is indexed.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

INDEXES = (("ix_attachment_stored_sha256", "attachment", "stored_sha256"),
           ("ix_recording_sha256", "recording", "sha256"))


def postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if postgresql():
        with op.get_context().autocommit_block():
            for name, table, column in INDEXES:
                # A concurrent build cut short leaves an INVALID index of that name, and the migration is
                # not marked done: the next upgrade drops whatever is there and builds it again.
                op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
                op.create_index(name, table, [column], unique=False, postgresql_concurrently=True)
        return
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade():
    if postgresql():
        with op.get_context().autocommit_block():
            for name, table, _ in INDEXES:
                op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        return
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
