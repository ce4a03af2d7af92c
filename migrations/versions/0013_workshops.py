"""Workshops (issue 16): a live synthesis session; its cards, groups, seats, move log and join guesses

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Six new tables, nothing changed in others. workshop_move is the workshop's change feed: each
move's number (seq) is unique within its workshop.
"""
from alembic import op
import sqlalchemy as sa
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('deal', sa.Enum('evenly', 'visit', 'role', name='deal', native_enum=False, length=20), nullable=False),
    sa.Column('dealt', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('open', 'locked', 'ended', name='workshopstate', native_enum=False, length=20), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_workshop_created_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_workshop_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop')),
    sa.UniqueConstraint('code', name=op.f('uq_workshop_code'))
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_study_id'), ['study_id'], unique=False)

    op.create_table('workshop_join_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_workshop_join_attempt_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_join_attempt'))
    )
    with op.batch_alter_table('workshop_join_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_join_attempt_user_id'), ['user_id'], unique=False)

    op.create_table('workshop_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('insight_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_workshop_group_created_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_workshop_group_insight_id_insight'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into'], ['workshop_group.id'], name=op.f('fk_workshop_group_merged_into_workshop_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['workshop_group.id'], name=op.f('fk_workshop_group_parent_id_workshop_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_group_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_group'))
    )
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_group_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_workshop_seat_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_seat_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_seat')),
    sa.UniqueConstraint('workshop_id', 'user_id', name=op.f('uq_workshop_seat_workshop_id'))
    )
    op.create_table('workshop_card',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Uuid(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('moved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['workshop_group.id'], name=op.f('fk_workshop_card_group_id_workshop_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['holder_id'], ['user.id'], name=op.f('fk_workshop_card_holder_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moved_by'], ['user.id'], name=op.f('fk_workshop_card_moved_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_workshop_card_observation_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_card_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'observation_id', name=op.f('pk_workshop_card'))
    )
    with op.batch_alter_table('workshop_card', schema=None) as batch_op:
        batch_op.create_index('ix_workshop_card_holder', ['workshop_id', 'holder_id', 'position'], unique=False)

    op.create_table('workshop_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('observation_id', sa.Uuid(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_workshop_move_observation_id_observation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_workshop_move_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_move_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_move')),
    sa.UniqueConstraint('workshop_id', 'seq', name=op.f('uq_workshop_move_workshop_id'))
    )


def downgrade():
    op.drop_table('workshop_move')
    with op.batch_alter_table('workshop_card', schema=None) as batch_op:
        batch_op.drop_index('ix_workshop_card_holder')

    op.drop_table('workshop_card')
    op.drop_table('workshop_seat')
    with op.batch_alter_table('workshop_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_group_workshop_id'))

    op.drop_table('workshop_group')
    with op.batch_alter_table('workshop_join_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_join_attempt_user_id'))

    op.drop_table('workshop_join_attempt')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_study_id'))

    op.drop_table('workshop')
