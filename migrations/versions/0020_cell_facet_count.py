"""Facet counts per journey cell and day: a filter on touchpoint, role, visit, participant, organisation or
dates counted from kept rows, not from its notes (issue 11)

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
COLUMNS = "study_id, touchpoint_id, role_id, participant_id, visit_id, day, facet, value, notes"


def upgrade():
    # The UTC day of a note's capture (observations/summaries/deltas.py utc_day): SQLite holds UTC times.
    day = ("(o.captured_at AT TIME ZONE 'UTC')::date" if op.get_bind().dialect.name == "postgresql"
           else "date(o.captured_at)")
    cell_day = f"{CELL}, {day}"
    op.create_table('cell_facet_count',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('participant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_cell_facet_count_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', 'touchpoint_id', 'role_id', 'participant_id', 'visit_id', 'day', 'facet',
                            'value', name=op.f('pk_cell_facet_count'))
    )
    for facet, value, source in (
            ("kind", "o.kind", "observation o"),
            ("author", "CAST(o.author_id AS VARCHAR(40))", "observation o"),
            ("tag", "CAST(t.tag_id AS VARCHAR(40))", "observation o JOIN observation_tag t ON t.observation_id = o.id"),
            ("media", "a.slot", "observation o JOIN attachment a ON a.observation_id = o.id")):
        op.execute(f"INSERT INTO cell_facet_count ({COLUMNS}) "
                   f"SELECT o.study_id, {cell_day}, '{facet}', {value}, COUNT(DISTINCT o.id) FROM {source} "
                   f"WHERE {LIVE} GROUP BY o.study_id, {cell_day}, {value}")
    op.execute(f"INSERT INTO cell_facet_count ({COLUMNS}) "
               f"SELECT o.study_id, {cell_day}, 'attention', '', COUNT(*) FROM observation o "
               f"WHERE {LIVE} AND {ATTENTION} GROUP BY o.study_id, {cell_day}")


def downgrade():
    op.drop_table('cell_facet_count')
