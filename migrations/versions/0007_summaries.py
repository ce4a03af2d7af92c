"""Counts kept on write: each study's live notes per journey cell and per facet value (issue 11)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Filled from the notes already there, as observations/summaries.py recount() counts them, so a
database upgraded (or restored from an older backup and upgraded) browses with the right counts.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LIVE = "o.deleted_at IS NULL"
ATTENTION = ("EXISTS (SELECT 1 FROM revision r WHERE r.observation_id = o.id AND r.kind = 'conflict' "
             "AND r.created_at >= o.updated_at)")


def upgrade():
    op.create_table('journey_count',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('role_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('participant_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('visit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.Column('pain', sa.Integer(), nullable=False),
    sa.Column('delight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_journey_count_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', 'touchpoint_id', 'role_id', 'participant_id', 'visit_id',
                            name=op.f('pk_journey_count'))
    )
    op.create_table('facet_count',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_facet_count_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', 'facet', 'value', name=op.f('pk_facet_count'))
    )
    op.execute(
        "INSERT INTO journey_count (study_id, touchpoint_id, role_id, participant_id, visit_id, notes, pain, delight) "
        "SELECT o.study_id, COALESCE(o.touchpoint_id, 0), COALESCE(o.role_id, 0), COALESCE(o.participant_id, 0), "
        "COALESCE(o.visit_id, 0), COUNT(*), "
        "SUM(CASE WHEN o.kind IN ('breakdown', 'workaround') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN o.kind = 'delight' THEN 1 ELSE 0 END) "
        f"FROM observation o WHERE {LIVE} "
        "GROUP BY o.study_id, COALESCE(o.touchpoint_id, 0), COALESCE(o.role_id, 0), COALESCE(o.participant_id, 0), "
        "COALESCE(o.visit_id, 0)")
    for facet, value, source in (
            ("kind", "o.kind", "observation o"),
            ("author", "CAST(o.author_id AS VARCHAR(40))", "observation o"),
            ("tag", "CAST(t.tag_id AS VARCHAR(40))", "observation o JOIN observation_tag t ON t.observation_id = o.id"),
            ("media", "a.slot", "observation o JOIN attachment a ON a.observation_id = o.id")):
        op.execute(f"INSERT INTO facet_count (study_id, facet, value, notes) "
                   f"SELECT o.study_id, '{facet}', {value}, COUNT(DISTINCT o.id) FROM {source} WHERE {LIVE} "
                   f"GROUP BY o.study_id, {value}")
    op.execute("INSERT INTO facet_count (study_id, facet, value, notes) "
               f"SELECT o.study_id, 'attention', '', COUNT(*) FROM observation o WHERE {LIVE} AND {ATTENTION} "
               "GROUP BY o.study_id")


def downgrade():
    op.drop_table('facet_count')
    op.drop_table('journey_count')
