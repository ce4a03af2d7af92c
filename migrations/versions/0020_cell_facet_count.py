"""Facet counts per journey cell: a filter on touchpoint, role, visit, participant or organisation counted
from kept rows, not from its notes (issue 11)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

Filled from the notes already there, as observations/summaries recount() counts them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

LIVE = "o.deleted_at IS NULL"
ATTENTION = ("EXISTS (SELECT 1 FROM revision r WHERE r.observation_id = o.id AND r.kind = 'conflict' "
             "AND r.created_at >= o.updated_at)")
CELL = ("COALESCE(o.touchpoint_id, 0), COALESCE(o.role_id, 0), COALESCE(o.participant_id, 0), "
        "COALESCE(o.visit_id, 0)")
COLUMNS = "study_id, touchpoint_id, role_id, participant_id, visit_id, facet, value, notes"


def upgrade():
    op.create_table('cell_facet_count',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('participant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_cell_facet_count_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', 'touchpoint_id', 'role_id', 'participant_id', 'visit_id', 'facet',
                            'value', name=op.f('pk_cell_facet_count'))
    )
    for facet, value, source in (
            ("kind", "o.kind", "observation o"),
            ("author", "CAST(o.author_id AS VARCHAR(40))", "observation o"),
            ("tag", "CAST(t.tag_id AS VARCHAR(40))", "observation o JOIN observation_tag t ON t.observation_id = o.id"),
            ("media", "a.slot", "observation o JOIN attachment a ON a.observation_id = o.id")):
        op.execute(f"INSERT INTO cell_facet_count ({COLUMNS}) "
                   f"SELECT o.study_id, {CELL}, '{facet}', {value}, COUNT(DISTINCT o.id) FROM {source} "
                   f"WHERE {LIVE} GROUP BY o.study_id, {CELL}, {value}")
    op.execute(f"INSERT INTO cell_facet_count ({COLUMNS}) "
               f"SELECT o.study_id, {CELL}, 'attention', '', COUNT(*) FROM observation o WHERE {LIVE} AND {ATTENTION} "
               f"GROUP BY o.study_id, {CELL}")


def downgrade():
    op.drop_table('cell_facet_count')
