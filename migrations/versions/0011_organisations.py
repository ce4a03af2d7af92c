"""Organisations become accounts: visits and participants link to one; free text migrated (issue 15)

One account per distinct name in a study, exact after trimming (and one way of writing each accent).
Names that only look alike ("Halloran Ltd", "halloran") stay separate accounts: the merge tool
suggests them and the team confirms. The free text stays, trimmed, for readers not yet moved.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
import unicodedata
from datetime import UTC, datetime

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LINKED = ('site_visit', 'participant')


def upgrade():
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('segment', sa.String(length=80), nullable=False),
    sa.Column('size_band', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=80), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_organisation_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('study_id', 'name', name=op.f('uq_organisation_study_id'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_study_id'), ['study_id'], unique=False)

    op.create_table('organisation_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('kept_id', sa.Integer(), nullable=True),
    sa.Column('kept_name', sa.String(length=200), nullable=False),
    sa.Column('merged_name', sa.String(length=200), nullable=False),
    sa.Column('merged', sa.JSON(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.Column('merged_by', sa.Integer(), nullable=True),
    sa.Column('merged_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('undone_by', sa.Integer(), nullable=True),
    sa.Column('undone_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['kept_id'], ['organisation.id'],
                            name=op.f('fk_organisation_merge_kept_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_by'], ['user.id'], name=op.f('fk_organisation_merge_merged_by_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_organisation_merge_study_id_study'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by'], ['user.id'], name=op.f('fk_organisation_merge_undone_by_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_merge'))
    )
    with op.batch_alter_table('organisation_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_merge_study_id'), ['study_id'], unique=False)

    for table in LINKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_organisation_id'), ['organisation_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_organisation_id_organisation'), 'organisation',
                                        ['organisation_id'], ['id'], ondelete='SET NULL')
    accounts_from_free_text(op.get_bind())


def account_name(name):
    # Frozen copy of fieldnotes/organisations/names.py's rule as of this revision.
    return unicodedata.normalize('NFC', name.strip())


def accounts_from_free_text(connection):
    """One account per (study, trimmed name), named as first written; each row linked and its text trimmed."""
    accounts = {}
    now = datetime.now(UTC)
    organisation = sa.table('organisation', *(sa.column(c) for c in (
        'id', 'study_id', 'name', 'segment', 'size_band', 'region', 'notes')),
        sa.column('created_at', fieldnotes.extensions.UTCDateTime(timezone=True)))
    for table in LINKED:
        rows = connection.execute(sa.text(f'SELECT id, study_id, organisation FROM {table} ORDER BY id')).all()
        for row_id, study_id, text in rows:
            name = account_name(text or '')
            if not name:
                continue
            if (study_id, name) not in accounts:
                accounts[study_id, name] = connection.scalar(sa.insert(organisation).values(
                    study_id=study_id, name=name, segment='', size_band='', region='', notes='',
                    created_at=now).returning(organisation.c.id))
            connection.execute(sa.text(f'UPDATE {table} SET organisation_id = :account, organisation = :name '
                                       'WHERE id = :id'),
                               {'account': accounts[study_id, name], 'name': name, 'id': row_id})


def downgrade():
    for table in LINKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_organisation_id_organisation'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_organisation_id'))
            batch_op.drop_column('organisation_id')
    with op.batch_alter_table('organisation_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_merge_study_id'))
    op.drop_table('organisation_merge')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_study_id'))
    op.drop_table('organisation')
