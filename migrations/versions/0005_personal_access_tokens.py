"""Personal access tokens: scripts call /api/v1 as their owner with a bearer token (issue 10)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import fieldnotes.extensions  # noqa: F401  (UTCDateTime, the aware-UTC column type the models use)


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_access_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=40), nullable=False),
    sa.Column('created_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rate_window_start', fieldnotes.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rate_window_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_personal_access_token_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_access_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_personal_access_token_token_hash')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_personal_access_token_user_id'))
    )
    with op.batch_alter_table('personal_access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_access_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('personal_access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_access_token_user_id'))

    op.drop_table('personal_access_token')
